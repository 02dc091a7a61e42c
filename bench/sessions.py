"""The `sessions` part: the Overview opened by many sessions at once, as browsers, as sessions
of Streamlit's protocol without a browser (bench/protocol.py), and one browser among those."""

from __future__ import annotations

import asyncio
from typing import Any

from bench import protocol
from bench.chromium import BROWSER_TIMEOUT_MS, FIRST_TILE, Ready, guarded_context, timed_load

# Sessions opening the Overview at once, unless --sessions says otherwise.
SESSIONS = 10


async def loads_together(browser: Any, url: str, ready: Ready, count: int) -> list[float]:
    """`count` fresh sessions navigating at once; each one's seconds until `ready`."""
    contexts = [await guarded_context(browser) for _ in range(count)]
    try:
        return list(await asyncio.gather(*(timed_load(c, url, ready) for c in contexts)))
    finally:
        for context in contexts:
            await context.close()


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
    context = await guarded_context(browser)
    try:
        load = timed_load(context, f"{url}/", FIRST_TILE)
        crowd = protocol.together(url, "/", others, timeout=BROWSER_TIMEOUT_MS / 1000)
        seconds, _ = await asyncio.gather(load, crowd)
        return seconds
    finally:
        await context.close()
