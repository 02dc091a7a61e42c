"""Downloads: what is shown, with formula-like cells neutralised, in CSV and XLSX."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from ctdash import export


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("Workshop - Nairobi", "Workshop - Nairobi"),
        ("", ""),
        (42, 42),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise_cell(cell: object, expected: object) -> None:
    assert export.neutralise_cell(cell) == expected


FRAME = pd.DataFrame(
    {"Title": ["=1+2", "Training, Nairobi", "@cmd"], "Start": ["2023-03-01"] * 3, "N": [1, -2, 3]}
)


def test_csv_keeps_every_row_and_neutralises_formulas() -> None:
    data = export.to_csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["Title"].tolist() == ["'=1+2", "Training, Nairobi", "'@cmd"]
    assert back["N"].tolist() == [1, -2, 3]


def test_xlsx_holds_text_not_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(FRAME, sheet_name="activities")))
    sheet = book["activities"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'=1+2", "Training, Nairobi", "'@cmd"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
