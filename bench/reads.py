"""The `data` part: every read the pages make, timed as a viewer who is not signed in, and
the size of the map's JSON."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from bench.map_json import activities_counted, map_cases, map_json_sizes, placed_activities
from bench.measuring import Timed, timed
from bench.stores import KIND, FilterChoices

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ctdash.queries import ActivityFilter


@dataclass
class DataResult:
    """One size's data functions, and the size of the map's JSON."""

    timings: dict[str, Timed] = field(default_factory=dict)
    json_bytes: dict[str, int] = field(default_factory=dict)
    json_items: dict[str, int] = field(default_factory=dict)


# A read is timed at least `repeats` times, and as many more as fill this many seconds: the
# growth of a 30 ms read from the smallest store to the largest is then told from the noise.
QUICK_READS_SECONDS = 1.0


def data_functions(url: str, choices: FilterChoices, *, repeats: int) -> DataResult:
    """Time every read the pages make, as an anonymous viewer, after one untimed call each."""
    from ctdash.db import make_engine

    engine = make_engine(url)
    result = DataResult()
    # As the app does once its store is open (ctdash.web.engine): what the process holds so
    # far is out of the garbage collector's reach.
    gc.freeze()
    try:
        cases = read_cases(engine, choices)
        placed = placed_activities(engine)
        cases |= map_cases(engine, placed)
        for name, call in cases.items():
            call()
            result.timings[name] = timed(call, repeats=repeats, least=QUICK_READS_SECONDS)
        result.json_bytes, result.json_items = map_json_sizes(engine, placed)
    finally:
        engine.dispose()
    return result


def compared_filters(
    choices: FilterChoices, snapshot_dates: list[date]
) -> dict[str, ActivityFilter]:
    """The filters each activity read is timed with, by the label the report gives them."""
    from ctdash.queries import ActivityFilter

    latest = snapshot_dates[0]
    period = ActivityFilter(
        date_from=snapshot_dates[1] if len(snapshot_dates) > 1 else None, date_to=latest
    )
    year = ActivityFilter(date_from=date(choices.year, 1, 1), date_to=date(choices.year, 12, 31))
    return {
        "no filter": ActivityFilter(),
        f"kind {KIND}": ActivityFilter(kinds=(KIND,)),
        f"year {choices.year}": year,
        f"country {choices.country}": ActivityFilter(countries=(choices.country,)),
        "kind, year and country": ActivityFilter(
            date_from=year.date_from,
            date_to=year.date_to,
            kinds=(KIND,),
            countries=(choices.country,),
        ),
        "the Overview's period": period,
    }


def read_cases(engine: Engine, choices: FilterChoices) -> dict[str, Callable[[], int]]:
    """The reads by name, each returning the rows it gives or the activities it counts."""
    from ctdash import queries
    from ctdash.web.readers import TABLE_ROWS

    indicator_frame = queries.indicators(engine)
    observations = queries.observations(engine)
    snapshot_dates = queries.snapshot_dates(observations)
    latest = snapshot_dates[0]
    codes = list(indicator_frame["code"])
    filters = compared_filters(choices, snapshot_dates)

    def date_span() -> int:
        first, _ = queries.activity_date_span(engine)
        return int(first is not None)

    cases: dict[str, Callable[[], int]] = {
        "observations": lambda: len(queries.observations(engine)),
        "build_tiles": lambda: len(queries.build_tiles(indicator_frame, observations, latest)),
        "trend_frame": lambda: len(queries.trend_frame(observations, codes)),
        "trend_frame, indexed": lambda: len(queries.trend_frame(observations, codes, indexed=True)),
        f"activities, the first {TABLE_ROWS:,}": lambda: len(
            queries.activities(engine, limit=TABLE_ROWS)
        ),
    }
    filtered_reads: dict[str, Callable[[ActivityFilter], int]] = {
        "activity_count": lambda flt: queries.activity_count(engine, flt).total,
        "activity_places": lambda flt: activities_counted(queries.activity_places(engine, flt)),
        "activities": lambda flt: len(queries.activities(engine, flt)),
    }
    for read_name, read in filtered_reads.items():
        for label, flt in filters.items():
            cases[f"{read_name}, {label}"] = partial(read, flt)
    cases |= {
        "entity_names": lambda: len(queries.entity_names(engine)),
        "activity_date_span": date_span,
    }
    return cases | brief_cases(engine, filters["the Overview's period"])


BRIEF_PDF = "the brief, PDF"


def brief_cases(engine: Engine, period: ActivityFilter) -> dict[str, Callable[[], int]]:
    """The period's brief as the Overview's button and `ctdash brief` make it, and as PNG;
    each gives the number of the period's activities it lists."""
    from datetime import UTC, datetime

    from ctdash import brief, queries

    listed = queries.activity_count(engine, period).total

    def made(fmt: brief.Format) -> int:
        brief.render(engine, fmt=fmt, made_at=datetime.now(UTC))
        return listed

    return {
        BRIEF_PDF: partial(made, brief.Format.pdf),
        "the brief, PNG": partial(made, brief.Format.png),
    }
