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
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from bench.protocol import RUN_OVER, SUBPROTOCOLS, rerun_request, stream_url
from ctdash import urlstate
from ctdash.models import ACTIVITY_KINDS
from tests.e2e.launch import background_process, free_port, healthy, streamlit_command

LOADS = 2_000
QUICK_LOADS = 40
# The late reading of resident memory may be at most this many times the early one.
MEMORY_RATIO = 1.25
# Memory is read after every this-many-th part of the loads: load 200, 400... of 2,000.
READINGS = 10
# Sessions loading pages at the same time. One after another: on two cores, two at once took
# longer in all, as the server and the sessions' reading of their messages share them.
AT_ONCE = 1
LOAD_TIMEOUT = 120.0
SEED = 2_000

# Each page's address, and the element that shows its content whatever the filters match.
PAGE_PATHS = {"overview": "/", "trends": "/trends", "map": "/map", "activities": "/activities"}
CONTENT = {
    "overview": "metric",
    "trends": "plotly_chart",
    "map": "deck_gl_json_chart",
    "activities": "dataframe",
}
# The start of ctdash.failures.VIEWER_MESSAGE, shown while the store cannot be read.
UNAVAILABLE = "The figures are unavailable right now"
SEARCH_WORDS = ("meeting", "workshop", "training", "assessment", "visit")


class SoakError(Exception):
    """The soak could not go on (its server stopped); the message says why."""


# --- the views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One load: a page and the path with the URL filters it opens."""

    page: str
    path: str


@dataclass(frozen=True)
class StoreValues:
    """The values a store offers the filters: every view the soak opens is drawn from these."""

    snapshot_dates: tuple[date, ...]
    indicator_codes: tuple[str, ...]
    first_day: date
    last_day: date
    countries: tuple[str, ...]
    entities: tuple[str, ...]
    regions: tuple[str, ...]


def store_values(url: str) -> StoreValues:
    """The snapshot dates, indicators, activity dates, countries and entities of a store."""
    from ctdash import geo, queries
    from ctdash.db import make_engine

    engine = make_engine(url)
    try:
        dates = queries.snapshot_dates(queries.observations(engine))
        codes = tuple(queries.indicators(engine)["code"])
        first, last = queries.activity_date_span(engine)
        places = queries.activity_places(engine)
        known = set(geo.all_iso3())
        countries = sorted(set(places["country_iso3"].dropna()) & known)
        entities = tuple(queries.entity_names(engine))
    finally:
        engine.dispose()
    today = date.today()
    return StoreValues(
        snapshot_dates=tuple(dates),
        indicator_codes=codes,
        first_day=first or today,
        last_day=last or today,
        countries=tuple(countries),
        entities=entities,
        regions=tuple(geo.regions()),
    )


def soak_views(values: StoreValues, count: int, *, seed: int = SEED) -> list[View]:
    """`count` views, the four pages in turn, each with filters drawn at random from `values`.

    Every filter is one the page accepts, so no view is shown a notice about its link.
    """
    chooser = random.Random(seed)
    pages = list(PAGE_PATHS)
    views = []
    for number in range(count):
        page = pages[number % len(pages)]
        if page == "overview":
            params = overview_filters(values, chooser)
        elif page == "trends":
            params = trends_filters(values, chooser)
        else:
            params = activity_filters(values, chooser, page)
        query = urlstate.query_string(urlstate.encode(params, page))
        views.append(View(page, PAGE_PATHS[page] + (f"?{query}" if query else "")))
    return views


def overview_filters(values: StoreValues, chooser: random.Random) -> dict[str, object]:
    """An as-of date among the snapshots, the latest (no parameter) one time in five."""
    if not values.snapshot_dates or chooser.random() < 0.2:
        return {}
    return {"asof": chooser.choice(values.snapshot_dates)}


def trends_filters(values: StoreValues, chooser: random.Random) -> dict[str, object]:
    """Some indicators, a scale, and a period between two snapshot dates."""
    params: dict[str, object] = {
        "ind": chooser.sample(values.indicator_codes, chooser.randint(1, 4)),
        "mode": chooser.choice(("absolute", "indexed")),
    }
    if len(values.snapshot_dates) > 1 and chooser.random() < 0.75:
        ends = sorted(chooser.sample(values.snapshot_dates, 2))
        params["from"], params["to"] = ends
    return params


