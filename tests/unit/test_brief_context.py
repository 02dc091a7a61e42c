"""Each figure's context in the brief (Markdown, PDF and PNG) as on the pages: when it was
updated and the next is due, its state in words, its target with progress and source; and the
brief of a comparison, asked for on the command line, by a share link or by the Overview's
"Download the brief (PDF)" button."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import streamlit as st
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash import brief, context, freshness
from ctdash.cli import app as cli_app
from ctdash.config import get_settings
from tests.unit.test_brief_pdf import structure

MADE = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
URL = "http://localhost:8501/"
# The shipped figures are of 2023-04-30, each due every two months: next due 2023-06-30.
AFTER_DUE = date(2023, 7, 1)
JUST_AFTER = date(2023, 5, 1)
UPDATED = "updated 2023-04-30 · next due 2023-06-30"
# Typst markup and HTML typed into a target's source: both must come out as typed.
HOSTILE = '#panic("x") $x$ *bold* <b>Decision</b> [x](javascript:1)'


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch):
    """Set the day everything that asks freshness.clock takes as today."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(freshness, "clock", lambda: day)

    return set_day


def made(store: Engine, fmt: str, *, view: str | None = None) -> brief.Rendered:
    return brief.render(store, fmt=fmt, view=view, dashboard_url=URL, made_at=MADE)


def markdown(store: Engine, *, view: str | None = None) -> str:
    return made(store, "md", view=view).content.decode("utf-8")


def pdf_text(content: bytes, *, first_page: bool = False) -> str:
    """The PDF's text (or its first page's), its runs of white space made one space."""
    pages = PdfReader(io.BytesIO(content)).pages
    chosen = pages[:1] if first_page else pages
    return " ".join(" ".join(page.extract_text() for page in chosen).split())


def table(text: str, heading: str) -> list[dict[str, str]]:
    """The Markdown table under a heading, unescaped: one dict per row."""
    blocks = text.split(f"{heading}\n", 1)[1].strip().split("\n\n")
    lines = next(b for b in blocks if b.startswith("|")).splitlines()
    cells = [[c.strip().replace("\\", "") for c in line.strip("|").split(" | ")] for line in lines]
    return [dict(zip(cells[0], row, strict=True)) for row in cells[2:]]


def test_every_figure_says_when_it_was_updated_when_the_next_is_due_and_overdue_in_words(
    store: Engine, today
) -> None:
    today(AFTER_DUE)
    rows = table(markdown(store), "## When the next figures are due")
    assert len(rows) == 8
    assert {(r["Updated"], r["Next due"], r["State"]) for r in rows} == {
        ("2023-04-30", "2023-06-30", "Overdue")
    }
    assert rows[0]["Indicator"] == "Compact entities"
    assert rows[0]["Provided by"] == "UNOCT (Compact Secretariat, PKMCB)"

    text = pdf_text(made(store, "pdf").content, first_page=True)
    assert text.count(f"Overdue · {UPDATED}") == 8
    assert "state on 2023-07-01, by its cadence." in text
    # The figures and the period in numbers stay on the first page, the PNG's.
    assert "Compact entities 45 +0 since 2022-04-30 Overdue" in text
    assert "CTED country assessments 24 first snapshot Overdue" in text
    assert "Activities: 56 (22 on the map)." in text
    assert re.search(r"Kind Activities meeting 19 .* mission 1\b", text)
    # Who provides each figure and how often, further on, as the Markdown and the API say.
    whole = pdf_text(made(store, "pdf").content)
    assert "When the next figures are due" in whole
    assert "CTED TA recommendations CTED every 2 months 2023-04-30 2023-06-30 Overdue" in whole


def test_a_brief_of_an_earlier_date_says_its_state_is_that_of_the_latest_figure(
    store: Engine, today
) -> None:
    today(AFTER_DUE)
    text = pdf_text(made(store, "pdf", view=f"{URL}?asof=2022-04-30").content)
    assert f"Compact entities 45 +2 since 2021-10-08 Overdue · latest figure {UPDATED}" in text


