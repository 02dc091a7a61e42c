"""The Map page in a real browser: filter, share the link, open it elsewhere; all offline."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, expect

from ctdash import maps, queries
from ctdash.db import make_engine

CAPTION = re.compile(r"(\d+) of (\d+) matching activities have a place and are on the map")
# What a visitor who is not signed in sees: the four dashboard pages and the sign-in page
# (the data desk and administration are hidden until a role allows them).
PAGES = ("Overview", "Trends", "Map", "Activities", "Sign in")
NEWSLETTER_FIGURES = ("45", "136", "13", "1,000", "3,279", "200,062", "705", "24")

# The deck's own colours: ocean rgb(220, 234, 244), land, and the points of three kinds.
OCEAN = tuple(maps.OCEAN_FILL)
LAND = tuple(maps.LAND_FILL)
TRAINING = maps.KIND_COLOURS["training"]
WORKSHOP = maps.KIND_COLOURS["workshop"]
ASSESSMENT = maps.KIND_COLOURS["assessment"]
MAP_DRAW_TIMEOUT = 15.0


@dataclass(frozen=True)
class MapPixels:
    """How many pixels of a map screenshot are close to each colour of interest."""

    distinct: int
    total: int
    near: dict[tuple[int, int, int], int]

    def share(self, colour: tuple[int, int, int]) -> float:
        return self.near[colour] / self.total


def pixel_counts(png: bytes, colours: tuple[tuple[int, int, int], ...]) -> MapPixels:
    """Count the screenshot's distinct colours and the pixels within 8 levels of each colour."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    histogram = image.getcolors(maxcolors=image.width * image.height) or []
    near = dict.fromkeys(colours, 0)
    for count, pixel in histogram:
        for colour in colours:
            if all(abs(a - b) <= 8 for a, b in zip(pixel, colour, strict=True)):
                near[colour] += count
    return MapPixels(len(histogram), image.width * image.height, near)


def drawn_map(page: Page, *must_show: tuple[int, int, int]) -> MapPixels:
    """The map's pixels once the deck has drawn the world and points of the given colours.

    WebGL draws after the element appears, so screenshots are retaken (not slept on) until
    ocean, land and every wanted colour are on screen, or the time is up.
    """
    chart = page.get_by_test_id("stDeckGlJsonChart")
    expect(chart.locator("canvas")).to_be_visible()
    wanted = (OCEAN, LAND, *must_show)
    colours = (*wanted, ASSESSMENT, TRAINING, WORKSHOP)
    deadline = time.monotonic() + MAP_DRAW_TIMEOUT
    while True:
        pixels = pixel_counts(chart.screenshot(), colours)
        if all(pixels.near[c] for c in wanted) or time.monotonic() > deadline:
            return pixels


def caption(page: Page) -> Locator:
    return page.get_by_test_id("stCaptionContainer").filter(has_text=CAPTION)


def expect_caption(page: Page, placed: int, total: int) -> None:
    """The caption under the title says how many of the matching activities are on the map."""
    expect(caption(page)).to_have_text(re.compile(rf"^{placed} of {total} matching activities"))


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def pick(page: Page, label: str, *options: str) -> None:
    """Choose options in a sidebar multiselect the way a user does: open it, click each."""
    box = sidebar(page).get_by_role("combobox", name=label)
    for option in options:
        box.click()
        page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def type_date(page: Page, label: str, day: date) -> None:
    """Type a date into a sidebar date field, then click away; the field commits on blur."""
    sidebar(page).get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    page.get_by_role("heading", level=1).click()


def expect_date(page: Page, label: str, day: date | None) -> None:
    """The date field shows `day`, or its empty placeholder."""
    shown = ("yyyy", "mm", "dd") if day is None else (f"{day:%Y}", f"{day:%m}", f"{day:%d}")
    for part, text in zip(("year", "month", "day"), shown, strict=True):
        expect(sidebar(page).get_by_role("spinbutton", name=f"{part}, {label}")).to_have_text(text)


def expect_chosen(page: Page, label: str, options: list[str]) -> None:
    """The multiselect shows exactly these options as chosen tags."""
    widget = (
        sidebar(page)
        .get_by_test_id("stMultiSelect")
        .filter(has=page.get_by_role("combobox", name=label, exact=True))
    )
    expect(widget.get_by_role("group", name="Selected values").locator("[data-tag]")).to_have_text(
        options
    )


def expect_app_navigation(page: Page, timeout: float | None = None) -> None:
    """The sidebar lists the app's pages by title (PAGES), not the files of pages/."""
    navigation = sidebar(page).get_by_role("navigation")
    for title in PAGES:
        link = navigation.get_by_role("link", name=title, exact=True)
        expect(link).to_be_visible(timeout=timeout)
    expect(navigation.get_by_role("link")).to_have_count(len(PAGES), timeout=timeout)