def activity_filters(values: StoreValues, chooser: random.Random, page: str) -> dict[str, object]:
    """The Map's or the Activities page's filters: a period, kinds, countries, now and then an
    entity, a region or (Activities) a word to search for; the Map's view."""
    params: dict[str, object] = {}
    if chooser.random() < 0.7:
        start, end = sorted(
            date.fromordinal(
                chooser.randint(values.first_day.toordinal(), values.last_day.toordinal())
            )
            for _ in range(2)
        )
        params["from"], params["to"] = start, end
    params["kind"] = chooser.sample(ACTIVITY_KINDS, chooser.randint(0, 2))
    params["country"] = chooser.sample(
        values.countries, min(len(values.countries), chooser.randint(0, 2))
    )
    if values.entities and chooser.random() < 0.2:
        params["entity"] = [chooser.choice(values.entities)]
    if values.regions and chooser.random() < 0.1:
        params["region"] = [chooser.choice(values.regions)]
    if page == "map":
        params["view"] = chooser.choice(("points", "countries"))
    elif chooser.random() < 0.2:
        params["q"] = chooser.choice(SEARCH_WORDS)
    return params


# --- one load -----------------------------------------------------------------------------


@dataclass
class PageRun:
    """What the server sent for one load: the kinds of element its last script run drew, the
    problems any run showed, and whether the run finished."""

    elements: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    finished: bool = False


def read_run(messages: Iterable[ForwardMsg]) -> PageRun:
    """The elements, problems and end of a page's script run, from the messages it sent."""
    run = PageRun()
    for msg in messages:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            # A rerun starts afresh: only the last run's elements are what the viewer sees.
            run.elements = set()
        elif kind == "page_not_found":
            run.problems.append("no page at this address")
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run.problems.append("the page did not compile")
            run.finished = msg.script_finished in RUN_OVER
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type")
            if name is None:
                continue
            run.elements.add(name)
            run.problems += element_problems(element)
    return run


def element_problems(element: Element) -> list[str]:
    """What is wrong with one element: an exception, an error, or the store unavailable."""
    name = element.WhichOneof("type")
    if name == "exception":
        return [f"an exception: {element.exception.type}: {element.exception.message}"]
    if name == "alert" and element.alert.format == Alert.ERROR:
        return [f"an error: {element.alert.body}"]
    shown = {
        "alert": element.alert.body,
        "markdown": element.markdown.body,
        "text": element.text.body,
    }
    if name is not None and UNAVAILABLE in shown.get(name, ""):
        return [f"the text {UNAVAILABLE!r}"]
    return []


def judge(page: str, run: PageRun) -> str | None:
    """Why a load of `page` failed, or None if it showed its content and nothing wrong."""
    if run.problems:
        return "; ".join(run.problems)
    if not run.finished:
        return "the script run did not finish"
    if CONTENT[page] not in run.elements:
        return f"no {CONTENT[page]} element (the page's content)"
    return None


async def read_page(base_url: str, path: str) -> list[ForwardMsg]:
    """Every message the server sends a new session opening `path`, until its run is over."""
    messages = []
    async with connect(
        stream_url(base_url), subprotocols=SUBPROTOCOLS, max_size=None, proxy=None
    ) as socket:
        await socket.send(rerun_request(base_url, path).SerializeToString())
        async for frame in socket:
            if isinstance(frame, str):
                break
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            messages.append(msg)
            if msg.WhichOneof("type") == "page_not_found":
                break
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished in RUN_OVER:
                break
    return messages


async def load_failure(base_url: str, view: View, *, timeout: float = LOAD_TIMEOUT) -> str | None:
    """Load one view in a fresh session; why it failed, or None."""
    try:
        async with asyncio.timeout(timeout):
            messages = await read_page(base_url, view.path)
    except TimeoutError:
        return f"no end of the script run in {timeout:g} s"
    except (OSError, WebSocketException) as error:
        return f"could not reach the server or lost it: {error}"
    return judge(view.page, read_run(messages))


# --- the server's memory ------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # The command's name is in brackets and may hold spaces: the parent follows it.
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    tree = [pid]
    for each in tree:
        tree += parents.get(each, [])
    return tree


def resident_bytes(pid: int) -> int:
    """Resident memory (VmRSS) of a process and its descendants, in bytes."""
    total = 0
    for each in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


# --- the soak -----------------------------------------------------------------------------


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


@contextlib.contextmanager
def served(
    script: Path, log: Path, *, database_url: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run script` on a free port with its store at `database_url`, as the browser
    tests start it; its base URL and its process."""
    port = free_port()
    env = {**os.environ, "CTDASH_DATABASE_URL": database_url}
    with background_process(
        streamlit_command(script, port),
        name="streamlit",
        log_path=log,
        ready=lambda: healthy(port),
        waiting_for="/_stcore/health",
        env=env,
    ) as process:
        yield f"http://localhost:{port}", process


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
    views = soak_views(store_values(database_url), loads)
    with served(script, log, database_url=database_url) as (base_url, server):
        return asyncio.run(soak(base_url, views, server=server, at_once=at_once, progress=progress))
