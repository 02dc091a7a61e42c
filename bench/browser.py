"""The `browser` part: fresh loads of each page in Chromium, interleaved with loads of the
one-line app, from the app as deployed; then ten sessions kept open while the server's memory
is read (bench/open_sessions.py). The `sessions` part rides along at the largest size."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.chromium import (
    DRAWN_CHART,
    DRAWN_POINTS,
    FIRST_METRIC,
    FIRST_ROWS,
    FIRST_TILE,
    GRID_ROWS,
    PLOTLY_DRAWN,
    Ready,
    fresh_load,
    launched_chromium,
)
from bench.open_sessions import OPEN_SESSIONS, OpenSessions, open_sessions
from bench.servers import ONE_LINE_APP, SERVED_APP, served
from bench.sessions import load_among_others, loads_together, server_sessions

# Each page's path and what its load waits for: its first meaningful element.
PAGES: dict[str, tuple[str, Ready]] = {
    "overview": ("/", FIRST_TILE),
    "trends": ("/trends", DRAWN_CHART),
    "map": ("/map", DRAWN_POINTS),
    "activities": ("/activities", FIRST_ROWS),
}
# The pages whose first figure is drawn with code every page has (a picture, a Markdown table)
# until their interactive element replaces it: loads that wait for that element, reported beside.
INTERACTIVE: dict[str, tuple[str, Ready]] = {
    "overview, metric": ("/", FIRST_METRIC),
    "trends, interactive": ("/trends", PLOTLY_DRAWN),
    "activities, interactive": ("/activities", GRID_ROWS),
}
# What each page's load waits for, as the report names it.
WAITS_FOR = {
    "overview": "the first tile: its figure drawn in Markdown, or its metric (`stMetric`), "
    "whichever comes first",
    "trends": "the chart drawn: its picture shown, or Plotly's chart drawn (its SVG and a "
    "trace's path), whichever comes first",
    "map": 'the deck\'s canvas and the caption "N of M matching activities"',
    "activities": "the first rows drawn: the table's shown first, or the grid's canvas with "
    'its first rows drawn, whichever comes first; and the caption "N activities match."',
    "overview, metric": "the first tile's metric (`stMetric`)",
    "trends, interactive": "Plotly's chart drawn",
    "activities, interactive": "the grid's canvas with its first rows drawn, and the caption",
}


@dataclass
class BrowserResult:
    """Seconds of fresh page loads per page, with the one-line app alongside; the memory of
    the server with sessions open; and the `sessions` part's figures.

    `open`: the app's server with OPEN_SESSIONS sessions open over the four pages in turn;
    `floor_open`: the one-line app's, with as many open on it (largest size only).
    `together*`: every session a browser; `server*`: sessions speaking Streamlit's protocol,
    no browser (bench.protocol); `among_others`: one browser opening the Overview while the
    other sessions open it by protocol at the same moment, once per load.
    """

    floor: list[float] = field(default_factory=list)
    loads: dict[str, list[float]] = field(
        default_factory=lambda: {page: [] for page in [*PAGES, *INTERACTIVE]}
    )
    open: OpenSessions | None = None
    floor_open: OpenSessions | None = None
    together: list[float] = field(default_factory=list)
    together_floor: list[float] = field(default_factory=list)
    server_single: list[float] = field(default_factory=list)
    server_together: list[float] = field(default_factory=list)
    server_floor_single: list[float] = field(default_factory=list)
    server_floor_together: list[float] = field(default_factory=list)
    among_others: list[float] = field(default_factory=list)

    @property
    def overview(self) -> list[float]:
        """The Overview's loads, which the sessions part compares with."""
        return self.loads["overview"]


@dataclass(frozen=True)
class Served:
    """A server the part loads pages from: its base URL and its process id."""

    url: str
    pid: int


def page_plan(base: str) -> dict[str, tuple[str, Ready]]:
    """Each page's full URL on the server at `base`, and what its load waits for."""
    return {name: (f"{base}{path}", ready) for name, (path, ready) in PAGES.items()}


