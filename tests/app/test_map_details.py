"""The Map's details: what a click on a point or a country lists, read from the store on click."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import queries
from ctdash.db import make_engine
from tests.helpers.apptest import APP, page_file


def open_map(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page_file("pages/map.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def layer(at: AppTest, name: str) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    data = next(layer for layer in spec["layers"] if layer["id"] == name)["data"]
    return data["features"] if isinstance(data, dict) else data


def click(at: AppTest, view: str, layer_id: str, picked: dict) -> AppTest:
    """What the browser sends back when a point or a country of the map is clicked."""
    selection = {"indices": {layer_id: [0]}, "objects": {layer_id: [picked]}}
    at.session_state[f"deck-{view}"] = {"selection": selection}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def size(point: dict) -> int:
    """How many activities a point stands for: its title says "N activities" past one."""
    return int(point["title"].split()[0]) if "@" in point["key"] else 1


def details_table(at: AppTest) -> list[dict]:
    """The rows of the details column's table (Start, Kind, Title)."""
    tables = [t.value for t in at.dataframe if "title" in t.value.columns]
    assert len(tables) == 1
    return tables[0].to_dict("records")


def test_a_point_of_one_activity_shows_that_activity(app_database: Path) -> None:
    at = open_map(kind="assessment")
    jordan = next(p for p in layer(at, "activities") if p["key"] == "nl-2023-03-04-12")
    click(at, "points", "activities", jordan)
    shown = [t.value for t in at.text]
    assert shown[0] == jordan["title"]
    assert shown[1] == "assessment · 2023-03-06 – 2023-03-09"
    assert "Place: Jordan (country centre)" in shown
    assert any(line.startswith("Source: Counter-Terrorism Compact newsletter") for line in shown)


def test_a_point_of_several_activities_lists_them_all(demo_app: Path) -> None:
    at = open_map(kind="training")
    point = max(layer(at, "activities"), key=size)
    count = size(point)
    assert count > 1 and point["kind"] == "training"
    click(at, "points", "activities", point)
    heading = next(m.value for m in at.markdown if m.value.endswith(f": {count} activities"))
    assert heading.startswith("**")
    rows = details_table(at)
    assert len(rows) == count
    assert {row["kind"] for row in rows} == {"training"}
    engine = make_engine(f"sqlite:///{demo_app}")
    acts = queries.activities(engine, queries.ActivityFilter(kinds=("training",)))
    engine.dispose()
    here = acts[(acts["lat"] == point["lat"]) & (acts["lon"] == point["lon"])]
    assert sorted(row["title"] for row in rows) == sorted(here["title"])


def test_a_place_of_many_kinds_lists_each_kind(
    demo_app: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctdash import maps

    monkeypatch.setattr(maps, "MAX_POINTS", 10)
    at = open_map()
    assert any("one grey point per place" in c.value for c in at.caption)
    point = max(layer(at, "activities"), key=size)
    click(at, "points", "activities", point)
    rows = details_table(at)
    kinds = {
        part.split(" ", 1)[1]: int(part.split(" ", 1)[0]) for part in point["kind"].split(", ")
    }
    assert len(rows) == sum(kinds.values()) == size(point)
    assert {row["kind"] for row in rows} == set(kinds)


def test_a_country_lists_its_activities_and_no_other_country_of_the_region(
    app_database: Path,
) -> None:
    at = open_map(view="countries", region="Africa")
    africa = {f["properties"]["place"] for f in layer(at, "country-totals")}
    assert {"NGA", "KEN", "BEN"} <= africa
    click(at, "countries", "country-totals", {"properties": {"place": "NGA"}})
    assert any(m.value == "**Nigeria**: 2 activities" for m in at.markdown)
    engine = make_engine(f"sqlite:///{app_database}")
    nigeria = queries.activities(engine, queries.ActivityFilter(countries=("NGA",)))
    engine.dispose()
    assert sorted(row["title"] for row in details_table(at)) == sorted(nigeria["title"])
