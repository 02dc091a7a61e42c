"""The `app` part: each page's script run through AppTest on app.py, opened, rerun unchanged,
and rerun after a filter change to a value not seen before."""

from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from bench.measuring import PROJECT_ROOT, BenchError, Timed, timed

# AppTest runs app.py; the browser, sessions and soak parts serve it as deployed, in serve.py.
APP = PROJECT_ROOT / "app.py"
APP_TIMEOUT = 600.0
PAGES = ("overview", "trends", "map", "activities")

# A change made to an AppTest before a timed run.
Change = Callable[[Any], None]


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


def checked_run(at: Any, page: str) -> int:
    """Run the AppTest once; raise BenchError if the page raised. Returns 0 rows."""
    at.run()
    if at.exception:
        raise BenchError(f"the {page} page raised: {at.exception[0].message}")
    return 0


def filter_changes(page: str, url: str) -> tuple[str, list[Change]]:
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

        def as_of(d: date) -> Change:
            return lambda at: at.selectbox(key="overview:asof").set_value(d)

        return "an earlier as-of date", [as_of(d) for d in dates[1:]]
    if page == "trends":
        engine = make_engine(url)
        try:
            codes = list(queries.indicators(engine)["code"])
        finally:
            engine.dispose()

        def indicators(chosen: list[str]) -> Change:
            return lambda at: at.multiselect(key="trends:ind").set_value(chosen)

        subsets = [codes[:count] for count in range(1, len(codes) + 1)]
        return "other indicators", [indicators(subset) for subset in subsets]

    def kind(chosen: str) -> Change:
        return lambda at: at.multiselect(key=f"{page}:kind").set_value([chosen])

    return "one kind", [kind(k) for k in ACTIVITY_KINDS]


def changed_runs(
    at: Any, page: str, changes: list[Change], *, repeats: int, budget: float
) -> Timed:
    """Median time of a run after each change (the change itself untimed), as `timed` stops:
    after `repeats` of them, or once they took longer than `budget` seconds together."""
    times: list[float] = []
    for change in changes[: max(1, repeats)]:
        change(at)
        start = time.perf_counter()
        checked_run(at, page)
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return Timed(statistics.median(times), 0, len(times))


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
            checked_run(at, page)
            if page != "overview":
                at.switch_page(f"pages/{page}.py")
                checked_run(at, page)
            opened = time.perf_counter() - start
            warm = timed(partial(checked_run, at, page), repeats=repeats, budget=budget)
            change, changes = filter_changes(page, url)
            changed = changed_runs(at, page, changes, repeats=repeats, budget=budget)
            results[page] = PageRuns(opened, warm, changed, change)
    return results
