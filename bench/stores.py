"""The synthetic stores each size is measured on, made by `ctdash demo`, and the filter values
chosen once, from the smallest, for every size."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.measuring import PROJECT_ROOT, BenchError

DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
# The sizes docs/performance.md is measured at, as its "How to rerun" says.
PUBLISHED_SIZES = (1_000, 100_000, 1_000_000)
# Years of monthly snapshots in every store, unless --years says otherwise.
DEFAULT_YEARS = 20
# The kind of activity the reads are filtered to.
KIND = "training"


def make_store(folder: Path, *, activities: int, years: int) -> str:
    """A synthetic store of `activities` activities made by `ctdash demo`; its URL.

    A store this folder already holds (from an earlier run with --workdir) is used again when
    it is synthetic and holds that many activities.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ctdash.db"
    url = f"sqlite:///{path}"
    if path.exists():
        if synthetic_activities(url) == activities:
            return url
        raise BenchError(f"{path} holds other data; remove it or give another --workdir.")
    run_demo(url, activities=activities, years=years)
    return url


def run_demo(url: str, *, activities: int, years: int) -> float:
    """`ctdash demo` into the empty database at `url`; the seconds it took."""
    began = time.perf_counter()
    done = subprocess.run(
        [
            *(sys.executable, "-m", "ctdash.cli", "demo", "--db", url),
            *("--activities", str(activities), "--years", str(years)),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"ctdash demo failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - began


def synthetic_activities(url: str) -> int | None:
    """How many activities a synthetic store holds; None for a store of real figures."""
    from ctdash import queries
    from ctdash.db import make_engine

    engine = make_engine(url)
    try:
        if not queries.is_synthetic(engine):
            return None
        return queries.activity_count(engine, internal=True).total
    finally:
        engine.dispose()


@dataclass(frozen=True)
class FilterChoices:
    """The filter values every size is measured with, chosen once from the smallest store."""

    country: str
    year: int


def choose_filters(url: str) -> FilterChoices:
    """The country with the most activities, and the last full year of the smallest store."""
    from ctdash import queries
    from ctdash.db import make_engine

    engine = make_engine(url)
    try:
        frame = queries.activities(engine)
        counts = frame["country_iso3"].dropna().value_counts()
        country = str(counts.index[0]) if len(counts) else "NGA"
        last = frame["end_date"].max() if len(frame) else date.today()
    finally:
        engine.dispose()
    return FilterChoices(country=country, year=last.year - 1)
