"""The Map page's points and deck JSON: timed as the page builds them, and weighed in bytes
and in the points or countries they hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine

VIEWS = ("points", "countries")


def activities_counted(frame: pd.DataFrame) -> int:
    """The activities a frame of counts by place holds."""
    return int(frame["activities"].sum())


def placed_activities(engine: Engine) -> pd.DataFrame:
    """Every activity counted by place and kind, the places without coordinates left out."""
    from ctdash import queries

    return queries.activity_places(engine).dropna(subset=["lat", "lon"])


def map_points(engine: Engine) -> list[dict[str, Any]]:
    """What the Map page does for its points: count by place, group, read each point's first
    activity."""
    from ctdash import maps, queries

    return maps.points(engine, queries.activity_places(engine))[0]


def map_deck(engine: Engine, placed: pd.DataFrame, view: str) -> Any:
    """The Map's deck with no filter, in one of VIEWS."""
    from ctdash import maps

    if view == "countries":
        return maps.countries_deck(maps.country_totals(placed))
    return maps.points_deck(map_points(engine))


def map_cases(engine: Engine, placed: pd.DataFrame) -> dict[str, Callable[[], int]]:
    """The map's reads and JSON by name, each returning the activities it counts."""

    def deck_json(view: str) -> int:
        map_deck(engine, placed, view).to_json()
        return activities_counted(placed)

    return {
        "map points, no filter": lambda: activities_counted(placed) if map_points(engine) else 0,
        "deck JSON, points": lambda: deck_json("points"),
        "deck JSON, countries": lambda: deck_json("countries"),
    }


def map_json_sizes(engine: Engine, placed: pd.DataFrame) -> tuple[dict[str, int], dict[str, int]]:
    """The deck JSON's length in bytes, and the points or countries it holds, by view."""
    lengths, items = {}, {}
    for view in VIEWS:
        built = map_deck(engine, placed, view)
        lengths[view] = len(built.to_json().encode("utf-8"))
        data = built.layers[-1].data
        items[view] = len(data["features"] if isinstance(data, dict) else data)
    return lengths, items