def spread_over_pages(base: str, count: int) -> list[tuple[str, str, Ready]]:
    """`count` sessions over the four pages in turn: Overview, Trends, Map, Activities, ..."""
    plan = list(page_plan(base).items())
    return [(name, url, ready) for name, (url, ready) in (plan * count)[:count]]


async def interleaved_loads(browser: Any, app: Served, floor: Served, loads: int) -> BrowserResult:
    """Fresh loads of the one-line app and each page in turn (then Trends and Activities
    waiting for their interactive elements), `loads` rounds, after one untimed load of each so
    that the server's imports and cached reads are warm."""
    result = BrowserResult()
    plan = [(result.floor, f"{floor.url}/", FIRST_TILE)]
    plan += [(result.loads[name], url, ready) for name, (url, ready) in page_plan(app.url).items()]
    plan += [
        (result.loads[name], f"{app.url}{path}", ready)
        for name, (path, ready) in INTERACTIVE.items()
    ]
    for _, target, ready in plan:
        await fresh_load(browser, target, ready)
    for _ in range(loads):
        for kept, target, ready in plan:
            kept.append(await fresh_load(browser, target, ready))
    return result


async def sessions_part(
    browser: Any, result: BrowserResult, app: Served, floor: Served, *, loads: int, sessions: int
) -> None:
    """The `sessions` part: that many sessions opening the Overview at once (bench/sessions.py)."""
    url, floor_url = app.url, floor.url
    result.together = await loads_together(browser, f"{url}/", FIRST_TILE, sessions)
    result.together_floor = await loads_together(browser, floor_url, FIRST_TILE, sessions)
    result.server_single, result.server_together = await server_sessions(
        url, singles=loads, count=sessions
    )
    result.server_floor_single, result.server_floor_together = await server_sessions(
        floor_url, singles=loads, count=sessions
    )
    for _ in range(loads):
        result.among_others.append(await load_among_others(browser, url, sessions - 1))


async def browser_loads(
    app: Served, floor: Served, *, loads: int, sessions: int, floor_open: bool
) -> BrowserResult:
    """The interleaved loads; then OPEN_SESSIONS sessions kept open over the four pages while
    the server's memory is read (and as many on the one-line app if `floor_open`); then, if
    `sessions`, that many sessions at once."""
    async with launched_chromium() as browser:
        result = await interleaved_loads(browser, app, floor, loads)
        result.open = await open_sessions(
            browser, app.pid, spread_over_pages(app.url, OPEN_SESSIONS)
        )
        if floor_open:
            one_line = [("one-line app", f"{floor.url}/", FIRST_TILE)] * OPEN_SESSIONS
            result.floor_open = await open_sessions(browser, floor.pid, one_line)
        if sessions:
            await sessions_part(browser, result, app, floor, loads=loads, sessions=sessions)
    return result


def measure_browsers(
    urls: dict[int, str],
    workdir: Path,
    *,
    loads: int,
    sessions: int,
    progress: Callable[[str], None],
    kind: str = "",
) -> dict[int, BrowserResult]:
    """Each size's store served as deployed, beside the one-line app, loaded in Chromium;
    `sessions` at once at the largest size only (none if 0). `kind` names the stores in the
    progress lines and the logs when they are not SQLite's."""
    sizes = sorted(urls)
    suffix = f"-{kind.lower()}" if kind else ""
    results = {}
    floor_script = workdir / "one_line_app.py"
    floor_script.write_text(ONE_LINE_APP)
    with served(floor_script, workdir / f"one-line{suffix}.log") as (floor_url, floor_process):
        floor = Served(floor_url, floor_process.pid)
        for size in sizes:
            progress(f"browser at {size:,}" + (f" on {kind}" if kind else ""))
            log = workdir / f"app-{size}{suffix}.log"
            with served(SERVED_APP, log, database_url=urls[size]) as (url, process):
                largest = size == sizes[-1]
                results[size] = asyncio.run(
                    browser_loads(
                        Served(url, process.pid),
                        floor,
                        loads=loads,
                        sessions=sessions if largest else 0,
                        floor_open=largest,
                    )
                )
    return results
