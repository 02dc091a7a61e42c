"""pydeck decks built from activity frames; pure, no streamlit, no tile server."""

from __future__ import annotations

import copy
import functools
import json
import math
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import pydeck as pdk
from sqlalchemy.engine import Engine

from ctdash import geo, queries
from ctdash.internals import NO_BASEMAP_STYLE, deck_json_default

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

# Above this many points (places times kinds), the points layer gives one point per place.
MAX_POINTS = 2_000
# Above this many places, points are too many to read: the Map shows the totals per country.
MAX_PLACES = 5_000
PLACE_COLOUR = (68, 68, 68)

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


def points_by_kind(places: pd.DataFrame) -> bool:
    """Whether the points layer can show each kind apart (else one point per place)."""
    return len(places.dropna(subset=["lat", "lon"])) <= MAX_POINTS


def place_count(places: pd.DataFrame) -> int:
    """How many places (distinct coordinates) the activities counted by place sit at."""
    return len(places.dropna(subset=["lat", "lon"])[["lat", "lon"]].drop_duplicates())


def point_groups(places: pd.DataFrame) -> pd.DataFrame:
    """The points of the map from the activities counted by place and kind.

    `places` is queries.activity_places, one row per coordinates and kind: each is a point,
    up to MAX_POINTS. Past them, one point per place, with the number of each kind in a
    `kinds` column. Each point keeps its first activity (`first_id`), whose place names it.
    """
    placed = places.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    if points_by_kind(placed):
        return placed
    grouped = placed.groupby(["lat", "lon"], sort=False)
    groups = grouped[["activities", "internal"]].sum()
    groups["first_id"] = grouped["first_id"].min()
    groups["start_date"] = grouped["start_date"].min()
    groups["end_date"] = grouped["end_date"].max()
    groups = groups.reset_index()
    kinds = _kind_counts(placed)
    places_at = zip(groups["lat"].tolist(), groups["lon"].tolist(), strict=True)
    groups["kinds"] = [kinds[place] for place in places_at]
    return groups


def points(
    engine: Engine, places: pd.DataFrame, *, internal: bool = False
) -> tuple[list[dict[str, Any]], bool]:
    """The Map's points (point_records) from the activities counted by place and kind
    (queries.activity_places), and whether each kind is a point of its own."""
    groups = point_groups(places)
    if groups.empty:
        return [], True
    # By id alone: the ids come from this filter's rows, and with the filter's kind beside them
    # SQLite walked every activity of the kind instead of looking the few hundred up.
    firsts = queries.first_activities(
        engine,
        sorted(groups["first_id"]),
        internal=internal,
        entities_of=groups.loc[groups["activities"] == 1, "first_id"].tolist(),
    )
    return point_records(groups, firsts), "kinds" not in groups


def point_records(groups: pd.DataFrame, firsts: pd.DataFrame) -> list[dict[str, Any]]:
    """The points as the few fields the points layer and its tooltip need.

    `groups` is point_groups; `firsts` the activities named by its `first_id` column. A point
    of one activity shows that activity; a point of several shows how many, sized by their
    number. The map's data grows with the places shown, not with the activities.
    """
    if groups.empty:
        return []
    by_kind = "kinds" not in groups
    first_of = {int(row["id"]): row for row in _rows(firsts)}
    top = int(groups["activities"].max())
    records = []
    for row in _rows(groups):
        first = first_of.get(int(row["first_id"]))
        if first is None:
            continue  # withdrawn by a write between the two reads: gone from the map too
        count, internal = int(row["activities"]), int(row["internal"])
        kind = str(row["kind"]) if by_kind else str(first["kind"])
        lat, lon = float(row["lat"]), float(row["lon"])
        record: dict[str, Any] = {
            "lon": lon,
            "lat": lat,
            "color": KIND_COLOURS.get(kind, KIND_COLOURS["other"]) if by_kind else PLACE_COLOUR,
            "radius": _radius(count, top),
            "dates": date_span(row["start_date"].date(), row["end_date"].date()),
            "place": place_label(first),
        }
        if count == 1:
            record |= {
                "key": first["key"],
                "title": first["title"],
                "kind": f"{kind} (internal)" if internal else kind,
                "entities": first["entities"] if has_text(first["entities"]) else "",
            }
        else:
            record |= {
                "key": group_key(kind if by_kind else "", lat, lon),
                "title": f"{count} activities"
                + (f", {internal} of them internal" if internal else ""),
                "kind": kind if by_kind else row["kinds"],
                "entities": "Click for the list",
            }
        records.append(record)
    return records


def _rows(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """The frame's rows as dicts of plain values, as to_dict("records") gives them (a missing
    integer as None): read a column at a time, several times faster than to_dict for text
    held by Arrow."""
    names = [str(name) for name in frame.columns]
    columns = [
        [None if value is pd.NA else value for value in column]
        for column in (frame[name].tolist() for name in frame.columns)
    ]
    return (dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True))


def _kind_counts(places: pd.DataFrame) -> dict[tuple[float, float], str]:
    """'12 training, 3 meeting' for each place (lat, lon), the most frequent kind first."""
    counted = places.sort_values("activities", ascending=False, kind="stable")
    kinds: dict[tuple[float, float], list[str]] = {}
    columns = (counted[name].tolist() for name in ("lat", "lon", "kind", "activities"))
    for lat, lon, kind, count in zip(*columns, strict=True):
        kinds.setdefault((lat, lon), []).append(f"{count} {kind}")
    return {place: ", ".join(parts) for place, parts in kinds.items()}


