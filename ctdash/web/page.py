"""What every run of app.py and every page does first: the banner, sign-in state, refusals."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ctdash import auth, queries
from ctdash.config import get_settings
from ctdash.internals import leave_the_pages_folder_mode
from ctdash.markdown import md
from ctdash.web import links
from ctdash.web.engine import data_version, engine
from ctdash.web.signin import (
    NOTICE_KEY,
    Viewer,
    check_sso_secret,
    current_viewer,
    end_idle_sign_in,
    sign_out,
    sso_configured,
    sso_ended_minutes,
)

NAVIGATION_KEY = "_ctdash:navigation"


# The pages, named by absolute path: app.py's navigation and every link find them wherever
# the script that runs app.py lives (tests run it from a folder with no pages/ beside it).
PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


def page_file(name: str) -> str:
    """The file of the page `name` (pages/<name>.py), as st.Page and st.page_link take it."""
    return str(PAGES_DIR / f"{name}.py")


def mark_navigation() -> None:
    """Record, in app.py, that this session's pages run inside app.py's navigation."""
    st.session_state[NAVIGATION_KEY] = True


@st.cache_data(show_spinner=False, max_entries=2)
def synthetic(version: int) -> bool:
    """Cached: whether the store holds generated data (`ctdash demo`)."""
    return queries.is_synthetic(engine())


def start_run() -> Viewer | None:
    """app.py's first step on every run: check single sign-on, end idle sign-ins, say so.

    Returns the viewer of this run.
    """
    check_sso_secret()
    if synthetic(data_version()):
        st.warning(
            "**Synthetic data.** This store was filled by `ctdash demo` for demonstration and "
            "measurement: no figure or activity on this page is real.",
            icon=":material/science:",
        )
    end_idle_sign_in()
    notice = st.session_state.pop(NOTICE_KEY, None)
    ended = sso_ended_minutes() if sso_configured() else None
    if ended is not None:
        # Shown until acknowledged: st.logout then deletes the cookie this sign-in left.
        with st.container(key="idle-notice"):
            st.warning(auth.idle_notice(ended), icon=":material/timer_off:")
            st.button("OK", key="idle-notice:ok", on_click=sign_out)
    elif notice is not None:
        st.info(notice, icon=":material/logout:")
    viewer = current_viewer()
    if viewer is not None:
        with st.sidebar:
            st.caption(f"Signed in: {md(viewer.name)} ({viewer.role})")
            st.button(
                "Sign out", key="sidebar:sign-out", icon=":material/logout:", on_click=sign_out
            )
    return viewer


def require(action: auth.Action) -> Viewer:
    """Stop the page with a clear refusal unless the viewer may do this ("edit", "admin")."""
    viewer = current_viewer()
    if not auth.can(viewer.role if viewer else None, action):
        who = (
            f"You are signed in as {viewer.name} ({viewer.role})."
            if viewer
            else "You are not signed in."
        )
        needed = "an editor" if action == "edit" else "an administrator"
        st.error(f"This page is for {needed}. {md(who)}", icon=":material/lock:")
        st.page_link(page_file("account"), label="Sign in", icon=":material/login:")
        st.stop()
    assert viewer is not None
    return viewer


EMBEDDED_STYLE = (
    "<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'] "
    "{display: none}</style>"
)


def page_start(*, public: bool = False) -> Viewer | None:
    """Make sure the page runs inside app.py's navigation; call it first on every page.
    Returns who is looking, which the page's reads of activities need.

    With CTDASH_REQUIRE_LOGIN set, every page but a public one (sign-in) asks to sign in.

    Because a pages/ folder sits beside app.py, a freshly started server whose first
    visitors open a page's URL directly runs that file alone (Streamlit's older multipage
    mode), without app.py's navigation. Leaving that mode and rerunning sends each such
    visitor, and every later one, through app.py.
    """
    if NAVIGATION_KEY not in st.session_state:
        leave_the_pages_folder_mode()
        st.rerun()
    viewer = current_viewer()
    if links.embedded():
        # In another page's iframe: the view its link gives, without the filters' sidebar.
        st.html(EMBEDDED_STYLE)
    if not public and get_settings().require_login and viewer is None:
        st.info("Sign in to see the dashboard.", icon=":material/lock:")
        st.page_link(page_file("account"), label="Sign in", icon=":material/login:")
        st.stop()
    return viewer