def test_a_figure_just_updated_is_fresh_and_never_overdue(store: Engine, today) -> None:
    today(JUST_AFTER)
    rows = table(markdown(store), "## When the next figures are due")
    assert {r["State"] for r in rows} == {"Fresh"}
    text = pdf_text(made(store, "pdf").content)
    assert text.count(f"Fresh · {UPDATED}") == 8
    assert "Overdue" not in text


def test_a_target_shows_with_its_progress_and_source_and_is_gone_once_removed(
    store: Engine, today
) -> None:
    today(AFTER_DUE)
    context.set_target(
        store,
        code="compact_entities",
        value=60,
        due=date(2025, 12, 31),
        source=HOSTILE,
        source_url="https://un.example/decision",
        user="admin@example.org",
    )
    text = markdown(store)
    row = table(text, "## When the next figures are due")[0]
    assert row["Target"] == f"60 by 2025-12-31; source: {HOSTILE} (https://un.example/decision)"
    assert row["Progress"] == "75% reached"
    assert "<b>" not in text  # typed text is escaped, never markup
    printed = pdf_text(made(store, "pdf").content)
    assert "Compact entities 45 +0 since 2022-04-30 Overdue · updated" in printed
    assert "Target 60 by 2025-12-31 · 75% reached." in printed
    # As typed, wherever the line breaks (the text extracted has a space at each break).
    unbroken = "".join(printed.split())
    assert "".join(f"Set by {HOSTILE} (https://un.example/decision).".split()) in unbroken

    context.remove_target(store, code="compact_entities", user="admin@example.org")
    row = table(markdown(store), "## When the next figures are due")[0]
    assert (row["Target"], row["Progress"]) == ("none set", "")
    printed = pdf_text(made(store, "pdf").content)
    assert "Target 60" not in printed and "75% reached" not in printed
    assert "Set by" not in printed


