"""Limits on what an upload or a newsletter may be: each refused with a message, nothing written."""

from __future__ import annotations

import io
import signal
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash.cli import app
from ctdash.ingest.activities import parse_activity_file
from ctdash.ingest.indicators import parse_indicator_file
from ctdash.ingest.newsletter import MAX_LINE_CHARS, MAX_NEWSLETTER_BYTES, parse_newsletter
from ctdash.ingest.sheet import MAX_COLUMNS, MAX_DATA_ROWS, MAX_UNPACKED_BYTES, read_sheet
from ctdash.ingest.templates import indicator_template
from tests.conftest import PROJECT_ROOT, row_counts, tables_checksum

runner = CliRunner()
TODAY = date(2024, 1, 1)
INDICATORS = [("member_states", "Member States")]
SEED = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
MB = 1024 * 1024


def figures(**kwargs):
    """The figures and problems of a file of figures."""
    parsed = parse_indicator_file(**kwargs)
    return parsed.records, parsed.errors


def run(db_path: Path, command: str, file: Path, *args: str):
    """Run `ctdash import` or `ctdash ingest` on a file; return its exit code and stderr."""
    result = runner.invoke(
        app, [command, str(file), "--database-url", f"sqlite:///{db_path}", *args]
    )
    return result.exit_code, result.stderr


def refused(store: Engine, db_path: Path, tmp_path: Path, name: str, data: bytes, *args: str):
    """The errors `ctdash import` prints for a file, after checking it wrote nothing."""
    counts, checksum = row_counts(db_path), tables_checksum(db_path)
    file = tmp_path / name
    file.write_bytes(data)
    code, stderr = run(db_path, "import", file, *args)
    assert code == 1, stderr
    assert f"{name}: 1 problem; nothing was written." in stderr
    assert row_counts(db_path) == counts
    assert tables_checksum(db_path) == checksum
    return stderr


def figures_csv(rows: int) -> bytes:
    return b"date,indicator,value\n" + b"2023-09-30,member_states,140\n" * rows


def activities_csv(rows: int) -> bytes:
    return b"title,kind,start\n" + b"Workshop,workshop,2023-09-30\n" * rows


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def padded_xlsx(padding_mb: int) -> bytes:
    """A valid figures workbook whose sheet XML carries `padding_mb` MB of spaces.

    The spaces are streamed into the zip a megabyte at a time, so building a file that
    unpacks to hundreds of megabytes takes a fraction of a second and little memory.
    """
    template = indicator_template(layout="long", fmt="xlsx", indicators=INDICATORS)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(template)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for part in source.infolist():
            data = source.read(part)
            if part.filename != "xl/worksheets/sheet1.xml":
                target.writestr(part.filename, data)
                continue
            head, tail = data.split(b"<sheetData>")
            with target.open(part.filename, "w") as stream:
                stream.write(head + b"<sheetData>")
                chunk = b" " * MB
                for _ in range(padding_mb):
                    stream.write(chunk)
                stream.write(tail)
    return out.getvalue()


# Row limits


def test_figures_over_the_row_limit_are_refused_by_count(store, db_path, tmp_path):
    stderr = refused(store, db_path, tmp_path, "figures.csv", figures_csv(MAX_DATA_ROWS + 1))
    assert (
        "error: The file has 20,001 rows of data; the limit is 20,000. Split it into files "
        "of at most 20,000 rows and upload them one at a time."
    ) in stderr


def test_activities_over_the_row_limit_are_refused_by_count(store, db_path, tmp_path):
    data = activities_csv(MAX_DATA_ROWS + 5)
    stderr = refused(store, db_path, tmp_path, "many.csv", data, "--kind", "activities")
    assert "The file has 20,005 rows of data; the limit is 20,000." in stderr


def test_a_file_at_the_row_limit_is_read():
    records, problems = figures(
        file_name="figures.csv",
        data=figures_csv(MAX_DATA_ROWS),
        indicators=INDICATORS,
        today=TODAY,
    )
    assert problems == []
    assert len(records) == 1  # the same figure repeated is one figure
    parsed = parse_activity_file(
        file_name="activities.csv", data=activities_csv(MAX_DATA_ROWS), today=TODAY
    )
    assert parsed.errors == [] and len(parsed.records) == MAX_DATA_ROWS


