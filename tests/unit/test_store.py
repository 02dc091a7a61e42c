"""The store: seeding from data/, idempotence, revisions and the SQLite settings.

Each test runs on SQLite and on PostgreSQL, but for the one about SQLite's own settings."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from ctdash import queries
from ctdash import store as store_module
from ctdash.db import make_engine
from ctdash.ingest import ObservationRecord
from ctdash.ingest.activities import parse_activity_file
from ctdash.ingest.newsletter import shipped_indicators
from ctdash.models import Batch, Observation
from ctdash.seed import seed
from tests.conftest import PROJECT_ROOT, row_counts

DATA = PROJECT_ROOT / "data"

pytestmark = pytest.mark.both_backends


def test_seeding_twice_adds_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        first = seed(engine)
        counts = row_counts(engine)
        second = seed(engine)
    finally:
        engine.dispose()
    assert first.total > 0 and second.total == 0
    assert row_counts(database_url) == counts
    assert counts["activity"] == 56 and counts["observation"] == 11


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_foreign_keys(store) -> None:
    with store.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        # A write waits for another writer as long as a statement may take (15 s by default).
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15_000


def test_the_newsletter_figures_are_shipped_with_their_source(store) -> None:
    obs = queries.observations(store)
    latest = obs[obs["as_of"] == date(2023, 4, 30)]
    assert dict(zip(latest["indicator_code"], latest["value"], strict=True)) == {
        "compact_entities": 45,
        "member_states": 136,
        "intl_regional_orgs": 13,
        "focal_points": 1000,
        "documents_shared": 3279,
        "ct_platform_visits": 200062,
        "cted_ta_recommendations": 705,
        "cted_country_assessments": 24,
    }
    assert latest["as_of_inferred"].all()
    assert set(latest["source"]) == {
        'Counter-Terrorism Compact newsletter, March-April 2023 ("Compact in Numbers")'
    }
    assert list(queries.indicators(store)["code"]) == [code for code, _ in shipped_indicators()]


def test_every_shipped_row_names_a_known_source() -> None:
    with (DATA / "sources.csv").open(encoding="utf-8") as handle:
        sources = {row["key"]: row for row in csv.DictReader(handle)}
    for name in ("observations.csv", "activities.csv"):
        with (DATA / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                assert row["source"] in sources, (name, row)
    for source in sources.values():
        assert source["url"] or (DATA / source["file"]).is_file(), source


def test_the_newsletter_source_keeps_the_file_checksum(store) -> None:
    import hashlib

    expected = hashlib.sha256((DATA / "sources/newsletter-2023-03-04.txt").read_bytes()).hexdigest()
    with store.connect() as connection:
        stored = connection.execute(
            text("SELECT sha256 FROM source WHERE key = 'newsletter-2023-03-04'")
        ).scalar()
    assert stored == expected


def test_placed_activities_sit_where_the_text_says(store) -> None:
    acts = queries.activities(store).set_index("key")
    assert acts.loc[
        "nl-2023-03-04-16", ["city", "country_iso3", "location_precision"]
    ].tolist() == ["Nairobi", "KEN", "city"]
    assert acts.loc["nl-2023-03-04-12", ["country_iso3", "location_precision"]].tolist() == [
        "JOR",
        "country",
    ]
    assert acts.loc["nl-2023-03-04-37", ["region", "location_precision"]].tolist() == [
        "Caribbean",
        "region",
    ]
    meetings = acts[
        acts["working_group"].notna() & (acts["section"] == "COMPACT WORKING GROUP MEETINGS")
    ]
    assert sorted(meetings["working_group"]) == sorted(
        ["NARS", "CJLR-CFT", "ETCIP", "Gender", "RMME", "HRRoL-VOT"]
    )
    assert meetings["lat"].isna().all()
    assert (acts["kind"] == "assessment").sum() == 3


def test_a_correction_is_a_new_revision_and_the_old_value_stays(store) -> None:
    with Session(store) as session:
        batch = Batch(kind="manual", recorded_by="test")
        session.add(batch)
        session.flush()
        session.add(
            Observation(
                indicator_code="member_states",
                as_of=date(2023, 4, 30),
                value=137,
                revision=2,
                source_id=1,
                batch_id=batch.id,
            )
        )
        session.commit()
    obs = queries.observations(store)
    current = obs[(obs["indicator_code"] == "member_states")]
    assert current["value"].tolist() == [137]
    with store.connect() as connection:
        values = (
            connection.execute(
                text(
                    "SELECT value FROM observation WHERE indicator_code = 'member_states' "
                    "ORDER BY revision"
                )
            )
            .scalars()
            .all()
        )
    assert values == [136, 137]


def test_every_write_changes_the_data_version_and_a_refused_one_does_not(store) -> None:
    start = queries.data_version(store)
    figure = ObservationRecord(2, "member_states", date(2024, 1, 31), 140)
    written = store_module.commit(
        store, file_name="a.csv", data=b"a", user="test", observations=[figure]
    )
    assert queries.data_version(store) == start + 1
    # The same bytes again, and a figure equal to the current one, write nothing.
    store_module.commit(store, file_name="a.csv", data=b"a", user="test", observations=[figure])
    store_module.commit(store, file_name="b.csv", data=b"b", user="test", observations=[figure])
    assert queries.data_version(store) == start + 1
    assert written.batch_id is not None
    store_module.undo(store, batch_id=written.batch_id, user="test")
    assert queries.data_version(store) == start + 2


def test_tiles_give_the_delta_since_each_indicator_previous_snapshot(store) -> None:
    tiles = {
        t.code: t
        for t in queries.build_tiles(
            queries.indicators(store), queries.observations(store), date(2023, 4, 30)
        )
    }
    assert tiles["compact_entities"].delta == 0
    assert tiles["compact_entities"].previous_as_of == date(2022, 4, 30)
    assert tiles["compact_entities"].history == [38, 43, 45, 45]
    assert tiles["member_states"].delta is None
    early = {
        t.code: t
        for t in queries.build_tiles(
            queries.indicators(store), queries.observations(store), date(2019, 1, 1)
        )
    }
    assert early["compact_entities"].value == 38
    assert early["member_states"].value is None


def test_activity_filters(store) -> None:
    def count(**kwargs) -> int:
        return len(queries.activities(store, queries.ActivityFilter(**kwargs)))

    assert count() == 56
    assert count(kinds=("assessment",)) == 3
    assert count(countries=("NGA",)) == 2
    assert count(entities=("UN Women",)) >= 1
    with (DATA / "activities.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert count(date_from=date(2023, 4, 1)) == sum(r["end_date"] >= "2023-04-01" for r in rows)
    assert count(date_to=date(2023, 3, 10)) == sum(r["start_date"] <= "2023-03-10" for r in rows)
    # The Caribbean workshop sits at its region and is found under the Americas.
    assert "nl-2023-03-04-37" in set(
        queries.activities(store, queries.ActivityFilter(regions=("Americas",)))["key"]
    )
    assert count(text="nairobi") == 1
    assert count(text="UNICRI") >= 3


def test_search_treats_wildcards_as_plain_characters(store) -> None:
    def count(text: str) -> int:
        return len(queries.activities(store, queries.ActivityFilter(text=text)))

    assert count("_") == 0
    assert count("%") == 0
    assert count("CT/PCVE") >= 1


def test_a_tile_without_a_source_url_has_none(store) -> None:
    tiles = queries.build_tiles(
        queries.indicators(store), queries.observations(store), date(2023, 4, 30)
    )
    visits = next(t for t in tiles if t.code == "ct_platform_visits")
    assert visits.source_url is None
    assert visits.source is not None and "nan" not in visits.source


def test_a_long_activity_is_found_by_a_start_date_late_in_it(store, tmp_path: Path) -> None:
    # The date filter also bounds the start from below, by the longest activity's length.
    path = tmp_path / "long.csv"
    path.write_text(
        "title,kind,start,end,country\n"
        "Three-year programme,other,2020-01-01,2023-06-30,Kenya\n"
        "One day,meeting,2023-06-01,,Kenya\n"
    )
    parsed = parse_activity_file(
        file_name=path.name, data=path.read_bytes(), today=date(2026, 1, 1)
    )
    records = parsed.records
    assert parsed.errors == []
    store_module.commit(
        store, file_name=path.name, data=path.read_bytes(), user="t", activities=records
    )
    found = queries.activities(store, queries.ActivityFilter(date_from=date(2023, 6, 15)))
    assert "Three-year programme" in set(found["title"])
    assert "One day" not in set(found["title"])
    assert queries.activities(store, queries.ActivityFilter(date_from=date(1, 1, 2))).shape[0] > 0
