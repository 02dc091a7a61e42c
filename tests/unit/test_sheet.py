"""The table in a file as a colleague sends it: where the header is, which sheet, what Excel
hides, merges or never computed. Every finding names its row, column or sheet."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import openpyxl
import pytest

from ctdash.ingest import Problem
from ctdash.ingest.sheet import Sheet, SheetRead, read_sheet

MB = 1024 * 1024


def is_header(keys: Sequence[str]) -> bool:
    return "indicator" in keys and "value" in keys


def read(data: bytes, name: str = "figures.xlsx", sheet: str | None = None) -> SheetRead:
    return read_sheet(
        file_name=name, data=data, max_bytes=MB, is_header=is_header, sheet_name=sheet
    )


def book(*sheets: tuple[str, list[list[object]]]) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return workbook


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table(read: SheetRead) -> Sheet:
    assert read.errors == [] and read.questions == [], (read.errors, read.questions)
    assert read.sheet is not None
    return read.sheet


FIGURES = [["date", "indicator", "value"], [date(2023, 6, 30), "member_states", 137]]


def test_title_rows_above_the_header_are_passed_over_and_said() -> None:
    workbook = book(("Figures", [["Compact in Numbers – May–June 2023"], ["Draft"], [], *FIGURES]))
    workbook["Figures"].merge_cells("A1:C1")
    sheet = table(read(saved(workbook)))
    assert (sheet.header, sheet.header_row) == (("date", "indicator", "value"), 4)
    assert [row.number for row in sheet.rows] == [5]
    assert sheet.notes == (
        "Rows 1-2 above the header were not read: 'Compact in Numbers – May–June 2023' …",
    )
    assert sheet.read_as.as_dict()["header_row"] == 4


def test_the_one_sheet_that_holds_the_table_is_read() -> None:
    workbook = book(
        ("Sheet1", []), ("Read me", [["Send corrections to the secretariat"]]), ("Data", FIGURES)
    )
    sheet = table(read(saved(workbook)))
    assert sheet.read_as.sheet == "Data"
    assert sheet.notes == ("The workbook's other sheets ('Sheet1', 'Read me') were not read.",)


def test_several_sheets_that_could_be_meant_are_asked_about() -> None:
    data = saved(book(("2023", FIGURES), ("2022", FIGURES)))
    asked = read(data)
    assert asked.sheet is None and asked.errors == []
    [question] = asked.questions
    assert (question.about, question.options, question.option) == (
        "sheet",
        ("2023", "2022"),
        "--sheet",
    )
    assert table(read(data, sheet=" 2022 ")).read_as.sheet == "2022"


def test_a_hidden_sheet_is_not_among_them() -> None:
    workbook = book(("Figures", FIGURES), ("Old", FIGURES))
    workbook["Old"].sheet_state = "hidden"
    assert table(read(saved(workbook))).read_as.sheet == "Figures"


def test_a_sheet_that_is_not_there_is_named_with_those_that_are() -> None:
    refused = read(saved(book(("Figures", FIGURES))), sheet="2024")
    assert [str(p) for p in refused.errors] == [
        "The workbook has no sheet '2024'; its sheets are 'Figures'."
    ]


def test_a_date_merged_down_is_each_rows_date() -> None:
    rows = [
        ["date", "indicator", "value"],
        [date(2023, 6, 30), "member_states", 137],
        [None, "focal_points", 1012],
        [None, "documents_shared", 3301],
    ]
    workbook = book(("Figures", rows))
    workbook["Figures"].merge_cells("A2:A4")
    sheet = table(read(saved(workbook)))
    assert [row.cells[0] for row in sheet.rows] == [date(2023, 6, 30)] * 3
    assert sheet.notes == ("The merged cells A2:A4 give their value to each of their rows.",)


def test_cells_merged_across_a_row_are_a_warning() -> None:
    rows = [["date", "indicator", "value", "note"], [date(2023, 6, 30), "member_states", 137, "x"]]
    workbook = book(("Figures", rows))
    workbook["Figures"].merge_cells("C2:D2")
    sheet = table(read(saved(workbook)))
    assert sheet.warnings == (
        Problem(
            2,
            None,
            "cells C2:D2 are merged: the value is read in C2 only; unmerge them and give each "
            "cell its value",
        ),
    )


def test_hidden_rows_and_columns_are_read_and_shown() -> None:
    rows = [
        *FIGURES,
        [date(2023, 8, 31), "member_states", 138],
        [date(2023, 8, 31), "focal_points", 1025],
    ]
    workbook = book(("Figures", rows))
    workbook["Figures"].row_dimensions[3].hidden = True
    workbook["Figures"].row_dimensions[4].hidden = True
    workbook["Figures"].column_dimensions["C"].hidden = True
    sheet = table(read(saved(workbook)))
    assert len(sheet.rows) == 3
    assert sheet.warnings == (
        Problem(
            3,
            None,
            "rows 3-4 are hidden in Excel and read like the others: unhide them to check them, or "
            "delete them if they are not to be imported",
        ),
        Problem(
            None,
            "value",
            "column C is hidden in Excel and read like the others: unhide it to check it",
        ),
    )


def test_a_formula_never_computed_is_refused_naming_its_cells() -> None:
    rows = [
        *FIGURES,
        [date(2023, 8, 31), "member_states", "=C2+1"],
        [date(2023, 8, 31), "focal_points", "=C2*8"],
    ]
    refused = read(saved(book(("Figures", rows), ("Notes", [["x"]]))))
    assert refused.errors == [
        Problem(
            3,
            None,
            "cells C3, C4 hold formulas whose results were never saved (the file was written by a "
            "program, not saved by Excel): open it in Excel, save it, and upload it again",
            "Figures",
        )
    ]


def test_a_value_beyond_the_header_is_refused() -> None:
    rows = [*FIGURES, [date(2023, 8, 31), "member_states", 138, "checked by Ana"]]
    refused = read(saved(book(("Figures", rows))))
    assert refused.errors == [
        Problem(
            3,
            None,
            "column D holds 'checked by Ana', beyond the header's last column (column C); give "
            "that column a header, or delete the value",
        )
    ]


def test_a_column_without_a_header_that_holds_values_is_refused() -> None:
    data = b"date,indicator,,value\n2023-06-30,member_states,x,137\n"
    refused = read(data, name="figures.csv")
    assert refused.errors == [
        Problem(
            1,
            None,
            "column 3 has values (row 2) but no header; give it a header, or delete its values",
        )
    ]


def test_an_unquoted_thousands_separator_is_refused_with_the_fix() -> None:
    refused = read(b"date,indicator,value\n2023-06-30,focal_points,1,012\n", name="figures.csv")
    assert [str(p) for p in refused.errors] == [
        "Row 2: the row has 4 values but the header names 3 columns (the extra: '012'); a "
        'number written with a thousands separator, such as 1,000, must be in quotes ("1,000") '
        "or written without the comma (1000)"
    ]


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (b"date,indicator,value\n2023-06-30,member_states,137\n", ","),
        (b"date;indicator;value\n30/06/2023;member_states;1,5\n", ";"),
        (b"date\tindicator\tvalue\n2023-06-30\tmember_states\t1,037\n", "\t"),
        (b"date|indicator|value\n2023-06-30|member_states|137\n", "|"),
        (b"sep=;\ndate;indicator;value\n2023-06-30;member_states;137\n", ";"),
        # A title line with commas above a semicolon table.
        (b"Figures, May, June\n\ndate;indicator;value\n2023-06-30;member_states;137\n", ";"),
    ],
)
def test_the_separator_is_the_one_that_finds_the_header(data: bytes, delimiter: str) -> None:
    sheet = table(read(data, name="figures.csv"))
    assert sheet.read_as.delimiter == delimiter
    assert sheet.header == ("date", "indicator", "value")


def test_a_value_a_formula_computed_is_whole_when_it_is() -> None:
    sheet = table(
        read(
            saved(
                book(
                    (
                        "Figures",
                        [
                            ["date", "indicator", "value"],
                            [date(2023, 6, 30), "x", 3279.0000000000005],
                        ],
                    )
                )
            )
        )
    )
    assert sheet.rows[0].cells[2] == 3279


def test_a_column_that_only_numbers_the_rows_is_passed_over() -> None:
    # pandas' to_csv() writes its index as a first column with no header.
    data = b",date,indicator,value\n0,2023-06-30,member_states,137\n1,2023-06-30,x,1\n"
    sheet = table(read(data, name="figures.csv"))
    assert sheet.notes == (
        "The first column, with no header, only numbers the rows: it is not read.",
    )
    other = read(b",date,indicator,value\n7,2023-06-30,member_states,137\n", name="f.csv")
    assert [p.message[:40] for p in other.errors] == ["column 1 has values (row 2) but no heade"]
