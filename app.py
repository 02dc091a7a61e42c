"""ctdash: the Counter-Terrorism Compact in Numbers."""

from pathlib import Path

import streamlit as st

from ctdash import ui

# A local icon: a Material icon or emoji favicon would be fetched from the web.
ICON = str(Path(__file__).parent / "assets" / "favicon.png")
st.set_page_config(page_title="CT Compact in Numbers", page_icon=ICON, layout="wide")

pages = [
    st.Page(
        "pages/overview.py",
        title="Overview",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/map.py", title="Map", icon=":material/map:", url_path="map"),
    st.Page(
        "pages/activities.py", title="Activities", icon=":material/table:", url_path="activities"
    ),
]
ui.mark_navigation()
st.navigation(pages).run()