def test_the_brief_of_a_comparison_sets_each_figure_beside_the_other_and_both_periods(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "brief.md"
    args = ["brief", "-o", str(out), "--compare", "2022-04-30", "--database-url", database_url]
    done = CliRunner().invoke(cli_app, [*args, "--url", URL])
    assert done.exit_code == 0, done.output
    text = out.read_text(encoding="utf-8")
    figures = table(text, "## 2023-04-30 compared with 2022-04-30")
    assert figures[0] == {
        "Indicator": "Compact entities",
        "2023-04-30": "45",
        "2022-04-30": "45",
        "Change": "+0",
        "Change %": "+0.0%",
    }
    assert figures[1]["2022-04-30"] == figures[1]["Change"] == "—"  # no figure then
    kinds = {r["Kind"]: r for r in table(text, "### The activities of both periods")}
    assert kinds["All activities"] == {
        "Kind": "All activities",
        "After 2022-04-30, up to 2023-04-30": "56",
        "After 2021-10-08, up to 2022-04-30": "0",
    }
    assert kinds["Countries reached"]["After 2022-04-30, up to 2023-04-30"] == "19"
    assert (
        "- After 2021\\-10\\-08, up to 2022\\-04\\-30\\: No activities are recorded for this "
        "period\\." in text
    )
    assert f"<{URL}?asof=2023-04-30&compare=2022-04-30>" in text


def test_a_share_link_with_compare_prints_the_comparison(store: Engine) -> None:
    link = "http://localhost:8501/?compare=2022-04-30"
    pdf = made(store, "pdf", view=link)
    assert pdf.filename == "ctdash-brief-2023-04-30-compared-with-2022-04-30.pdf"
    assert pdf.notices == ()
    text = pdf_text(pdf.content)
    assert "2023-04-30 compared with 2022-04-30" in text
    assert "Compact entities 45 45 +0 +0.0%" in text
    assert "After 2021-10-08, up to 2022-04-30: No activities are recorded for this period." in text
    assert "http://localhost:8501/?asof=2023-04-30&compare=2022-04-30" in text
    assert made(store, "png", view=link).content.startswith(b"\x89PNG")


def test_the_overviews_download_button_gives_the_brief_of_its_comparison(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Overview's "Download the brief (PDF)" makes the PDF from the page's link."""
    from ctdash.web import links

    monkeypatch.setenv("CTDASH_DATABASE_URL", store.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    st.cache_resource.clear()
    try:
        content = links.view_pdf("https://un.example/dash/?asof=2023-04-30&compare=2022-04-30")
    finally:
        st.cache_resource.clear()
        get_settings.cache_clear()
    text = pdf_text(content)
    assert "Compact entities 45 45 +0 +0.0%" in text
    assert "No activities are recorded for this period." in text


def test_an_invalid_compare_in_a_link_is_a_printed_notice_and_no_comparison(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    notice = (
        "'banana' is not a date (YYYY-MM-DD) for the snapshot to compare with; no comparison is "
        "shown."
    )
    link = "http://localhost:8501/?compare=banana"
    pdf = made(store, "pdf", view=link)
    assert pdf.notices == (notice,)
    text = pdf_text(pdf.content)
    assert f"The link could not be used in full: • {notice}" in text
    assert "compared with" not in text
    assert "compared with" not in markdown(store, view=link)
    stale = made(store, "md", view="http://localhost:8501/?compare=2022-05-01")
    assert stale.notices == (
        "There is no snapshot to compare with 2022-05-01; no comparison is shown.",
    )
    assert "compared with" not in stale.content.decode("utf-8")

    out = tmp_path / "brief.pdf"
    args = ["brief", "-o", str(out), "--view", link, "--database-url", database_url]
    done = CliRunner().invoke(cli_app, args)
    assert done.exit_code == 0, done.output
    assert f"notice: {notice}" in done.output


def test_compare_with_a_date_that_is_not_a_snapshot_names_the_snapshot_dates(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "brief.md"
    args = ["brief", "-o", str(out), "--database-url", database_url]
    refused = CliRunner().invoke(cli_app, [*args, "--compare", "2022-05-01"])
    assert refused.exit_code == 1
    assert refused.output == (
        "error: 2022-05-01 is not a snapshot date; the snapshot dates are 2023-04-30, "
        "2022-04-30, 2021-10-08, 2018-02-23.\n"
    )
    assert not out.exists()
    assert CliRunner().invoke(cli_app, [*args, "--compare", "banana"]).exit_code == 2
    both = [*args, "--compare", "2022-04-30", "--view", "http://localhost:8501/"]
    assert CliRunner().invoke(cli_app, both).exit_code == 2


def test_a_trends_view_lists_the_notes_in_its_dates_and_draws_its_targets(store: Engine) -> None:
    context.set_target(
        store,
        code="compact_entities",
        value=60,
        due=date(2025, 12, 31),
        source=HOSTILE,
        user="admin@example.org",
    )
    link = "http://localhost:8501/trends?ind=compact_entities&from=2021-01-01&to=2022-12-31"
    pdf = made(store, "pdf", view=link)
    text = pdf_text(pdf.content)
    assert (
        "Notes on the chart No. Date Note About Source 1 2021-10-08 6th meeting of the "
        "Coordination Committee; the Compact has 43 entities. The whole Compact" in text
    )
    assert "2 2021-12-14 7th meeting of the Coordination Committee" in text
    assert "2018-02-23" not in text and "2024-01-24" not in text  # outside the view's dates
    assert f"Targets Indicator Target Source Compact entities 60 by 2025-12-31 {HOSTILE}" in text
    # The chart's description names the target and the notes.
    described = next(alt for role, alt in structure(pdf.content) if role == "/Figure")
    assert described.endswith(
        "Dashed: the target of Compact entities, 60 by 2025-12-31. Dotted vertical lines: the "
        "notes numbered 1 to 2, listed under the chart."
    )
    text = markdown(store, view=link)
    assert "## Notes on the chart" in text and "## Targets" in text
    assert "\\<b\\>Decision\\</b\\>" in text and "<b>" not in text

    context.remove_target(store, code="compact_entities", user="admin@example.org")
    text = pdf_text(made(store, "pdf", view=link).content)
    assert "Targets" not in text and "60 by 2025-12-31" not in text
