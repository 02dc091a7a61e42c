"""Map building: the records sent to the browser and the labels of places."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ctdash import maps


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"city": "Nairobi", "country": "Kenya", "region": None}, "Nairobi, Kenya"),
        ({"city": math.nan, "country": "Jordan", "region": math.nan}, "Jordan (country centre)"),
        ({"city": None, "country": None, "region": "Caribbean"}, "Caribbean (region centre)"),
        ({"city": math.nan, "country": math.nan, "region": math.nan}, "no place"),
        ({"city": "Rabat", "country": math.nan, "region": None}, "Rabat"),
    ],
)
def test_place_label(row: dict, expected: str) -> None:
    assert maps.place_label(row) == expected


def test_point_records_skip_unplaced_activities_and_carry_only_what_is_drawn(store) -> None:
    from ctdash import queries

    groups = maps.point_groups(queries.activity_places(store))
    firsts = queries.activities(store, queries.ActivityFilter(ids=tuple(groups["first_id"])))
    records = maps.point_records(groups, firsts)
    assert len(records) == queries.activities(store)["lat"].notna().sum() == 22
    jordan = next(r for r in records if r["key"] == "nl-2023-03-04-12")
    assert jordan["place"] == "Jordan (country centre)"
    assert jordan["dates"] == "2023-03-06 – 2023-03-09"
    assert jordan["color"] == maps.KIND_COLOURS["assessment"]
    assert all(isinstance(r["entities"], str) for r in records)


def test_country_totals_count_each_country() -> None:
    places = pd.DataFrame({"country_iso3": ["NGA", "KEN", "NGA", None], "activities": [1, 1, 2, 5]})
    totals = maps.country_totals(places)
    assert totals.values.tolist() == [["NGA", 3], ["KEN", 1]]


def test_the_colours_of_kinds_are_distinct() -> None:
    assert len(set(maps.KIND_COLOURS.values())) == len(maps.KIND_COLOURS)


def test_a_city_the_gazetteer_did_not_know_says_where_it_really_sits() -> None:
    row = {"city": "Nowhereville", "country": "Kenya", "location_precision": "country"}
    assert maps.place_label(row) == "Nowhereville, Kenya (placed at the country centre)"
