"""How ctdash's reads and pages scale with the number of activities, measured in one run.

    .venv/bin/python -m bench.run                       # 1,000, 10,000 and 100,000 activities
    .venv/bin/python -m bench.run --quick               # a smoke run on small stores
    .venv/bin/python -m bench.run --sizes 1000,10000 --parts data,app --out /tmp/perf.md
    .venv/bin/python -m bench.run --sizes 100000 --parts soak --soak 2000   # the soak alone

Each size gets its own synthetic store, made by `ctdash demo` in a temporary folder. The
parts: `data` times the read functions the pages call and measures the map's JSON; `app`
times each page's script run through AppTest, warm and after a filter change; `browser`
times fresh page loads in Debian's Chromium beside a one-line Streamlit app; `sessions`
opens the Overview in ten sessions at once (largest size only): ten browsers, ten sessions
of Streamlit's protocol without a browser (bench/protocol.py), and one browser among nine
such sessions; `soak` loads every page of the served app 2,000 times with changing filters
(largest size only; bench/soak.py), judging that none fails and that the server's resident
memory after the last load is within 1.25× that after load 200. The browser, sessions and
soak parts serve the app as it is deployed, `streamlit run serve.py`.

Every figure is a median of several repeats, and the targets are judged by ratios taken in
the same run, because the machines this runs on are shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench import protocol, soak
from tests.e2e.launch import (
    CHROMIUM_ARGS,
    MAP_CAPTION,
    VIEWPORT,
    ProcessError,
    find_chromium,
    is_external,
    serving,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# AppTest runs app.py; the browser, sessions and soak parts serve it as deployed, in serve.py.
APP = PROJECT_ROOT / "app.py"
SERVED_APP = PROJECT_ROOT / "serve.py"
PARTS = ("data", "app", "browser", "sessions", "soak")
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (200, 1_000)
KIND = "training"
MB = 1_000_000

# The targets, judged at the largest size.
OVERVIEW_FLOOR_RATIO = 1.5
MAP_FLOOR_RATIO = 3.0
FILTER_RUN_SECONDS = 0.25
MAP_JSON_BYTES = 2 * MB
SESSIONS = 10
SESSIONS_RATIO = 3.0
# A data function passes when its time grows by no more than its rows do, times this slack
# for the noise of a shared machine; a function with a constant number of rows compares with 1.
GROWTH_SLACK = 1.5
# Below this at the largest size, a read is too quick for its growth to be told from noise.
GROWTH_FLOOR_SECONDS = 0.01

BROWSER_TIMEOUT_MS = 180_000
APP_TIMEOUT = 600.0
ONE_LINE_APP = 'import streamlit as st\n\nst.metric("x", 1)\n'


class BenchError(Exception):
    """A measurement could not be taken; the message says why."""


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    """The median of some runs of one measurement, and the rows its last run gave."""

    seconds: float
    rows: int
    runs: int


def timed(call: Callable[[], int], *, repeats: int, budget: float = 60.0) -> Timed:
    """Median time of `repeats` calls of `call` (which returns its row count).

    Stops early once the runs together took longer than `budget` seconds, after one run.
    """
    times: list[float] = []
    rows = 0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        rows = call()
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return Timed(statistics.median(times), rows, len(times))


def ratio(top: float, bottom: float) -> float | None:
    """top / bottom, or None when bottom is zero."""
    return top / bottom if bottom else None


# --- the stores ---------------------------------------------------------------------------


def make_store(folder: Path, *, activities: int, years: int) -> str:
    """A synthetic store of `activities` activities made by `ctdash demo`; its URL.

    A store this folder already holds (from an earlier run with --workdir) is used again when
    it is synthetic and holds that many activities.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ctdash.db"
    url = f"sqlite:///{path}"
    if path.exists():
        if _synthetic_activities(url) == activities:
            return url
        raise BenchError(f"{path} holds other data; remove it or give another --workdir.")
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
    return url


def _synthetic_activities(url: str) -> int | None:
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
class Choices:
    """The filter values every size is measured with, chosen once from the smallest store."""

    country: str
    year: int


def choose_filters(url: str) -> Choices:
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
    return Choices(country=country, year=last.year - 1)


# --- the data functions -------------------------------------------------------------------


@dataclass
class DataResult:
    """One size's data functions, and the size of the map's JSON."""

    timings: dict[str, Timed] = field(default_factory=dict)
    json_bytes: dict[str, int] = field(default_factory=dict)
    json_items: dict[str, int] = field(default_factory=dict)


