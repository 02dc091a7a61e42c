"""The `browser` part: fresh loads of the Overview and the Map in Chromium, interleaved with
loads of the one-line app, from the app as deployed; the `sessions` part rides along."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.chromium import DRAWN_POINTS, FIRST_TILE, fresh_load, launched_chromium
from bench.servers import ONE_LINE_APP, SERVED_APP, serve
from bench.sessions import load_among_others, loads_together, server_sessions


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


async def browser_loads(url: str, floor_url: str, *, loads: int, sessions: int) -> BrowserResult:
    """Fresh loads of the Overview and the Map, interleaved with loads of the one-line app;
    then, if `sessions`, that many sessions at once (bench/sessions.py).

    One untimed load of each first, so the server's imports and cached reads are warm.
    """
    result = BrowserResult()
    async with launched_chromium() as browser:
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
            result.together_floor = await loads_together(browser, floor_url, FIRST_TILE, sessions)
            result.server_single, result.server_together = await server_sessions(
                url, singles=loads, count=sessions
            )
            result.server_floor_single, result.server_floor_together = await server_sessions(
                floor_url, singles=loads, count=sessions
            )
            for _ in range(loads):
                result.among_others.append(await load_among_others(browser, url, sessions - 1))
    return result


def measure_browsers(
    urls: dict[int, str],
    workdir: Path,
    *,
    loads: int,
    sessions: int,
    progress: Callable[[str], None],
) -> dict[int, BrowserResult]:
    """Each size's store served as deployed, beside the one-line app, loaded in Chromium;
    `sessions` at once at the largest size only (none if 0)."""
    sizes = sorted(urls)
    results = {}
    floor_script = workdir / "one_line_app.py"
    floor_script.write_text(ONE_LINE_APP)
    with serve(floor_script, workdir / "one-line.log") as floor_url:
        for size in sizes:
            progress(f"browser at {size:,}")
            log = workdir / f"app-{size}.log"
            with serve(SERVED_APP, log, database_url=urls[size]) as url:
                results[size] = asyncio.run(
                    browser_loads(
                        url,
                        floor_url,
                        loads=loads,
                        sessions=sessions if size == sizes[-1] else 0,
                    )
                )
    return results
