"""markdown_table: rows shown as typed, whatever their text holds."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from ctdash.markdown import markdown_table
from ctdash.web.tables import filter_digest, first_rows_markdown, rows_shown, table_pages

ROWS = [
    {"Name": "a | b", "Note": "<script>alert(1)</script>"},
    {"Name": "**bold**\nnext line", "Note": "[x](javascript:alert(1))"},
    {"Name": "", "Note": "=1+1"},
]


def cells(line: str) -> list[str]:
    """The cells of a Markdown table line: split at the pipes that are not escaped."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_every_row_keeps_its_columns_whatever_its_text() -> None:
    lines = markdown_table(ROWS, right=("Note",)).splitlines()
    assert len(lines) == 2 + len(ROWS)  # header, alignment, one line per row
    assert cells(lines[0]) == ["Name", "Note"]
    assert cells(lines[1]) == ["---", "---:"]
    assert all(len(cells(line)) == 2 for line in lines[2:])


def test_cells_that_look_like_markdown_or_html_are_escaped() -> None:
    lines = markdown_table(ROWS).splitlines()
    assert cells(lines[2]) == [r"a \| b", r"\<script\>alert\(1\)\</script\>"]
    assert cells(lines[3]) == [r"\*\*bold\*\* next line", r"\[x\]\(javascript\:alert\(1\)\)"]
    assert cells(lines[4])[1] == r"\=1\+1"


def test_no_rows_make_no_table() -> None:
    assert markdown_table([]) == ""


def test_the_first_rows_are_shown_as_the_grid_shows_their_cells() -> None:
    frame = pd.DataFrame(
        {
            "Start": [date(2023, 3, 6), date(2023, 3, 7), date(2023, 3, 8)],
            "Title": ["Training | *one*", '=HYPERLINK("x")', "Three"],
            "City": ["Nairobi", None, float("nan")],
            "Online": [True, False, True],
        }
    )
    lines = first_rows_markdown(frame, rows=2).splitlines()
    assert lines[0] == "| Start | Title | City | Online |"
    # Two rows under the header and its rule; typed text shown as typed, empty cells empty.
    assert lines[2:] == [
        "| 2023\\-03\\-06 | Training \\| \\*one\\* | Nairobi | yes |",
        '| 2023\\-03\\-07 | \\=HYPERLINK\\("x"\\) |   | no |',
    ]
    assert first_rows_markdown(frame.iloc[0:0]) == ""


def test_a_table_in_pages_says_which_rows_each_page_holds() -> None:
    assert table_pages(0, 1_000) == table_pages(1_000, 1_000) == 1
    assert table_pages(1_001, 1_000) == 2
    assert rows_shown(1, 95_432, 1_000) == "Rows 1–1,000 of 95,432."
    assert rows_shown(96, 95_432, 1_000) == "Rows 95,001–95,432 of 95,432."


def test_a_filter_is_named_the_same_in_every_run_and_apart_from_others() -> None:
    from ctdash.queries import ActivityFilter

    assert filter_digest(ActivityFilter(kinds=("training",))) == filter_digest(
        ActivityFilter(kinds=("training",))
    )
    assert filter_digest(ActivityFilter(kinds=("training",))) != filter_digest(ActivityFilter())