def data_functions(url: str, choices: Choices, *, repeats: int) -> DataResult:
    """Time every read the pages make, as an anonymous viewer, after one untimed call each."""
    from ctdash import maps, queries
    from ctdash.db import make_engine
    from ctdash.ui import TABLE_ROWS

    engine = make_engine(url)
    result = DataResult()
    # As the app does once its store is open (ui.engine): what the process holds so far is
    # out of the garbage collector's reach.
    gc.freeze()
    try:
        indicator_frame = queries.indicators(engine)
        obs = queries.observations(engine)
        dates = queries.snapshot_dates(obs)
        latest = dates[0]
        period = queries.ActivityFilter(
            date_from=dates[1] if len(dates) > 1 else None, date_to=latest
        )
        codes = list(indicator_frame["code"])
        year = queries.ActivityFilter(
            date_from=date(choices.year, 1, 1), date_to=date(choices.year, 12, 31)
        )
        filters = {
            "no filter": queries.ActivityFilter(),
            f"kind {KIND}": queries.ActivityFilter(kinds=(KIND,)),
            f"year {choices.year}": year,
            f"country {choices.country}": queries.ActivityFilter(countries=(choices.country,)),
            "kind, year and country": queries.ActivityFilter(
                date_from=year.date_from,
                date_to=year.date_to,
                kinds=(KIND,),
                countries=(choices.country,),
            ),
            "the Overview's period": period,
        }
        everything = queries.ActivityFilter()
        places = queries.activity_places(engine)
        placed = places.dropna(subset=["lat", "lon"])

        def counted(frame: Any) -> int:
            return int(frame["activities"].sum())

        def map_points() -> list[dict[str, Any]]:
            # What the Map page does for its points: count by place, group, read each point's
            # first activity.
            groups = maps.point_groups(queries.activity_places(engine))
            firsts = queries.activities(engine, replace(everything, ids=tuple(groups["first_id"])))
            return maps.point_records(groups, firsts)

        def deck(view: str) -> Any:
            if view == "countries":
                return maps.countries_deck(maps.country_totals(placed))
            return maps.points_deck(map_points())

        def deck_json(view: str) -> int:
            deck(view).to_json()
            return counted(placed)

        def date_span() -> int:
            first, _ = queries.activity_date_span(engine)
            return int(first is not None)

        cases: dict[str, Callable[[], int]] = {
            "observations": lambda: len(queries.observations(engine)),
            "build_tiles": lambda: len(queries.build_tiles(indicator_frame, obs, latest)),
            "trend_frame": lambda: len(queries.trend_frame(obs, codes)),
            "trend_frame, indexed": lambda: len(queries.trend_frame(obs, codes, indexed=True)),
            f"activities, the first {TABLE_ROWS:,}": lambda: len(
                queries.activities(engine, limit=TABLE_ROWS)
            ),
        }
        for label, flt in filters.items():
            cases[f"activity_count, {label}"] = lambda flt=flt: (
                queries.activity_count(engine, flt).total
            )
        for label, flt in filters.items():
            cases[f"activity_places, {label}"] = lambda flt=flt: counted(
                queries.activity_places(engine, flt)
            )
        for label, flt in filters.items():
            cases[f"activities, {label}"] = lambda flt=flt: len(queries.activities(engine, flt))
        cases |= {
            "entity_names": lambda: len(queries.entity_names(engine)),
            "activity_date_span": date_span,
            "map points, no filter": lambda: counted(placed) if map_points() else 0,
            "deck JSON, points": lambda: deck_json("points"),
            "deck JSON, countries": lambda: deck_json("countries"),
        }
        for name, call in cases.items():
            call()
            result.timings[name] = timed(call, repeats=repeats)
        for view in ("points", "countries"):
            built = deck(view)
            result.json_bytes[view] = len(built.to_json().encode("utf-8"))
            data = built.layers[-1].data
            result.json_items[view] = len(data["features"] if isinstance(data, dict) else data)
    finally:
        engine.dispose()
    return result


# --- page script runs (AppTest) -----------------------------------------------------------


PAGES = ("overview", "trends", "map", "activities")


@dataclass(frozen=True)
class PageRuns:
    """One page's script run times: opened, rerun unchanged, and after a filter change."""

    opened: float
    warm: Timed
    changed: Timed
    change: str


@contextlib.contextmanager
def app_pointed_at(url: str) -> Iterator[None]:
    """AppTest runs of app.py read the store at `url`, with no cached store or reads."""
    import streamlit as st
    from streamlit.logger import set_log_level

    from ctdash.config import get_settings

    before = os.environ.get("CTDASH_DATABASE_URL")
    os.environ["CTDASH_DATABASE_URL"] = url

    def forget() -> None:
        # Outside a running app Streamlit warns on every cache call; nothing here needs it.
        set_log_level("error")
        get_settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()

    forget()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CTDASH_DATABASE_URL", None)
        else:
            os.environ["CTDASH_DATABASE_URL"] = before
        forget()


def _checked_run(at: Any, page: str) -> int:
    at.run()
    if at.exception:
        raise BenchError(f"the {page} page raised: {at.exception[0].message}")
    return 0


def _changes(page: str, url: str) -> tuple[str, list[Callable[[Any], None]]]:
    """What a viewer changes on the page, as distinct values so that each misses the cache."""
    from ctdash import queries
    from ctdash.db import make_engine
    from ctdash.models import ACTIVITY_KINDS

    if page == "overview":
        engine = make_engine(url)
        try:
            dates = queries.snapshot_dates(queries.observations(engine))
        finally:
            engine.dispose()

        def as_of(d: date) -> Callable[[Any], None]:
            return lambda at: at.selectbox(key="overview:asof").set_value(d)

        return "an earlier as-of date", [as_of(d) for d in dates[1:]]
    if page == "trends":
        engine = make_engine(url)
        try:
            codes = list(queries.indicators(engine)["code"])
        finally:
            engine.dispose()

        def indicators(chosen: list[str]) -> Callable[[Any], None]:
            return lambda at: at.multiselect(key="trends:ind").set_value(chosen)

        subsets = [codes[:n] for n in range(1, len(codes) + 1)]
        return "other indicators", [indicators(s) for s in subsets]

    def kind(chosen: str) -> Callable[[Any], None]:
        return lambda at: at.multiselect(key=f"{page}:kind").set_value([chosen])

    return "one kind", [kind(k) for k in ACTIVITY_KINDS]


