"""Internal activities in a real browser: what a signed-out viewer receives, byte for byte.

A dedicated server's store gets one internal activity by `ctdash import`. A viewer who is
not signed in opens every page that shows activities, and links that name the activity by
text, country and date; every WebSocket message the browser receives (the pages' elements,
the map's JSON, the tables' Arrow data) and both downloads are searched for its title, its
only entity and its date. Then an editor signs in and receives it, so the search can fail.
"""

from __future__ import annotations

import csv
import io
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect
from pypdf import PdfReader

from tests.e2e.conftest import PASSWORD, navigation_link, sign_in

TITLE = "Quiet consultation on witness protection"
ENTITY = "Internal-only Entity"
DAY = "2019-01-15"
TRACES = (TITLE.encode(), ENTITY.encode(), DAY.encode())

# A page or link a signed-out viewer might open, and the caption it must then show.
SIGNED_OUT_VISITS = [
    ("/map", "22 of 56 matching activities have a place"),
    ("/map?country=BTN", "0 of 0 matching activities have a place"),
    ("/map?country=BTN&view=countries", "0 of 0 matching activities have a place"),
    ("/map?from=2019-01-01&to=2019-01-31", "0 of 0 matching activities have a place"),
    ("/activities?q=witness%20protection", "0 activities match."),
    ("/activities?from=2019-01-01&to=2019-01-31", "0 activities match."),
    ("/activities", "56 activities match."),
]


@pytest.fixture
def internal_app_url(
    tmp_path: Path, ctdash_cli: Callable[..., str], start_app: Callable[..., str]
) -> str:
    """A server whose store holds the seed, an editor, and one internal activity."""
    ctdash_cli(tmp_path, "init")
    ctdash_cli(tmp_path, "users", "add", "ana", "--role", "editor", password=PASSWORD)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["title", "kind", "start", "country", "city", "entities", "internal"])
    writer.writerow([TITLE, "assessment", DAY, "Bhutan", "Thimphu", ENTITY, "yes"])
    path = tmp_path / "internal.csv"
    path.write_text(buffer.getvalue())
    done = ctdash_cli(tmp_path, "import", str(path), "--accept-warnings")
    assert "wrote 0 figures and 1 activities" in done, done
    return start_app(tmp_path)


def record_messages(page: Page) -> list[bytes]:
    """Every WebSocket message this page receives from now on, as bytes."""
    received: list[bytes] = []

    def watch(socket: WebSocket) -> None:
        socket.on(
            "framereceived",
            lambda data: received.append(data if isinstance(data, bytes) else data.encode()),
        )

    page.on("websocket", watch)
    return received


def traces_in(data: bytes) -> list[bytes]:
    return [trace for trace in TRACES if trace in data]


def download(page: Page, button: str) -> bytes:
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    return Path(started.value.path()).read_bytes()


def pdf_text(data: bytes) -> str:
    """The text of a PDF, its lines joined with spaces."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def unzipped(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_a_signed_out_viewer_never_receives_an_internal_activity(
    page: Page,
    new_context: Callable[..., object],
    internal_app_url: str,
    external_requests: list[str],
) -> None:
    received = record_messages(page)
    page.goto(f"{internal_app_url}/")
    expect(page.get_by_role("heading", name="Counter-Terrorism Compact in Numbers")).to_be_visible()
    for path, caption in SIGNED_OUT_VISITS:
        page.goto(f"{internal_app_url}{path}")
        expect(page.get_by_text(caption)).to_be_visible()
    csv_file = download(page, "Download CSV")
    xlsx_file = download(page, "Download XLSX")
    pdf_file = download(page, "Download as PDF")

    assert len(received) > len(SIGNED_OUT_VISITS)
    assert [traces_in(message) for message in received if traces_in(message)] == []
    assert csv_file.count(b"\n") == 57  # the header and the 56 public activities
    assert traces_in(csv_file) == []
    assert traces_in(unzipped(xlsx_file)) == []
    assert "56 activities match." in pdf_text(pdf_file)
    assert TITLE not in pdf_text(pdf_file)

    # Signed in, the same pages carry it: the search above looks at the right bytes. A local
    # sign-in lasts for the browser session, so the editor moves by the app's own links.
    editor = new_context().new_page()  # type: ignore[attr-defined]
    editor_received = record_messages(editor)
    sign_in(editor, internal_app_url, "ana")
    expect(editor.get_by_text("Signed in as ana (editor).")).to_be_visible()
    navigation_link(editor, "Activities").click()
    editor.get_by_label("Search").fill("witness protection")
    editor.get_by_label("Search").press("Enter")
    expect(editor.get_by_text("1 activity matches. 1 of them is internal")).to_be_visible()
    assert traces_in(download(editor, "Download CSV")) == list(TRACES)
    # A PDF is for anyone it is sent on to: it never holds an internal activity.
    assert TITLE not in pdf_text(download(editor, "Download as PDF"))
    navigation_link(editor, "Map").click()
    expect(editor.get_by_text("23 of 57 matching activities have a place")).to_be_visible()
    assert any(TITLE.encode() in message for message in editor_received)

    assert external_requests == []


API_PATHS = [
    "/api/v1/activities.csv",
    "/api/v1/activities.json",
    "/api/v1/activities.geojson",
    "/api/v1/activities.csv?country=BTN",
    "/api/v1/activities.json?kind=assessment&from=" + DAY,
    "/api/v1/activities.geojson?region=Asia&q=witness",
    "/api/v1/indicators.json",
    "/api/v1/observations.json?revisions=all",
    "/api/v1/datapackage.json",
    "/api/v1/data.zip",
    "/map?country=BTN",
    "/activities?q=witness",
]


def test_no_route_of_the_open_data_gives_an_internal_activity(internal_app_url: str) -> None:
    """Nobody is signed in to the API: every answer, and every page's link preview, is free
    of the internal activity's title, entity and date, whatever the parameters."""
    for path in API_PATHS:
        with urllib.request.urlopen(f"{internal_app_url}{path}", timeout=60) as answer:
            assert answer.status == 200, path
            body = answer.read()
        if path.endswith(".zip"):
            body = unzipped(body)
        assert traces_in(body) == [], path
    with urllib.request.urlopen(f"{internal_app_url}/api/v1/activities.csv") as answer:
        assert answer.read().decode("utf-8-sig").count("\n") == 57  # the header and 56 public
