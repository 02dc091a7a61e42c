"""ctdash: the Counter-Terrorism Compact in Numbers."""

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from ctdash import auth
from ctdash.web import links, page, signin
from ctdash.web.engine import store_guard
from ctdash.web.page import page_file

# A local icon: a Material icon or emoji favicon would be fetched from the web.
ICON = str(Path(__file__).parent / "assets" / "favicon.png")
st.set_page_config(page_title="CT Compact in Numbers", page_icon=ICON, layout="wide")


def pages_for(viewer: signin.Viewer | None) -> list[StreamlitPage]:
    """Every page, the desk and administration listed only for those who may use them."""
    role = viewer.role if viewer else None
    return [
        st.Page(
            page_file("overview"),
            title="Overview",
            icon=":material/dashboard:",
            url_path="overview",
            default=True,
        ),
        st.Page(
            page_file("trends"), title="Trends", icon=":material/show_chart:", url_path="trends"
        ),
        st.Page(page_file("map"), title="Map", icon=":material/map:", url_path="map"),
        st.Page(
            page_file("activities"),
            title="Activities",
            icon=":material/table:",
            url_path="activities",
        ),
        # Typed in directly, they refuse everyone else.
        st.Page(
            page_file("desk"),
            title="Data desk",
            icon=":material/upload:",
            url_path="desk",
            visibility="visible" if auth.can(role, "edit") else "hidden",
        ),
        st.Page(
            page_file("admin"),
            title="Administration",
            icon=":material/admin_panel_settings:",
            url_path="admin",
            visibility="visible" if auth.can(role, "admin") else "hidden",
        ),
        st.Page(
            page_file("account"),
            title="Account" if viewer else "Sign in",
            icon=":material/person:" if viewer else ":material/login:",
            url_path="account",
        ),
    ]


def hidden_pages() -> None:
    """Every page registered but no links, so that every address still finds its page."""
    st.navigation(pages_for(None), position="hidden")


# While the store or a setting fails: one plain sentence, tried again every few seconds.
with store_guard(hidden_pages) as run:
    # Single sign-on without a cookie secret: only the error, and no links.
    signin.check_sso_secret(hidden_pages)
    # Signs out a viewer idle for too long, and says so.
    viewer = page.start_run()
    page.mark_navigation()
    # Shown in another page's iframe: no links to the other pages, no sidebar.
    current = st.navigation(pages_for(viewer), position="hidden" if links.embedded() else "sidebar")
    run.navigated = True
    current.run()
