"""The reader both uploads share: CSV or XLSX bytes -> a header and rows of cells, or problems.

It finds what a person would: the encoding and separator of a CSV, the sheet of a workbook
that holds the table, the header below any title rows. What it assumed is kept in `ReadAs`
for the preview; what it cannot settle alone (several sheets that could be meant) is asked.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ctdash.ingest import Parsed, Problem, Question, Record
from ctdash.ingest.encoding import LABELS, decode

if TYPE_CHECKING:
    from openpyxl import Workbook

# What a cell holds once read: text from a CSV, and from an XLSX text, a whole number
# (int), any other number (float) or a date cell (date). Empty cells are "".
Cell = str | int | float | date
# Given a row's cells as header keys, whether it is the header of the table wanted.
HeaderTest = Callable[[Sequence[str]], bool]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
_SEP_LINE = re.compile(r'\A"?sep=(.)"?[^\S\n]*\r?\n', re.IGNORECASE)
_KEY_DROP = re.compile(r"[\s_\-/]+")
_MB = 1024 * 1024
# Title rows, notes and blank rows above a header: how far down the header is looked for.
HEADER_SEARCH_ROWS = 30
# Cells named one by one in a message; past this many, the message says how many more.
_LISTED = 8

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
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class ReadAs:
    """What was assumed to read a file: shown in the preview, printed by `--json`."""

    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    date_order: str | None = None
    date_basis: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The assumptions as JSON-ready data."""
        return {
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "date_order": self.date_order,
        }

    def sentences(self) -> list[str]:
        """The assumptions as a person reads them, one sentence each."""
        from ctdash.ingest.dates import ORDERS

        said = []
        if self.format == "csv":
            separator = SEPARATOR_NAMES.get(self.delimiter or "", repr(self.delimiter))
            encoding = LABELS.get(self.encoding or "", self.encoding)
            said.append(f"Read as CSV text in {encoding}, separated by {separator}.")
        elif self.sheet is not None:
            said.append(f"Read from the sheet '{self.sheet}'.")
        if self.header_row is not None:
            said.append(f"The header is row {self.header_row}.")
        if self.date_order is not None:
            basis = f", as {self.date_basis}" if self.date_basis else ""
            said.append(f"Dates in numbers are read {ORDERS[self.date_order]}{basis}.")
        return said


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
    """A file's header (whitespace collapsed), the row it sits on, and its non-empty rows.

    `notes` say what was passed over (title rows, merged cells filled down); `warnings` what
    a person should look at before committing (rows hidden in Excel).
    """

    header: tuple[str, ...]
    header_row: int
    rows: tuple[Row, ...]
    read_as: ReadAs = ReadAs("csv")
    notes: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()

    def column_name(self, index: int) -> str:
        """A column as the program that shows the file names it: 'column D' or 'column 4'."""
        if self.read_as.format == "xlsx":
            return f"column {_letter(index)}"
        return f"column {index + 1}"


@dataclass
class SheetRead:
    """A file read as one table: the sheet, or why not (problems, or a question to answer)."""

    sheet: Sheet | None
    errors: list[Problem] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)

    def start(self, parsed: Parsed[Record]) -> Parsed[Record]:
        """`parsed` given what reading the table found: its problems, questions, warnings
        and notes, and what was assumed."""
        parsed.errors.extend(self.errors)
        parsed.questions.extend(self.questions)
        if self.sheet is not None:
            parsed.warnings.extend(self.sheet.warnings)
            parsed.notes.extend(self.sheet.notes)
            parsed.read_as = self.sheet.read_as
        return parsed


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
        return f"{cell:.15g}"
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
    *,
    file_name: str,
    data: bytes,
    max_bytes: int,
    max_rows: int = MAX_DATA_ROWS,
    is_header: HeaderTest | None = None,
    sheet_name: str | None = None,
) -> SheetRead:
    """Read CSV text (any separator and encoding Excel or Notepad writes) or an XLSX workbook.

    The header is the first row, among the first rows, that `is_header` accepts (title rows
    above it are passed over), else the first non-empty row. A workbook is read from
    `sheet_name`, else from its one visible sheet whose header `is_header` accepts; when
    several do, the result asks which.
    """
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, not {max_bytes}")
    if len(data) > max_bytes:
        message = f"The file is {file_size(len(data))}; the limit is {file_size(max_bytes)}."
        return SheetRead(None, [Problem(None, None, message)])
    test = is_header or _no_header
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(file_name, data, max_rows, test, sheet_name)
    decoded = decode(data)
    if decoded is None:
        return SheetRead(None, [_not_text(file_name, data)])
    if not decoded.text.strip():
        return SheetRead(None, [Problem(None, None, "The file is empty.")])
    try:
        return _read_csv(decoded.text, decoded.encoding, max_rows, test)
    except csv.Error as error:
        problem = Problem(None, None, f"The file could not be read as CSV: {error}.")
        return SheetRead(None, [problem])


