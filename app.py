"""ctdash: the Counter-Terrorism Compact in Numbers."""

import streamlit as st

st.set_page_config(page_title="CT Compact in Numbers", page_icon=":material/public:", layout="wide")

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
st.navigation(pages).run()