def test_blank_rows_do_not_count_towards_the_limit():
    data = figures_csv(3) + b",,\n" * (MAX_DATA_ROWS + 10)
    records, problems = figures(
        file_name="figures.csv", data=data, indicators=INDICATORS, today=TODAY
    )
    assert problems == [] and len(records) == 1


def test_an_xlsx_over_the_row_limit_is_refused_by_count():
    data = xlsx([["date", "indicator", "value"], *[[date(2023, 9, 30), "member_states", 1]] * 4])
    read = read_sheet(file_name="figures.xlsx", data=data, max_bytes=MB, max_rows=3)
    assert read.sheet is None
    assert [str(p) for p in read.errors] == [
        "The file has 4 rows of data; the limit is 3. Split it into files of at most 3 rows "
        "and upload them one at a time."
    ]


def test_a_value_far_to_the_right_is_refused(store, db_path, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["date", "indicator", "value"])
    book.active.append([date(2023, 9, 30), "member_states", 1])
    book.active.cell(row=3, column=MAX_COLUMNS + 50, value="stray")
    buffer = io.BytesIO()
    book.save(buffer)
    stderr = refused(store, db_path, tmp_path, "wide.xlsx", buffer.getvalue())
    assert (
        "error: Row 3: a value sits in column 250; a sheet is read up to column 200. "
        "Delete the columns beyond it and upload the file again."
    ) in stderr


# XLSX that unpack too far


def test_a_zip_bomb_is_refused_before_it_is_unpacked(store, db_path, tmp_path):
    bomb = padded_xlsx(200)
    assert len(bomb) < MB  # small enough to pass the upload size limit
    tracemalloc.start()
    try:
        records, problems = figures(
            file_name="bomb.xlsx", data=bomb, indicators=INDICATORS, today=TODAY
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert records == []
    assert [str(p) for p in problems] == [
        "'bomb.xlsx' unpacks to 200.1 MB; an XLSX file may unpack to at most 20 MB, so it was "
        "not opened. Delete unused sheets, or save it as CSV, and upload it again."
    ]
    assert peak < 5 * MB  # the 200 MB are never unpacked
    stderr = refused(store, db_path, tmp_path, "bomb.xlsx", bomb)
    assert "'bomb.xlsx' unpacks to 200.1 MB" in stderr


def test_a_part_packed_far_more_than_a_sheet_is_refused():
    packed = padded_xlsx(10)
    assert sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(packed)).infolist()) < (
        MAX_UNPACKED_BYTES
    )
    records, problems = figures(
        file_name="packed.xlsx", data=packed, indicators=INDICATORS, today=TODAY
    )
    assert records == []
    (problem,) = problems
    assert problem.message.startswith("'packed.xlsx' is packed ")
    assert problem.message.endswith(
        " to 1 (its part 'xl/worksheets/sheet1.xml'); a spreadsheet is packed at most 100 to 1, "
        "so it was not opened. Save it again as .xlsx or as CSV and upload it again."
    )


