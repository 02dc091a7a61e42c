"""While the store cannot be reached, or a setting is wrong, every page shows one plain sentence:
no traceback, host or path."""

from __future__ import annotations

import io

import pytest
import streamlit as st
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from ctdash.config import get_settings
from ctdash.failures import VIEWER_MESSAGE
from ctdash.web import links
from tests.helpers.apptest import APP, page_file

PAGES = ["pages/overview.py", "pages/trends.py", "pages/map.py", "pages/activities.py"]
# Nothing listens on port 1: the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://ctdash@127.0.0.1:1/ctdash"


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """The app's settings as the test's parameter gives them, with no cached store or reads."""
    for name, value in request.param.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.parametrize(
    "failing",
    [{"CTDASH_DATABASE_URL": UNREACHABLE}, {"CTDASH_IDLE_MINUTES": "abc"}],
    indirect=True,
    ids=["store-unreachable", "bad-setting"],
)
@pytest.mark.parametrize("page", PAGES)
@pytest.mark.usefixtures("failing")
def test_every_page_shows_one_plain_sentence_and_no_traceback(page: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page_file(page)).run()
    assert not at.exception
    assert [error.value for error in at.error] == [VIEWER_MESSAGE]
    shown = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.error))
    for leak in ("127.0.0.1", "Traceback", "psycopg", "abc"):
        assert leak not in shown


@pytest.mark.parametrize("failing", [{"CTDASH_DATABASE_URL": UNREACHABLE}], indirect=True)
@pytest.mark.usefixtures("failing")
def test_a_pdf_that_cannot_be_made_says_why_in_one_sentence(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A page's "Download as PDF" when the store stopped answering after the page was drawn:
    the file is a PDF that says so in one sentence, and the log has one line."""
    content = links.view_pdf("https://un.example/dash/map?kind=training")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    said = (
        "The PDF could not be made The figures are unavailable right now: the store cannot be "
        "reached. Try again in a moment from https://un.example/dash/map?kind=training"
    )
    assert "".join(text.split()) == said.replace(" ", "")
    logged = [r.getMessage() for r in caplog.records if r.name == "ctdash.web.links"]
    assert len(logged) == 1
    assert logged[0].startswith("store unavailable: the store refused the connection")
