"""The benchmark keeps working: its data-function part and its soak in --quick mode on a tiny
store, and the soak fails a load that the viewer would see fail.

Nothing here is timed or compared with a target; bench/ is run by hand (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import chromium, soak_loads, soak_views
from bench import run as bench
from ctdash import failures, geo, urlstate
from ctdash.models import ACTIVITY_KINDS
from ctdash.web.readers import TABLE_ROWS
from tests.conftest import CHROMIUM_ARGS
from tests.e2e.conftest import VIEWPORT
from tests.e2e.launch import serving


def test_the_quick_data_run_writes_a_report_with_every_data_function(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    argv = ["--quick", "--sizes", "200", "--years", "1", "--parts", "data"]
    argv += ["--out", str(out), "--workdir", str(tmp_path / "stores")]

    assert bench.main(argv) == 0

    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Performance at scale")
    for name in ("observations", "build_tiles", "trend_frame", "activities, no filter"):
        assert f"| {name} | " in text
    for name in (f"activities, the first {TABLE_ROWS:,}", "activity_count", "activity_places"):
        assert f"| {name}" in text
    for name in ("entity_names", "activity_date_span", "map points", "deck JSON"):
        assert f"| {name}" in text
    assert "Map JSON (points) under 2 MB, at 200" in text
    assert "python -m bench.run" in text


def test_the_browser_is_started_as_the_browser_tests_start_it() -> None:
    assert chromium.CHROMIUM_ARGS == CHROMIUM_ARGS
    assert chromium.VIEWPORT == VIEWPORT


# --- the soak -----------------------------------------------------------------------------

SOAK_APP = f"""
import streamlit as st


def fine():
    st.warning("**Synthetic data.** Every page of a demo store says so.")
    st.metric("Activities", 12)


def unavailable():
    st.error({failures.VIEWER_MESSAGE!r})


def unavailable_beside_content():
    st.markdown({failures.VIEWER_MESSAGE!r})
    st.metric("Activities", 12)


def failed():
    st.error("Something went wrong.")
    st.metric("Activities", 12)


def raises():
    st.metric("Activities", 12)
    raise RuntimeError("the page broke")


def empty():
    st.title("No figures here")


