"""CSV and XLSX exports of exactly what a page shows, with spreadsheet formulas neutralised."""

from __future__ import annotations

import io

import pandas as pd

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# The current figures as exported (`ctdash export indicators`, the open data's observations):
# the store's column, and the name it is exported under.
OBSERVATION_COLUMNS = {
    "indicator_code": "indicator",
    "label": "label",
    "as_of": "as_of",
    "as_of_inferred": "as_of_inferred",
    "value": "value",
    "revision": "revision",
    "source": "source",
    "source_url": "source_url",
    "note": "note",
}


def observations_table(observations: pd.DataFrame) -> pd.DataFrame:
    """queries.observations' figures as exported: the columns of OBSERVATION_COLUMNS."""
    return observations[list(OBSERVATION_COLUMNS)].rename(columns=OBSERVATION_COLUMNS)


def neutralise_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every formula-like text cell and header neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    safe.columns = [neutralise_cell(str(c)) for c in safe.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark, so spreadsheet programs read accents right."""
    return neutralise(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An XLSX workbook of the frame, every text cell stored as text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise(frame).to_excel(writer, index=False, sheet_name=sheet_name)
    return buffer.getvalue()
