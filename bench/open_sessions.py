"""Ten sessions kept open at once, and the resident memory of the server that serves them,
read once every one of them has drawn its page's first meaningful element."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.chromium import Ready, guarded_context, timed_load
from bench.resident_memory import resident_bytes

# Sessions kept open at once while the server's memory is read.
OPEN_SESSIONS = 10


@dataclass(frozen=True)
class OpenSessions:
    """The server's resident memory before the sessions opened and with all of them open.

    `pages` names each session's page; `seconds` is each one's time to its first element,
    opened one after another while the earlier ones stay open.
    """

    pages: list[str]
    seconds: list[float]
    resident_before: int
    resident_open: int


async def open_sessions(
    browser: Any, server_pid: int, pages: list[tuple[str, str, Ready]]
) -> OpenSessions:
    """One fresh browser context for each (name, URL, ready) of `pages`, opened one after
    another, each once the one before has drawn its element and finished its script run, and
    all kept open; the resident memory (VmRSS) of the server's process tree before the first
    and with every one open.

    One after another rather than at once: the memory is the same once all are open, and ten
    browsers starting together on a machine of two cores would take minutes to get there.
    """
    before = resident_bytes(server_pid)
    contexts = []
    seconds = []
    try:
        for _, url, ready in pages:
            contexts.append(await guarded_context(browser))
            seconds.append(await timed_load(contexts[-1], url, ready))
        resident = resident_bytes(server_pid)
    finally:
        for context in contexts:
            await context.close()
    return OpenSessions([name for name, _, _ in pages], seconds, before, resident)
