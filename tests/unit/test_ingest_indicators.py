"""Indicator uploads and templates: tables of files in, figures and problems (row, column) out."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ctdash.ingest import ObservationRecord, Problem
from ctdash.ingest.indicators import DATE_RULE, parse_count, parse_indicator_file
from ctdash.ingest.templates import indicator_template

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UPLOADS = PROJECT_ROOT / "tests" / "fixtures" / "uploads"
with (PROJECT_ROOT / "data" / "indicators.csv").open(newline="", encoding="utf-8") as _handle:
    INDICATORS = [(row["code"], row["label"]) for row in csv.DictReader(_handle)]
TODAY = date(2024, 6, 30)
SEP30 = date(2023, 9, 30)
LAYOUTS = (
    "The header row matches neither layout. Long layout: the columns date, indicator, value "
    "(and optionally note), one row per figure. Wide layout: date (or 'as of') as the first "
    "column, then one column per indicator, named by its code or label."
)
SATES = "unknown indicator 'Member Sates'; did you mean 'Member States' (member_states)?"
NOT_A_SPREADSHEET = (
    "'{name}' is not a CSV or XLSX spreadsheet; save it as .xlsx or as CSV (UTF-8) and upload "
    "it again."
)


def parse(
    data: bytes, *, name: str = "figures.csv", max_bytes: int | None = None
) -> tuple[list[ObservationRecord], list[Problem]]:
    extra = {} if max_bytes is None else {"max_bytes": max_bytes}
    parsed = parse_indicator_file(
        file_name=name, data=data, indicators=INDICATORS, today=TODAY, **extra
    )
    return parsed.records, parsed.errors


def figures(records: list[ObservationRecord]) -> list[tuple]:
    return [(r.row, r.code, r.as_of, r.value, r.note) for r in records]


def problems_of(problems: list[Problem]) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in problems]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_date_rule_is_the_sentence_the_page_shows() -> None:
    assert DATE_RULE == (
        "Dates may be written YYYY-MM-DD, in words (31 March 2023) or in numbers in either "
        "order (31/03/2023 or 03/31/2023): when every date could be read both ways, you are "
        "asked which; Excel date cells are used as they are."
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"date,indicator,value\n2023-09-30,member_states,193\n",
            [(2, "member_states", SEP30, 193, None)],
            id="long-code",
        ),
        pytest.param(
            b"Date , INDICATOR,Value,Note\r\n2023-09-30,Member States,193,as printed\r\n",
            [(2, "member_states", SEP30, 193, "as printed")],
            id="long-label-any-case-crlf-note",
        ),
        pytest.param(
            b'date,indicator,value\n2023-09-30,ct platform visits,"200,062"\n',
            [(2, "ct_platform_visits", SEP30, 200062, None)],
            id="code-with-spaces-thousands",
        ),
        pytest.param(
            b'date,indicator,value\n2023-09-30,"Virtual visits to the\nCT Platform",200062\n',
            [(2, "ct_platform_visits", SEP30, 200062, None)],
            id="label-with-line-break",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,INTERNATIONAL / REGIONAL ORGANIZATIONS,12\n",
            [(2, "intl_regional_orgs", SEP30, 12, None)],
            id="label-slash-spaces-case",
        ),
        pytest.param(
            "\ufeffdate;indicator;value\n30/09/2023;Member States;193\n".encode(),
            [(2, "member_states", SEP30, 193, None)],
            id="bom-semicolon-day-first",
        ),
        pytest.param(
            b"date;indicator;value\n30/09/2023;documents_shared;1,234\n",
            [(2, "documents_shared", SEP30, 1234, None)],
            id="semicolon-with-comma-thousands",
        ),
        pytest.param(
            b"date,indicator,value,source\n2023-09-30,member_states,193,newsletter\n",
            [(2, "member_states", SEP30, 193, "Source: newsletter")],
            id="source-column-kept-as-note",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,member_states,193\n\n,,\n30/09/2023,member_states,193\n",
            [(2, "member_states", SEP30, 193, None)],
            id="identical-duplicate-kept-once-blank-rows-skipped",
        ),
        pytest.param(
            b"As of,member_states,Compact entities\n2023-09-30,193,\n2023-03-31,,45\n",
            [
                (2, "member_states", SEP30, 193, None),
                (3, "compact_entities", date(2023, 3, 31), 45, None),
            ],
            id="wide-empty-cells-skipped",
        ),
        pytest.param(
            b'as_of,"Virtual visits to the\r\nCT Platform"\r\n30.09.2023,"200,062"\r\n',
            [(2, "ct_platform_visits", SEP30, 200062, None)],
            id="wide-label-with-line-break",
        ),
        pytest.param(
            b"date,member_states\n2023-09-30,193\n",
            [(2, "member_states", SEP30, 193, None)],
            id="wide-one-indicator",
        ),
        pytest.param(
            b"date,indicator,value\n2024-06-30,member_states,193\n",
            [(2, "member_states", TODAY, 193, None)],
            id="today-is-not-the-future",
        ),
    ],
)
def test_good_csv_files(data: bytes, expected: list[tuple]) -> None:
    records, problems = parse(data)
    assert problems == []
    assert figures(records) == expected


def test_committed_long_file() -> None:
    records, problems = parse((UPLOADS / "figures-long.csv").read_bytes())
    assert problems == []
    assert figures(records) == [
        (2, "compact_entities", SEP30, 46, None),
        (3, "member_states", SEP30, 193, None),
        (4, "ct_platform_visits", SEP30, 200062, "running total"),
    ]


def test_committed_wide_file_with_bom_and_semicolons() -> None:
    records, problems = parse((UPLOADS / "figures-wide-semicolon-bom.csv").read_bytes())
    assert problems == []
    assert figures(records) == [
        (2, "compact_entities", date(2023, 3, 31), 45, None),
        (2, "ct_platform_visits", date(2023, 3, 31), 136125, None),
        (3, "compact_entities", SEP30, 46, None),
        (3, "ct_platform_visits", SEP30, 200062, None),
        (3, "focal_points", SEP30, 318, None),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-30", SEP30),
        ("2023-9-3", date(2023, 9, 3)),
        ("2023-09-30 00:00:00", SEP30),
        ("2023-09-30T00:00", SEP30),
        ("30/09/2023", SEP30),
        ("13/9/2023", date(2023, 9, 13)),
        ("30/09/23", SEP30),  # two-digit years: 00 to 29 are this century, as in Excel
        ("9/13/2023", date(2023, 9, 13)),  # month first: 13 is no month
        ("3/3/2023", date(2023, 3, 3)),  # the same both ways
        ("03.09.2023", date(2023, 9, 3)),  # dots: day first, as only day-first countries write
        ("2023/09/30", SEP30),
        ("30-Sep-23", SEP30),
        ("September 30, 2023", SEP30),
        ("Saturday, 30 September 2023", SEP30),
        ("30 septembre 2023", SEP30),
        ("30 de septiembre de 2023", SEP30),
        ("30.09.2023", SEP30),
        ("30-09-2023", SEP30),
        ("30 September 2023", SEP30),
        ("30 Sep 2023", SEP30),
        (" 29/02/2024 ", date(2024, 2, 29)),
    ],
)
def test_dates_read(text: str, expected: date) -> None:
    records, problems = parse(f'date,indicator,value\n"{text}",member_states,193\n'.encode())
    assert problems == []
    assert records[0].as_of == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2023", "'31/02/2023' is not a valid date; write it as YYYY-MM-DD"),
        ("yesterday", "'yesterday' is not a valid date; write it as YYYY-MM-DD"),
        ("30/09/45", "'30/09/45' has a two-digit year; write the year in full, or as YYYY-MM-DD"),
        ("30 Smarch 2023", "'30 Smarch 2023' is not a valid date; write it as YYYY-MM-DD"),
        (
            "Monday, 30 September 2023",
            "'Monday, 30 September 2023' is not a valid date; write it as YYYY-MM-DD",
        ),
        ("2024-07-01", "2024-07-01 is in the future (today is 2024-06-30)"),
        ("13/07/2024", "2024-07-13 is in the future (today is 2024-06-30)"),
        ("", "the date is empty"),
    ],
)
def test_bad_dates(text: str, message: str) -> None:
    data = f'date,indicator,value\n2023-09-30,focal_points,1\n"{text}",member_states,193\n'
    records, problems = parse(data.encode())
    assert problems_of(problems) == [(3, "date", message)]
    assert figures(records) == [(2, "focal_points", SEP30, 1, None)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("193", 193),
        ("0", 0),
        ("200,062", 200062),
        ("1,000,000", 1000000),
        ("200 062", 200062),
        ("200\u00a0062", 200062),
        ("200\u202f062", 200062),
        ("200\u2009062", 200062),
        ("1'000", 1000),
        (" 705 ", 705),
        ("705.0", 705),
        ("3,279.00", 3279),
        ("47,00", 47),
        ("1,00", 1),
        ("3.279,00", 3279),
        ("200 062,00", 200062),
        ("+5", 5),
        (705, 705),
        (705.0, 705),
    ],
)
def test_counts_read(cell: str | int | float, expected: int) -> None:
    assert parse_count(cell) == (expected, None)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("12.5", "'12.5' is not a whole number: a count has no fraction"),
        ("#REF!", "the formula in this cell gives an error (#REF!); correct it in Excel"),
        ("(5)", "'(5)' must not be negative"),
        ("1,05", "'1,05' is not a whole number: a count has no fraction"),
        ("3,279.50", "'3,279.50' is not a whole number: a count has no fraction"),
        ("12,5", "'12,5' is not a whole number: a count has no fraction"),
        ("1,0000", "'1,0000' is not a whole number"),
        ("1,000 000", "'1,000 000' is not a whole number"),
        (",100", "',100' is not a whole number"),
        ("abc", "'abc' is not a whole number"),
        ("12%", "'12%' is not a whole number"),
        (
            "200.062",
            "'200.062' is not a whole number: a '.' is read as a decimal point; write "
            "thousands as 200,062 or without a separator",
        ),
        ("-5", "'-5' must not be negative"),
        ("−1,000", "'−1,000' must not be negative"),
        (705.5, "705.5 is not a whole number"),
        (float("nan"), "nan is not a whole number"),
        (-3, "-3 must not be negative"),
        ("99999999999999999999", "'99999999999999999999' is too large"),
    ],
)
def test_counts_rejected(cell: str | int | float, message: str) -> None:
    assert parse_count(cell) == (None, message)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"date,indicator,value\n2023-09-30,Member Sates,193\n",
            [(2, "indicator", SATES)],
            id="unknown-indicator-suggested",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,visits to CT platform,193\n",
            [
                (
                    2,
                    "indicator",
                    "unknown indicator 'visits to CT platform'; did you mean "
                    "'Virtual visits to the CT Platform' (ct_platform_visits)?",
                )
            ],
            id="unknown-indicator-partial-label",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,zzz,193\n",
            [(2, "indicator", "unknown indicator 'zzz'; use a code or label from the template")],
            id="unknown-indicator-nothing-close",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,,193\n",
            [(2, "indicator", "the indicator is empty")],
            id="empty-indicator",
        ),
        pytest.param(
            b"date,indicator,Value\n2023-09-30,member_states,12.5\n",
            [(2, "Value", "'12.5' is not a whole number: a count has no fraction")],
            id="decimal-column-as-written",
        ),
        pytest.param(
            b"date,indicator,value\n2023-09-30,member_states,-1\n",
            [(2, "value", "'-1' must not be negative")],
            id="negative",
        ),
        pytest.param(
            b"date,indicator,value\n"
            b"2023-09-30,ct_platform_visits,136\n"
            b"2023-09-30,focal_points,300\n"
            b"30/09/2023,Virtual visits to the CT Platform,137\n",
            [
                (
                    4,
                    "value",
                    "row 2 gives 136 for 'Virtual visits to the CT Platform' as of 2023-09-30; "
                    "this row gives 137",
                )
            ],
            id="conflicting-duplicate-long",
        ),
        pytest.param(
            b'date,member_states\n2023-09-30,193\n30/09/2023,"1,193"\n',
            [
                (
                    3,
                    "member_states",
                    "row 2 gives 193 for 'Member States' as of 2023-09-30; this row gives 1,193",
                )
            ],
            id="conflicting-duplicate-wide",
        ),
        pytest.param(
            b"date,member_states,Member Sates\n2023-09-30,193,4\n",
            [(1, "Member Sates", SATES)],
            id="unknown-indicator-wide-header",
        ),
        pytest.param(
            b"date,member_states,Member States\n2023-09-30,193,193\n",
            [
                (
                    1,
                    "Member States",
                    "this column and column 'member_states' are both 'Member States'; keep one",
                )
            ],
            id="indicator-twice-wide",
        ),
        pytest.param(
            b"date,member_states\n2023-09-30,x\n,5\n",
            [(2, "member_states", "'x' is not a whole number"), (3, "date", "the date is empty")],
            id="wide-bad-value-and-missing-date",
        ),
        pytest.param(
            b"date,member_states,,\n2023-09-30,193,,7\n",
            [
                (
                    2,
                    None,
                    "the row has 3 values but the header names 2 columns (the extra: '7')",
                )
            ],
            id="wide-figures-without-header",
        ),
        pytest.param(
            b"date,member_states\n2023-09-30,\n",
            [(None, None, "The file has no figures: every indicator cell is empty.")],
            id="wide-no-figures",
        ),
        pytest.param(
            b"date,indicator,note\n2023-09-30,member_states,x\n",
            [
                (
                    1,
                    None,
                    "The header has no 'value' column; the long layout needs date, indicator, "
                    "value (and optionally note).",
                )
            ],
            id="long-missing-value-column",
        ),
        pytest.param(
            b"date,as of,indicator,value\n2023-09-30,2023-09-30,member_states,193\n",
            [(1, "as of", "this column and column 'date' are both read as 'date'; keep one")],
            id="long-date-column-twice",
        ),
        pytest.param(
            b"when,what,how many\n2023-09-30,member_states,193\n",
            [(1, None, LAYOUTS)],
            id="neither-layout",
        ),
        pytest.param(
            b"member_states,date\n193,2023-09-30\n",
            [(1, None, LAYOUTS)],
            id="wide-date-not-first",
        ),
        pytest.param(
            b"date\n2023-09-30\n",
            [(1, None, "The header names no indicator column. " + LAYOUTS)],
            id="wide-without-indicators",
        ),
    ],
)
def test_bad_rows(data: bytes, expected: list[tuple]) -> None:
    _, problems = parse(data)
    assert problems_of(problems) == expected


def test_every_problem_is_listed_in_row_order() -> None:
    data = (
        b"date,indicator,value\n"
        b"2023-09-30,member_states,193\n"
        b"2099-01-01,nope,-4\n"
        b"yesterday,member_states,1.5\n"
        b"2023-09-30,focal_points,318\n"
    )
    records, problems = parse(data)
    assert problems_of(problems) == [
        (3, "date", "2099-01-01 is in the future (today is 2024-06-30)"),
        (3, "indicator", "unknown indicator 'nope'; use a code or label from the template"),
        (3, "value", "'-4' must not be negative"),
        (4, "date", "'yesterday' is not a valid date; write it as YYYY-MM-DD"),
        (4, "value", "'1.5' is not a whole number: a count has no fraction"),
    ]
    # The good rows are still read, for a preview; the caller writes nothing while problems exist.
    assert [record.row for record in records] == [2, 5]


def test_wide_header_problems_do_not_hide_row_problems() -> None:
    _, problems = parse(b"date,member_states,bogus\n2023-09-30,-1,2\n")
    assert problems_of(problems) == [
        (1, "bogus", "unknown indicator 'bogus'; use a code or label from the template"),
        (2, "member_states", "'-1' must not be negative"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", (None, None, "The file is empty."), id="zero-bytes"),
        pytest.param(b"\xef\xbb\xbf", (None, None, "The file is empty."), id="bom-only"),
        pytest.param(b" \r\n\n\t", (None, None, "The file is empty."), id="whitespace"),
        pytest.param(b",,\n,,,\n", (None, None, "The file is empty."), id="empty-cells"),
        pytest.param(
            b"date,indicator,value\n",
            (1, None, "The file has a header but no rows."),
            id="header-only",
        ),
        pytest.param(
            b"\xef\xbb\xbfdate,indicator,value\r\n,,\r\n\r\n",
            (1, None, "The file has a header but no rows."),
            id="header-and-blank-rows",
        ),
        pytest.param(
            b"\n\ndate,indicator,value\n",
            (3, None, "The file has a header but no rows."),
            id="header-after-blank-lines",
        ),
    ],
)
def test_empty_files(data: bytes, expected: tuple) -> None:
    records, problems = parse(data)
    assert records == []
    assert problems_of(problems) == [expected]


OLD_EXCEL = (
    "'{name}' is not a CSV or XLSX spreadsheet: it is an old Excel (.xls) or Word file. Save "
    "it as .xlsx or as 'CSV UTF-8' and upload it again."
)
DOCX = zipped(
    {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"/>',
        "word/document.xml": "<w:document/>",
    }
)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n", NOT_A_SPREADSHEET),
        ("chart.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NOT_A_SPREADSHEET),
        ("note.docx", DOCX, NOT_A_SPREADSHEET),
        ("figures.xlsx", b"PK\x03\x04 broken", NOT_A_SPREADSHEET),
        ("data.zip", zipped({"figures.csv": "date,indicator,value\n"}), NOT_A_SPREADSHEET),
        ("figures.csv", b"date,indicator,value\n2023-09-30,x\x00,1\n", NOT_A_SPREADSHEET),
        ("figures.csv", b"date,indicator,value\x01\x02\n", NOT_A_SPREADSHEET),
        ("random.bin", bytes(range(256)) * 4, NOT_A_SPREADSHEET),
        ("figures.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), OLD_EXCEL),
    ],
)
def test_not_a_spreadsheet(name: str, data: bytes, message: str) -> None:
    records, problems = parse(data, name=name)
    assert records == []
    assert problems_of(problems) == [(None, None, message.format(name=name))]


@pytest.mark.parametrize(
    ("size", "limit", "message"),
    [
        (2 * 1024 * 1024, 1024 * 1024, "The file is 2 MB; the limit is 1 MB."),
        (1024 * 1024 + 1, 1024 * 1024, "The file is 1.1 MB; the limit is 1 MB."),
        (5 * 1024 * 1024 + 200_000, 5 * 1024 * 1024, "The file is 5.2 MB; the limit is 5 MB."),
    ],
)
def test_too_large_is_checked_before_reading(size: int, limit: int, message: str) -> None:
    # Not a spreadsheet either, but the size is the one thing said.
    records, problems = parse(b"%PDF" + b"x" * (size - 4), name="big.pdf", max_bytes=limit)
    assert records == []
    assert problems_of(problems) == [(None, None, message)]


def test_the_default_limit_is_five_megabytes() -> None:
    data = b"date,indicator,value\n" + b"2023-09-30,member_states,193\n" * 200_000
    _, problems = parse(data)
    assert problems_of(problems) == [(None, None, "The file is 5.6 MB; the limit is 5 MB.")]


def test_exactly_the_limit_is_read() -> None:
    data = b"date,indicator,value\n2023-09-30,member_states,193\n"
    records, problems = parse(data, max_bytes=len(data))
    assert problems == []
    assert len(records) == 1


# XLSX


def test_xlsx_long_with_date_cells_and_numbers() -> None:
    data = xlsx(
        [
            ["Date", "Indicator", "Value", "Note"],
            [datetime(2023, 9, 30), "Member States", 193, None],
            [date(2023, 9, 30), "Virtual visits to the\nCT Platform", 200062.0, "from the PDF"],
            ["30/09/2023", "focal_points", "318", None],
            [None, None, None, None],
            [datetime(2023, 3, 31, 0, 0), "compact_entities", "45", None],
        ]
    )
    records, problems = parse(data, name="figures.xlsx")
    assert problems == []
    assert figures(records) == [
        (2, "member_states", SEP30, 193, None),
        (3, "ct_platform_visits", SEP30, 200062, "from the PDF"),
        (4, "focal_points", SEP30, 318, None),
        (6, "compact_entities", date(2023, 3, 31), 45, None),
    ]


def test_xlsx_wide_with_label_header() -> None:
    data = xlsx(
        [
            ["as of", "Virtual visits to the\nCT Platform", "member_states"],
            [datetime(2023, 9, 30), 200062, None],
            [datetime(2023, 3, 31), 136125.0, 193],
        ]
    )
    records, problems = parse(data, name="figures.xlsx")
    assert problems == []
    assert figures(records) == [
        (2, "ct_platform_visits", SEP30, 200062, None),
        (3, "ct_platform_visits", date(2023, 3, 31), 136125, None),
        (3, "member_states", date(2023, 3, 31), 193, None),
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        pytest.param(
            [datetime(2023, 9, 30), "member_states", 705.5],
            [(2, "value", "705.5 is not a whole number")],
            id="fraction",
        ),
        pytest.param(
            [datetime(2023, 9, 30), "member_states", -2],
            [(2, "value", "-2 must not be negative")],
            id="negative",
        ),
        pytest.param(
            [datetime(2099, 1, 1), "member_states", 1],
            [(2, "date", "2099-01-01 is in the future (today is 2024-06-30)")],
            id="future-date-cell",
        ),
        pytest.param(
            [45199, "member_states", 1],
            [
                (
                    2,
                    "date",
                    "45199 is a number, not a date; format the cell as a date in Excel, or "
                    "write it as YYYY-MM-DD",
                )
            ],
            id="number-in-date-column",
        ),
        pytest.param(
            [datetime(2023, 9, 30), "member_states", True],
            [(2, "value", "'TRUE' is not a whole number")],
            id="boolean",
        ),
    ],
)
def test_xlsx_bad_cells(row: list[object], expected: list[tuple]) -> None:
    _, problems = parse(xlsx([["date", "indicator", "value"], row]), name="figures.xlsx")
    assert problems_of(problems) == expected


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], (None, None, "The file is empty.")),
        ([["date", "indicator", "value"]], (1, None, "The file has a header but no rows.")),
    ],
)
def test_xlsx_empty(rows: list[list[object]], expected: tuple) -> None:
    _, problems = parse(xlsx(rows), name="figures.xlsx")
    assert problems_of(problems) == [expected]


def test_xlsx_is_known_by_its_content_not_its_name() -> None:
    data = xlsx([["date", "indicator", "value"], [datetime(2023, 9, 30), "member_states", 193]])
    records, problems = parse(data, name="figures.csv")
    assert problems == []
    assert figures(records) == [(2, "member_states", SEP30, 193, None)]
    records, problems = parse(
        b"date,indicator,value\n2023-09-30,member_states,193\n", name="f.xlsx"
    )
    assert problems == []
    assert len(records) == 1


def test_xlsx_reads_the_sheet_excel_opens_on() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["not", "this"])
    figures_sheet = workbook.create_sheet("figures")
    figures_sheet.append(["date", "member_states"])
    figures_sheet.append([datetime(2023, 9, 30), 193])
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    records, problems = parse(buffer.getvalue(), name="figures.xlsx")
    assert problems == []
    assert figures(records) == [(2, "member_states", SEP30, 193, None)]


def test_a_csv_the_csv_reader_refuses() -> None:
    data = b'date,indicator,value\n2023-09-30,member_states,"' + b"9" * 200_000 + b'"\n'
    _, problems = parse(data)
    assert problems_of(problems) == [
        (None, None, "The file could not be read as CSV: field larger than field limit (131072).")
    ]


def test_programming_errors_raise() -> None:
    with pytest.raises(ValueError, match="indicators"):
        parse_indicator_file(file_name="f.csv", data=b"x", indicators=[], today=TODAY)
    with pytest.raises(ValueError, match="max_bytes"):
        parse(b"x", max_bytes=0)


# Templates


def fill_csv(data: bytes, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    filled = [rows[0]] + [[row[0]] + [value] * (len(row) - 1) for row in rows[1:]]
    if rows[0][:3] == ["date", "indicator", "value"]:
        filled = [rows[0]] + [[row[0], row[1], value, ""] for row in rows[1:]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(filled)
    return buffer.getvalue().encode("utf-8-sig")


def fill_xlsx(data: bytes, value: int) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    long = sheet.cell(row=1, column=2).value == "indicator"
    for row in sheet.iter_rows(min_row=2):
        for cell in row[2:3] if long else row[1:]:
            cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("layout", ["long", "wide"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_parse_back_once_filled(layout: str, fmt: str) -> None:
    template = indicator_template(
        layout=layout,  # type: ignore[arg-type]
        fmt=fmt,  # type: ignore[arg-type]
        indicators=INDICATORS,
        example_date=SEP30,
    )
    filled = fill_csv(template, "1,234") if fmt == "csv" else fill_xlsx(template, 1234)
    records, problems = parse(filled, name=f"template.{fmt}")
    assert problems == []
    assert sorted(record.code for record in records) == sorted(code for code, _ in INDICATORS)
    assert {(record.as_of, record.value) for record in records} == {(SEP30, 1234)}


@pytest.mark.parametrize(
    ("layout", "header", "first_row"),
    [
        (
            "long",
            ["date", "indicator", "value", "note"],
            ["2023-09-30", "compact_entities", "", ""],
        ),
        ("wide", ["date", *(code for code, _ in INDICATORS)], ["2023-09-30"] + [""] * 8),
    ],
)
def test_csv_templates_hold_no_invented_numbers(
    layout: str, header: list[str], first_row: list[str]
) -> None:
    template = indicator_template(
        layout=layout,  # type: ignore[arg-type]
        fmt="csv",
        indicators=INDICATORS,
        example_date=SEP30,
    )
    assert template.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"), newline="")))
    assert rows[0] == header
    assert rows[1] == first_row
    assert len(rows) == (1 + len(INDICATORS) if layout == "long" else 2)


def test_unfilled_templates_say_what_is_missing() -> None:
    long = indicator_template(layout="long", fmt="xlsx", indicators=INDICATORS, example_date=SEP30)
    _, problems = parse(long, name="t.xlsx")
    assert problems_of(problems) == [
        (None, None, "The file has no figures: every value cell is empty.")
    ]
    wide = indicator_template(layout="wide", fmt="csv", indicators=INDICATORS, example_date=SEP30)
    _, problems = parse(wide)
    assert problems_of(problems) == [
        (None, None, "The file has no figures: every indicator cell is empty.")
    ]
    undated = indicator_template(layout="wide", fmt="csv", indicators=INDICATORS)
    _, problems = parse(undated)
    assert problems_of(problems) == [(1, None, "The file has a header but no rows.")]


def test_xlsx_template_has_a_date_cell_and_a_help_sheet() -> None:
    template = indicator_template(
        layout="wide", fmt="xlsx", indicators=INDICATORS, example_date=SEP30
    )
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    assert workbook.active.title == "figures"
    assert workbook.active["A2"].value == datetime(2023, 9, 30)
    assert [cell.value for cell in workbook.active[1]][1:] == [code for code, _ in INDICATORS]
    notes = [row[0] for row in workbook["how to fill in"].iter_rows(values_only=True)]
    assert DATE_RULE in notes


@pytest.mark.parametrize("cell", ["", "n/a", "-", "–"])
def test_a_row_without_a_figure_is_a_warning_and_the_rest_is_read(cell: str) -> None:
    parsed = parse_indicator_file(
        file_name="f.csv",
        data=f"date,indicator,value\n2023-09-30,focal_points,1012\n2023-09-30,member_states,{cell}\n".encode(),
        indicators=INDICATORS,
        today=TODAY,
    )
    assert parsed.errors == []
    said = f"'{cell}'" if cell else "empty"
    assert problems_of(parsed.warnings) == [
        (3, "value", f"the value is {said}: no figure is read from this row")
    ]
    assert figures(parsed.records) == [(2, "focal_points", SEP30, 1012, None)]
