"""The Overview's period: which activities a snapshot reports on, and what they add up to."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from ctdash import queries
from ctdash.period import period_of, summarise

SNAPSHOTS = [date(2023, 4, 30), date(2022, 12, 31), date(2021, 6, 30)]


@pytest.mark.parametrize(
    ("as_of", "start"),
    [
        (date(2023, 4, 30), date(2022, 12, 31)),  # the latest: since the one before it
        (date(2022, 12, 31), date(2021, 6, 30)),
        (date(2021, 6, 30), None),  # the first: everything up to it
        (date(2023, 1, 15), date(2022, 12, 31)),  # a date between snapshots
    ],
)
def test_a_period_runs_from_the_snapshot_before_to_the_chosen_one(
    as_of: date, start: date | None
) -> None:
    assert period_of(SNAPSHOTS, as_of) == queries.ActivityFilter(date_from=start, date_to=as_of)


def activity(kind: str, iso3: str | None, country: str | None, placed: bool = True) -> dict:
    return {
        "kind": kind,
        "country_iso3": iso3,
        "country": country,
        "lat": 1.0 if placed else None,
        "lon": 2.0 if placed else None,
    }


ACTIVITIES = pd.DataFrame(
    [
        activity("assessment", "KEN", "Kenya"),
        activity("assessment", "NGA", "Nigeria"),
        activity("training", "KEN", "Kenya"),
        activity("training", "JOR", "Jordan"),
        activity("training", None, None, placed=False),
        activity("statement", None, None, placed=False),
        activity("assessment", "PER", "Peru", placed=False),  # not on the map: not a visit
    ]
)


def tile(code: str, value: int | None) -> queries.Tile:
    return queries.Tile(
        code, "label", "count", "", value, date(2023, 4, 30), False, None, None, None, None
    )


def test_a_period_is_counted_by_kind_and_country_beside_the_assessments_figure() -> None:
    summary = summarise(
        ACTIVITIES, [tile("member_states", 136), tile("cted_country_assessments", 24)]
    )
    assert (summary.activities, summary.placed) == (7, 4)
    assert summary.countries == ["JOR", "KEN", "NGA", "PER"]
    # Most first; kinds with as many in the order of their names.
    assert summary.by_kind == [("assessment", 3), ("training", 3), ("statement", 1)]
    assert summary.assessment_visits == ["Kenya", "Nigeria"]
    assert summary.assessments_figure == "24"


@pytest.mark.parametrize(
    "tiles", [[tile("member_states", 136)], [tile("cted_country_assessments", None)]]
)
def test_a_store_without_the_assessments_figure_says_so(tiles: list[queries.Tile]) -> None:
    assert summarise(ACTIVITIES, tiles).assessments_figure == "no figure"


@pytest.mark.both_backends
@pytest.mark.parametrize("internal", [False, True])
def test_the_summary_read_counts_what_every_activity_read_counts(
    store: Engine, internal: bool
) -> None:
    """The Overview summarises a period from its activities' kinds and places alone; the brief,
    from every column. Both give the same summary for every snapshot's period."""
    observations = queries.observations(store)
    dates = queries.snapshot_dates(observations)
    tiles = queries.build_tiles(queries.indicators(store), observations, dates[0])
    summaries = 0
    for as_of in dates:
        period = period_of(dates, as_of)
        every = queries.activities(store, period, internal=internal)
        narrow = queries.activity_kinds_and_places(store, period, internal=internal)
        assert len(narrow) == len(every)
        if not every.empty:
            assert summarise(narrow, tiles) == summarise(every, tiles)
            summaries += 1
    assert summaries > 0
