"""The reader both uploads share: CSV or XLSX bytes -> a header and rows of cells, or problems."""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ctdash.ingest import Problem

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
    *, file_name: str, data: bytes, max_bytes: int
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
        table = _xlsx_rows(data)
        if table is None:
            return None, [not_a_spreadsheet(file_name)]
    else:
        text = _csv_text(data)
        if text is None:
            return None, [_not_text(file_name, data)]
        try:
            table = _csv_rows(text)
        except csv.Error as error:
            return None, [Problem(None, None, f"The file could not be read as CSV: {error}.")]
    return _sheet(table)


def _sheet(table: list[tuple[Cell, ...]]) -> tuple[Sheet | None, list[Problem]]:
    numbered = [
        (number, cells)
        for number, cells in enumerate(table, start=1)
        if any(cell_text(cell) for cell in cells)
    ]
    if not numbered:
        return None, [Problem(None, None, "The file is empty.")]
    header_row, header_cells = numbered[0]
    header = [" ".join(cell_text(cell).split()) for cell in header_cells]
    while header and not header[-1]:
        header.pop()
    rows = tuple(Row(number, cells) for number, cells in numbered[1:])
    if not rows:
        return None, [Problem(header_row, None, "The file has a header but no rows.")]
    return Sheet(tuple(header), header_row, rows), []


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


def _csv_rows(text: str) -> list[tuple[Cell, ...]]:
    separator = max(_SEPARATORS, key=lambda sep: len(_first_record(text, sep)))
    return [
        tuple(record) for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    ]


def _first_record(text: str, separator: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [])
    except csv.Error:
        return []


def _xlsx_rows(data: bytes) -> list[tuple[Cell, ...]] | None:
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not matter here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    # A zip that is not a workbook (.docx, .zip, a broken file) fails in many ways
    # inside openpyxl (KeyError, BadZipFile, InvalidFileException, XML parse errors), none of
    # them a bug of ours, so any failure to open it means "not a spreadsheet".
    except Exception:
        return None
    # The sheet Excel opens on, unless that is a chart.
    sheet = workbook.active
    if not hasattr(sheet, "iter_rows"):
        sheet = workbook.worksheets[0]
    rows = [
        tuple(_xlsx_cell(value) for value in values)
        for values in sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    ]
    workbook.close()
    return rows


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
