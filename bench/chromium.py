"""One timed page load in Debian's Chromium: what a load waits for, timed by the page's own
clock, in a fresh browser context that reaches no other host."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bench.measuring import BenchError
from tests.e2e.launch import CHROMIUM_ARGS, MAP_CAPTION, VIEWPORT, find_chromium, is_external

BROWSER_TIMEOUT_MS = 180_000
# The Activities page's caption once its count is read: "95,040 activities match."
MATCH_CAPTION = re.compile(r"([\d,]+) activit(y matches|ies match)\.")

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


# The Overview draws each tile's figure first in Markdown (ctdash/web/tiles.py), which the
# metric replaces once drawn; the one-line app draws a metric.
TILE_SELECTOR = "[class*=st-key-figure-] [data-testid=stMarkdown], [data-testid=stMetric]"

FIRST_TILE = Ready(
    f"""() => {{ {VISIBLE_JS}
  return [...document.querySelectorAll('{TILE_SELECTOR}')].some(visible); }}""",
    lambda page: [page.locator(f"{TILE_SELECTOR} >> visible=true").first],
)
"""The Overview's first tile: its figure in Markdown or its metric, whichever is drawn first
(the one-line app: its metric)."""

FIRST_METRIC = Ready(
    f"() => {{ {VISIBLE_JS} return visible(document.querySelector('[data-testid=stMetric]')); }}",
    lambda page: [page.get_by_test_id("stMetric").first],
)
"""The Overview's first metric: the element that takes the place of a tile's first figure."""

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

PLOTLY_JS = """const plotted = () => {
  const chart = document.querySelector('[data-testid=stPlotlyChart] .main-svg');
  const paths = document.querySelectorAll('[data-testid=stPlotlyChart] .scatterlayer .trace path');
  return visible(chart) && [...paths].some((p) => (p.getAttribute('d') || '').length > 1);
};"""
# Trends draws its chart first as a picture (ctdash/chart_picture.py), which Plotly's chart
# replaces once drawn.
PICTURE_JS = """const pictured = () => {
  const picture = document.querySelector('.st-key-trend-chart-box img');
  return visible(picture) && picture.complete && picture.naturalWidth > 0;
};"""

DRAWN_CHART = Ready(
    f"() => {{ {VISIBLE_JS} {PLOTLY_JS} {PICTURE_JS} return pictured() || plotted(); }}",
    lambda page: [
        page.locator(
            ".st-key-trend-chart-box :is(img, [data-testid=stPlotlyChart] .main-svg)"
            " >> visible=true"
        ).first
    ],
)
"""Trends' chart drawn: its picture shown, or Plotly's chart drawn."""

PLOTLY_DRAWN = Ready(
    f"() => {{ {VISIBLE_JS} {PLOTLY_JS} return plotted(); }}",
    lambda page: [
        page.get_by_test_id("stPlotlyChart").locator(".main-svg").first,
        page.get_by_test_id("stPlotlyChart").locator(".scatterlayer .trace").first,
    ],
)
"""Trends' Plotly chart drawn: its SVG visible, and a trace with a path (a line or a point)."""

# The grid is a canvas (Glide Data Grid): its rows are drawn, not elements. Rows count as drawn
# once the band below the header (Streamlit's header is 35 px high) holds ink: at least 20
# pixels of the first columns that differ clearly from the band's commonest colour, which a
# blank or background-only canvas lacks. Its accessible table of rows comes a few frames later.
INKED_ROWS_JS = """const inked = (canvas) => {
  const scale = canvas.height / canvas.getBoundingClientRect().height;
  const top = Math.round(40 * scale), height = Math.round(60 * scale);
  const width = Math.min(canvas.width, Math.round(400 * scale));
  if (canvas.height < top + height || width < 1) return false;
  const drawing = canvas.getContext('2d');
  if (!drawing) return false;
  const pixels = drawing.getImageData(0, top, width, height).data;
  const counts = new Map();
  for (let i = 0; i < pixels.length; i += 4) {
    const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const common = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const [r, g, b] = [(common >> 16) & 255, (common >> 8) & 255, common & 255];
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const far = Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b);
    if (pixels[i + 3] > 0 && far > 150) ink += 1;
  }
  return ink >= 20;
};"""

MATCH_CAPTION_JS = f"""const counted = () => [...document.querySelectorAll(
  '[data-testid=stCaptionContainer]')].some((c) => /{MATCH_CAPTION.pattern}/.test(c.textContent)
  && visible(c));"""
GRID_JS = f"""{INKED_ROWS_JS} const gridded = () => {{
  const grid = document.querySelector('[data-testid=stDataFrame]');
  const canvas = grid && grid.querySelector('canvas[data-testid=data-grid-canvas]');
  return visible(canvas) && inked(canvas);
}};"""
# Activities draws its first rows first as a table (ctdash/web/tables.py), which the grid
# replaces once drawn.
TABLE_JS = """const tabled = () => {
  const row = document.querySelector('.st-key-activities-rows table tbody tr');
  return visible(row);
};"""

FIRST_ROWS = Ready(
    f"() => {{ {VISIBLE_JS} {MATCH_CAPTION_JS} {GRID_JS} {TABLE_JS} "
    "return (tabled() || gridded()) && counted(); }",
    lambda page: [
        page.locator(
            ".st-key-activities-rows :is(table tbody tr, canvas[data-testid=data-grid-canvas])"
            " >> visible=true"
        ).first,
        page.get_by_test_id("stCaptionContainer").filter(has_text=MATCH_CAPTION).first,
    ],
)
"""Activities' first rows: those of the table shown first, or of the grid, and the caption "N
activities match."."""

GRID_ROWS = Ready(
    f"() => {{ {VISIBLE_JS} {MATCH_CAPTION_JS} {GRID_JS} return gridded() && counted(); }}",
    lambda page: [
        page.get_by_test_id("stDataFrame").locator("canvas[data-testid=data-grid-canvas]").first,
        page.get_by_test_id("stCaptionContainer").filter(has_text=MATCH_CAPTION).first,
    ],
)
"""Activities' grid: its canvas with its first rows drawn, and the caption "N activities
match."."""


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
    elapsed = await ready_ms(page, ready) / 1000
    for locator in ready.locators(page):
        await expect(locator).to_be_visible(timeout=BROWSER_TIMEOUT_MS)
    await script_finished(page)
    return elapsed


async def ready_ms(page: Any, ready: Ready) -> float:
    """Milliseconds from the start of the page's navigation until `ready` first held, by the
    page's own clock: the predicate runs on every animation frame."""
    handle = await page.wait_for_function(
        f"() => ({ready.script})() && performance.now()",
        polling="raf",
        timeout=BROWSER_TIMEOUT_MS,
    )
    return float(await handle.json_value())


async def script_finished(page: Any) -> None:
    """Wait (untimed) until the page's script run has finished, so that its rest does not slow
    the next load."""
    from playwright.async_api import expect

    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    await expect(idle).to_have_count(1, timeout=BROWSER_TIMEOUT_MS)


async def fresh_load(browser: Any, url: str, ready: Ready) -> float:
    """Seconds from navigation until `ready` is visible, in a fresh context (no cookies)."""
    context = await guarded_context(browser)
    try:
        return await timed_load(context, url, ready)
    finally:
        await context.close()
