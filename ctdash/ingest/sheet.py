"""The reader both uploads share: CSV or XLSX bytes -> a header and rows of cells, or problems."""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ctdash.ingest import Problem

if TYPE_CHECKING:
    from openpyxl import Workbook

# What a cell holds once read: text from a CSV, and from an XLSX text, a whole number
# (int), any other number (float) or a date cell (date). Empty cells are "".
Cell = str | int | float | date

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# PDF, PNG, JPEG, GIF, gzip, RTF: files that may pass for text in their first bytes.
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"{\\rtf")
_SEPARATORS = (",", ";")
_KEY_DROP = re.compile(r"[\s_\-/]+")
_MB = 1024 * 1024

# A template filled in for a year of weekly figures has a few hundred rows; the limit
# leaves room for a long history while keeping a review's preview and checks quick.
MAX_DATA_ROWS = 20_000
# An XLSX is a zip of XML parts. A full 20,000-row, 13-column sheet unpacks to about 8 MB;
# a "zip bomb" unpacks a small upload to gigabytes. Both limits are read from the zip's
# directory, before anything is unpacked.
MAX_UNPACKED_BYTES = 20 * _MB
# Sheet XML packs about 15 to 1; only a part of a megabyte or more is judged by its ratio.
MAX_PACKING_RATIO = 100
_RATIO_FLOOR = _MB
# Columns read from an XLSX row; a wide-layout sheet has one column per indicator.
MAX_COLUMNS = 200

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DAY_FIRST = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
DATE_HINT = "write YYYY-MM-DD or DD/MM/YYYY (day first)"


@dataclass(frozen=True)
class Row:
    """One data row: the row number a spreadsheet program shows, and its cells."""

    number: int
    cells: tuple[Cell, ...]

    def get(self, index: int | None) -> Cell:
        """The cell in column `index`, or "" when the row is shorter or there is no column."""
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]


@dataclass(frozen=True)
class Sheet:
    """A file's header (whitespace collapsed), the row it sits on, and its non-empty rows."""

    header: tuple[str, ...]
    header_row: int
    rows: tuple[Row, ...]


def header_key(text: str) -> str:
    """A header or name as compared: lower case, without spaces, line breaks, `_`, `-` or `/`."""
    return _KEY_DROP.sub("", text).casefold()


def cell_text(cell: Cell) -> str:
    """A cell as text, stripped; dates as YYYY-MM-DD."""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        return f"{cell:g}"
    return str(cell)


def file_size(size: int) -> str:
    """A size as people write it (5 MB, 5.1 MB, 300 KB), rounded up so over a limit shows more."""
    if size < _MB:
        return f"{math.ceil(size / 1024)} KB"
    tenths = math.ceil(size * 10 / _MB)
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


def not_a_spreadsheet(file_name: str) -> Problem:
    """The problem for a file that is neither CSV text nor an XLSX workbook."""
    return Problem(
        None,
        None,
        f"'{file_name}' is not a CSV or XLSX spreadsheet; save it as .xlsx or as CSV (UTF-8) "
        "and upload it again.",
    )


def read_sheet(
    *, file_name: str, data: bytes, max_bytes: int, max_rows: int = MAX_DATA_ROWS
) -> tuple[Sheet | None, list[Problem]]:
    """Read CSV (UTF-8, comma or semicolon) or XLSX bytes; None and the problems if unusable."""
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, not {max_bytes}")
    if len(data) > max_bytes:
        message = f"The file is {file_size(len(data))}; the limit is {file_size(max_bytes)}."
        return None, [Problem(None, None, message)]
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        return None, [Problem(None, None, "The file is empty.")]
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(file_name, data, max_rows)
    text = _csv_text(data)
    if text is None:
        return None, [_not_text(file_name, data)]
    try:
        return _sheet(_csv_rows(text), max_rows)
    except csv.Error as error:
        return None, [Problem(None, None, f"The file could not be read as CSV: {error}.")]