def page_runs(url: str, *, repeats: int, budget: float) -> dict[str, PageRuns]:
    """Each page through AppTest on app.py: open it, rerun it, then change a filter."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    results = {}
    with app_pointed_at(url):
        for page in PAGES:
            # Each page starts from empty caches: the Map and Activities pages read the same
            # filters, and neither may find the other's reads already made.
            st.cache_data.clear()
            at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
            start = time.perf_counter()
            _checked_run(at, page)
            if page != "overview":
                at.switch_page(f"pages/{page}.py")
                _checked_run(at, page)
            opened = time.perf_counter() - start
            warm = timed(
                lambda at=at, page=page: _checked_run(at, page), repeats=repeats, budget=budget
            )
            change, steps = _changes(page, url)
            times = []
            for step in steps[: max(1, repeats)]:
                step(at)
                start = time.perf_counter()
                _checked_run(at, page)
                times.append(time.perf_counter() - start)
                if sum(times) > budget:
                    break
            changed = Timed(statistics.median(times), 0, len(times))
            results[page] = PageRuns(opened, warm, changed, change)
    return results


# --- the browser --------------------------------------------------------------------------


@contextlib.contextmanager
def serve(script: Path, log: Path, *, database_url: str | None = None) -> Iterator[str]:
    """`streamlit run script` on a free port, started as the browser tests start serve.py."""
    env = dict(os.environ)
    if database_url is not None:
        env["CTDASH_DATABASE_URL"] = database_url
    with serving(script, log, env=env) as url:
        yield url


async def _guarded_context(browser: Any) -> Any:
    """A fresh browser context whose requests to other hosts are aborted."""
    context = await browser.new_context(viewport=VIEWPORT)

    async def route(route: Any) -> None:
        if is_external(route.request.url):
            await route.abort()
        else:
            await route.continue_()

    await context.route("**/*", route)
    return context


# An element counts as visible as Playwright judges it: a non-empty box, not visibility:hidden.
_VISIBLE_JS = """const visible = (e) => { if (!e) return false; const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden"; };"""


@dataclass(frozen=True)
class Ready:
    """What a load waits for: a predicate checked in the page on every frame, which times it,
    and the same condition as locators, checked once after (untimed) with Playwright's rules.

    Timing with expect(...).to_be_visible() alone measured its polling: after its first
    checks it looks every 500 ms, so a page ready at 1.1 s and one ready at 1.4 s both read
    about 1.5 s, and the one-line app's 0.9 s read 1.0 s or 1.5 s.
    """

    script: str
    locators: Callable[[Any], list[Any]]


FIRST_TILE = Ready(
    f"() => {{ {_VISIBLE_JS} return visible(document.querySelector('[data-testid=stMetric]')); }}",
    lambda page: [page.get_by_test_id("stMetric").first],
)
"""The Overview's first metric tile (or the one-line app's metric)."""

DRAWN_POINTS = Ready(
    f"""() => {{ {_VISIBLE_JS}
  const canvas = document.querySelector('[data-testid=stDeckGlJsonChart] canvas');
  const captions = [...document.querySelectorAll('[data-testid=stCaptionContainer]')];
  const counted = (c) => /{MAP_CAPTION.pattern}/.test(c.textContent) && visible(c);
  return visible(canvas) && captions.some(counted);
}}""",
    lambda page: [
        page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first,
        page.get_by_test_id("stCaptionContainer").filter(has_text=MAP_CAPTION).first,
    ],
)
"""The Map's deck canvas and its caption "N of M matching activities"."""


async def _load(context: Any, url: str, ready: Ready) -> float:
    from playwright.async_api import expect

    page = await context.new_page()
    await page.goto(url, wait_until="commit", timeout=BROWSER_TIMEOUT_MS)
    # The predicate runs on every animation frame; the time is the page's own clock when it
    # first held, in seconds from the start of the navigation.
    handle = await page.wait_for_function(
        f"() => ({ready.script})() && performance.now()",
        polling="raf",
        timeout=BROWSER_TIMEOUT_MS,
    )
    elapsed = float(await handle.json_value()) / 1000
    for locator in ready.locators(page):
        await expect(locator).to_be_visible(timeout=BROWSER_TIMEOUT_MS)
    # Untimed: the script finishes its run, so that its rest does not slow the next load.
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    await expect(idle).to_have_count(1, timeout=BROWSER_TIMEOUT_MS)
    return elapsed


async def fresh_load(browser: Any, url: str, ready: Ready) -> float:
    """Seconds from navigation until `ready` is visible, in a fresh context (no cookies)."""
    context = await _guarded_context(browser)
    try:
        return await _load(context, url, ready)
    finally:
        await context.close()


async def loads_together(browser: Any, url: str, ready: Ready, count: int) -> list[float]:
    """`count` fresh sessions navigating at once; each one's seconds until `ready`."""
    contexts = [await _guarded_context(browser) for _ in range(count)]
    try:
        return list(await asyncio.gather(*(_load(c, url, ready) for c in contexts)))
    finally:
        for context in contexts:
            await context.close()


@dataclass
class BrowserResult:
    """Seconds of fresh page loads per measure, with the one-line app alongside.

    `together*`: every session a browser; `server*`: sessions speaking Streamlit's protocol,
    no browser (bench.protocol); `among_others`: one browser opening the Overview while the
    other sessions open it by protocol at the same moment, once per load.
    """

    floor: list[float] = field(default_factory=list)
    overview: list[float] = field(default_factory=list)
    map: list[float] = field(default_factory=list)
    together: list[float] = field(default_factory=list)
    together_floor: list[float] = field(default_factory=list)
    server_single: list[float] = field(default_factory=list)
    server_together: list[float] = field(default_factory=list)
    server_floor_single: list[float] = field(default_factory=list)
    server_floor_together: list[float] = field(default_factory=list)
    among_others: list[float] = field(default_factory=list)


async def server_sessions(url: str, *, singles: int, count: int) -> tuple[list[float], list[float]]:
    """Protocol sessions to the first metric: `singles` one after another, then `count` at once."""
    await protocol.first_element_seconds(url, "/", timeout=BROWSER_TIMEOUT_MS / 1000)
    alone = [
        await protocol.first_element_seconds(url, "/", timeout=BROWSER_TIMEOUT_MS / 1000)
        for _ in range(singles)
    ]
    return alone, await protocol.together(url, "/", count, timeout=BROWSER_TIMEOUT_MS / 1000)


async def load_among_others(browser: Any, url: str, others: int) -> float:
    """One fresh browser load of the Overview while `others` protocol sessions open it too."""
    context = await _guarded_context(browser)
    try:
        load = _load(context, f"{url}/", FIRST_TILE)
        crowd = protocol.together(url, "/", others, timeout=BROWSER_TIMEOUT_MS / 1000)
        seconds, _ = await asyncio.gather(load, crowd)
        return seconds
    finally:
        await context.close()


async def browser_loads(url: str, floor_url: str, *, loads: int, sessions: int) -> BrowserResult:
    """Fresh loads of the Overview and the Map, interleaved with loads of the one-line app.

    One untimed load of each first, so the server's imports and cached reads are warm.
    """
    from playwright.async_api import async_playwright

    executable = find_chromium()
    if executable is None:
        raise BenchError("No Chromium: `apt-get install -y chromium`, or set CTDASH_CHROMIUM.")
    result = BrowserResult()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            plan = [
                (result.floor, floor_url, FIRST_TILE),
                (result.overview, f"{url}/", FIRST_TILE),
                (result.map, f"{url}/map", DRAWN_POINTS),
            ]
            for _, target, ready in plan:
                await fresh_load(browser, target, ready)
            for _ in range(loads):
                for kept, target, ready in plan:
                    kept.append(await fresh_load(browser, target, ready))
            if sessions:
                result.together = await loads_together(browser, f"{url}/", FIRST_TILE, sessions)
                result.together_floor = await loads_together(
                    browser, floor_url, FIRST_TILE, sessions
                )
                result.server_single, result.server_together = await server_sessions(
                    url, singles=loads, count=sessions
                )
                result.server_floor_single, result.server_floor_together = await server_sessions(
                    floor_url, singles=loads, count=sessions
                )
                for _ in range(loads):
                    result.among_others.append(await load_among_others(browser, url, sessions - 1))
        finally:
            await browser.close()
    return result


# --- the report ---------------------------------------------------------------------------


@dataclass
class Run:
    """Everything one run measured."""

    sizes: list[int]
    years: int
    repeats: int
    loads: int
    parts: list[str]
    command: str
    started: datetime
    seconds: float = 0.0
    choices: Choices | None = None
    data: dict[int, DataResult] = field(default_factory=dict)
    pages: dict[int, dict[str, PageRuns]] = field(default_factory=dict)
    browser: dict[int, BrowserResult] = field(default_factory=dict)
    soak: soak.SoakResult | None = None


def machine() -> dict[str, str]:
    """Cores, CPU model, Python, Streamlit, SQLite and the operating system."""
    import pandas
    import streamlit

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "CPU": model,
        "Python": platform.python_version(),
        "Streamlit": streamlit.__version__,
        "pandas": pandas.__version__,
        "SQLite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def seconds_text(seconds: float | None) -> str:
    """Seconds as a reader takes them in: "918 ms", "10.9 s", or "—" for none."""
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def times_text(value: float | None) -> str:
    """A ratio, "1.12×", or "—" for none."""
    return "—" if value is None else f"{value:,.2f}×"


def count_text(size: int) -> str:
    """A count with thousands separated: "100,000"."""
    return f"{size:,}"


def megabytes_text(size: int | None) -> str:
    """Bytes in megabytes: "291 MB", or "—" for none."""
    return "—" if size is None else f"{size / MB:,.0f} MB"


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "**FAIL**")


