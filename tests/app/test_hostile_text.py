"""Hostile text through the real import paths, then every page through AppTest.

Payloads (markup, `javascript:` links, Markdown images, HTML entities, very long strings,
right-to-left overrides, control characters) go into activity titles, cities, entities and
working groups with `ctdash import`, into an upload's file name and into user names. Every
page then renders without an exception, and wherever Streamlit renders Markdown (Markdown,
captions, alerts, headings, labels, help) a payload appears only escaped; nothing from a
payload reaches `st.html` or a Markdown element that allows HTML; the map's tooltip
template is the fixed one and payloads travel only in its data fields.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from ctdash import auth, maps
from ctdash.cli import app as cli_app
from ctdash.db import make_engine
from ctdash.models import Activity
from ctdash.seed import seed
from tests.helpers.apptest import open_page as open_app_page
from tests.helpers.escaping import RAW_ENTITY, RTL, TRACES, unescaped_payloads

PASSWORD = "correct horse battery"

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[click](javascript:alert(1))"
MD_IMAGE = "![x](http://example.com/x.png)"
ENTITY = "&lt;b&gt;"
# NUL and C0 controls other than tab/CR/LF/FF make a CSV unreadable (tested below); these
# get through: tab, form feed, DEL, C1 CSI and NEL, a line separator, a zero-width space.
CONTROL = "tab\tff\fdel\x7fcsi\x9b31mnel\x85ls\u2028zw\u200bend"
LONG = "L" * 5000
PAYLOADS = {
    "script": SCRIPT,
    "img": IMG,
    "link": JS_LINK,
    "image": MD_IMAGE,
    "entity": ENTITY,
    "rtl": RTL,
    "control": CONTROL,
}
# Who the import is recorded as, and an administrator's name: both shown on pages.
IMPORT_USER = f"{SCRIPT} {JS_LINK}"
ADMIN_NAME = f"{IMG} {MD_IMAGE}"
# A file name may not hold "/"; this one is markup and a Markdown link.
FILE_NAME = f"{IMG}{JS_LINK}.csv"
UPLOAD_NAME = f"{MD_IMAGE}{ENTITY}{IMG}.csv"

PAGES = ["map", "activities", "overview", "trends", "desk", "admin", "account"]


def activities_csv(rows: list[list[str]]) -> bytes:
    header = ["title", "kind", "start", "end", "country", "city", "entities", "working group"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*header, "url"])
    writer.writerows([[*row, ""] for row in rows])
    return buffer.getvalue().encode()


def payload_rows(year: int) -> list[list[str]]:
    """One activity per payload, which fills its title, city, entities and working group."""
    rows = [
        [
            f"{value} {name}",
            kind,
            f"{year}-05-{day:02d}",
            "",
            "Kenya",
            value,
            f"{value};UNODC",
            value,
        ]
        for day, ((name, value), kind) in enumerate(
            zip(PAYLOADS.items(), ["assessment", "workshop"] * 4, strict=False), start=1
        )
    ]
    # Titles stop at 500 characters; the other fields take the 5,000-character string.
    rows.append(["long " + "A" * 400, "assessment", f"{year}-06-01", "", "Kenya", LONG, LONG, LONG])
    return rows


@pytest.fixture
def hostile_db(app_database: Path, tmp_path: Path) -> Path:
    """A seeded store with payload activities imported by `ctdash import`, and payload users."""
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name=ADMIN_NAME, role="admin", password=PASSWORD)
        auth.add_user(session, name="ana", role="editor", password=PASSWORD)
        session.commit()
    engine.dispose()
    path = tmp_path / FILE_NAME
    path.write_bytes(activities_csv(payload_rows(2023)))
    args = ["import", str(path), "--accept-warnings", "--user", IMPORT_USER]
    done = CliRunner().invoke(cli_app, args)
    assert done.exit_code == 0, done.output
    return app_database


def open_page(page: str, user: str | None = ADMIN_NAME, **query: str) -> AppTest:
    """A page as the administrator whose name is a payload sees it, unless `user` is given."""
    return open_app_page(page, user, **query)


def test_the_import_keeps_every_payload_as_typed(hostile_db: Path) -> None:
    engine = make_engine(f"sqlite:///{hostile_db}")
    with Session(engine) as session:
        stored = session.exec(select(Activity)).all()
    engine.dispose()
    titles = {a.title for a in stored}
    cities = {a.city for a in stored}
    for name, value in PAYLOADS.items():
        typed = " ".join(value.split())  # the reader folds runs of white space
        assert f"{typed} {name}" in titles
        assert typed in cities
    assert LONG in cities


CONTROL_SCRIPT = f"""
import streamlit as st
st.markdown({SCRIPT!r}, unsafe_allow_html=True)
st.caption({JS_LINK!r})
with st.sidebar:
    st.html({IMG!r})
