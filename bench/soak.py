"""A soak of the served dashboard: thousands of page loads over every page with changing
filters, none of which may fail, and the server's resident memory late against early.

Each load is a session of Streamlit's own WebSocket protocol (as in bench/protocol.py): it
asks for one page with one URL's filters, reads every message of the page's script run, and
fails if the run does not finish, lacks the page's content, or shows an exception, an error,
or "The figures are unavailable right now". The pages take turns (Overview, Trends, Map,
Activities), each load with filters of its own drawn from the store's values. The server's
resident memory (VmRSS of its process and any children) is read before the first load and
after every tenth of the loads; the target compares the last reading with the first of those
(after load 200 of 2,000).

The views are drawn in soak_views.py, each load is read and judged in soak_loads.py, and the
memory is read by resident_memory.py; this module runs the loads against a served app.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.resident_memory import resident_bytes
from bench.servers import served
from bench.soak_loads import LOAD_TIMEOUT, load_failure
from bench.soak_views import View, draw_views, store_values

LOADS = 2_000
QUICK_LOADS = 40
# The late reading of resident memory may be at most this many times the early one.
MEMORY_RATIO = 1.25
# Memory is read after every this-many-th part of the loads: load 200, 400... of 2,000.
READINGS = 10
# Sessions loading pages at the same time. One after another: on two cores, two at once took
# longer in all, as the server and the sessions' reading of their messages share them.
AT_ONCE = 1


class SoakError(Exception):
    """The soak could not go on (its server stopped); the message says why."""


@dataclass(frozen=True)
class Failure:
    """A failed load: its number (from 1), its view, and why."""

    number: int
    view: View
    reason: str


@dataclass
class SoakResult:
    """The loads, their failures and times, and the server's memory after some of them."""

    loads: int
    at_once: int
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    # Each load's seconds, from connecting to the end of its script run, by page.
    load_seconds: dict[str, list[float]] = field(default_factory=dict)
    # Resident bytes after this many loads, 0 being before the first.
    memory: dict[int, int] = field(default_factory=dict)
    distinct_views: int = 0

    @property
    def early_load(self) -> int:
        """The load after which the early reading is taken: the first tenth of them."""
        return max(1, self.loads // READINGS)

    @property
    def memory_ratio(self) -> float | None:
        """Resident memory after the last load over that after the early one."""
        early, late = self.memory.get(self.early_load), self.memory.get(self.loads)
        return late / early if early and late else None

    @property
    def median_load_seconds(self) -> float | None:
        """The median time of a load, from connecting to the end of its script run."""
        every = [seconds for times in self.load_seconds.values() for seconds in times]
        return statistics.median(every) if every else None


async def soak(
    base_url: str,
    views: Sequence[View],
    *,
    server: subprocess.Popen[bytes],
    at_once: int = AT_ONCE,
    timeout: float = LOAD_TIMEOUT,
    progress: Callable[[str], None] = lambda _: None,
) -> SoakResult:
    """Load every view, `at_once` sessions at a time, reading the server's memory as it goes.

    Raises SoakError if the server process ends.
    """
    result = SoakResult(loads=len(views), at_once=at_once, distinct_views=len(set(views)))
    step = result.early_load
    result.memory[0] = resident_bytes(server.pid)
    waiting = iter(enumerate(views, start=1))
    done = 0
    began = time.perf_counter()

    async def visitor() -> None:
        nonlocal done
        for number, view in waiting:
            start = time.perf_counter()
            reason = await load_failure(base_url, view, timeout=timeout)
            seconds = time.perf_counter() - start
            result.load_seconds.setdefault(view.page, []).append(seconds)
            if reason is not None:
                if server.poll() is not None:
                    raise SoakError(
                        f"the server exited (code {server.returncode}) at load {number}"
                    )
                result.failures.append(Failure(number, view, reason))
            done += 1
            if done % step == 0 or done == result.loads:
                result.memory[done] = resident_bytes(server.pid)
                progress(
                    f"soak: {done:,} loads, {len(result.failures)} failed, "
                    f"{result.memory[done] / 1e6:,.0f} MB resident"
                )

    await asyncio.gather(*(visitor() for _ in range(max(1, at_once))))
    result.seconds = time.perf_counter() - began
    return result


def run_soak(
    script: Path,
    log: Path,
    *,
    database_url: str,
    loads: int,
    at_once: int = AT_ONCE,
    progress: Callable[[str], None] = lambda _: None,
) -> SoakResult:
    """Serve `script` on the store at `database_url` and soak it with `loads` page loads."""
    views = draw_views(store_values(database_url), loads)
    with served(script, log, database_url=database_url) as (base_url, server):
        return asyncio.run(soak(base_url, views, server=server, at_once=at_once, progress=progress))
