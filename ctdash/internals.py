"""Every use of a Streamlit or pydeck behaviour that is not public API, in one place.

Each has a contract test (tests/unit/test_internals.py) that fails, saying what to do, when an
upgrade takes it away; docs/architecture.md lists them and why no public way exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydeck.bindings.json_tools import default_serialize

# Streamlit is imported where it is used: the library's maps import this module for pydeck's
# part, and the library runs without Streamlit.

# Streamlit's deck component draws a web basemap unless the deck's style is this sentinel,
# which it drops (DeckGlJsonChart in Streamlit's frontend); pydeck has no public "no basemap".
NO_BASEMAP_STYLE = "__MAP_STYLE__"


def deck_json_default(value: Any) -> Any:
    """pydeck's own JSON conversion of its objects (layers, view states), for a compact dump."""
    return default_serialize(value)


def cookie_secret_set_by_deployer() -> bool:
    """Whether `server.cookieSecret` was set by the deployer, not made up by Streamlit."""
    from streamlit import config

    return bool(config.is_manually_set("server.cookieSecret"))


def give_sign_in_the_cookie_secret(auth_section: Mapping[str, Any], secret: str) -> None:
    """Hand st.login a cookie secret given in the environment, as [auth] cookie_secret."""
    import streamlit as st

    st.secrets.merge_programmatic_secrets({"auth": {**auth_section, "cookie_secret": secret}})


def leave_the_pages_folder_mode() -> None:
    """Send every later run through app.py's st.navigation, not the pages folder alone.

    A pages/ folder beside app.py (the project's required shape) makes a freshly started
    server run a page's file alone for a first visitor who opens its URL directly.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
