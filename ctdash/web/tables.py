"""Tables as the pages send them to the browser."""

from __future__ import annotations

import hashlib
import math

import pandas as pd

from ctdash.markdown import markdown_table


def dictionary_encoded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each text column whose values repeat (at most half as many distinct
    values as rows) held as categories: the same cells, sent to the browser once per distinct
    value (an Arrow dictionary) rather than once per row.

    Kinds, countries, regions and sources repeat across thousands of rows: the Activities
    table of 5,000 rows goes from about 1.2 MB to about 0.4 MB, which a fresh browser reads
    before it draws the first row."""
    repeated = {
        name: "category"
        for name, column in frame.items()
        if pd.api.types.is_string_dtype(column) and column.nunique(dropna=False) * 2 <= len(column)
    }
    return frame.astype(repeated) if repeated else frame


# Streamlit's grid shows ten rows below its header before it scrolls.
FIRST_ROWS = 10


def first_rows_markdown(frame: pd.DataFrame, rows: int = FIRST_ROWS) -> str:
    """The frame's first `rows` rows as a Markdown table, each cell as the grid shows it (a date
    as YYYY-MM-DD, a yes/no as "yes" or "no", nothing for an empty cell): drawn with code every
    page has while a fresh browser fetches the grid's, which takes its place once drawn.
    Nothing ("") for an empty frame."""

    def cell(value: object) -> object:
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None or value is pd.NA or value != value else value

    shown = frame.head(rows)
    return markdown_table(
        [{str(k): cell(v) for k, v in row.items()} for row in shown.to_dict("records")]
    )


def table_pages(total: int, size: int) -> int:
    """How many pages of `size` rows a table of `total` rows takes: at least one."""
    return max(1, math.ceil(total / size))


def rows_shown(page: int, total: int, size: int) -> str:
    """Which of the `total` rows page `page` (from 1) of `size` rows holds, in words."""
    first = (page - 1) * size + 1
    return f"Rows {first:,}–{min(page * size, total):,} of {total:,}."


def filter_digest(value: object) -> str:
    """A short name for a filter, the same in every run: a widget keyed by it starts afresh
    when the filter changes."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]