def test_opening_the_map_first_on_a_fresh_server_shows_the_app_navigation(
    page: Page, fresh_app_url: str, external_requests: list[str]
) -> None:
    page.goto(f"{fresh_app_url}/map")
    expect(page.get_by_role("heading", name="Where the Compact worked")).to_be_visible()
    expect_app_navigation(page)
    expect(caption(page)).to_be_visible()
    assert external_requests == []


def test_first_visitors_opening_the_map_at_once_all_see_the_app_navigation(
    new_context: Callable[[], BrowserContext], fresh_app_url: str
) -> None:
    visitors = [new_context().new_page() for _ in range(3)]
    for visitor in visitors:
        visitor.goto(f"{fresh_app_url}/map", wait_until="commit")
    for visitor in visitors:
        expect(caption(visitor)).to_be_visible()
    # Once the page has drawn, its navigation is final: no need to wait long for it.
    for visitor in visitors:
        expect_app_navigation(visitor, timeout=2_000)


def test_filter_the_map_share_the_link_and_open_it_elsewhere(
    new_context: Callable[[], BrowserContext],
    app_url: str,
    e2e_database_url: str,
    external_requests: list[str],
) -> None:
    kinds = ["training", "workshop"]
    since = date(2023, 3, 20)
    page = new_context().new_page()
    page.goto(f"{app_url}/map")
    expect_caption(page, 22, 56)

    pick(page, "Kind", *kinds)
    type_date(page, "From", since)
    expect(page).to_have_url(
        re.compile(r"/map\?(?=.*\bkind=training~workshop\b)(?=.*\bfrom=2023-03-20\b)")
    )

    # The app's own query, against the same store, says how many points the map must show.
    store = make_engine(e2e_database_url)
    found = queries.activities(store, queries.ActivityFilter(date_from=since, kinds=tuple(kinds)))
    store.dispose()
    placed, total = len(found.dropna(subset=["lat", "lon"])), len(found)
    assert 0 < placed < total < 56
    expect_caption(page, placed, total)
    shared = page.url
    expect(page.get_by_role("link", name="Share this view")).to_have_attribute("href", shared)

    elsewhere = new_context().new_page()
    elsewhere.goto(shared)
    expect_caption(elsewhere, placed, total)
    expect_chosen(elsewhere, "Kind", kinds)
    expect_date(elsewhere, "From", since)
    expect_date(elsewhere, "To", None)
    expect_chosen(elsewhere, "Country", [])
    expect(elsewhere).to_have_url(shared)

    pixels = drawn_map(elsewhere, TRAINING, WORKSHOP)
    assert pixels.distinct > 3, pixels
    assert pixels.share(OCEAN) > 0.2, pixels
    assert pixels.share(LAND) > 0.1, pixels
    assert pixels.near[TRAINING] and pixels.near[WORKSHOP], pixels
    assert pixels.near[ASSESSMENT] == 0, "an assessment is drawn though the link leaves them out"
    assert external_requests == []


def test_a_stale_link_shows_notices_and_still_draws_the_map(
    page: Page, app_url: str, external_requests: list[str]
) -> None:
    page.goto(f"{app_url}/map?country=XXX&from=yesterday&kind=seminar")
    expect_caption(page, 22, 56)
    for notice in ("is not a known country", "is not a date", "is not a known kind"):
        expect(page.get_by_text(notice)).to_be_visible()
    pixels = drawn_map(page, ASSESSMENT, TRAINING, WORKSHOP)
    assert pixels.share(OCEAN) > 0.2, pixels
    assert pixels.near[ASSESSMENT] and pixels.near[TRAINING], pixels
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert external_requests == []


def test_overview_shows_the_newsletter_figures(
    page: Page, app_url: str, external_requests: list[str]
) -> None:
    page.goto(app_url)
    values = page.get_by_test_id("stMetricValue")
    expect(values).to_contain_text(
        [re.compile(rf"^\s*{re.escape(value)}\s*$") for value in NEWSLETTER_FIGURES]
    )
    for index in range(len(NEWSLETTER_FIGURES)):
        expect(values.nth(index)).to_be_visible()
    # The Overview's share link pins its snapshot and opens without "Page not found".
    link = page.get_by_role("link", name="Share this view").get_attribute("href") or ""
    assert link.endswith("/?asof=2023-04-30"), link
    # The same address, in a box to copy, behind the "Copy the link" button.
    page.get_by_role("button", name="Copy the link").click()
    expect(page.get_by_test_id("stCode").first).to_have_text(link)
    page.goto(link)
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    assert external_requests == []
