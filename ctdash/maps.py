"""pydeck decks built from activity frames; pure, no streamlit, no tile server."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pydeck as pdk

from ctdash import geo

# Okabe-Ito colours (plus two greys), in the order of ctdash.models.ACTIVITY_KINDS.
KIND_COLOURS: dict[str, tuple[int, int, int]] = {
    "assessment": (213, 94, 0),
    "training": (0, 114, 178),
    "workshop": (230, 159, 0),
    "meeting": (86, 180, 233),
    "mission": (204, 121, 167),
    "exercise": (0, 158, 115),
    "launch": (240, 228, 66),
    "statement": (0, 0, 0),
    "publication": (120, 120, 120),
    "other": (190, 190, 190),
}

POINTS_LAYER = "activities"
COUNTRIES_LAYER = "country-totals"
OCEAN = [[-180, -85], [190, -85], [190, 85], [-180, 85]]
LAND_FILL = [236, 236, 232]
LAND_LINE = [255, 255, 255]
OCEAN_FILL = [220, 234, 244]

# The template is fixed text: deck.gl escapes the {field} values, never the template.
TOOLTIP = {
    "html": "<b>{title}</b><br/>{kind} · {dates}<br/>{place}<br/>{entities}",
    "style": {
        "backgroundColor": "#1f2937",
        "color": "white",
        "fontSize": "13px",
        "maxWidth": "320px",
        "whiteSpace": "normal",
    },
}


def date_span(start: Any, end: Any) -> str:
    """'2023-03-06 – 2023-03-09', or one date when an activity lasts a day."""
    return str(start) if start == end else f"{start} – {end}"


def has_text(value: Any) -> bool:
    """True for a non-empty string; pandas gives missing text as NaN, which is truthy."""
    return isinstance(value, str) and value != ""


def place_label(row: Mapping[Any, Any]) -> str:
    """City and country, or the country or region, with how precisely it is placed."""
    city, country, region = row.get("city"), row.get("country"), row.get("region")
    at_city = row.get("location_precision", "city") == "city"
    if has_text(city) and at_city:
        return f"{city}, {country}" if has_text(country) else str(city)
    if has_text(city) and has_text(country):
        return f"{city}, {country} (placed at the country centre)"
    if has_text(country):
        return f"{country} (country centre)"
    if has_text(region):
        return f"{region} (region centre)"
    return "no place"


def point_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The placed activities as the few fields the points layer and its tooltip need."""
    placed = frame.dropna(subset=["lat", "lon"])
    return [
        {
            "key": row["key"],
            "lon": round(float(row["lon"]), 4),
            "lat": round(float(row["lat"]), 4),
            "color": KIND_COLOURS.get(str(row["kind"]), KIND_COLOURS["other"]),
            "title": row["title"],
            "kind": f"{row['kind']} (internal)" if row.get("internal") else row["kind"],
            "dates": date_span(row["start_date"], row["end_date"]),
            "place": place_label(row),
            "entities": row["entities"] if has_text(row["entities"]) else "",
        }
        for row in placed.to_dict("records")
    ]


def country_totals(frame: pd.DataFrame) -> pd.DataFrame:
    """Activities per country (ISO3), largest first."""
    counts = frame.dropna(subset=["country_iso3"]).groupby("country_iso3").size()
    return counts.sort_values(ascending=False).rename("activities").reset_index()


def _shade(count: int, top: int) -> list[int]:
    # Light to dark blue in proportion to the count: a single hue reads without colour vision.
    share = count / top if top else 0
    return [int(198 - 190 * share), int(219 - 171 * share), int(239 - 132 * share), 230]


def totals_geojson(totals: pd.DataFrame) -> dict[str, Any]:
    """The countries that have activities, each shaded by its count and labelled for the tooltip."""
    by_iso3 = dict(zip(totals["country_iso3"], totals["activities"], strict=True))
    top = max(by_iso3.values(), default=0)
    features = []
    for feature in geo.load_countries_geojson()["features"]:
        iso3 = feature["properties"].get("iso3")
        if iso3 not in by_iso3:
            continue
        count = int(by_iso3[iso3])
        shaded = copy.deepcopy(feature)
        shaded["properties"] = {
            "title": feature["properties"].get("name", iso3),
            "kind": f"{count} {'activity' if count == 1 else 'activities'}",
            "dates": "in the filtered period",
            "place": iso3,
            "entities": "",
            "fill": _shade(count, top),
        }
        features.append(shaded)
    return {"type": "FeatureCollection", "features": features}


def base_layers() -> list[pdk.Layer]:
    """Ocean and land drawn from shipped geometry, so the map needs no tile server."""
    return [
        pdk.Layer(
            "PolygonLayer",
            data=[{"polygon": OCEAN}],
            id="ocean",
            get_polygon="polygon",
            get_fill_color=OCEAN_FILL,
            stroked=False,
            pickable=False,
        ),
        pdk.Layer(
            "GeoJsonLayer",
            data=geo.load_countries_geojson(),
            id="countries",
            get_fill_color=LAND_FILL,
            get_line_color=LAND_LINE,
            line_width_min_pixels=0.5,
            stroked=True,
            filled=True,
            pickable=False,
        ),
    ]


def activity_deck(frame: pd.DataFrame, *, view: str = "points") -> pdk.Deck:
    """A world map of the activities: coloured points, or countries shaded by their totals."""
    layers = base_layers()
    if view == "countries":
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=totals_geojson(country_totals(frame)),
                id=COUNTRIES_LAYER,
                get_fill_color="properties.fill",
                get_line_color=[60, 60, 60],
                line_width_min_pixels=1,
                pickable=True,
            )
        )
    else:
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                data=point_records(frame),
                id=POINTS_LAYER,
                get_position=["lon", "lat"],
                get_fill_color="color",
                get_line_color=[255, 255, 255],
                get_radius=6,
                radius_units="pixels",
                radius_min_pixels=5,
                stroked=True,
                line_width_min_pixels=1,
                pickable=True,
            )
        )
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=15, longitude=15, zoom=0.7),
        map_provider=None,
        # Streamlit draws a web basemap unless the style is this sentinel, which it drops.
        map_style="__MAP_STYLE__",
        tooltip=TOOLTIP,
    )
