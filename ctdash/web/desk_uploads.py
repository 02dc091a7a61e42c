"""The data desk's tabs for figures and activities: an upload of either, and figures by hand."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import desk
from ctdash.desk_tables import PLACE_COLUMNS, activities_preview, entry_file, entry_table, plural
from ctdash.ingest.indicators import DATE_RULE
from ctdash.ingest.sheet import MAX_DATA_ROWS
from ctdash.ingest.templates import Format, Layout, activity_template, indicator_template
from ctdash.web import readers
from ctdash.web.desk_review import MANUAL_KEY, MAX_MB, answers, show_review, uploaded
from ctdash.web.engine import data_version
from ctdash.web.signin import Viewer

FORMATS: tuple[Format, ...] = ("csv", "xlsx")
LAYOUTS: tuple[Layout, ...] = ("long", "wide")


def figures_tab(*, database: Engine, viewer: Viewer, indicators: list[tuple[str, str]]) -> None:
    """Upload figures: the layouts a file may have, templates of each, and its review."""
    st.write(
        "A spreadsheet in **long** layout (`date, indicator, value[, note]`) or **wide** "
        "layout (a `date` column, then one column per indicator). Indicators are matched by "
        f"code or label. {DATE_RULE} Numbers may use thousands separators. At most {MAX_MB} MB "
        f"and {MAX_DATA_ROWS:,} rows."
    )
    with st.container(horizontal=True):
        for layout in LAYOUTS:
            for fmt in FORMATS:
                st.download_button(
                    f"Template: {layout} {fmt.upper()}",
                    indicator_template(
                        layout=layout, fmt=fmt, indicators=indicators, example_date=date.today()
                    ),
                    file_name=f"ctdash-figures-{layout}.{fmt}",
                    on_click="ignore",
                    icon=":material/download:",
                    key=f"desk:template-{layout}-{fmt}",
                )
    upload = uploaded("Spreadsheet of figures (CSV or XLSX)", ["csv", "xlsx"], "figures")
    if upload is not None:
        name, data = upload
        review = desk.review_indicators(
            database, file_name=name, data=data, today=date.today(), **answers("figures", data)
        )
        show_review(review, kind="figures", database=database, viewer=viewer)


def entry_tab(*, database: Engine, viewer: Viewer) -> None:
    """Enter figures: the latest of each indicator to change, checked like an upload."""
    st.write(
        "Enter a new snapshot: change the values that differ from the latest figures, then "
        "check. The entry goes through the same checks as an upload."
    )
    as_of = st.date_input(
        "As of",
        value=date.today(),
        max_value=date.today(),
        format="YYYY-MM-DD",
        key="desk:manual-date",
    )
    edited = st.data_editor(
        entry_table(readers.tiles(data_version(), date.today())),
        hide_index=True,
        disabled=["Indicator", "Code", "Latest", "Latest as of"],
        key="desk:manual-table",
        column_config={"New value": st.column_config.NumberColumn(min_value=0, step=1)},
    )
    if st.button("Check the entry", key="desk:manual-check", icon=":material/fact_check:"):
        st.session_state[MANUAL_KEY] = entry_file(edited, as_of=as_of, user=viewer.name)
    if MANUAL_KEY in st.session_state:
        name, data = st.session_state[MANUAL_KEY]
        show_review(
            desk.review_indicators(database, file_name=name, data=data, today=date.today()),
            kind="manual",
            database=database,
            viewer=viewer,
        )


def activities_tab(*, database: Engine, viewer: Viewer) -> None:
    """Upload activities: the columns, templates, and the review with each place to settle."""
    st.write(
        "A spreadsheet with the columns `title, kind, start, end, country, city, entities, "
        "working group, url, internal` (country as a name or ISO3 code, entities separated "
        "by `;`, and `internal` yes for an activity that only signed-in users may see). "
        f"{DATE_RULE} Places are found offline; a city the gazetteer does not know is "
        "flagged, and you can give its latitude and longitude. "
        f"At most {MAX_MB} MB and {MAX_DATA_ROWS:,} rows."
    )
    with st.container(horizontal=True):
        for fmt in FORMATS:
            st.download_button(
                f"Template: activities {fmt.upper()}",
                activity_template(fmt=fmt),
                file_name=f"ctdash-activities.{fmt}",
                on_click="ignore",
                icon=":material/download:",
                key=f"desk:template-acts-{fmt}",
            )
    upload = uploaded("Spreadsheet of activities (CSV or XLSX)", ["csv", "xlsx"], "activities")
    if upload is None:
        return
    name, data = upload
    review = desk.review_activities(
        database, file_name=name, data=data, today=date.today(), **answers("activities", data)
    )
    if review.ok and review.activities:
        review = settle_places(review)
    show_review(review, kind="activities", database=database, viewer=viewer)


def settle_places(review: desk.Review) -> desk.Review:
    """The activities where the gazetteer placed them, in a table whose place columns take a
    country or coordinates; the review with what was typed there applied."""
    places = activities_preview(review)
    st.write(
        f"**Preview**: {plural(len(places), 'activity')}. Settle a flagged place by typing its "
        "country (an ISO3 code or a name), or its latitude and longitude."
    )
    edited = st.data_editor(
        places,
        hide_index=True,
        key="desk:activities-preview",
        disabled=[c for c in places.columns if c not in PLACE_COLUMNS],
        column_config={
            "Country": st.column_config.TextColumn(help="ISO3 code or name"),
            "Latitude": st.column_config.NumberColumn(min_value=-90, max_value=90),
            "Longitude": st.column_config.NumberColumn(min_value=-180, max_value=180),
        },
    )
    return desk.with_coordinates(review, edited)
