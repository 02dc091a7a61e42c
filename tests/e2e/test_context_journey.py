"""Each figure's context in a real browser: an admin gives an indicator a target, which the
Overview's tile and the Trends chart show with its source, then removes it; an editor adds a
note on the trends in the data desk, sees it on Trends, and undoes it. Nothing is fetched from
the internet."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, navigation_link, sign_in

SOURCE = "Coordination Committee decision <b>2024/1</b>"
NOTE = "INTERPOL <i>joins</i> the working group"


@pytest.fixture
def admin_app_url(
    tmp_path: Path, ctdash_cli: Callable[..., str], start_app: Callable[..., str]
) -> str:
    """A server of its own (the test writes) whose store has the admin ada."""
    ctdash_cli(tmp_path, "init")
    added = ctdash_cli(tmp_path, "users", "add", "ada", "--role", "admin", password=PASSWORD)
    assert "added ada as admin" in added
    return start_app(tmp_path)


def type_date(page: Page, label: str, day: str) -> None:
    """Type a date into a date field (year, month and day segments), as a person does."""
    group = page.get_by_role("group", name=label, exact=True)
    group.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.replace("-", ""))
    page.keyboard.press("Tab")


def open_page(page: Page, title: str) -> None:
    navigation_link(page, title).click()
    expect(page.get_by_role("heading", level=1).first).to_be_visible()


def trend_hover_texts(page: Page) -> str:
    """Every trace's name and hover text on the Trends chart, as Plotly holds them."""
    return page.locator(".js-plotly-plot").first.evaluate(
        "(plot) => JSON.stringify(plot.data.map((t) => [t.name, t.hovertext, t.meta]))"
    )


def test_a_target_set_by_an_admin_shows_on_the_tile_and_the_trend_then_goes(
    page: Page, admin_app_url: str, external_requests: list[str]
) -> None:
    sign_in(page, admin_app_url, "ada")
    open_page(page, "Administration")
    page.get_by_label("Target value").fill("60")
    type_date(page, "To be reached by", "2027-12-31")
    page.get_by_label("Source: the decision or document that set it").fill(SOURCE)
    page.get_by_role("button", name="Save target").click()
    expect(
        page.get_by_text(re.compile(r"^Target of Compact entities saved \(write \d+\)\.$"))
    ).to_be_visible()

    open_page(page, "Overview")
    tile = page.locator(".st-key-tile-compact_entities")
    expect(tile.get_by_text("Target 60 by 2027-12-31")).to_be_visible()
    expect(tile.get_by_text("75% reached")).to_be_visible()
    expect(tile.get_by_text(SOURCE)).to_be_visible()  # shown as typed, not as markup

    open_page(page, "Trends")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(
        page.get_by_text(f"Compact entities: 60 by 2027-12-31 (source: {SOURCE})")
    ).to_be_visible()
    drawn = trend_hover_texts(page)
    assert "target:compact_entities" in drawn
    assert "Coordination Committee decision &lt;b&gt;2024/1&lt;/b&gt;" in drawn

    open_page(page, "Administration")
    page.get_by_text("Remove the target of Compact entities").click()
    page.get_by_role("button", name="Remove target").click()
    expect(page.get_by_text(re.compile(r"^Target of Compact entities removed"))).to_be_visible()

    open_page(page, "Overview")
    tile = page.locator(".st-key-tile-compact_entities")
    expect(tile.get_by_text("Overdue").first).to_be_visible()
    expect(tile.get_by_text("Target 60")).to_have_count(0)
    open_page(page, "Trends")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert "target:compact_entities" not in trend_hover_texts(page)
    assert external_requests == []


def test_a_note_added_in_the_desk_shows_on_the_trends_and_is_undone(
    page: Page, admin_app_url: str, external_requests: list[str]
) -> None:
    sign_in(page, admin_app_url, "ada")
    open_page(page, "Data desk")
    expect(page.get_by_text("8 of 8 figures are overdue", exact=False)).to_be_visible()
    page.get_by_role("tab", name="Notes on the trends").click()
    panel = page.get_by_role("tabpanel", name="Notes on the trends")
    type_date(page, "Date", "2020-06-15")
    panel.get_by_role("textbox", name="Text", exact=True).fill(NOTE)
    panel.get_by_role("textbox", name="Source", exact=True).fill("UNOCT press release")
    panel.get_by_role("button", name="Add the note").click()
    expect(page.get_by_text(re.compile(r"^Note added \(write \d+\)\.$"))).to_be_visible()

    open_page(page, "Trends")
    expect(page.get_by_role("cell", name=NOTE)).to_be_visible()
    assert "INTERPOL &lt;i&gt;joins&lt;/i&gt; the working group" in trend_hover_texts(page)

    open_page(page, "Data desk")
    page.get_by_role("tab", name="History and undo").click()
    page.get_by_text("stops being current", exact=False).click()
    page.get_by_role("button", name="Undo this write").click()
    expect(page.get_by_text(re.compile(r"^Write \d+ undone"))).to_be_visible()

    open_page(page, "Trends")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_role("cell", name=NOTE)).to_have_count(0)
    assert "the working group" not in trend_hover_texts(page)
    assert external_requests == []