def _no_header(keys: Sequence[str]) -> bool:
    return False


def _not_text(file_name: str, data: bytes) -> Problem:
    if data.startswith(_OLE_MAGIC):
        return Problem(
            None,
            None,
            f"'{file_name}' is not a CSV or XLSX spreadsheet: it is an old Excel (.xls) or "
            "Word file. Save it as .xlsx or as 'CSV UTF-8' and upload it again.",
        )
    return not_a_spreadsheet(file_name)


# --- CSV ------------------------------------------------------------------------------------


def _read_csv(text: str, encoding: str, max_rows: int, test: HeaderTest) -> SheetRead:
    notes = []
    hint = _SEP_LINE.match(text)
    if hint:
        # Excel's "sep=;" first line names the separator.
        notes.append(f"The first line, '{hint[0].strip()}', names the separator.")
    separators = (hint[1],) if hint else _SEPARATORS
    separator = max(separators, key=lambda sep: _separator_score(text, sep, test))
    read_as = ReadAs("csv", encoding=encoding, delimiter=separator)
    if hint:
        # Excel hides that line: the row after it is the one it shows as row 1.
        text = text[hint.end() :]
    records = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    return _table((_bounded(record) for record in records), max_rows, test, read_as, notes)


# The longest cell a CSV file may hold: Python's own default limit, stated here so that a
# library that raises the process-wide limit (csv.field_size_limit) does not change it.
FIELD_LIMIT = 131_072


def _bounded(record: list[str]) -> tuple[str, ...]:
    if any(len(cell) > FIELD_LIMIT for cell in record):
        raise csv.Error(f"field larger than field limit ({FIELD_LIMIT})")
    return tuple(record)


def _separator_score(text: str, separator: str, test: HeaderTest) -> tuple[int, int, int]:
    """How well a separator splits the file: a header found, then more columns, then rows
    that agree on how many columns they have."""
    try:
        records = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        rows = list(
            itertools.islice(
                (r for r in records if any(cell.strip() for cell in r)), HEADER_SEARCH_ROWS
            )
        )
    except csv.Error:
        return (0, 0, 0)
    for record in rows:
        if test([header_key(cell) for cell in record]):
            return (1, sum(1 for cell in record if cell.strip()), 0)
    widths = [len(record) for record in rows]
    if not widths or max(widths) < 2:
        return (0, 0, 0)
    agreeing = sum(1 for width in widths if width == widths[-1])
    return (0, agreeing, widths[-1])


# --- the table, whatever file it came from --------------------------------------------------


# A row of the file and its number as a spreadsheet program shows it.
_Numbered = tuple[int, tuple[Cell, ...]]


def _table(
    table: Iterable[tuple[Cell, ...]],
    max_rows: int,
    test: HeaderTest,
    read_as: ReadAs,
    notes: list[str],
) -> SheetRead:
    """The header (the first row `test` accepts among the first rows, else the first row)
    and the rows below it."""
    filled = (
        (number, cells)
        for number, cells in enumerate(table, start=1)
        if any(cell_text(cell) for cell in cells)
    )
    header, above = _find_header(filled, test)
    if header is None:
        if not above:
            return SheetRead(None, [Problem(None, None, "The file is empty.")])
        # No row looks like the header wanted: the first is taken as the header, and the
        # layout that reads it says what it lacks.
        header, rest = above[0], above[1:]
        above = []
        below: Iterable[_Numbered] = itertools.chain(rest, filled)
    else:
        below = filled
    rows, count = _rows_up_to(below, max_rows)
    header_row, header_cells = header
    if count > max_rows:
        message = (
            f"The file has {count:,} rows of data; the limit is {max_rows:,}. "
            f"Split it into files of at most {max_rows:,} rows and upload them one at a time."
        )
        return SheetRead(None, [Problem(None, None, message)])
    names = _header_names(header_cells)
    if above:
        notes.append(_above_header_note(above))
    sheet = Sheet(
        tuple(names), header_row, tuple(rows), replace(read_as, header_row=header_row), tuple(notes)
    )
    if not rows:
        return SheetRead(None, [Problem(header_row, None, "The file has a header but no rows.")])
    if numbers_rows(sheet):
        notes.append("The first column, with no header, only numbers the rows: it is not read.")
        sheet = replace(sheet, notes=tuple(notes))
    return SheetRead(sheet, _beyond_header(sheet))