st.text({MD_IMAGE!r})
"""


def test_the_detector_finds_payloads_left_unescaped() -> None:
    """The check below would find a payload shown raw: markup in Markdown that allows HTML, a
    link in a caption, markup in st.html in the sidebar; plain text passes."""
    at = AppTest.from_string(CONTROL_SCRIPT).run()
    found = unescaped_payloads(at)
    assert "markdown.body: <script" in found
    assert "caption.body: javascript link" in found
    assert any(f.startswith("html.") and "onerror" in f for f in found)
    assert not any("markdown image" in f for f in found)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_payloads_only_as_text(hostile_db: Path, page: str) -> None:
    at = open_page(page)
    assert unescaped_payloads(at) == []


def test_signed_out_pages_show_payloads_only_as_text(hostile_db: Path) -> None:
    for page in ("map", "activities", "overview", "desk", "admin"):
        at = open_page(page, user=None)
        assert unescaped_payloads(at) == [], page


def test_the_activities_table_holds_the_titles_as_typed(hostile_db: Path) -> None:
    at = open_page("activities")
    table = at.dataframe[0].value
    titles = set(table["Title"])
    assert f"{SCRIPT} script" in titles and f"{IMG} img" in titles
    assert f"{JS_LINK} link" in titles and f"{MD_IMAGE} image" in titles
    assert LONG in set(table["City"]) and LONG in set(table["Working group"])


def test_the_map_tooltip_template_is_fixed_and_payloads_are_data(hostile_db: Path) -> None:
    # One day each: a point then stands for one activity, whose title goes in the tooltip.
    for day, title in (("2023-05-01", f"{SCRIPT} script"), ("2023-05-02", f"{IMG} img")):
        at = open_page("map", **{"from": day, "to": day})
        chart = at.get("deck_gl_json_chart")[0].proto
        assert json.loads(chart.tooltip) == maps.TOOLTIP
        spec = json.loads(chart.json)
        points = next(layer for layer in spec["layers"] if layer["id"] == maps.POINTS_LAYER)
        assert [p["title"] for p in points["data"]] == [title]
    # Outside the layers' data the spec holds no payload text.
    for layer in spec["layers"]:
        layer.pop("data", None)
    rest = json.dumps(spec, ensure_ascii=False)
    assert not [t for t in ("onerror", "alert(1)", "javascript", "example.com") if t in rest]
    for html in at.get("html"):
        assert not [t for t in TRACES if t in html.proto.body]


def test_the_countries_view_shows_payloads_only_as_text(hostile_db: Path) -> None:
    at = open_page("map", view="countries")
    assert unescaped_payloads(at) == []


def test_payloads_in_the_address_show_only_as_text(hostile_db: Path) -> None:
    at = open_page("activities", q=IMG, entity=f"{JS_LINK}", kind=MD_IMAGE, country=SCRIPT)
    assert unescaped_payloads(at) == []
    at = open_page("map", entity=IMG, view=JS_LINK, region=MD_IMAGE)
    assert unescaped_payloads(at) == []


def test_an_upload_with_payloads_previews_commits_and_undoes_as_text(hostile_db: Path) -> None:
    at = open_page("desk")
    data = activities_csv(payload_rows(2024))
    at.file_uploader[1].set_value((UPLOAD_NAME, data, "text/csv")).run()
    assert not at.exception
    assert at.warning, "the unknown cities should be flagged"
    assert unescaped_payloads(at) == []
    next(c for c in at.checkbox if c.label.startswith("I have checked the warnings")).check().run()
    at.button(key="desk:activities-commit").click().run()
    assert not at.exception
    assert any("activities" in s.value for s in at.success)
    assert unescaped_payloads(at) == []
    # The undo list names the file and who wrote it: the import's user and this admin.
    undo = at.selectbox(key="desk:undo-write")
    shown = " ".join(undo.options)
    assert FILE_NAME in shown and IMPORT_USER in shown and UPLOAD_NAME in shown
    at = open_page("admin")
    log = at.dataframe[0].value
    assert {IMPORT_USER, ADMIN_NAME} <= set(log["recorded_by"])
    assert unescaped_payloads(at) == []


def test_a_file_with_nul_or_control_characters_is_refused_as_text(hostile_db: Path) -> None:
    at = open_page("desk")
    data = activities_csv([["bell\x07 nul\x00", "workshop", "2023-05-01", "", "Kenya", "", "", ""]])
    at.file_uploader[1].set_value((UPLOAD_NAME, data, "text/csv")).run()
    assert not at.exception
    assert at.error, "a CSV with NUL is refused"
    assert unescaped_payloads(at) == []
    at.file_uploader[0].set_value((UPLOAD_NAME, data, "text/csv")).run()
    assert at.error
    assert unescaped_payloads(at) == []


def test_html_entities_show_as_typed(hostile_db: Path) -> None:
    """Markdown turns an unescaped "&lt;" into "<": data must reach Markdown with "&" escaped."""
    found = {page: unescaped_payloads(open_page(page), RAW_ENTITY) for page in PAGES}
    at = open_page("desk")
    data = activities_csv(payload_rows(2024))
    at.file_uploader[1].set_value((UPLOAD_NAME, data, "text/csv")).run()
    found["desk preview"] = unescaped_payloads(at, RAW_ENTITY)
    next(c for c in at.checkbox if c.label.startswith("I have checked the warnings")).check().run()
    at.button(key="desk:activities-commit").click().run()
    found["desk commit"] = unescaped_payloads(at, RAW_ENTITY)
    assert {page: where for page, where in found.items() if where} == {}
