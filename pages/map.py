"""Map: where the Compact worked, as points by kind or as totals per country; no tile server."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from ctdash import geo, maps
from ctdash.markdown import md
from ctdash.web import filters, links, page, readers
from ctdash.web.engine import data_version

viewer = page.page_start()

PAGE = "map"
VIEWS = {"points": "Points", "countries": "Totals per country"}
# A clicked place or country lists this many of its activities at most.
DETAIL_ROWS = 1_000

version = data_version()
st.title("Where the Compact worked")
flt, values = filters.activity_view(PAGE, version, viewer)
# Set by the sidebar's control, drawn with the filters after the map.
view = st.session_state[links.widget_key(PAGE, "view")]
params = links.sync_url(PAGE, {**values, "view": view})

places = readers.activity_places(version, flt, viewer)
placed = places.dropna(subset=["lat", "lon"])
counts = maps.place_counts(places)
on_map, matching = counts.on_map, counts.matching
st.caption(
    f"{on_map:,} of {matching:,} matching activities have a place and are on the map; "
    f"{matching - on_map:,} name no place (statements, publications, online and working group "
    "meetings)."
)
legend = maps.legend_html(placed["kind"].unique())

places_on_map = maps.place_count(placed)
if view == "points" and places_on_map > maps.MAX_PLACES:
    st.info(
        f"{places_on_map:,} places are too many to read as points: the map shows the totals "
        "per country. Choose kinds, countries or a shorter period to see the points.",
        icon=":material/public:",
    )
    view = "countries"

map_column, detail_column = st.columns([3, 1])
with map_column:
    if view == "countries":
        deck = maps.countries_deck(maps.country_totals(placed))
    else:
        points, by_kind = readers.map_points(version, flt, viewer)
        deck = maps.points_deck(points)
        if not by_kind:
            st.caption(
                "Too many places and kinds to tell apart: one grey point per place, sized by "
                "its number of activities, with the number of each kind when you point at it. "
                "Choose kinds or a shorter period to see each kind in its colour."
            )
        elif legend:
            st.html(legend)
    event = st.pydeck_chart(
        deck,
        key=f"deck-{view}",
        on_select="rerun",
        selection_mode="single-object",
        height=520,
        alt=f"World map of {on_map:,} activities",
    )
    # The map's text alternative: where its activities are, in words.
    in_words = ", ".join(f"{md(geo.country_name(code))} {n:,}" for code, n in counts.by_country)
    at_a_region = counts.at_a_region
    st.caption(
        f"On the map, by country: {in_words or 'none'}"
        + (f"; placed at a region: {at_a_region:,}" if at_a_region else "")
        + "."
    )


def show_list(heading: str, rows: pd.DataFrame, count: int) -> None:
    """A clicked place's or country's activities as a table (the first DETAIL_ROWS)."""
    st.markdown(f"**{md(heading)}**: {count:,} activities")
    if count > len(rows):
        st.caption(f"The first {len(rows):,} are listed; narrow the filters to list the others.")
    st.dataframe(
        rows[["start_date", "kind", "title"]],
        hide_index=True,
        column_config={"start_date": "Start", "kind": "Kind", "title": "Title"},
    )


with detail_column:
    st.header("Details")
    picked = maps.picked_object(event)
    if picked is None:
        st.caption("Click a point (or a country) on the map to see its details here.")
    elif view == "countries":
        # deck.gl hands back the GeoJSON feature; its ISO3 code is in the "place" property.
        iso3 = str(picked.get("properties", picked).get("place"))
        count = int(placed.loc[placed["country_iso3"] == iso3, "activities"].sum())
        rows = readers.activities(version, replace(flt, in_country=iso3), viewer, limit=DETAIL_ROWS)
        if len(rows):
            show_list(geo.country_name(iso3), rows, count)
    else:
        chosen = maps.picked(flt, str(picked.get("key")))
        rows = readers.activities(version, chosen, viewer, limit=DETAIL_ROWS)
        if len(rows) > 1:
            show_list(
                maps.place_label(rows.iloc[0].to_dict()),
                rows,
                readers.activity_count(version, chosen, viewer).total,
            )
        elif len(rows) == 1:
            row = rows.iloc[0].to_dict()
            with st.container(border=True, key="picked-activity"):
                st.text(row["title"])
                st.text(f"{row['kind']} · {maps.date_span(row['start_date'], row['end_date'])}")
                st.text(f"Place: {maps.place_label(row)}")
                if row["internal"]:
                    st.text("Internal: only signed-in users see this activity.")
                if maps.has_text(row["entities"]):
                    st.text(f"Entities: {row['entities']}")
                if maps.has_text(row["working_group"]):
                    st.text(f"Working group: {row['working_group']}")
                line = f", line {row['source_line']}" if pd.notna(row["source_line"]) else ""
                st.text(f"Source: {row['source']}{line}")

if view == "countries":
    totals = maps.country_totals(placed)
    at_region = on_map - int(totals["activities"].sum())
    st.caption(
        "Countries are shaded by their number of activities: the darker, the more "
        f"(most: {int(totals['activities'].max()) if len(totals) else 0:,})."
        + (f" Placed at a region, not counted here: {at_region:,}." if at_region else "")
    )
    totals["country"] = [geo.country_name(code) for code in totals["country_iso3"]]
    st.dataframe(
        totals[["country", "country_iso3", "activities"]],
        hide_index=True,
        column_config={"country": "Country", "country_iso3": "ISO3", "activities": "Activities"},
    )

links.share_link(PAGE, params)
filters.filter_widgets(PAGE, version, viewer)
with st.sidebar:
    st.segmented_control(
        "Map view",
        tuple(VIEWS),
        key=links.widget_key(PAGE, "view"),
        format_func=VIEWS.__getitem__,
        required=True,
    )
