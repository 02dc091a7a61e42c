"""The brief and "Download as PDF" in a real browser: what a reader downloads is what the
page shows, filtered as its link says."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from ctdash import queries
from ctdash.db import make_engine
from tests.unit.test_brief import FIGURES


def downloaded(page: Page, button: str) -> tuple[str, str]:
    """The file name and the text (lines joined with spaces) of the PDF a button downloads."""
    with page.expect_download() as started:
        page.get_by_role("button", name=button).click()
    data = Path(started.value.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return started.value.suggested_filename, " ".join(text.split())


def test_the_overview_downloads_the_brief_with_the_eight_figures(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?asof=2023-04-30")
    expect(page.get_by_role("heading", name="Counter-Terrorism Compact in Numbers")).to_be_visible()
    name, text = downloaded(page, "Download the brief (PDF)")
    assert name == "ctdash-brief.pdf"
    positions = [text.index(f"{label} {figure} ") for label, figure in FIGURES]
    assert positions == sorted(positions)
    assert "/?asof=2023-04-30" in text


def test_a_filtered_map_downloads_exactly_its_activities(
    page: Page, app_url: str, e2e_database_url: str
) -> None:
    page.goto(f"{app_url}/map?kind=training&view=countries")
    expect(page.get_by_text("5 of 5 matching activities have a place")).to_be_visible()
    name, text = downloaded(page, "Download as PDF")
    assert name == "ctdash-map.pdf"
    engine = make_engine(e2e_database_url)
    try:
        every = queries.activities(engine)
    finally:
        engine.dispose()
    squeezed = "".join(text.split())  # a title broken at a hyphen comes back as "- "
    for kind, title in zip(every["kind"], every["title"], strict=True):
        assert ("".join(title.split()) in squeezed) == (kind == "training"), title
    assert "Map view Totals per country" in text
    assert "/map?kind=training&view=countries" in text