@dataclass(frozen=True)
class Verdict:
    """One target: what it asks, what was measured, and whether it holds."""

    target: str
    measured: str
    ok: bool | None


def growth(run: Run, name: str) -> tuple[float | None, float | None, bool | None]:
    """time(largest)/time(smallest), rows(largest)/rows(smallest), and whether time keeps up."""
    small, large = run.sizes[0], run.sizes[-1]
    if small == large or small not in run.data or large not in run.data:
        return None, None, None
    a, b = run.data[small].timings[name], run.data[large].timings[name]
    times = ratio(b.seconds, a.seconds)
    rows = ratio(max(b.rows, 1), max(a.rows, 1))
    if times is None or rows is None:
        return times, rows, None
    quick = b.seconds < GROWTH_FLOOR_SECONDS
    return times, rows, quick or times <= max(rows, 1.0) * GROWTH_SLACK


def verdicts(run: Run) -> list[Verdict]:
    """Each target judged at the largest size measured."""
    largest = run.sizes[-1]
    at = f"at {count_text(largest)}"
    out = []
    browser = run.browser.get(largest)
    if browser and browser.floor:
        floor = statistics.median(browser.floor)
        over = statistics.median(browser.overview)
        points = statistics.median(browser.map)
        r1, r2 = over / floor, points / floor
        out.append(
            Verdict(
                f"Overview's first tile within {OVERVIEW_FLOOR_RATIO}× the one-line app, {at}",
                f"{seconds_text(over)} vs {seconds_text(floor)}: {times_text(r1)}",
                r1 <= OVERVIEW_FLOOR_RATIO,
            )
        )
        out.append(
            Verdict(
                f"Map's points within {MAP_FLOOR_RATIO}× the one-line app, {at}",
                f"{seconds_text(points)} vs {seconds_text(floor)}: {times_text(r2)}",
                r2 <= MAP_FLOOR_RATIO,
            )
        )
    pages = run.pages.get(largest)
    if pages:
        for page, runs in pages.items():
            out.append(
                Verdict(
                    f"{page.capitalize()}: script run after a filter change under "
                    f"{FILTER_RUN_SECONDS * 1000:.0f} ms, {at}",
                    f"{seconds_text(runs.changed.seconds)} ({runs.change})",
                    runs.changed.seconds < FILTER_RUN_SECONDS,
                )
            )
    data = run.data.get(largest)
    if data:
        for view, size in data.json_bytes.items():
            out.append(
                Verdict(
                    f"Map JSON ({view}) under {MAP_JSON_BYTES / MB:.0f} MB, {at}",
                    f"{size / MB:.2f} MB",
                    size < MAP_JSON_BYTES,
                )
            )
        if len(run.sizes) > 1:
            slow = [name for name in data.timings if growth(run, name)[2] is False]
            out.append(
                Verdict(
                    "Data functions grow no faster than the rows they return or count "
                    f"({count_text(run.sizes[0])} → {count_text(largest)}, slack "
                    f"{GROWTH_SLACK}×; under "
                    f"{GROWTH_FLOOR_SECONDS * 1000:.0f} ms counts as keeping up)",
                    "all keep up" if not slow else "faster: " + ", ".join(slow),
                    not slow,
                )
            )
    if browser and browser.together and browser.overview:
        single = statistics.median(browser.overview)
        worst = max(browser.together)
        count = len(browser.together)
        floor_note = ""
        if browser.together_floor and browser.floor:
            floor_ratio = max(browser.together_floor) / statistics.median(browser.floor)
            floor_note = f" (the one-line app: {times_text(floor_ratio)})"
        out.append(
            Verdict(
                f"{count} sessions at once, ten browsers on this machine: worst first tile "
                f"within {SESSIONS_RATIO}× a single session's, {at}",
                f"{seconds_text(worst)} vs {seconds_text(single)}: "
                f"{times_text(worst / single)}{floor_note}",
                worst / single <= SESSIONS_RATIO,
            )
        )
    if browser and browser.among_others and browser.overview:
        single = statistics.median(browser.overview)
        worst = max(browser.among_others)
        out.append(
            Verdict(
                f"{len(browser.server_together) or SESSIONS} sessions at once, one browser "
                f"among them: its worst first tile within {SESSIONS_RATIO}× a single "
                f"session's, {at}",
                f"{seconds_text(worst)} vs {seconds_text(single)}: {times_text(worst / single)}",
                worst / single <= SESSIONS_RATIO,
            )
        )
    if run.soak:
        out += soak_verdicts(run.soak, at)
    return out


