"""markdown_table: rows shown as typed, whatever their text holds."""

from __future__ import annotations

import re

from ctdash.markdown import markdown_table

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