def _find_header(
    filled: Iterator[_Numbered], test: HeaderTest
) -> tuple[_Numbered | None, list[_Numbered]]:
    """The first row `test` accepts among the first rows (None if none), and the rows above it;
    `filled` is left at the row after the last one read."""
    above: list[_Numbered] = []
    for number, cells in filled:
        if test([header_key(cell_text(cell)) for cell in cells]):
            return (number, cells), above
        above.append((number, cells))
        if len(above) == HEADER_SEARCH_ROWS:
            break
    return None, above


def _rows_up_to(below: Iterable[_Numbered], max_rows: int) -> tuple[list[Row], int]:
    """The first `max_rows` rows below the header, and how many there are in all."""
    rows: list[Row] = []
    count = 0
    for number, cells in below:
        count += 1
        # Past the limit the rows are only counted, so that the message can say how many.
        if count <= max_rows:
            rows.append(Row(number, cells))
    return rows, count


def _header_names(cells: tuple[Cell, ...]) -> list[str]:
    """The header's names, their spaces collapsed, without the empty ones at its end."""
    names = [" ".join(cell_text(cell).split()) for cell in cells]
    while names and not names[-1]:
        names.pop()
    return names


def _above_header_note(above: Sequence[_Numbered]) -> str:
    """The note that the rows above the header were not read, quoting the first."""
    first = next(cell_text(cell) for cell in above[0][1] if cell_text(cell))
    were = "was" if len(above) == 1 else "were"
    return (
        f"{rows_named([n for n, _ in above]).capitalize()} above the header {were} not "
        f"read: {' '.join(first.split())[:80]!r}{' …' if len(above) > 1 else ''}"
    )


def _beyond_header(sheet: Sheet) -> list[Problem]:
    """A value in a column the header does not name is refused, never dropped: in a CSV it
    is most often a number written with a thousands separator and no quotes (1,000)."""
    problems = []
    width = len(sheet.header)
    unnamed = [
        index
        for index, name in enumerate(sheet.header)
        if not name and not (index == 0 and numbers_rows(sheet))
    ]
    for row in sheet.rows:
        beyond = [i for i in range(width, len(row.cells)) if cell_text(row.cells[i])]
        if beyond:
            problems.append(Problem(row.number, None, _beyond_message(sheet, row, beyond)))
    for index in unnamed:
        holding = [row for row in sheet.rows if cell_text(row.get(index))]
        if holding:
            rows = rows_named([row.number for row in holding])
            problems.append(
                Problem(
                    sheet.header_row,
                    None,
                    f"{sheet.column_name(index)} has values ({rows}) but no header; give it "
                    "a header, or delete its values",
                )
            )
    return problems


def numbers_rows(sheet: Sheet) -> bool:
    """Whether the first column, with no header, only numbers the rows 0, 1, 2... or 1, 2,
    3... (the index pandas and other programs write): it holds nothing to read."""
    if not sheet.header or sheet.header[0]:
        return False
    numbers = [cell_text(row.get(0)) for row in sheet.rows]
    first = 0 if numbers[:1] == ["0"] else 1
    return numbers == [str(n) for n in range(first, first + len(numbers))]