def test_a_filled_in_template_still_reads():
    data = xlsx([["date", "indicator", "value"], [date(2023, 9, 30), "Member States", 140]])
    records, problems = figures(
        file_name="figures.xlsx", data=data, indicators=INDICATORS, today=TODAY
    )
    assert problems == []
    assert [(r.code, r.as_of, r.value) for r in records] == [
        ("member_states", date(2023, 9, 30), 140)
    ]


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_broken_sheet(workbook: bytes) -> bytes:
    """The workbook with its first sheet's XML cut off mid-element."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        parts = {part.filename: archive.read(part) for part in archive.infolist()}
    return zipped(
        {
            name: (b"<worksheet><sheetData><row" if name.endswith("sheet1.xml") else data)
            for name, data in parts.items()
        }
    )


NOT_WORKBOOKS = [
    ("a plain zip", zipped({"notes.txt": b"hello"})),
    ("a truncated zip", zipped({"xl/workbook.xml": b"<workbook/>"})[:40]),
    ("a zip with a broken workbook", zipped({"xl/workbook.xml": b"<workbook"})),
    ("a workbook whose sheet is broken", with_broken_sheet(xlsx([["date"]]))),
]


@pytest.mark.parametrize(("case", "data"), NOT_WORKBOOKS, ids=[c[0] for c in NOT_WORKBOOKS])
def test_a_zip_that_is_not_a_workbook_is_refused(store, db_path, tmp_path, case, data):
    stderr = refused(store, db_path, tmp_path, "upload.xlsx", data)
    assert (
        "error: 'upload.xlsx' is not a CSV or XLSX spreadsheet; save it as .xlsx or as CSV "
        "(UTF-8) and upload it again."
    ) in stderr


# Newsletters


def adversarial_text(size: int) -> str:
    """Lines within the line limit, built to make a backtracking pattern slow."""
    lines = [
        "in " + "Abc " * 220 + "(1 Mar)",
        "[" * 900 + " (1 Mar)",
        "[a](" * 220 + " (1 Mar)",
        "(1" + " " * 900 + "x) (1 Mar)",
        "A." * 440 + " training (1 Mar)",
        "a" + " " * 900 + "b >x (1 Mar)",
        "UNODC training " + "(1 Mar) to Abc " * 55,
        "workshop " + "a " * 400 + "training (2 Mar)",
    ]
    assert all(len(line) <= MAX_LINE_CHARS for line in lines)
    block = "\n".join(lines) + "\n"
    return "REGIONAL FOCUS\n" + block * (size // len(block))


def test_a_newsletter_of_megabytes_is_refused_unread(store, db_path, tmp_path):
    text = adversarial_text(3 * MB)
    result = parse_newsletter(text, year=2023, file_name="big.txt")
    assert [str(p) for p in result.errors] == [
        "big.txt: the text is 3 MB; a newsletter may be at most 512 KB (an issue is about "
        "30 KB), so it was not read. Check that this is the newsletter's text."
    ]
    assert result.activities == [] and result.indicators == []

    file = tmp_path / "big.txt"
    file.write_text(text, encoding="utf-8")
    checksum = tables_checksum(db_path)
    code, stderr = run(db_path, "ingest", file, "--year", "2023")
    assert code == 1
    assert "error: big.txt: the text is 3 MB; a newsletter may be at most 512 KB" in stderr
    assert "big.txt: 1 problem; nothing was written." in stderr
    assert tables_checksum(db_path) == checksum


def test_a_newsletter_just_under_the_limit_of_long_lines_is_read():
    items = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    dated = [item for item in items if item.startswith("→") and "(" in item]
    line = ""
    for item in dated * 10:
        if len(line) + len(item) + 1 > MAX_LINE_CHARS:
            break
        line = f"{line} {item}".strip()
    body = (line + "\n") * ((MAX_NEWSLETTER_BYTES - 1000) // len((line + "\n").encode()))
    text = "REGIONAL FOCUS\n" + body
    assert MAX_NEWSLETTER_BYTES - 2 * MAX_LINE_CHARS < len(text.encode()) < MAX_NEWSLETTER_BYTES
    result = parse_newsletter(text, year=2023)
    assert result.errors == []
    assert len(result.activities) >= body.count("\n")


def test_an_adversarial_newsletter_under_the_limit_is_read_and_never_hangs():
    text = adversarial_text(MAX_NEWSLETTER_BYTES - 20_000)
    assert len(text.encode()) < MAX_NEWSLETTER_BYTES
    # Not a speed target (the benchmark has those): quadratic patterns once took hours, and a
    # return of one must fail this test rather than hold the suite until CI gives up.
    with fails_after(seconds=600):
        result = parse_newsletter(text, year=2023)
    assert result.errors == []
    assert len(result.activities) > text.count("\n")


def test_a_line_over_the_line_limit_is_an_error_on_that_line():
    text = "REGIONAL FOCUS\n\nUNODC training in Kenya (1 Mar)\n" + "x" * (MAX_LINE_CHARS + 1)
    result = parse_newsletter(text, year=2023)
    assert [str(p) for p in result.errors] == [
        "Row 4: the line is 1,001 characters long; an item is at most 1,000, so it was not "
        "read: put each item on a line of its own"
    ]
    assert [a.country_iso3 for a in result.activities] == ["KEN"]


@contextmanager
def fails_after(*, seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the test if the block has not ended after `seconds`."""

    def give_up(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
