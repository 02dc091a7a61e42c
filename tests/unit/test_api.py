"""The open data API's edges, in-process: what a client is told about a cut stream, a wrong
card format, a forged If-None-Match, and text that XML cannot hold."""

from __future__ import annotations

import dataclasses
import http.client
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from ctdash import api, cards, opendata, queries
from ctdash.config import get_settings
from tests.e2e.launch import free_port


@pytest.fixture
def served(store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Starlette]:
    """The API's routes on the test's store."""
    monkeypatch.setenv("CTDASH_DATABASE_URL", store.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    api.store.cache_clear()
    api.ANSWERS.kept.clear()
    yield Starlette(routes=api.ROUTES, middleware=[Middleware(api.CutStreams)])
    api.store.cache_clear()
    get_settings.cache_clear()


def test_a_card_is_svg_or_png_and_nothing_else(served: Starlette) -> None:
    client = TestClient(served)
    assert client.get("/embed/tile/member_states.svg").status_code == 200
    answer = client.get("/embed/tile/member_states.gif")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "A card is an .svg or a .png, not a .gif."


def test_if_none_match_star_never_hides_a_bad_parameter(served: Starlette) -> None:
    client = TestClient(served)
    answer = client.get("/api/v1/activities.csv?kind=bogus", headers={"If-None-Match": "*"})
    assert answer.status_code == 400
    assert answer.json()["invalid-params"][0]["name"] == "kind"


def test_text_xml_cannot_hold_is_left_out_of_a_card(store: Engine) -> None:
    card = dataclasses.replace(cards.tile(store, "member_states"), label="Member\x01 States")
    svg = ET.fromstring(cards.tile_svg(card))
    assert "Member States" in "".join(svg.itertext())
    assert cards.tile_png(card).startswith(b"\x89PNG")


def test_a_stream_whose_store_fails_midway_is_cut_not_ended(
    served: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two pages of activities, then the store fails: the client's read fails, so that no
    one takes the part for the whole."""
    monkeypatch.setattr(opendata, "PAGE_ROWS", 2)
    read = queries.activities
    calls: list[int] = []

    def failing(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) >= 3:
            raise OperationalError("SELECT", {}, Exception("disk I/O error"))
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(queries, "activities", failing)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(served, port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/api/v1/activities.csv")
        answer = connection.getresponse()
        assert answer.status == 200
        with pytest.raises(http.client.IncompleteRead):
            answer.read()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