def group_key(kind: str, lat: float, lon: float) -> str:
    """The key of the point that stands for several activities (of a kind) at a place.

    The coordinates are written in full (repr), so that reading them back finds the place.
    """
    return f"{kind}@{lat!r},{lon!r}"


def picked(flt: queries.ActivityFilter, key: str) -> queries.ActivityFilter:
    """The filter narrowed to what a clicked point stands for: one activity, or a group."""
    if "@" not in key:
        return replace(flt, key=key)
    kind, _, where = key.rpartition("@")
    lat, _, lon = where.partition(",")
    return replace(flt, near=(float(lat), float(lon)), kinds=(kind,) if kind else flt.kinds)


def _radius(count: int, top: int) -> float:
    # 3 px for one activity among groups, 9 px for the largest; the area grows with the count.
    return round(3.0 + 6.0 * math.sqrt((count - 1) / (top - 1)), 1) if top > 1 else 5.0


def country_totals(places: pd.DataFrame) -> pd.DataFrame:
    """Activities per country (ISO3), largest first, from queries.activity_places."""
    counts = places.dropna(subset=["country_iso3"]).groupby("country_iso3")["activities"].sum()
    counts = counts.sort_values(ascending=False, kind="stable")
    return counts.rename("activities").reset_index()


def shade(count: int, top: int) -> list[int]:
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
            "fill": shade(count, top),
        }
        features.append(shaded)
    return {"type": "FeatureCollection", "features": features}


# The land is the same in every deck: its layer holds this mark as its data, and each deck's
# JSON gets the country shapes (about 380 KB) in its place as text written once.
_LAND_MARK = f"land-{secrets.token_hex(8)}"


@functools.cache
def _land_json() -> str:
    """The country shapes as the land layer's data, in compact JSON."""
    return json.dumps(geo.load_countries_geojson(), sort_keys=True, separators=(",", ":"))


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
            data=_LAND_MARK,
            id="countries",
            get_fill_color=LAND_FILL,
            get_line_color=LAND_LINE,
            line_width_min_pixels=0.5,
            stroked=True,
            filled=True,
            pickable=False,
        ),
    ]


class _CompactDeck(pdk.Deck):
    """A deck whose JSON has no indentation (pydeck indents it, which triples its size), with
    the land's shapes in place of their mark."""

    def to_json(self) -> str:
        text = json.dumps(self, sort_keys=True, default=deck_json_default, separators=(",", ":"))
        # The mark is random and the land layer comes before the layer of what is shown.
        return text.replace(json.dumps(_LAND_MARK), _land_json(), 1)


def points_deck(records: list[dict[str, Any]]) -> pdk.Deck:
    """A world map of the activities as points (point_records)."""
    return _world(
        pdk.Layer(
            "ScatterplotLayer",
            data=records,
            id=POINTS_LAYER,
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_line_color=[255, 255, 255],
            get_radius="radius",
            radius_units="pixels",
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        )
    )


def countries_deck(totals: pd.DataFrame) -> pdk.Deck:
    """A world map of the countries shaded by their number of activities (country_totals)."""
    return _world(
        pdk.Layer(
            "GeoJsonLayer",
            data=totals_geojson(totals),
            id=COUNTRIES_LAYER,
            get_fill_color="properties.fill",
            get_line_color=[60, 60, 60],
            line_width_min_pixels=1,
            pickable=True,
        )
    )


def _world(layer: pdk.Layer) -> pdk.Deck:
    return _CompactDeck(
        layers=[*base_layers(), layer],
        initial_view_state=pdk.ViewState(latitude=15, longitude=15, zoom=0.7),
        map_provider=None,
        map_style=NO_BASEMAP_STYLE,
        tooltip=TOOLTIP,
    )


def legend_html(kinds: Iterable[str]) -> str:
    """The legend of the kinds on the map: a dot of each one's colour, and its name.

    Built from the fixed list of kinds and colours only (KIND_COLOURS), never from data.
    """
    shown = set(kinds)
    dots = " ".join(
        f'<span style="white-space:nowrap;margin-right:12px">'
        f'<span aria-hidden="true" style="display:inline-block;width:12px;height:12px;'
        f"border-radius:6px;"
        f'background:rgb{colour};border:1px solid #555;vertical-align:middle"></span> {kind}</span>'
        for kind, colour in KIND_COLOURS.items()
        if kind in shown
    )
    if not dots:
        return ""
    return f'<div role="group" aria-label="Legend: the colour of each kind">{dots}</div>'


@dataclass(frozen=True)
class PlaceCounts:
    """How the matching activities are placed: on the map, by country, at a region."""

    matching: int
    on_map: int
    by_country: list[tuple[str, int]]  # ISO3 code and activities, most first
    at_a_region: int  # on the map, but at a region's centre rather than in a country


def place_counts(places: pd.DataFrame) -> PlaceCounts:
    """The counts of queries.activity_places's rows (the map's text alternative)."""
    placed = places.dropna(subset=["lat", "lon"])
    on_map = int(placed["activities"].sum())
    by_country = placed.groupby("country_iso3")["activities"].sum()
    by_country = by_country.sort_values(ascending=False, kind="stable")
    return PlaceCounts(
        matching=int(places["activities"].sum()),
        on_map=on_map,
        by_country=[(str(code), int(n)) for code, n in by_country.items()],
        at_a_region=on_map - int(by_country.sum()),
    )


def picked_object(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The point or country clicked on the deck (st.pydeck_chart's selection), if any."""
    objects = (event or {}).get("selection", {}).get("objects", {})
    found = objects.get(POINTS_LAYER) or objects.get(COUNTRIES_LAYER) or [None]
    return found[0]