def _sheet(table: Iterable[tuple[Cell, ...]], max_rows: int) -> tuple[Sheet | None, list[Problem]]:
    header: tuple[int, tuple[Cell, ...]] | None = None
    rows: list[Row] = []
    count = 0
    for number, cells in enumerate(table, start=1):
        if not any(cell_text(cell) for cell in cells):
            continue
        if header is None:
            header = (number, cells)
            continue
        count += 1
        # Past the limit the rows are only counted, so that the message can say how many.
        if count <= max_rows:
            rows.append(Row(number, cells))
    if header is None:
        return None, [Problem(None, None, "The file is empty.")]
    header_row, header_cells = header
    if count > max_rows:
        message = (
            f"The file has {count:,} rows of data; the limit is {max_rows:,}. "
            f"Split it into files of at most {max_rows:,} rows and upload them one at a time."
        )
        return None, [Problem(None, None, message)]
    names = [" ".join(cell_text(cell).split()) for cell in header_cells]
    while names and not names[-1]:
        names.pop()
    if not rows:
        return None, [Problem(header_row, None, "The file has a header but no rows.")]
    return Sheet(tuple(names), header_row, tuple(rows)), []


def _csv_text(data: bytes) -> str | None:
    if b"\x00" in data or data.startswith((*_BINARY_MAGIC, _OLE_MAGIC)):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ord(ch) < 32 and ch not in "\t\r\n\f" for ch in text):
        return None
    return text


def _not_text(file_name: str, data: bytes) -> Problem:
    if data.startswith(_OLE_MAGIC):
        return Problem(
            None,
            None,
            f"'{file_name}' is not a CSV or XLSX spreadsheet: it is an old Excel (.xls) or "
            "Word file. Save it as .xlsx or as 'CSV UTF-8' and upload it again.",
        )
    sample = data[:65536]
    high = sum(byte >= 0x80 for byte in sample)
    legacy = (
        not data.startswith(_BINARY_MAGIC)
        and not any(byte < 32 and byte not in b"\t\r\n\f" for byte in sample)
        and high < len(sample) * 0.3
    )
    if legacy:
        # Excel's plain "CSV" is saved in the Windows code page; say how to get UTF-8.
        return Problem(
            None,
            None,
            f"'{file_name}' is not a CSV or XLSX spreadsheet: it is text, but not UTF-8. "
            "In Excel, save it as 'CSV UTF-8' or as .xlsx and upload it again.",
        )
    return not_a_spreadsheet(file_name)


def _csv_rows(text: str) -> Iterator[tuple[Cell, ...]]:
    separator = max(_SEPARATORS, key=lambda sep: len(_first_record(text, sep)))
    for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
        yield tuple(record)


