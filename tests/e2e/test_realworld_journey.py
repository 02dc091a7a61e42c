"""Files as the secretariat really has them, on the data desk in a real browser: a CSV from
Excel whose dates read both ways is asked about, then read; a newsletter pasted from its PDF
is read as the clean text; a pasted issue whose running total falls is held until checked."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PROJECT_ROOT
from tests.e2e.conftest import navigation_link, settle, sign_in
from tests.fixtures.realworld.pasted import pasted_from_pdf

NEWSLETTER = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"
# Excel's "CSV" on a New York PC: Windows-1252, and dates whose order only the file can tell.
AMBIGUOUS = "Date,Indicator,Value,Note\r\n06/05/2023,Member States,137,“draft”\r\n".encode("cp1252")


def open_desk(page: Page, url: str) -> None:
    sign_in(page, url, "ana")
    navigation_link(page, "Data desk").click()
    settle(page, page.get_by_role("heading", name="Data desk"))


def test_dates_that_read_both_ways_are_asked_about_then_read(
    page: Page, editor_app_url: str, external_requests: list[str]
) -> None:
    open_desk(page, editor_app_url)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Spreadsheet of figures")
    uploader.locator("input[type=file]").set_input_files(
        files=[{"name": "june.csv", "mimeType": "text/csv", "buffer": AMBIGUOUS}]
    )
    expect(page.get_by_text("Every date in numbers reads both ways")).to_be_visible()
    expect(page.get_by_text("Windows-1252", exact=False)).to_be_visible()
    expect(page.get_by_role("button", name="Commit")).to_have_count(0)
    page.get_by_text("Month first: 12/31/2023").click()
    settle(page)
    expect(page.get_by_text("Dates in numbers are read month first, as you chose.")).to_be_visible()
    expect(page.get_by_text("1 new, 0 changed, 0 unchanged")).to_be_visible()
    page.get_by_role("button", name="Commit").click()
    expect(page.get_by_text(re.compile(r"Committed write \d+: 1 figures? and 0"))).to_be_visible()
    assert external_requests == []


def test_a_newsletter_pasted_from_its_pdf_is_held_until_its_warning_is_checked(
    page: Page, editor_app_url: str, external_requests: list[str]
) -> None:
    text = NEWSLETTER.read_text(encoding="utf-8").replace("3,511", "2,511")
    open_desk(page, editor_app_url)
    page.get_by_role("tab", name="Import the newsletter").click()
    page.get_by_label("…or paste its text").fill(pasted_from_pdf(text, seed=2))
    page.get_by_label("…or paste its text").press("Control+Enter")
    settle(page, page.get_by_role("heading", name="Activities (25)"))
    expect(page.get_by_text("Documents shared is a running total but goes down")).to_be_visible()
    commit = page.get_by_role("button", name="Commit")
    expect(commit).to_be_disabled()
    page.get_by_text("I have reviewed the figures and activities and checked the warnings").click()
    expect(commit).to_be_enabled()
    commit.click()
    expect(
        page.get_by_text(re.compile(r"Committed write \d+: 8 figures and 25 activities"))
    ).to_be_visible()
    assert external_requests == []