def soak_verdicts(result: soak.SoakResult, at: str) -> list[Verdict]:
    """The soak's two targets: no failed load, and memory late within a ratio of early."""
    early, late = result.memory.get(result.early_load), result.memory.get(result.loads)
    memory_ratio = result.memory_ratio
    return [
        Verdict(
            f"{count_text(result.loads)} page loads over every page with changing filters: "
            f"none fails, {at}",
            f"{len(result.failures)} failed",
            not result.failures,
        ),
        Verdict(
            f"Server's resident memory after {count_text(result.loads)} loads within "
            f"{soak.MEMORY_RATIO}× that after {count_text(result.early_load)}, {at}",
            f"{megabytes_text(late)} vs {megabytes_text(early)}: {times_text(memory_ratio)}",
            None if memory_ratio is None else memory_ratio <= soak.MEMORY_RATIO,
        ),
    ]


def report(run: Run) -> str:
    """The run as Markdown: targets, then every table, then how to rerun."""
    lines = ["# Performance at scale", ""]
    info = machine()
    lines += [
        f"Measured on {run.started:%Y-%m-%d} by one run of `{run.command}` "
        f"({run.seconds / 60:.0f} min), on {info['cores']} cores of an {info['CPU']}, "
        f"{info['system']}; Python {info['Python']}, Streamlit {info['Streamlit']}, "
        f"pandas {info['pandas']}, SQLite {info['SQLite']}.",
        "",
        f"Each size is a synthetic store made by `ctdash demo --activities N --years "
        f"{run.years}` ({run.years} years of monthly snapshots of the eight indicators), in a "
        "SQLite file of its own. Reads are made as a viewer who is not signed in.",
        "",
        "The machine is shared and noisy: every figure is the median of several repeats "
        f"({run.repeats} for reads and script runs, {run.loads} fresh page loads in the "
        "browser), and the targets are judged by ratios of figures measured side by side in "
        "this same run. Compare ratios between runs, not absolute times.",
        "",
        "## Targets",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    lines += [f"| {v.target} | {v.measured} | {_mark(v.ok)} |" for v in verdicts(run)]
    lines += [""]
    if run.data:
        lines += _data_tables(run)
    if run.pages:
        lines += _page_table(run)
    if run.browser:
        lines += _browser_table(run)
    if run.soak:
        lines += _soak_section(run.soak, run.sizes[-1])
    lines += [
        "## How to rerun",
        "",
        "```bash",
        ".venv/bin/pip install -e '.[test]'    # Playwright; the browser is Debian's chromium",
        ".venv/bin/python -m bench.run --sizes "
        + ",".join(str(s) for s in DEFAULT_SIZES)
        + " --out docs/performance.md",
        ".venv/bin/python -m bench.run --quick --out /tmp/performance.md   # a smoke run",
        "```",
        "",
        "`--parts data,app,browser,sessions,soak` chooses what to measure, `--repeats`, "
        "`--loads` and `--soak` how often; `python -m bench.run --help` lists every option.",
        "",
    ]
    return "\n".join(lines)


def _data_tables(run: Run) -> list[str]:
    sizes = [s for s in run.sizes if s in run.data]
    choices = run.choices
    lines = [
        "## Data functions",
        "",
        "Median time of each read the pages make, after one untimed call, with in brackets "
        "the rows it returns or, for activity_count, activity_places, the map points and the "
        "deck JSON, the activities it counts (each of those reads every activity it counts "
        "once, through an index); the growth columns compare the largest store with the "
        "smallest."
        + (
            f" The filters: kind `{KIND}`, the year {choices.year}, the country "
            f"`{choices.country}` (the most frequent in the smallest store), all three "
            "together, and the Overview's default period (the month up to the latest snapshot)."
            if choices
            else ""
        ),
        "",
        "| function | "
        + " | ".join(count_text(s) for s in sizes)
        + " | time × | rows × | keeps up |",
        "|---|" + "---:|" * len(sizes) + "---:|---:|---|",
    ]
    first = run.data[sizes[0]]
    for name in first.timings:
        timings = [run.data[s].timings[name] for s in sizes]
        cells = [f"{seconds_text(timing.seconds)} ({timing.rows:,})" for timing in timings]
        times, rows, ok = growth(run, name)
        growth_cells = f" | {times_text(times)} | {times_text(rows)} | {_mark(ok)} |"
        lines.append(f"| {name} | " + " | ".join(cells) + growth_cells)
    lines += [
        "",
        "## The map's JSON",
        "",
        "The deck JSON sent to the browser for the Map with no filter: its length, and the "
        "points (places, or places and kinds) or countries it holds.",
        "",
        "| view | " + " | ".join(count_text(s) for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for view in ("points", "countries"):
        cells = [
            f"{run.data[s].json_bytes[view] / 1000:,.0f} KB ({run.data[s].json_items[view]:,})"
            for s in sizes
        ]
        lines.append(f"| {view} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _page_table(run: Run) -> list[str]:
    lines = [
        "## Page script runs",
        "",
        "Each page through `streamlit.testing.v1.AppTest` on app.py: the first run on an empty "
        "cache (each page starts with none of another page's reads), then the median "
        "rerun with nothing changed (warm cache), then the median run after a filter change "
        "to a value not seen before (a cache miss): an earlier as-of date on the Overview, "
        "other indicators on Trends, one kind on the Map and Activities.",
        "",
        "| page | activities | first run | warm rerun | after a filter change | change / warm |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for size in run.sizes:
        for page, runs in run.pages.get(size, {}).items():
            warm, changed = runs.warm.seconds, runs.changed.seconds
            lines.append(
                f"| {page} | {count_text(size)} | {seconds_text(runs.opened)} | "
                f"{seconds_text(warm)} | {seconds_text(changed)} | "
                f"{times_text(ratio(changed, warm))} |"
            )
    return [*lines, ""]


def _browser_table(run: Run) -> list[str]:
    lines = [
        "## In the browser",
        "",
        "Time from navigation to the Overview's first tile (`stMetric`) and to the Map's "
        'drawn points (the deck\'s canvas and the caption "N of M matching activities"), in '
        'a fresh browser context each time, beside the one-line app `st.metric("x", 1)` '
        "started the same way (its time is the floor Streamlit itself sets). Loads of the "
        "three are interleaved, and each load waits (untimed) until its script has finished "
        "before the next begins; one untimed load of each comes first, so the server's caches "
        "are warm, as for every visitor after the first.",
        "",
        "| activities | one-line app | Overview | ratio | Map | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in run.sizes:
        result = run.browser.get(size)
        if not result or not result.floor:
            continue
        floor = statistics.median(result.floor)
        over, points = statistics.median(result.overview), statistics.median(result.map)
        lines.append(
            f"| {count_text(size)} | {seconds_text(floor)} | {seconds_text(over)} | "
            f"{times_text(over / floor)} | {seconds_text(points)} | "
            f"{times_text(points / floor)} |"
        )
    largest = run.browser.get(run.sizes[-1])
    if largest and largest.together and largest.overview:
        single = statistics.median(largest.overview)
        worst = max(largest.together)
        lines += [
            "",
            f"{len(largest.together)} fresh sessions opening the Overview at once "
            f"({count_text(run.sizes[-1])} activities): median "
            f"{seconds_text(statistics.median(largest.together))}, worst {seconds_text(worst)} "
            f"to the first tile; a single session takes {seconds_text(single)}, so "
            f"worst / single = {times_text(worst / single)}.",
        ]
        if largest.together_floor and largest.floor:
            floor_worst = max(largest.together_floor)
            floor_single = statistics.median(largest.floor)
            lines += [
                "",
                f"The same for the one-line app, just after: median "
                f"{seconds_text(statistics.median(largest.together_floor))}, worst "
                f"{seconds_text(floor_worst)}; a single session {seconds_text(floor_single)}, "
                f"worst / single = {times_text(floor_worst / floor_single)}. The ten browsers "
                f"and the server share this machine's {os.cpu_count()} cores, so this is how "
                "much of the ratio above is the machine's rather than ctdash's.",
            ]
        lines += _server_lines(largest)
    return [*lines, ""]


def _server_lines(result: BrowserResult) -> list[str]:
    """The sessions measured without browsers, and one browser among them."""
    lines = []
    rows = [
        ("ctdash's Overview", result.server_single, result.server_together),
        ("the one-line app", result.server_floor_single, result.server_floor_together),
    ]
    if all(single and together for _, single, together in rows):
        lines += [
            "",
            "Without browsers: sessions that speak Streamlit's own WebSocket protocol "
            "(`bench/protocol.py`), timed from connecting to the first `metric` element the "
            "server sends, so that only the server is measured:",
            "",
            "| app | one session | at once: median | at once: worst | worst / one |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, single, together in rows:
            alone = statistics.median(single)
            lines.append(
                f"| {name} | {seconds_text(alone)} | {seconds_text(statistics.median(together))} | "
                f"{seconds_text(max(together))} | {times_text(max(together) / alone)} |"
            )
    if result.among_others and result.overview:
        single = statistics.median(result.overview)
        lines += [
            "",
            f"One browser opening the Overview at the moment {len(result.server_together) - 1} "
            "sessions of the protocol open it too (a visitor among nine others whose browsers "
            f"run elsewhere), {len(result.among_others)} times: median "
            f"{seconds_text(statistics.median(result.among_others))}, worst "
            f"{seconds_text(max(result.among_others))}, against {seconds_text(single)} alone.",
        ]
    return lines


def _soak_section(result: soak.SoakResult, size: int) -> list[str]:
    """The soak: how it loads the pages, what counts as a failure, and the memory it watched."""
    early = result.early_load
    pace = "one after another" if result.at_once == 1 else f"{result.at_once} at a time"
    lines = [
        "## Soak",
        "",
        f"{count_text(result.loads)} page loads of the app as deployed (`streamlit run "
        f"serve.py`) on the store of {count_text(size)} activities, {pace}, each "
        "a new session of Streamlit's own protocol (`bench/soak.py`, as "
        "`bench/protocol.py` opens them) that asks for one page with the filters of its URL "
        "and reads every message of the page's script run. The pages take turns: the "
        "Overview (an as-of date), Trends (indicators, scale, a period), the Map (a period, "
        "kinds, countries, now and then an entity or a region; points or countries) and "
        "Activities (the same, now and then a word to search for), "
        f"{count_text(result.distinct_views)} distinct views drawn at random from the store's "
        "values. A load fails if its run does not finish, lacks the page's content (a metric, "
        'the chart, the map, the table) or shows an exception, an error or "The figures are '
        "unavailable right now\". Resident memory is VmRSS of the server's process and its "
        "children.",
        "",
        f"| loads | failed | median load | all loads | resident before | after "
        f"{count_text(early)} | after {count_text(result.loads)} | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {count_text(result.loads)} | {len(result.failures)} | "
        f"{seconds_text(result.median_load_seconds)} | {seconds_text(result.seconds)} | "
        f"{megabytes_text(result.memory.get(0))} | {megabytes_text(result.memory.get(early))} | "
        f"{megabytes_text(result.memory.get(result.loads))} | "
        f"{times_text(result.memory_ratio)} |",
        "",
        "Median load by page: "
        + ", ".join(
            f"{page} {seconds_text(statistics.median(times))}"
            for page, times in result.load_seconds.items()
        )
        + ".",
        "",
        "Resident memory by loads done: "
        + ", ".join(
            f"{count_text(loads)}: {megabytes_text(resident)}"
            for loads, resident in sorted(result.memory.items())
        )
        + ".",
    ]
    if result.failures:
        lines += ["", "The first failed loads:", ""]
        lines += [
            f"- load {failure.number:,}, `{failure.view.path}`: {failure.reason}"
            for failure in result.failures[:10]
        ]
    return [*lines, ""]


# --- the command --------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; --quick changes the defaults of the others, not what is given."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n")[0] if __doc__ else None
    )
    parser.add_argument("--sizes", help="activities per store, e.g. 1000,10000,100000")
    parser.add_argument("--years", type=int, help="years of monthly snapshots (default 20)")
    parser.add_argument("--repeats", type=int, help="repeats of each read and script run (5)")
    parser.add_argument("--loads", type=int, help="fresh page loads of each kind (5)")
    parser.add_argument("--sessions", type=int, help=f"sessions at once ({SESSIONS})")
    parser.add_argument(
        "--soak",
        type=int,
        help=f"page loads of the soak ({soak.LOADS:,}; {soak.QUICK_LOADS} with --quick)",
    )
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"what to measure, of {','.join(PARTS)}"
    )
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    parser.add_argument("--workdir", type=Path, help="keep the stores here (default: a temp dir)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: 200 and 1,000 activities, one repeat, {soak.QUICK_LOADS} soak loads",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = args.sizes or ",".join(str(s) for s in (QUICK_SIZES if quick else DEFAULT_SIZES))
    args.sizes = sorted({int(s.replace("_", "")) for s in sizes.split(",") if s.strip()})
    args.years = args.years or (2 if quick else 20)
    args.repeats = args.repeats or (1 if quick else 5)
    args.loads = args.loads or (1 if quick else 5)
    args.sessions = SESSIONS if args.sessions is None else args.sessions
    args.soak = args.soak or (soak.QUICK_LOADS if quick else soak.LOADS)
    if args.soak < 1:
        parser.error("--soak needs at least one page load")
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return args


def say(message: str) -> None:
    """Progress, on stderr so that stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


def measure(args: argparse.Namespace, workdir: Path, command: str) -> Run:
    """Make the stores and take every measurement asked for."""
    run = Run(
        sizes=args.sizes,
        years=args.years,
        repeats=args.repeats,
        loads=args.loads,
        parts=args.parts,
        command=command,
        started=datetime.now(),
    )
    began = time.perf_counter()
    urls = {}
    for size in run.sizes:
        say(f"ctdash demo: {size:,} activities, {run.years} years")
        urls[size] = make_store(workdir / f"store-{size}", activities=size, years=run.years)
    run.choices = choose_filters(urls[run.sizes[0]])
    for size in run.sizes:
        if "data" in run.parts:
            say(f"data functions at {size:,}")
            run.data[size] = data_functions(urls[size], run.choices, repeats=run.repeats)
        if "app" in run.parts:
            say(f"page script runs at {size:,}")
            run.pages[size] = page_runs(urls[size], repeats=run.repeats, budget=120.0)
    if "browser" in run.parts or "sessions" in run.parts:
        floor_script = workdir / "one_line_app.py"
        floor_script.write_text(ONE_LINE_APP)
        with serve(floor_script, workdir / "one-line.log") as floor_url:
            for size in run.sizes:
                last = size == run.sizes[-1]
                say(f"browser at {size:,}")
                log = workdir / f"app-{size}.log"
                with serve(SERVED_APP, log, database_url=urls[size]) as url:
                    run.browser[size] = asyncio.run(
                        browser_loads(
                            url,
                            floor_url,
                            loads=run.loads if "browser" in run.parts else 1,
                            sessions=args.sessions if last and "sessions" in run.parts else 0,
                        )
                    )
    if "soak" in run.parts:
        largest = run.sizes[-1]
        say(f"soak at {largest:,}: {args.soak:,} page loads")
        run.soak = soak.run_soak(
            SERVED_APP,
            workdir / f"soak-{largest}.log",
            database_url=urls[largest],
            loads=args.soak,
            progress=say,
        )
    run.seconds = time.perf_counter() - began
    return run


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the report, and write it to --out."""
    args = parse(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    command = " ".join([".venv/bin/python -m bench.run", *given])
    with contextlib.ExitStack() as stack:
        if args.workdir:
            args.workdir.mkdir(parents=True, exist_ok=True)
            workdir = args.workdir
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ctdash-bench-")))
        try:
            run = measure(args, workdir, command)
        except (BenchError, ProcessError, soak.SoakError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    text = report(run)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        say(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