def _first_record(text: str, separator: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error:
        return []


class _Unreadable(Exception):
    """The zip opened, but a part of the workbook inside it cannot be read."""


class _TooWide(Exception):
    def __init__(self, row: int, column: int) -> None:
        super().__init__(row, column)
        self.row = row
        self.column = column


def _zip_problem(file_name: str, data: bytes) -> Problem | None:
    """Why a zip is refused before it is unpacked: not a workbook, or it unpacks too far."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    # A damaged zip fails as BadZipFile, or OSError, EOFError or ValueError on a bad offset.
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return not_a_spreadsheet(file_name)
    if not any(part.filename == "xl/workbook.xml" for part in parts):
        return not_a_spreadsheet(file_name)
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        return Problem(
            None,
            None,
            f"'{file_name}' unpacks to {file_size(unpacked)}; an XLSX file may unpack to at "
            f"most {file_size(MAX_UNPACKED_BYTES)}, so it was not opened. Delete unused sheets, "
            "or save it as CSV, and upload it again.",
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= _RATIO_FLOOR and ratio > MAX_PACKING_RATIO:
            return Problem(
                None,
                None,
                f"'{file_name}' is packed {ratio:,.0f} to 1 (its part '{part.filename}'); a "
                f"spreadsheet is packed at most {MAX_PACKING_RATIO} to 1, so it was not opened. "
                "Save it again as .xlsx or as CSV and upload it again.",
            )
    return None


def _read_xlsx(file_name: str, data: bytes, max_rows: int) -> tuple[Sheet | None, list[Problem]]:
    problem = _zip_problem(file_name, data)
    if problem is not None:
        return None, [problem]
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not matter here.
            warnings.simplefilter("ignore")
            # Read-only mode streams the sheet rather than holding every cell as an object.
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # A zip that is not a workbook (.docx, .zip, a broken file) fails in many ways
    # inside openpyxl (KeyError, BadZipFile, InvalidFileException, XML parse errors), none of
    # them a bug of ours, so any failure to open it means "not a spreadsheet".
    except Exception:
        return None, [not_a_spreadsheet(file_name)]
    try:
        return _sheet(_xlsx_rows(workbook), max_rows)
    except _Unreadable:
        return None, [not_a_spreadsheet(file_name)]
    except _TooWide as wide:
        message = (
            f"a value sits in column {wide.column:,}; a sheet is read up to column "
            f"{MAX_COLUMNS}. Delete the columns beyond it and upload the file again."
        )
        return None, [Problem(wide.row, None, message)]
    finally:
        workbook.close()


def _xlsx_rows(workbook: Workbook) -> Iterator[tuple[Cell, ...]]:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    # The sheet Excel opens on, unless that is a chart.
    sheet = workbook.active
    if not isinstance(sheet, ReadOnlyWorksheet):
        if not workbook.worksheets:
            raise _Unreadable
        sheet = workbook.worksheets[0]
    # The size a file declares may be wrong; read every row it has.
    sheet.reset_dimensions()
    values_by_row = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    for number in itertools.count(1):
        try:
            values = next(values_by_row, None)
        # The sheet's XML is parsed as it is read; a broken part fails only here.
        except Exception as error:
            raise _Unreadable from error
        if values is None:
            return
        if len(values) > MAX_COLUMNS:
            beyond = values[MAX_COLUMNS:]
            if beyond.count(None) != len(beyond):
                last = max(i for i, value in enumerate(values) if value is not None)
                raise _TooWide(number, last + 1)
            values = values[:MAX_COLUMNS]
        yield tuple(_xlsx_cell(value) for value in values)


def _xlsx_cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    # Text, and the odd time or duration cell, as the text it shows.
    return str(value)


def find_columns(
    sheet: Sheet, names: Mapping[str, Sequence[str]]
) -> tuple[dict[str, int], list[Problem]]:
    """Map each name to the index of the column whose header key is one of its keys."""
    found: dict[str, int] = {}
    problems: list[Problem] = []
    for index, text in enumerate(sheet.header):
        key = header_key(text)
        for name, keys in names.items():
            if key not in keys:
                continue
            if name in found:
                first = sheet.header[found[name]]
                problems.append(
                    Problem(
                        sheet.header_row,
                        text,
                        f"this column and column '{first}' are both read as '{name}'; keep one",
                    )
                )
            else:
                found[name] = index
    return found, problems


def parse_date(cell: Cell) -> date | None:
    """A date cell, or text as YYYY-MM-DD or day first (30/09/2023, 30.09.2023, 30 Sep 2023)."""
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return None
    text = cell.strip()
    parts: tuple[str, str, str] | None = None
    if match := _ISO_DATE.fullmatch(text):
        parts = (match[1], match[2], match[3])
    elif match := _DAY_FIRST.fullmatch(text):
        parts = (match[4], match[3], match[1])
    elif (match := _DAY_MONTH_NAME.fullmatch(text)) and match[2].casefold() in _MONTHS:
        parts = (match[3], str(_MONTHS[match[2].casefold()]), match[1])
    if parts is None:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def bad_date(cell: Cell) -> str:
    """The message for a cell that is not a date."""
    return f"'{cell_text(cell)}' is not a valid date; {DATE_HINT}"
