"""Internal activities never reach a viewer who is not signed in: checked on what is sent.

Every element a page sends (its protobuf, with the Arrow tables and the deck's JSON inside)
is searched for the internal activity's title, its only entity and its date, on every page
and through links that name it; a signed-in editor's pages carry it, so the search can fail.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from ctdash import auth
from ctdash.cli import app as cli_app
from ctdash.db import make_engine
from ctdash.seed import seed
from tests.helpers.apptest import every_element, open_page

TITLE = "Quiet consultation on witness protection"
ENTITY = "Internal-only Entity"
DAY = "2019-01-15"
TRACES = (TITLE, ENTITY, DAY)
PAGES = ["overview", "map", "activities", "trends", "account"]
# Links a viewer could be sent that name the internal activity: by text, country, date.
NAMING_LINKS = [
    ("activities", {"q": "witness protection"}),
    ("map", {"country": "BTN"}),
    ("map", {"country": "BTN", "view": "countries"}),
    ("map", {"from": "2019-01-01", "to": "2019-01-31"}),
    ("activities", {"from": "2019-01-01", "to": "2019-01-31"}),
]


@pytest.fixture
def internal_db(app_database: Path, tmp_path: Path) -> Path:
    """The seeded store, an editor, and one internal activity imported by `ctdash import`."""
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name="ana", role="editor", password="correct horse battery")
        session.commit()
    engine.dispose()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["title", "kind", "start", "country", "city", "entities", "internal"])
    writer.writerow([TITLE, "assessment", DAY, "Bhutan", "Thimphu", ENTITY, "yes"])
    path = tmp_path / "internal.csv"
    path.write_bytes(buffer.getvalue().encode())
    done = CliRunner().invoke(cli_app, ["import", str(path), "--accept-warnings"])
    assert done.exit_code == 0, done.output
    return app_database


def sent(at: AppTest) -> bytes:
    """Everything the page's elements would send to the browser, serialised."""
    return b"".join(
        node.proto.SerializeToString()
        for node in every_element(at)
        if hasattr(getattr(node, "proto", None), "SerializeToString")
    )


def traces(at: AppTest) -> list[str]:
    payload = sent(at)
    return [trace for trace in TRACES if trace.encode() in payload]


@pytest.mark.parametrize("page", PAGES)
def test_no_page_sends_an_internal_activity_to_a_viewer_not_signed_in(
    internal_db: Path, page: str
) -> None:
    assert traces(open_page(page, user=None)) == []


@pytest.mark.parametrize(("page", "query"), NAMING_LINKS)
def test_a_link_that_names_it_finds_nothing_when_not_signed_in(
    internal_db: Path, page: str, query: dict[str, str]
) -> None:
    at = open_page(page, user=None, **query)
    assert traces(at) == []
    captions = " ".join(c.value for c in at.caption)
    assert "0 of 0 matching activities" in captions or "0 activities match" in captions


def test_an_entity_only_internal_activities_name_is_unknown_to_the_public(
    internal_db: Path,
) -> None:
    at = open_page("activities", user=None, entity=ENTITY)
    assert traces(at) == []
    notices = " ".join(w.value for w in at.warning)
    assert "entity" in notices.lower()
    assert ENTITY not in " ".join(at.multiselect(key="activities:entity").options)


@pytest.mark.parametrize("page", ["map", "activities"])
def test_a_signed_in_editor_sees_it_marked_internal(internal_db: Path, page: str) -> None:
    at = open_page(page, user="ana", country="BTN")
    assert traces(at) != []
    captions = " ".join(c.value for c in at.caption)
    if page == "activities":
        assert "1 activity matches. 1 of them is internal" in captions
    else:
        assert "1 of 1 matching activities have a place" in captions
