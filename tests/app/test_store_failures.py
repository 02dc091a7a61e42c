"""While the store cannot be reached, or a setting is wrong, every page shows one plain sentence:
no traceback, host or path."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from ctdash.config import get_settings
from ctdash.failures import VIEWER_MESSAGE
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
