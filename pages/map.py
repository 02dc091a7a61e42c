"""Map: where the Compact worked, as points by kind or as totals per country; no tile server."""

import pandas as pd
import streamlit as st

from ctdash import maps, ui

ui.page_start()

PAGE = "map"
VIEWS = {"points": "Points", "countries": "Totals per country"}

version = ui.data_version()
st.title("Where the Compact worked")
flt, values = ui.activity_filters(PAGE, version)
with st.sidebar:
    view = st.segmented_control(
        "Map view",
        tuple(VIEWS),
        key=ui.widget_key(PAGE, "view"),
        format_func=VIEWS.__getitem__,
        required=True,
    )
params = ui.sync_url(PAGE, {**values, "view": view})

acts = ui.activities(version, flt)
placed = acts.dropna(subset=["lat", "lon"])
unplaced = len(acts) - len(placed)
st.caption(
    f"{len(placed)} of {len(acts)} matching activities have a place and are on the map; "
    f"{unplaced} name no place (statements, publications, online and working group meetings)."
)

legend = " ".join(
    f'<span style="white-space:nowrap;margin-right:12px">'
    f'<span aria-hidden="true" style="display:inline-block;width:12px;height:12px;'
    f"border-radius:6px;"
    f'background:rgb{colour};border:1px solid #555;vertical-align:middle"></span> {kind}</span>'
    for kind, colour in maps.KIND_COLOURS.items()
    if kind in set(placed["kind"])
)

map_column, detail_column = st.columns([3, 1])
with map_column:
    if view == "points" and not maps.points_by_kind(placed):
        st.caption(
            "Too many places and kinds to tell apart: one grey point per place, sized by its "
            "number of activities, with the number of each kind when you point at it. Choose "
            "kinds or a shorter period to see each kind in its colour."
        )
    elif view == "points" and legend:
        # Built from the fixed list of kinds and colours only, never from data.
        st.html(f'<div role="group" aria-label="Legend: the colour of each kind">{legend}</div>')
    event = st.pydeck_chart(
        maps.activity_deck(placed, view=view or "points"),
        key=f"deck-{view}",
        on_select="rerun",
        selection_mode="single-object",
        height=520,
        alt=f"World map of {len(placed)} activities",
    )
    # The map's text alternative: where its activities are, in words.
    by_country = placed["country"].value_counts()
    at_a_region = len(placed) - int(by_country.sum())
    st.caption(
        "On the map, by country: "
        + (", ".join(f"{ui.md(name)} {count}" for name, count in by_country.items()) or "none")
        + (f"; placed at a region: {at_a_region}" if at_a_region else "")
        + "."
    )

with detail_column:
    st.header("Details")
    objects = event.selection.get("objects", {}) if event else {}
    picked = (objects.get(maps.POINTS_LAYER) or objects.get(maps.COUNTRIES_LAYER) or [None])[0]
    if picked is None:
        st.caption("Click a point (or a country) on the map to see its details here.")
    elif view == "countries":
        # deck.gl hands back the GeoJSON feature; its ISO3 code is in the "place" property.
        iso3 = picked.get("properties", picked).get("place")
        rows = placed[placed["country_iso3"] == iso3]
        if len(rows):
            st.markdown(f"**{ui.md(rows['country'].iloc[0])}**: {len(rows)} activities")
            st.dataframe(
                rows[["start_date", "kind", "title"]],
                hide_index=True,
                column_config={"start_date": "Start", "kind": "Kind", "title": "Title"},
            )
    elif len(rows := maps.activities_at(placed, str(picked.get("key")))) > 1:
        st.markdown(f"**{ui.md(maps.place_label(rows.iloc[0]))}**: {len(rows)} activities")
        st.dataframe(
            rows[["start_date", "kind", "title"]],
            hide_index=True,
            column_config={"start_date": "Start", "kind": "Kind", "title": "Title"},
        )
    else:
        for row in rows.to_dict("records"):
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
    at_region = int(placed["country_iso3"].isna().sum())
    st.caption(
        "Countries are shaded by their number of activities: the darker, the more "
        f"(most: {int(totals['activities'].max()) if len(totals) else 0})."
        + (f" Placed at a region, not counted here: {at_region}." if at_region else "")
    )
    totals["country"] = [
        placed.loc[placed["country_iso3"] == c, "country"].iloc[0] for c in totals["country_iso3"]
    ]
    st.dataframe(
        totals[["country", "country_iso3", "activities"]],
        hide_index=True,
        column_config={"country": "Country", "country_iso3": "ISO3", "activities": "Activities"},
    )

ui.share_link(PAGE, params)
