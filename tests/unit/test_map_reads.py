"""The map's reads by place agree with the activities they count, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from ctdash import demo, maps, queries
from ctdash import store as writes
from ctdash.db import make_engine
from ctdash.ingest import ActivityRecord

pytestmark = pytest.mark.both_backends

TODAY = date(2026, 11, 28)


@pytest.fixture
def demo_store(database_url: str) -> Engine:
    """3,000 generated activities (some internal) over two years, at the world's capitals."""
    engine = make_engine(database_url)
    demo.fill(engine, activities=3_000, years=2, today=TODAY)
    yield engine
    engine.dispose()


def counted_by_pandas(acts: pd.DataFrame) -> pd.DataFrame:
    """What activity_places should say, worked out from every activity row."""
    grouped = acts.groupby(["lat", "lon", "kind"], dropna=False).agg(
        activities=("id", "size"),
        first_id=("id", "min"),
        start_date=("start_date", "min"),
        end_date=("end_date", "max"),
        internal=("internal", "sum"),
    )
    grouped = grouped.reset_index().sort_values(["first_id"]).reset_index(drop=True)
    return grouped.astype({"start_date": "datetime64[ns]", "end_date": "datetime64[ns]"})


def as_counted(places: pd.DataFrame) -> pd.DataFrame:
    columns = ["lat", "lon", "kind", "activities", "first_id", "start_date", "end_date", "internal"]
    return places[columns].sort_values(["first_id"]).reset_index(drop=True)


@pytest.mark.parametrize("internal", [False, True])
@pytest.mark.parametrize(
    "flt",
    [
        queries.ActivityFilter(),
        queries.ActivityFilter(kinds=("training", "workshop")),
        queries.ActivityFilter(date_from=date(2025, 6, 1), date_to=date(2025, 8, 31)),
        queries.ActivityFilter(regions=("Africa",)),
    ],
    ids=["everything", "two kinds", "a summer", "a region"],
)
def test_places_count_exactly_the_activities_a_filter_matches(
    demo_store: Engine, flt: queries.ActivityFilter, internal: bool
) -> None:
    acts = queries.activities(demo_store, flt, internal=internal)
    places = queries.activity_places(demo_store, flt, internal=internal)
    assert len(acts) > 0
    pd.testing.assert_frame_equal(
        as_counted(places), counted_by_pandas(acts), check_dtype=False, check_index_type=False
    )
    count = queries.activity_count(demo_store, flt, internal=internal)
    assert count == queries.ActivityCount(len(acts), int(acts["internal"].sum()))
    assert internal or count.internal == 0


def test_places_of_the_newsletter_include_the_activities_with_no_place(store: Engine) -> None:
    places = queries.activity_places(store)
    acts = queries.activities(store)
    assert places["activities"].sum() == len(acts) == 56
    unplaced = places[places["lat"].isna()]
    assert unplaced["activities"].sum() == acts["lat"].isna().sum() == 34


def test_every_point_of_the_map_leads_back_to_the_activities_it_stands_for(
    demo_store: Engine,
) -> None:
    flt = queries.ActivityFilter(kinds=("training", "meeting"))
    acts = queries.activities(demo_store, flt, internal=True)
    places = queries.activity_places(demo_store, flt, internal=True)
    groups = maps.point_groups(places)
    firsts = queries.activities(
        demo_store, replace(flt, ids=tuple(groups["first_id"])), internal=True
    )
    records = maps.point_records(groups, firsts)
    drawn = sum(int(r["title"].split()[0]) if "@" in r["key"] else 1 for r in records)
    assert drawn == acts["lat"].notna().sum()
    several = [r for r in records if "@" in r["key"]]
    assert several, "the demo store has places with several activities of a kind"
    for record in [*several[:5], *(r for r in records if "@" not in r["key"])][:10]:
        chosen = maps.picked(flt, record["key"])
        found = queries.activities(demo_store, chosen, internal=True)
        at_point = acts[(acts["lat"] == record["lat"]) & (acts["lon"] == record["lon"])]
        if "@" in record["key"]:
            kind = record["key"].partition("@")[0]
            expected = at_point[at_point["kind"] == kind]
            assert record["title"].startswith(f"{len(expected)} activities")
        else:
            expected = acts[acts["key"] == record["key"]]
            assert record["title"] == expected["title"].iloc[0]
        assert list(found["key"]) == list(expected["key"])
        assert record["dates"] == maps.date_span(
            expected["start_date"].min(), expected["end_date"].max()
        )


