"""A link preview's sentence for Trends: each figure of a short series, the first and last of a
long one, so that every page's HTML and a chat's preview stay a line or two."""

from __future__ import annotations

from datetime import date, timedelta

from ctdash.cards import SERIES_SAID, series_text


def test_a_short_series_is_said_figure_by_figure() -> None:
    points = [(date(2018, 2, 23), 38.0), (date(2021, 10, 8), 43.0), (date(2023, 4, 30), 45.0)]
    assert series_text(points) == "38 (2018-02-23) → 43 (2021-10-08) → 45 (2023-04-30)"


def test_a_long_series_is_said_by_its_first_and_last_figures() -> None:
    start = date(2006, 11, 30)
    points = [(start + timedelta(days=30 * n), 3_218.0 + n) for n in range(241)]
    said = series_text(points)
    assert said == "3,218 (2006-11-30) → … → 3,458 (2026-08-17), 241 snapshots"
    # Up to SERIES_SAID snapshots, each is said.
    assert series_text(points[:SERIES_SAID]).count("→") == SERIES_SAID - 1