def _beyond_message(sheet: Sheet, row: Row, beyond: list[int]) -> str:
    values = ", ".join(repr(cell_text(row.cells[i])) for i in beyond[:3])
    if sheet.read_as.format == "csv":
        cells = sum(
            1 for i in range(len(row.cells)) if i < len(sheet.header) or cell_text(row.cells[i])
        )
        said = (
            f"the row has {cells} values but the header names {len(sheet.header)} columns "
            f"(the extra: {values})"
        )
        texts = [cell_text(cell) for cell in row.cells]
        split = any(
            re.fullmatch(r"\d{1,3}", before) and re.fullmatch(r"\d{3}", after)
            for before, after in itertools.pairwise(texts)
        )
        if sheet.read_as.delimiter == "," and split:
            said += (
                "; a number written with a thousands separator, such as 1,000, must be in "
                'quotes ("1,000") or written without the comma (1000)'
            )
        return said
    last = sheet.column_name(len(sheet.header) - 1)
    return (
        f"{sheet.column_name(beyond[0])} holds {values}, beyond the header's last column "
        f"({last}); give that column a header, or delete the value"
    )


def rows_named(numbers: Sequence[int]) -> str:
    """Rows as a person lists them: 'row 3', 'rows 1-2', 'rows 4, 7 and 9 (and 5 more)'."""
    numbers = sorted(set(numbers))
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"rows {numbers[0]}-{numbers[-1]}"
    shown = ", ".join(map(str, numbers[:_LISTED]))
    more = f" (and {len(numbers) - _LISTED} more)" if len(numbers) > _LISTED else ""
    return f"rows {shown}{more}"


def _letter(index: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(index + 1)


# --- XLSX -----------------------------------------------------------------------------------


class _Unreadable(Exception):
    """The zip opened, but a part of the workbook inside it cannot be read."""


class _TooWide(Exception):
    def __init__(self, row: int, column: int) -> None:
        super().__init__(row, column)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class _SheetPart:
    """A sheet as the workbook lists it: its name, its XML part, whether Excel shows it."""

    name: str
    path: str
    visible: bool


@dataclass
class _Marks:
    """What openpyxl's streaming reader does not give: hidden rows and columns, merged
    ranges, and formulas whose result was never saved."""

    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    unsaved_formulas: list[tuple[int, str]] = field(default_factory=list)


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


def _read_xlsx(
    file_name: str, data: bytes, max_rows: int, test: HeaderTest, wanted: str | None
) -> SheetRead:
    problem = _zip_problem(file_name, data)
    if problem is not None:
        return SheetRead(None, [problem])
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = _sheet_parts(archive)
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not matter here.
            warnings.simplefilter("ignore")
            # Read-only mode streams the sheet rather than holding every cell as an object.
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # A zip that is not a workbook (.docx, .zip, a broken file) fails in many ways
    # inside openpyxl (KeyError, BadZipFile, InvalidFileException, XML parse errors), none of
    # them a bug of ours, so any failure to open it means "not a spreadsheet".
    except Exception:
        return SheetRead(None, [not_a_spreadsheet(file_name)])
    try:
        return _read_workbook(workbook, data, parts, max_rows, test, wanted)
    except _Unreadable:
        return SheetRead(None, [not_a_spreadsheet(file_name)])
    except _TooWide as wide:
        message = (
            f"a value sits in column {wide.column:,}; a sheet is read up to column "
            f"{MAX_COLUMNS}. Delete the columns beyond it and upload the file again."
        )
        return SheetRead(None, [Problem(wide.row, None, message)])
    finally:
        workbook.close()


def _read_workbook(
    workbook: Workbook,
    data: bytes,
    parts: list[_SheetPart],
    max_rows: int,
    test: HeaderTest,
    wanted: str | None,
) -> SheetRead:
    # Chart sheets hold no cells: only worksheets are read.
    worksheets = {sheet.title for sheet in workbook.worksheets}
    sheets = [part for part in parts if part.name in worksheets]
    if not sheets:
        raise _Unreadable
    if wanted is not None:
        chosen = [part for part in sheets if _same_name(part.name, wanted)]
        if not chosen:
            names = ", ".join(f"'{part.name}'" for part in sheets)
            message = f"The workbook has no sheet '{wanted}'; its sheets are {names}."
            return SheetRead(None, [Problem(None, None, message)])
        part = chosen[0]
    else:
        visible = [part for part in sheets if part.visible]
        qualifying = [part for part in visible if _has_header(workbook[part.name], test)]
        if len(qualifying) > 1:
            choices = tuple(part.name for part in qualifying)
            listed = ", ".join(f"'{choice}'" for choice in choices)
            question = Question(
                "sheet",
                f"The sheets {listed} each hold a table that could be meant: say which to read.",
                choices,
                "--sheet",
            )
            return SheetRead(None, questions=[question])
        if qualifying:
            part = qualifying[0]
        else:
            active = workbook.active
            filled = [p for p in visible if _has_rows(workbook[p.name])]
            first = next((p for p in filled if workbook[p.name] is active), None)
            part = first or (filled[0] if filled else (visible or sheets)[0])
    marks = _marks(data, part.path)
    read_as = ReadAs("xlsx", sheet=part.name)
    notes = []
    if len(sheets) > 1 and wanted is None:
        others = ", ".join(f"'{p.name}'" for p in sheets if p is not part)
        notes.append(f"The workbook's other sheets ({others}) were not read.")
    rows = _xlsx_rows(workbook[part.name], marks)
    read = _table(rows, max_rows, test, read_as, notes)
    if read.sheet is None:
        return read
    sheet = read.sheet
    extra_notes, warnings_ = _marks_found(sheet, marks)
    errors = read.errors + _unsaved_formulas(sheet, marks)
    if len(sheets) > 1:
        errors = [replace(problem, sheet=part.name) for problem in errors]
        warnings_ = [replace(problem, sheet=part.name) for problem in warnings_]
    sheet = replace(sheet, notes=sheet.notes + tuple(extra_notes), warnings=tuple(warnings_))
    return SheetRead(sheet, errors)


def _same_name(name: str, wanted: str) -> bool:
    return " ".join(name.split()).casefold() == " ".join(wanted.split()).casefold()


def _sheet_parts(archive: zipfile.ZipFile) -> list[_SheetPart]:
    """The workbook's sheets in order, from its own index (xl/workbook.xml and its rels)."""
    from xml.etree import ElementTree

    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PACKAGE_RELS}Relationship")
    }
    parts = []
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append(
            _SheetPart(sheet.get("name", ""), path, sheet.get("state", "visible") == "visible")
        )
    return parts


