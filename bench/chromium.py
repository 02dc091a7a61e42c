"""One timed page load in Debian's Chromium: what a load waits for, timed by the page's own
clock, in a fresh browser context that reaches no other host."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bench.measuring import BenchError
from tests.e2e.launch import CHROMIUM_ARGS, MAP_CAPTION, VIEWPORT, find_chromium, is_external

BROWSER_TIMEOUT_MS = 180_000

# An element counts as visible as Playwright judges it: a non-empty box, not visibility:hidden.
VISIBLE_JS = """const visible = (e) => { if (!e) return false; const r = e.getBoundingClientRect();
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
    f"() => {{ {VISIBLE_JS} return visible(document.querySelector('[data-testid=stMetric]')); }}",
    lambda page: [page.get_by_test_id("stMetric").first],
)
"""The Overview's first metric tile (or the one-line app's metric)."""

DRAWN_POINTS = Ready(
    f"""() => {{ {VISIBLE_JS}
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


@contextlib.asynccontextmanager
async def launched_chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, launched as the browser tests launch it, closed at exit."""
    from playwright.async_api import async_playwright

    executable = find_chromium()
    if executable is None:
        raise BenchError("No Chromium: `apt-get install -y chromium`, or set CTDASH_CHROMIUM.")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def guarded_context(browser: Any) -> Any:
    """A fresh browser context whose requests to other hosts are aborted."""
    context = await browser.new_context(viewport=VIEWPORT)

    async def route(route: Any) -> None:
        if is_external(route.request.url):
            await route.abort()
        else:
            await route.continue_()

    await context.route("**/*", route)
    return context


async def timed_load(context: Any, url: str, ready: Ready) -> float:
    """Seconds from navigating a new page of `context` to `url` until `ready` holds; then
    waits, untimed, until the page's script run has finished."""
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
    context = await guarded_context(browser)
    try:
        return await timed_load(context, url, ready)
    finally:
        await context.close()
