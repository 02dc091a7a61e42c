"""Tables as the pages send them to the browser."""

from __future__ import annotations

import pandas as pd


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