def _has_header(sheet: Any, test: HeaderTest) -> bool:
    for values in itertools.islice(_values(sheet), HEADER_SEARCH_ROWS * 2):
        cells = [_xlsx_cell(value) for value in values[:MAX_COLUMNS]]
        if test([header_key(cell_text(cell)) for cell in cells]):
            return True
    return False


def _has_rows(sheet: Any) -> bool:
    return any(
        any(value is not None and str(value).strip() for value in values)
        for values in itertools.islice(_values(sheet), HEADER_SEARCH_ROWS * 2)
    )


def _values(sheet: Any) -> Iterator[tuple[object, ...]]:
    # The size a file declares may be wrong; read every row it has.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
    while True:
        try:
            values = next(rows, None)
        # The sheet's XML is parsed as it is read; a broken part fails only here.
        except Exception as error:
            raise _Unreadable from error
        if values is None:
            return
        yield values


def _marks(data: bytes, path: str) -> _Marks:
    """One streamed pass over a sheet's XML for what openpyxl's read-only mode leaves out."""
    from xml.etree import ElementTree

    from openpyxl.utils.cell import range_boundaries

    marks = _Marks()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as part:
            for _, element in ElementTree.iterparse(part, events=("end",)):
                tag = element.tag.rpartition("}")[2]
                if tag == "c":
                    children = {child.tag.rpartition("}")[2]: child for child in element}
                    value = children.get("v")
                    if "f" in children and (value is None or not (value.text or "").strip()):
                        ref = element.get("r", "")
                        digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
                        if digits.isdigit():
                            marks.unsaved_formulas.append((int(digits), ref))
                elif tag == "row":
                    if element.get("hidden") in ("1", "true") and element.get("r"):
                        marks.hidden_rows.add(int(element.get("r", "0")))
                    element.clear()
                elif tag == "col" and element.get("hidden") in ("1", "true"):
                    marks.hidden_columns.append(
                        (int(element.get("min", "0")), int(element.get("max", "0")))
                    )
                elif tag == "mergeCell" and element.get("ref"):
                    ref = element.get("ref", "")
                    if ":" in ref:
                        low_col, low_row, high_col, high_row = range_boundaries(ref)
                        marks.merged.append((low_col, low_row, high_col, high_row))
    except (KeyError, ElementTree.ParseError, ValueError, zipfile.BadZipFile) as error:
        raise _Unreadable from error
    return marks


