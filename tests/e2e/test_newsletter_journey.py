"""The newsletter import in a real browser: upload, review, correct a place, commit, map.

An editor signs in, drops the September 2023 newsletter on the data desk, gives a meeting
the reading left without a place a country and a city in the Activities editor, commits,
and the Map counts that meeting among the activities it draws. Nothing leaves this machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from ctdash.desk_tables import NEWSLETTER_ACTIVITY_COLUMNS
from tests.e2e.conftest import navigation_link, sign_in
from tests.e2e.launch import MAP_CAPTION

NEWSLETTER = Path(__file__).resolve().parents[1] / "fixtures" / "newsletters" / "2023-09-10.txt"
COMMITTED = re.compile(r"^Committed write \d+: 8 figures and 25 activities from 2023-09-10\.txt\.$")

# The Activities editor's columns, left to right.
COLUMNS = NEWSLETTER_ACTIVITY_COLUMNS
# The reading finds no place for this meeting (row 7, newsletter line 71): "Placed at" is
# "none". The reviewer places it in Abuja, Nigeria, which the offline gazetteer knows.
ROW = 7
TITLE = "UNODC-EU-Nigeria steering committee meeting reviewed the joint project on the rule of law"
COUNTRY, CITY = "NGA", "Abuja"
# Streamlit's grid draws a 35 px header and 35 px rows.
HEADER_PX = ROW_PX = 35


def map_caption(page: Page) -> Locator:
    return page.get_by_test_id("stCaptionContainer").filter(has_text=MAP_CAPTION)


def on_the_map(page: Page, url: str) -> tuple[int, int]:
    """Open the Map filtered to COUNTRY; (placed, matching) as its caption states them."""
    page.goto(f"{url}/map?country={COUNTRY}")
    expect(map_caption(page)).to_be_visible()
    found = MAP_CAPTION.search(map_caption(page).inner_text())
    assert found is not None
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def cell(grid: Locator, column: str, row: int) -> Locator:
    """The grid's accessible copy of a cell; Glide renders it only while the cell is in view."""
    return grid.get_by_test_id(f"glide-cell-{COLUMNS.index(column)}-{row}")


def select_cell(page: Page, grid: Locator, column: str, row: int) -> None:
    """Click the row's first cell and move right to `column`; again if the grid does not hold
    that cell selected (a click that lands while the grid is still being drawn selects nothing).
    """
    selected = cell(grid, column, row)
    for _ in range(3):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 20, box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2)
        for _ in range(COLUMNS.index(column)):
            page.keyboard.press("ArrowRight")  # the grid scrolls the selected cell into view
        try:
            expect(selected).to_have_attribute("aria-selected", "true", timeout=3_000)
            return
        except AssertionError:
            continue
    expect(selected).to_have_attribute("aria-selected", "true")


def edit_cell(page: Page, value: str) -> None:
    """Type `value` into the selected cell: Enter opens its editor, Enter again keeps it."""
    page.keyboard.press("Enter")
    editor = page.get_by_test_id("portal").locator("textarea.gdg-input")
    # Typing before the overlay has focus loses keystrokes, so fill it once it has.
    expect(editor).to_be_focused()
    editor.fill(value)
    page.keyboard.press("Enter")  # keeps the value and moves the selection one row down
    expect(editor).to_have_count(0)


def test_an_editor_imports_the_newsletter_corrects_a_place_and_the_map_shows_it(
    page: Page, editor_app_url: str, external_requests: list[str]
) -> None:
    # Before the import: what the Map draws in Nigeria (the seed has activities there).
    placed_before, matching_before = on_the_map(page, editor_app_url)

    sign_in(page, editor_app_url, "ana")
    expect(
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="Signed in as ana (editor).")
    ).to_be_visible()

    navigation_link(page, "Data desk").click()
    expect(page.get_by_role("heading", name="Data desk")).to_be_visible()
    page.get_by_role("tab", name="Import the newsletter").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Newsletter (text)")
    uploader.locator("input[type=file]").set_input_files(NEWSLETTER)

    # Review: the figures, then one row per dated activity beside the line it came from.
    expect(page.get_by_role("heading", name="Figures", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Activities (25)")).to_be_visible()
    grid = page.locator("[class*='st-key-desk-nl-activities-']").get_by_test_id(
        "stDataFrameResizable"
    )
    expect(cell(grid, "Title", ROW)).to_have_text(TITLE)
    # Keyed desk:nl-commit; the other tabs show a Commit button once they hold a file.
    commit = page.locator(".st-key-desk-nl-commit").get_by_role("button", name="Commit")
    expect(commit).to_be_disabled()

    # Correct the place: select the row's Country cell, type, then move on to City.
    select_cell(page, grid, "Country", ROW)
    edit_cell(page, COUNTRY)
    expect(cell(grid, "Country", ROW)).to_have_text(COUNTRY)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    expect(cell(grid, "City", ROW)).to_have_attribute("aria-selected", "true")
    edit_cell(page, CITY)
    expect(cell(grid, "City", ROW)).to_have_text(CITY)
    expect(cell(grid, "Country", ROW)).to_have_text(COUNTRY)

    page.get_by_text("I have reviewed the figures and activities").click()
    expect(commit).to_be_enabled()
    commit.click()
    expect(page.get_by_text(COMMITTED)).to_be_visible()
    expect(page.get_by_role("heading", name="Activities (25)")).to_have_count(0)

    # The Map now draws the corrected meeting in Nigeria: one more placed, one more matching.
    # Without the correction the import adds nothing there (the reading gave it no country).
    page.goto(f"{editor_app_url}/map?country={COUNTRY}")
    expect(map_caption(page)).to_have_text(
        re.compile(rf"^{placed_before + 1} of {matching_before + 1} matching activities")
    )
    assert external_requests == []
