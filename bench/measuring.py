"""What every part of the benchmark shares: where the project is, the error a measurement
raises, and the median of timed runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """A measurement could not be taken; the message says why."""


@dataclass(frozen=True)
class Timed:
    """The median of some runs of one measurement, and the rows its last run gave."""

    seconds: float
    rows: int
    runs: int


# The most calls `timed` makes to fill its `least` seconds.
MOST_CALLS = 50


def timed(
    call: Callable[[], int], *, repeats: int, budget: float = 60.0, least: float = 0.0
) -> Timed:
    """Median time of `repeats` calls of `call` (which returns its row count), and of more
    while the calls together took less than `least` seconds (up to MOST_CALLS): a quick call's
    median is then of enough calls to hold still on a noisy machine.

    Stops early once the runs together took longer than `budget` seconds, after one run.
    """
    times: list[float] = []
    rows = 0
    while len(times) < max(1, repeats) or (sum(times) < least and len(times) < MOST_CALLS):
        start = time.perf_counter()
        rows = call()
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return Timed(statistics.median(times), rows, len(times))


def ratio(top: float, bottom: float) -> float | None:
    """top / bottom, or None when bottom is zero."""
    return top / bottom if bottom else None