st.navigation(
    [
        st.Page(fine, title="Fine", url_path="fine", default=True),
        st.Page(unavailable, title="Unavailable", url_path="unavailable"),
        st.Page(unavailable_beside_content, title="Beside", url_path="beside"),
        st.Page(failed, title="Failed", url_path="failed"),
        st.Page(raises, title="Raises", url_path="raises"),
        st.Page(empty, title="Empty", url_path="empty"),
    ]
).run()
"""


def run_async(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's result, on a thread of its own: the browser tests' Playwright keeps an
    event loop running on the main thread when they share a pytest run with these."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def finished(status: int = ForwardMsg.FINISHED_SUCCESSFULLY) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status  # type: ignore[assignment]
    return msg


def started() -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.SetInParent()
    return msg


def element(kind: str, **fields: Any) -> ForwardMsg:
    msg = ForwardMsg()
    new = msg.delta.new_element
    getattr(new, kind).SetInParent()
    for name, value in fields.items():
        setattr(getattr(new, kind), name, value)
    return msg


def error(body: str) -> ForwardMsg:
    return element("alert", body=body, format=Alert.ERROR)


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([started(), element("metric"), finished()], None),
        (
            [
                started(),
                element("alert", body="Synthetic data.", format=Alert.WARNING),
                element("metric"),
                finished(),
            ],
            None,
        ),
        ([started(), element("heading"), finished()], "no metric element"),
        ([started(), element("metric")], "did not finish"),
        ([started(), element("metric"), error("Something went wrong."), finished()], "an error"),
        ([started(), error(failures.VIEWER_MESSAGE), finished()], "unavailable"),
        (
            [
                started(),
                element("markdown", body=failures.VIEWER_MESSAGE),
                element("metric"),
                finished(),
            ],
            "unavailable",
        ),
        (
            [started(), element("metric"), element("exception", message="boom"), finished()],
            "an exception",
        ),
        ([started(), element("metric"), finished(ForwardMsg.FINISHED_WITH_COMPILE_ERROR)], "com"),
        # A rerun starts afresh: the content of the run before it does not count.
        (
            [
                started(),
                element("metric"),
                finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN),
                started(),
                element("heading"),
                finished(),
            ],
            "no metric element",
        ),
    ],
)
def test_a_load_fails_without_its_content_or_with_an_error(
    messages: list[ForwardMsg], expected: str | None
) -> None:
    reason = soak_loads.judge("overview", soak_loads.read_run(messages))

    assert reason is None if expected is None else expected in (reason or "")


def test_the_soak_looks_for_the_message_the_pages_show() -> None:
    assert failures.VIEWER_MESSAGE.startswith(soak_loads.UNAVAILABLE)


VALUES = soak_views.StoreValues(
    snapshot_dates=tuple(date(2024, month, 28) for month in range(12, 0, -1)),
    indicator_codes=("compact_entities", "member_states", "focal_points", "documents_shared"),
    first_day=date(2020, 1, 1),
    last_day=date(2024, 12, 28),
    countries=("NGA", "KEN", "IRQ"),
    entities=("Demo entity A", "Demo entity B"),
    regions=tuple(geo.regions()),
)


def test_the_soak_opens_every_page_in_turn_with_changing_filters() -> None:
    views = soak_views.draw_views(VALUES, 400)

    assert [view.page for view in views[:4]] == ["overview", "trends", "map", "activities"]
    assert {view.page for view in views} == set(soak_views.PAGE_PATHS)
    assert all(view.path.split("?")[0] == soak_views.PAGE_PATHS[view.page] for view in views)
    assert len(set(views)) > 300
    for name in ("asof", "ind", "mode", "from", "to", "kind", "country", "entity", "view", "q"):
        assert any(f"{name}=" in view.path for view in views), name
    assert soak_views.draw_views(VALUES, 400) == views


def test_every_view_of_the_soak_is_a_link_its_page_takes_without_a_notice() -> None:
    lists = {
        "kind": ACTIVITY_KINDS,
        "entity": VALUES.entities,
        "country": geo.all_iso3(),
        "region": geo.regions(),
        "view": ("points", "countries"),
    }
    choices = {
        "overview": {"asof": VALUES.snapshot_dates},
        "trends": {"ind": VALUES.indicator_codes, "mode": ("absolute", "indexed")},
        "map": lists,
        "activities": lists,
    }
    for view in soak_views.draw_views(VALUES, 400):
        params = dict(parse_qsl(urlsplit(view.path).query))
        decoded = urlstate.decode(params, view.page, choices[view.page])

        assert decoded.notices == [], view.path


@pytest.fixture(scope="module")
def soak_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small app whose pages fail in each way the soak looks for, served on a free port."""
    folder = tmp_path_factory.mktemp("soak")
    script = folder / "soak_app.py"
    script.write_text(SOAK_APP, encoding="utf-8")
    with serving(script, folder / "streamlit.log", env=dict(os.environ)) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", None),
        ("/unavailable", "an error: The figures are unavailable right now"),
        ("/beside", "the text 'The figures are unavailable right now'"),
        ("/failed", "an error: Something went wrong."),
        ("/raises", "an exception"),
        ("/empty", "no metric element"),
        ("/nowhere", "no page at this address"),
    ],
)
def test_a_load_of_a_served_page_fails_as_the_viewer_would_see_it(
    soak_server: str, path: str, expected: str | None
) -> None:
    reason = run_async(
        soak_loads.load_failure(soak_server, soak_views.View("overview", path), timeout=30)
    )

    assert reason is None if expected is None else expected in (reason or "")


def test_the_quick_soak_serves_the_app_and_reports_its_loads_and_memory(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    argv = ["--quick", "--sizes", "200", "--years", "1", "--parts", "soak", "--soak", "12"]
    argv += ["--out", str(out), "--workdir", str(tmp_path / "stores")]

    # In a thread of its own: the soak runs its sessions with asyncio.run, which cannot start
    # in a thread where the session's Playwright (browser tests) keeps its event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(bench.main, argv).result() == 0

    text = out.read_text(encoding="utf-8")
    assert "| 12 page loads over every page with changing filters: none fails, at 200 | " in text
    assert "0 failed | pass |" in text
    assert "Server's resident memory after 12 loads within 1.25× that after 1, at 200" in text
    assert "## Soak" in text
    assert "(`streamlit run serve.py`)" in text
    assert "Resident memory by loads done: 0: " in text


def test_a_quick_read_is_timed_as_many_times_as_fill_its_least_seconds() -> None:
    from bench.measuring import MOST_CALLS, timed

    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        return 7

    done = timed(read, repeats=5)
    assert (done.rows, done.runs, len(calls)) == (7, 5, 5)
    calls.clear()
    # An instant read never fills ten seconds: it stops at MOST_CALLS.
    assert timed(read, repeats=5, least=10.0).runs == MOST_CALLS == len(calls)
