"""Activities: the filtered activities as a table, with search and downloads of what is shown."""

import pandas as pd
import streamlit as st

from ctdash import export, queries
from ctdash.web import filters, links, page, readers
from ctdash.web.engine import data_version, engine
from ctdash.web.tables import (
    dictionary_encoded,
    filter_digest,
    first_rows_markdown,
    rows_shown,
    table_pages,
)

viewer = page.page_start()

PAGE = "activities"
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

version = data_version()
st.title("Activities")
flt, values = filters.activity_view(PAGE, version, viewer)
st.text_input(
    "Search",
    key=links.widget_key(PAGE, "q"),
    placeholder="Words in the title, entity, city…",
    max_chars=200,
)
params = links.sync_url(PAGE, values)

count = readers.activity_count(version, flt, viewer)
columns = COLUMNS | ({"internal": "Internal"} if count.internal else {})
TEXT_COLUMNS = ["entities", "country", "country_iso3", "city", "region", "working_group"]


def table(acts: pd.DataFrame) -> pd.DataFrame:
    """The activities as the table and the downloads show them."""
    return acts[list(columns)].fillna({c: "" for c in TEXT_COLUMNS}).rename(columns=columns)


caption = f"{count.total:,} " + ("activity matches." if count.total == 1 else "activities match.")
if count.internal:
    caption += f" {count.internal:,} of them " + ("is" if count.internal == 1 else "are")
    caption += " internal: only signed-in users see them."
pages = table_pages(count.total, readers.TABLE_ROWS)
if pages > 1:
    caption += f" The table shows them {readers.TABLE_ROWS:,} at a time; the downloads hold all."
st.caption(caption)
at_page = 1
if pages > 1:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        # Keyed by the filter and the pages: another filter starts again at its first page.
        at_page = int(
            st.number_input(
                f"Page, of {pages:,}",
                min_value=1,
                max_value=pages,
                step=1,
                key=f"{PAGE}:page:{filter_digest((flt, pages))}",
                width=160,
            )
        )
        st.caption(rows_shown(at_page, count.total, readers.TABLE_ROWS))
offset = (at_page - 1) * readers.TABLE_ROWS
shown = table(readers.activities(version, flt, viewer, limit=readers.TABLE_ROWS, offset=offset))
# The first rows as a Markdown table first, which a fresh browser draws with the code it has;
# the grid takes their place once drawn (preload.STYLE lays one over the other).
with st.container(key="activities-rows"):
    st.markdown(first_rows_markdown(shown))
    st.dataframe(
        dictionary_encoded(shown),
        hide_index=True,
        key="activities-table",
        column_config={"Title": st.column_config.TextColumn(width="large")},
    )


# A download is built outside this run, so who is reading is settled now.
store, internal = engine(), readers.sees_internal(viewer)


def every_row() -> pd.DataFrame:
    """Every matching activity, read when a download is asked for."""
    return table(queries.activities(store, flt, internal=internal))


# The files are built when a button is clicked, not on every run of the page.
with st.container(horizontal=True):
    st.download_button(
        "Download CSV",
        lambda: export.to_csv_bytes(every_row()),
        file_name="ctdash-activities.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )
    st.download_button(
        "Download XLSX",
        lambda: export.to_xlsx_bytes(every_row(), sheet_name="activities"),
        file_name="ctdash-activities.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )

links.share_link(PAGE, params)
filters.filter_widgets(PAGE, version, viewer)
