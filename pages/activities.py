"""Activities: the filtered activities as a table, with search and downloads of what is shown."""

import streamlit as st

from ctdash import export, ui

ui.page_start()

PAGE = "activities"
# Past this many rows the table would be slow to send and to read; downloads hold every row.
TABLE_ROWS = 5_000
COLUMNS = {
    "start_date": "Start",
    "end_date": "End",
    "title": "Title",
    "kind": "Kind",
    "entities": "Entities",
    "country": "Country",
    "country_iso3": "ISO3",
    "city": "City",
    "region": "Region",
    "location_precision": "Placed at",
    "working_group": "Working group",
    "online": "Online",
    "source": "Source",
    "source_line": "Source line",
}

version = ui.data_version()
st.title("Activities")
flt, values = ui.activity_filters(PAGE, version)
st.text_input(
    "Search",
    key=ui.widget_key(PAGE, "q"),
    placeholder="Words in the title, entity, city…",
    max_chars=200,
)
params = ui.sync_url(PAGE, values)

acts = ui.activities(version, flt)
internal = int(acts["internal"].sum())
columns = COLUMNS | ({"internal": "Internal"} if internal else {})
TEXT_COLUMNS = ["entities", "country", "country_iso3", "city", "region", "working_group"]
shown = acts[list(columns)].fillna({c: "" for c in TEXT_COLUMNS}).rename(columns=columns)
caption = f"{len(shown)} activities match."
if internal:
    caption += f" {internal} of them are internal: only signed-in users see them."
if len(shown) > TABLE_ROWS:
    caption += (
        f" The table shows the first {TABLE_ROWS:,}; narrow the filters to see the others. "
        "The downloads hold all of them."
    )
st.caption(caption)
st.dataframe(
    shown.head(TABLE_ROWS),
    hide_index=True,
    key="activities-table",
    column_config={"Title": st.column_config.TextColumn(width="large")},
)

# The files are built when a button is clicked, not on every run of the page.
with st.container(horizontal=True):
    st.download_button(
        "Download CSV",
        lambda: export.to_csv_bytes(shown),
        file_name="ctdash-activities.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    st.download_button(
        "Download XLSX",
        lambda: export.to_xlsx_bytes(shown, sheet_name="activities"),
        file_name="ctdash-activities.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )

ui.share_link(PAGE, params)
