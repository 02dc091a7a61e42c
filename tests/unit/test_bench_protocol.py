"""The benchmark's protocol sessions find the element they wait for on a real Streamlit server.

One server runs a small multipage app, its pages chosen by URL path as the benchmark chooses
ctdash's Overview. Nothing here is compared with a target; bench/ is run by hand.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench.protocol import (
    SessionError,
    first_element_seconds,
    rerun_request,
    stream_url,
    together,
)
from tests.e2e.launch import free_port, serving

# Between the title and the metric of the "late" page, so that a session that stopped at the
# first element would be seen to be early.
LATE_SECONDS = 0.5


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The coroutine's result, run on a thread of its own: the browser tests' Playwright keeps
    an event loop running on the main thread when they share a pytest run with these."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


APP = f"""
import time

import streamlit as st


def first():
    st.metric("Activities", 12)


def late():
    st.title("A title before the figures")
    time.sleep({LATE_SECONDS})
    st.metric("Activities", 12)


def asked():
    if st.query_params.get("show") == "1":
        st.metric("Activities", 12)
    st.title("Shown or not")


def never():
    st.title("No figures here")


def slow():
    box = st.empty()
    for second in range(300):
        box.text(f"Still working: {{second / 10}} s")
        time.sleep(0.1)


st.navigation(
    [
        st.Page(first, title="First", url_path="first", default=True),
        st.Page(late, title="Late", url_path="late"),
        st.Page(asked, title="Asked", url_path="asked"),
        st.Page(never, title="Never", url_path="never"),
        st.Page(slow, title="Slow", url_path="slow"),
    ]
).run()
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The small multipage app served on a free port, as the benchmark serves its apps."""
    folder = tmp_path_factory.mktemp("protocol")
    script = folder / "pages_app.py"
    script.write_text(APP, encoding="utf-8")
    with serving(script, folder / "streamlit.log", env=dict(os.environ)) as url:
        yield url


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://localhost:8501", "ws://localhost:8501/_stcore/stream"),
        ("http://localhost:8501/", "ws://localhost:8501/_stcore/stream"),
        ("https://example.org/ctdash/", "wss://example.org/ctdash/_stcore/stream"),
    ],
)
def test_the_stream_is_under_the_servers_base_path(base_url: str, expected: str) -> None:
    assert stream_url(base_url) == expected


@pytest.mark.parametrize(
    ("base_url", "path", "page_name", "query_string", "url"),
    [
        ("http://localhost:8501", "/", "", "", "http://localhost:8501/"),
        ("http://localhost:8501/", "/map", "map", "", "http://localhost:8501/map"),
        (
            "http://localhost:8501",
            "/map?kind=training",
            "map",
            "kind=training",
            "http://localhost:8501/map?kind=training",
        ),
        ("http://host/base/", "/desk/", "desk", "", "http://host/base/desk/"),
        ("http://host", "/data%20desk", "data desk", "", "http://host/data%20desk"),
    ],
)
def test_the_rerun_request_names_the_page_as_the_browser_does(
    base_url: str, path: str, page_name: str, query_string: str, url: str
) -> None:
    state = rerun_request(base_url, path).rerun_script

    assert (state.page_name, state.query_string, state.context_info.url) == (
        page_name,
        query_string,
        url,
    )
    assert state.page_script_hash == ""
    assert list(state.cached_message_hashes) == []


def test_a_session_times_the_default_page_until_its_metric(server: str) -> None:
    seconds = run(first_element_seconds(server, "/", timeout=30))

    assert isinstance(seconds, float)
    assert seconds > 0


def test_a_session_waits_past_other_elements_for_the_metric(server: str) -> None:
    seconds = run(first_element_seconds(server, "/late", timeout=30))

    # The metric is sent only after the page's sleep, so this bound holds however busy the
    # machine: no wall-clock budget is asserted here (timings belong to the benchmark).
    assert seconds >= LATE_SECONDS
    # A session can be asked for another kind of element: this page's title.
    assert run(first_element_seconds(server, "/never", "heading", timeout=30)) > 0


def test_the_query_string_reaches_the_page(server: str) -> None:
    assert run(first_element_seconds(server, "/asked?show=1", timeout=30)) > 0
    with pytest.raises(SessionError, match="ended without a 'metric' element"):
        run(first_element_seconds(server, "/asked", timeout=30))


def test_sessions_together_each_give_their_time(server: str) -> None:
    times = run(together(server, "/", 3, "metric"))

    assert len(times) == 3
    assert all(seconds > 0 for seconds in times)


def test_a_page_that_never_shows_the_element_is_an_error_when_its_run_ends(server: str) -> None:
    # The message is the run's end, not the timeout's ("... in 10 s"): the session did not wait.
    with pytest.raises(SessionError, match="ended without a 'metric' element"):
        run(first_element_seconds(server, "/never", timeout=10))


def test_a_page_still_running_at_the_timeout_is_an_error(server: str) -> None:
    # The page runs for 30 s: the timeout's message, not the run's end, shows the session
    # gave up at the timeout.
    with pytest.raises(SessionError, match=r"no 'metric' element .* in 1 s"):
        run(first_element_seconds(server, "/slow", timeout=1))


def test_a_path_that_names_no_page_is_an_error(server: str) -> None:
    with pytest.raises(SessionError, match="no page at 'nowhere'"):
        run(first_element_seconds(server, "/nowhere", timeout=30))


def test_a_wrong_base_path_is_an_error(server: str) -> None:
    with pytest.raises(SessionError, match=r"could not reach .*/elsewhere/_stcore/stream"):
        run(first_element_seconds(f"{server}/elsewhere", "/", timeout=10))


def test_an_unknown_element_kind_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="'tile' is not a kind of Streamlit element"):
        run(first_element_seconds("http://localhost:1", "/", "tile"))


def test_a_server_that_is_not_there_is_an_error() -> None:
    with pytest.raises(SessionError, match="could not reach"):
        run(first_element_seconds(f"http://127.0.0.1:{free_port()}", "/", timeout=5))
