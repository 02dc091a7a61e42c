"""Contracts for the behaviours of Streamlit and pydeck that ctdash relies on but that are not
public API (ctdash/internals.py). Each fails after an upgrade that takes one away, and says what
to do; docs/architecture.md lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pydeck as pdk
import streamlit as st
from streamlit import config as st_config
from streamlit.runtime.pages_manager import PagesManager

from ctdash import internals, maps

STREAMLIT_STATIC = Path(st.__file__).parent / "static"


def test_streamlit_drops_the_no_basemap_sentinel_of_a_deck() -> None:
    """If this fails, Streamlit's deck component no longer drops "__MAP_STYLE__": browsers
    would fetch a web basemap. Find how this Streamlit draws a deck with no basemap (read
    DeckGlJsonChart in its frontend) and change internals.NO_BASEMAP_STYLE."""
    bundles = list(STREAMLIT_STATIC.rglob("DeckGlJsonChart*.js"))
    assert bundles, "Streamlit's frontend has no DeckGlJsonChart bundle any more"
    assert any(internals.NO_BASEMAP_STYLE in b.read_text(errors="replace") for b in bundles)
    spec = json.loads(maps.points_deck([]).to_json())
    assert spec["mapStyle"] == internals.NO_BASEMAP_STYLE


def test_pydeck_serialises_its_objects_with_its_own_default() -> None:
    """If this fails, pydeck moved `json_tools.default_serialize`: find its new JSON default
    for layers and view states (what `Deck.to_json` uses) and change internals."""
    view = json.loads(
        json.dumps(
            pdk.ViewState(latitude=1, longitude=2, zoom=3), default=internals.deck_json_default
        )
    )
    assert view == {"latitude": 1, "longitude": 2, "zoom": 3}


def test_streamlit_tells_a_cookie_secret_set_by_the_deployer() -> None:
    """If this fails, `streamlit.config.is_manually_set` is gone: find another way to tell a
    deployer's `server.cookieSecret` from the random one Streamlit makes up."""
    assert callable(st_config.is_manually_set)
    assert internals.cookie_secret_set_by_deployer() is False
    made_up = st_config.get_option("server.cookieSecret")
    st_config.set_option("server.cookieSecret", "a" * 40, where_defined="test")
    try:
        assert internals.cookie_secret_set_by_deployer() is True
    finally:
        st_config.set_option("server.cookieSecret", made_up, where_defined="<default>")
    assert internals.cookie_secret_set_by_deployer() is False


def test_streamlit_secrets_take_programmatic_secrets() -> None:
    """If this fails, `st.secrets.merge_programmatic_secrets` is gone: give [auth]
    cookie_secret through `st.App(secrets=...)` in serve.py instead."""
    assert callable(st.secrets.merge_programmatic_secrets)


def test_streamlit_keeps_the_pages_folder_mode_in_a_class_attribute() -> None:
    """If this fails, `PagesManager.uses_pages_directory` is gone: check whether a first
    visitor who opens /map on a fresh server still gets the page alone, without app.py's
    navigation (tests/e2e), and change internals.leave_the_pages_folder_mode."""
    assert "uses_pages_directory" in vars(PagesManager)
    before = PagesManager.uses_pages_directory
    try:
        PagesManager.uses_pages_directory = True
        internals.leave_the_pages_folder_mode()
        assert PagesManager.uses_pages_directory is False
    finally:
        PagesManager.uses_pages_directory = before