@pytest.mark.parametrize("internal", [False, True])
def test_the_maps_light_read_of_first_activities_draws_the_same_points(
    demo_store: Engine, internal: bool
) -> None:
    flt = queries.ActivityFilter(kinds=("training", "meeting"))
    places = queries.activity_places(demo_store, flt, internal=internal)
    groups = maps.point_groups(places)
    ids = tuple(groups["first_id"])
    full = queries.activities(demo_store, replace(flt, ids=ids), internal=internal)
    alone = groups.loc[groups["activities"] == 1, "first_id"].tolist()
    light = queries.first_activities(demo_store, ids, internal=internal, entities_of=alone)
    assert alone and len(alone) < len(ids)
    assert sorted(light["id"]) == sorted(full["id"])
    shown = [*queries.FIRST_COLUMNS, "country"]
    by_id = full.set_index("id")
    pd.testing.assert_frame_equal(
        light.set_index("id")[shown[1:]].sort_index(),
        by_id[shown[1:]].sort_index(),
        check_dtype=False,
        check_index_type=False,
    )
    # Entities are read only for the points of one activity, the only ones that show them.
    entities = dict(zip(light["id"], light["entities"], strict=True))
    assert all(entities[i] == by_id.loc[i, "entities"] != "" for i in alone)
    assert all(entities[i] == "" for i in set(ids) - set(alone))
    records, by_kind = maps.points(demo_store, places, internal=internal)
    assert by_kind and records == maps.point_records(groups, full)


def test_past_the_points_limit_each_place_is_one_point_counting_its_kinds(
    demo_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(maps, "MAX_POINTS", 10)
    acts = queries.activities(demo_store)
    groups = maps.point_groups(queries.activity_places(demo_store))
    placed = acts.dropna(subset=["lat", "lon"])
    places = placed[["lat", "lon"]].drop_duplicates()
    assert len(groups) == len(places)
    busiest = groups.sort_values("activities").iloc[-1]
    here = placed[(placed["lat"] == busiest["lat"]) & (placed["lon"] == busiest["lon"])]
    counts = here["kind"].value_counts()
    assert busiest["activities"] == len(here)
    assert sorted(busiest["kinds"].split(", ")) == sorted(f"{n} {k}" for k, n in counts.items())


def test_a_clicked_country_is_not_widened_by_the_region_filter(demo_store: Engine) -> None:
    flt = queries.ActivityFilter(regions=("Africa",))
    acts = queries.activities(demo_store, flt)
    country = acts["country_iso3"].value_counts().index[0]
    found = queries.activities(demo_store, replace(flt, in_country=country))
    assert set(found["country_iso3"]) == {country}
    assert len(found) == (acts["country_iso3"] == country).sum()


def test_the_earliest_activities_up_to_a_limit(demo_store: Engine) -> None:
    everything = queries.activities(demo_store)
    first = queries.activities(demo_store, limit=100)
    assert list(first["key"]) == list(everything["key"][:100])
    assert list(first["entities"]) == list(everything["entities"][:100])


def test_pages_of_a_table_follow_one_another_without_a_gap_or_a_repeat(
    demo_store: Engine,
) -> None:
    flt = queries.ActivityFilter(kinds=("training", "workshop"))
    everything = queries.activities(demo_store, flt)
    size = 150
    pages = [
        queries.activities(demo_store, flt, limit=size, offset=offset)
        for offset in range(0, len(everything) + size, size)
    ]
    assert len(everything) > 2 * size and len(pages[-1]) == 0
    pd.testing.assert_frame_equal(pd.concat(pages[:-1], ignore_index=True), everything)


def test_a_read_longer_than_one_lookup_of_ids_names_the_same_entities(
    demo_store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_ids = queries.activities(demo_store, queries.ActivityFilter(kinds=("training",)))
    assert 100 < len(by_ids) <= queries.IDS_PER_LOOKUP and by_ids["entities"].str.len().gt(0).all()
    monkeypatch.setattr(queries, "IDS_PER_LOOKUP", 100)
    by_filter = queries.activities(demo_store, queries.ActivityFilter(kinds=("training",)))
    pd.testing.assert_frame_equal(by_filter, by_ids)


def test_a_point_at_coordinates_of_five_decimals_leads_to_its_activities(store: Engine) -> None:
    # The gazetteer writes places to five decimals; rounded to four, 36.47396,140.56355 would
    # sit on the edge between two cells. Points keep the coordinates as stored.
    trainings = [
        ActivityRecord(
            row=row,
            title=f"Training {row} in Mito",
            kind="training",
            start_date=date(2024, 3, row),
            end_date=date(2024, 3, row),
            country_iso3="JPN",
            city="Mito",
            lat=36.47396,
            lon=140.56355,
            location_precision="city",
        )
        for row in (2, 3, 4)
    ]
    neighbour = replace(trainings[0], row=5, title="Training next door", lat=36.47395)
    writes.commit(
        store, file_name="mito.csv", data=b"mito", user="ana", activities=[*trainings, neighbour]
    )
    flt = queries.ActivityFilter(kinds=("training",), date_from=date(2024, 3, 1))
    groups = maps.point_groups(queries.activity_places(store, flt))
    firsts = queries.activities(store, replace(flt, ids=tuple(groups["first_id"])))
    records = maps.point_records(groups, firsts)
    mito = next(r for r in records if r["lat"] == 36.47396)
    assert mito["title"] == "3 activities"
    found = queries.activities(store, maps.picked(flt, mito["key"]))
    assert sorted(found["title"]) == [f"Training {row} in Mito" for row in (2, 3, 4)]
    assert queries.activity_count(store, maps.picked(flt, mito["key"])).total == 3


def test_no_ids_means_no_activities_not_every_activity(store: Engine) -> None:
    assert queries.activities(store, queries.ActivityFilter(ids=())).empty
    assert len(queries.activities(store, queries.ActivityFilter(ids=None))) == 56