def _xlsx_rows(sheet: Any, marks: _Marks) -> Iterator[tuple[Cell, ...]]:
    # A range merged down one column (a date for several rows) holds its value in its first
    # cell only; each row of the range is given it, as Excel shows it.
    down: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for low_col, low_row, _, high_row in marks.merged:
        for row in range(low_row + 1, high_row + 1):
            down.setdefault(row, []).append((low_col - 1, (low_row, low_col - 1)))
    wanted = {anchor for fills in down.values() for _, anchor in fills}
    anchors: dict[tuple[int, int], Cell] = {}
    for number, values in enumerate(_values(sheet), start=1):
        if len(values) > MAX_COLUMNS:
            beyond = values[MAX_COLUMNS:]
            if beyond.count(None) != len(beyond):
                last = max(i for i, value in enumerate(values) if value is not None)
                raise _TooWide(number, last + 1)
            values = values[:MAX_COLUMNS]
        cells = [_xlsx_cell(value) for value in values]
        for index, cell in enumerate(cells):
            if (number, index) in wanted:
                anchors[(number, index)] = cell
        for index, anchor in down.get(number, ()):
            if anchor in anchors and index < MAX_COLUMNS:
                cells.extend([""] * (index + 1 - len(cells)))
                if not cell_text(cells[index]):
                    cells[index] = anchors[anchor]
        yield tuple(cells)


def _marks_found(sheet: Sheet, marks: _Marks) -> tuple[list[str], list[Problem]]:
    """Notes on merged cells filled down, and warnings on hidden rows and columns."""
    notes: list[str] = []
    found: list[Problem] = []
    first, last = sheet.header_row, max((row.number for row in sheet.rows), default=0)
    for low_col, low_row, high_col, high_row in marks.merged:
        if high_row <= first or low_row > last:
            continue
        where = f"{_letter(low_col - 1)}{low_row}:{_letter(high_col - 1)}{high_row}"
        if high_col > low_col and low_row > first:
            found.append(
                Problem(
                    low_row,
                    None,
                    f"cells {where} are merged: the value is read in "
                    f"{_letter(low_col - 1)}{low_row} only; unmerge them and give each cell "
                    "its value",
                )
            )
        elif high_row > low_row:
            notes.append(f"The merged cells {where} give their value to each of their rows.")
    data_rows = {row.number for row in sheet.rows}
    hidden = sorted(marks.hidden_rows & data_rows)
    if hidden:
        named = rows_named(hidden)
        found.append(
            Problem(
                hidden[0],
                None,
                f"{named} {'is' if len(hidden) == 1 else 'are'} hidden in Excel and read like "
                "the others: unhide them to check them, or delete them if they are not to be "
                "imported",
            )
        )
    for low, high in marks.hidden_columns:
        holding = [
            index
            for index in range(low - 1, min(high, MAX_COLUMNS))
            if any(cell_text(row.get(index)) for row in sheet.rows)
        ]
        if holding:
            columns = ", ".join(_letter(index) for index in holding)
            found.append(
                Problem(
                    None,
                    sheet.header[holding[0]] if holding[0] < len(sheet.header) else None,
                    f"column {columns} is hidden in Excel and read like the others: unhide it "
                    "to check it",
                )
            )
    return notes, found


def _unsaved_formulas(sheet: Sheet, marks: _Marks) -> list[Problem]:
    refs = [ref for row, ref in marks.unsaved_formulas if row >= sheet.header_row]
    if not refs:
        return []
    shown = ", ".join(refs[:_LISTED]) + (
        f" and {len(refs) - _LISTED} more" if len(refs) > _LISTED else ""
    )
    first = min(row for row, _ in marks.unsaved_formulas if row >= sheet.header_row)
    said = (
        f"cell {shown} holds a formula whose result was"
        if len(refs) == 1
        else f"cells {shown} hold formulas whose results were"
    )
    return [
        Problem(
            first,
            None,
            f"{said} never saved (the file was written by a program, not saved by Excel): "
            "open it in Excel, save it, and upload it again",
        )
    ]


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
        # A formula's result carries binary rounding (3279.0000000000005): a count it means
        # to give is whole to well within a billionth.
        if math.isfinite(value) and abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
            return round(value)
        return value
    # Text, and the odd time or duration cell, as the text it shows.
    return str(value)


# --- columns --------------------------------------------------------------------------------


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
