"""The `cold` part: from starting the server process to the first tile of the first visitor,
for the app as deployed and for the one-line app, started in turn a few times.

The visitor's Chromium is running already. It asks for the page as soon as the server's port
accepts a connection, retrying a navigation that finds no server yet, and the time runs from
just before the process is started to the frame in which the page's first tile shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.chromium import (
    BROWSER_TIMEOUT_MS,
    FIRST_TILE,
    guarded_context,
    launched_chromium,
    ready_ms,
    script_finished,
)
from bench.measuring import BenchError
from bench.servers import ONE_LINE_APP, SERVED_APP, server_env
from tests.e2e.launch import START_TIMEOUT, background_process, free_port, streamlit_command

# Timed starts of each server, after one untimed start of each.
COLD_STARTS = 3
QUICK_COLD_STARTS = 1
# How often the visitor tries the port while the server starts.
POLL_SECONDS = 0.01
# What Chromium says when a navigation finds nothing listening yet, or a server not ready.
NOT_YET = ("ERR_CONNECTION_REFUSED", "ERR_CONNECTION_RESET", "ERR_EMPTY_RESPONSE")


@dataclass
class ColdStarts:
    """Seconds from starting the server process to the first visitor's first tile."""

    app: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)


@contextlib.contextmanager
def started(
    script: Path, log: Path, port: int, *, database_url: str | None
) -> Iterator[subprocess.Popen[bytes]]:
    """`streamlit run script` on `port`, as bench/servers.py starts it, not waited for;
    stopped with its children at exit."""
    with background_process(
        streamlit_command(script, port),
        name="streamlit",
        log_path=log,
        ready=lambda: True,
        waiting_for="nothing",
        env=server_env(database_url),
    ) as process:
        yield process


async def accepting(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return as soon as `port` accepts a connection; BenchError if the server ends first or
    takes longer than the browser tests allow a server to start."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(
                    f"the server on port {port} did not start; its log:\n"
                    + log.read_text(errors="replace")
                ) from None
            await asyncio.sleep(POLL_SECONDS)
        else:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return


async def first_visit(page: Any, url: str, process: subprocess.Popen[bytes]) -> float:
    """Navigate `page` to `url`, again while the server is not ready for it; the clock
    (time.perf_counter) when the navigation that got an answer began."""
    from playwright.async_api import Error

    while True:
        began = time.perf_counter()
        try:
            await page.goto(url, wait_until="commit", timeout=BROWSER_TIMEOUT_MS)
            return began
        except Error as error:
            if process.poll() is not None or not any(m in str(error) for m in NOT_YET):
                raise
            await asyncio.sleep(POLL_SECONDS)


async def cold_start(
    browser: Any, script: Path, log: Path, *, database_url: str | None = None
) -> float:
    """Seconds from starting `streamlit run script` to the first tile of a visitor who asks
    for the page as soon as the port accepts; the server is stopped after its script run."""

    context = await guarded_context(browser)
    try:
        page = await context.new_page()
        port = free_port()
        url = f"http://localhost:{port}/"
        began = time.perf_counter()
        with started(script, log, port, database_url=database_url) as process:
            await accepting(port, process, log)
            navigated = await first_visit(page, url, process)
            # The page's own clock, from the start of its navigation, as chromium.timed_load.
            seconds = navigated - began + await ready_ms(page, FIRST_TILE) / 1000
            await script_finished(page)
        return seconds
    finally:
        await context.close()


async def cold_starts(
    floor_script: Path, workdir: Path, *, database_url: str, repeats: int, name: str
) -> ColdStarts:
    """The one-line app and the app on `database_url` started in turn, `repeats` times each,
    after one untimed start of each: it brings the store's schema up to date, if it is not,
    and puts the files both read in the system's page cache, as on a machine that restarts
    its server."""
    result = ColdStarts()
    logs = workdir / f"cold-one-line{name}.log", workdir / f"cold-app{name}.log"
    async with launched_chromium() as browser:
        for round_number in range(repeats + 1):
            floor = await cold_start(browser, floor_script, logs[0])
            app = await cold_start(browser, SERVED_APP, logs[1], database_url=database_url)
            if round_number:
                result.floor.append(floor)
                result.app.append(app)
    return result


def measure_cold_starts(
    urls: dict[int, str],
    workdir: Path,
    *,
    repeats: int,
    progress: Callable[[str], None],
    kind: str = "",
) -> dict[int, ColdStarts]:
    """Each size's cold starts beside the one-line app's; `kind` names the stores in the
    progress lines and the logs when they are not SQLite's."""
    floor_script = workdir / "one_line_app.py"
    floor_script.write_text(ONE_LINE_APP)
    suffix = f"-{kind.lower()}" if kind else ""
    results = {}
    for size, url in sorted(urls.items()):
        progress(f"cold starts at {size:,}" + (f" on {kind}" if kind else ""))
        results[size] = asyncio.run(
            cold_starts(
                floor_script, workdir, database_url=url, repeats=repeats, name=f"-{size}{suffix}"
            )
        )
    return results
