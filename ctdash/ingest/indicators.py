"""Indicator figures uploaded as CSV or XLSX, long or wide: bytes -> figures and problems."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ctdash.ingest import MAX_UPLOAD_BYTES, ObservationRecord, Parsed, Problem, Question
from ctdash.ingest import dates as dates_
from ctdash.ingest.sheet import (
    Cell,
    Row,
    Sheet,
    cell_text,
    find_columns,
    header_key,
    read_sheet,
    rows_named,
)

DATE_RULE = (
    "Dates may be written YYYY-MM-DD, in words (31 March 2023) or in numbers in either "
    "order (31/03/2023 or 03/31/2023): when every date could be read both ways, you are asked "
    "which; Excel date cells are used as they are."
)

DATE_KEYS = (
    "date",
    "asof",
    "asat",
    "asofdate",
    "asatdate",
    "dateasof",
    "reportingdate",
    "snapshotdate",
)
NOTE_KEYS = ("note", "notes", "comment", "comments", "remarks", "source")
LONG_COLUMNS = {
    "date": DATE_KEYS,
    "indicator": ("indicator", "indicatorcode", "code"),
    "value": ("value", "figure", "count"),
    "note": NOTE_KEYS,
}
_LAYOUTS = (
    "The header row matches neither layout. Long layout: the columns date, indicator, value "
    "(and optionally note), one row per figure. Wide layout: date (or 'as of') as the first "
    "column, then one column per indicator, named by its code or label."
)
_ACTIVITIES_HINT = " This file looks like a list of activities: upload it as activities."
# Thousands grouped by one kind of separator: 200,062 or 1 234 567 or 1'000.
_GROUPED = re.compile(r"\d{1,3}([,' \u00a0\u202f\u2009’])\d{3}(?:\1\d{3})*")
_DOT_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
# A whole number as a program or a formatted cell writes it: 705.0, 3,279.00, 3.279,00.
_WHOLE_DECIMAL = re.compile(r"(\d+)(?:\.|(,)(?=0{1,2}$))(0+)")
_GROUPED_DECIMAL = re.compile(r"(\d{1,3}(?:([,' \u00a0\u202f\u2009’])\d{3})+)\.(\d+)")
_DOT_GROUPED_DECIMAL = re.compile(r"(\d{1,3}(?:[. \u00a0\u202f]\d{3})+),(\d+)")
_FRACTION = re.compile(r"\d+\.\d*[1-9]\d*|\d+,\d*[1-9]\d?")
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!")
# What a person writes in a cell of a wide sheet for "no figure that day".
NO_FIGURE = ("-", "–", "—", "n/a", "na", "n.a.", "..", "…")
_TOTALS = ("total", "totals", "grandtotal", "sum", "totalgeneral", "totalgénéral")
_MAX_VALUE = 2**63 - 1


@dataclass(frozen=True)
class Known:
    """The indicators a file may name, by code or label."""

    by_key: dict[str, str]
    labels: dict[str, str]
    choices: dict[str, str]


def parse_indicator_file(
    *,
    file_name: str,
    data: bytes,
    indicators: Sequence[tuple[str, str]],
    today: date,
    max_bytes: int = MAX_UPLOAD_BYTES,
    sheet: str | None = None,
    date_order: dates_.Order | None = None,
) -> Parsed[ObservationRecord]:
    """Read figures from CSV or XLSX bytes; nothing may be written unless errors and
    questions are empty."""
    known = known_indicators(indicators)
    read = read_sheet(
        file_name=file_name,
        data=data,
        max_bytes=max_bytes,
        is_header=lambda keys: figures_header(keys, known),
        sheet_name=sheet,
    )
    out = read.start(Parsed[ObservationRecord]())
    if read.sheet is None:
        return out
    table = read.sheet
    table = _without_notes_below(table, out)
    keys = [header_key(text) for text in table.header]
    date_index = next((i for i, key in enumerate(keys) if key), 0)
    if "indicator" in keys or "value" in keys:
        _read_long(table, known, today, date_order, out)
    elif keys and keys[date_index] in DATE_KEYS:
        _read_wide(table, known, today, date_order, date_index, out)
    else:
        hint = _ACTIVITIES_HINT if {"title", "kind"} <= set(keys) else ""
        out.errors.append(Problem(table.header_row, None, _LAYOUTS + hint))
    out.errors.sort(key=lambda problem: problem.row or 0)
    out.warnings.sort(key=lambda problem: problem.row or 0)
    if out.questions:
        out.records = []
    return out


def figures_header(keys: Sequence[str], known: Known) -> bool:
    """Whether a row of header keys is the header of a file of figures, long or wide."""
    present = {key for key in keys if key}
    has_date = bool(present & set(DATE_KEYS))
    names = {"indicator", "value"} & present
    first = next((key for key in keys if key), "")
    wide = first in DATE_KEYS and any(key in known.by_key for key in present)
    return len(names) == 2 or (has_date and bool(names)) or wide


def parse_count(cell: Cell, *, dot_thousands: bool = False) -> tuple[int | None, str | None]:
    """A figure as a whole, non-negative number (200,062, 200 062 and 3,279.00 allowed),
    or why not. With `dot_thousands` (the file writes numbers the German way), 1.044 is a
    thousand and forty-four."""
    if isinstance(cell, float):
        if not math.isfinite(cell) or not cell.is_integer():
            return None, f"{cell:.15g} is not a whole number"
        cell = int(cell)
    if isinstance(cell, int):
        if cell < 0:
            return None, f"{cell} must not be negative"
        return (cell, None) if cell <= _MAX_VALUE else (None, f"{cell} is too large")
    text = cell_text(cell)
    if text.upper() in _EXCEL_ERRORS:
        return None, f"the formula in this cell gives an error ({text}); correct it in Excel"
    body = text
    negative = body[:1] in ("-", "−", "(") and (body[:1] != "(" or body.endswith(")"))
    if negative or body[:1] == "+":
        body = body[1:].removesuffix(")").strip() if body[:1] == "(" else body[1:].strip()
    if re.fullmatch(r"\d+", body):
        digits = body
    elif (found := _GROUPED.fullmatch(body)) and dot_thousands and found[1] == ",":
        return None, (
            f"'{text}' could be {body.replace(',', '')} or {body.replace(',', '.')} in a file "
            "that writes numbers the European way; write it without a separator"
        )
    elif _GROUPED.fullmatch(body):
        digits = re.sub(r"\D", "", body)
    elif (zeros := _WHOLE_DECIMAL.fullmatch(body)) and len(zeros[3]) != 3:
        # 705.0, 705.00, 47,00: a whole number a program or a formatted cell writes; 1.000
        # and 1,000 are left to the patterns of thousands.
        digits = zeros[1]
    elif (grouped := _GROUPED_DECIMAL.fullmatch(body)) and grouped[2] != ".":
        if set(grouped[3]) != {"0"}:
            return None, f"'{text}' is not a whole number: a count has no fraction"
        digits = re.sub(r"\D", "", grouped[1])
    elif grouped := _DOT_GROUPED_DECIMAL.fullmatch(body):
        if set(grouped[2]) != {"0"}:
            return None, f"'{text}' is not a whole number: a count has no fraction"
        digits = re.sub(r"\D", "", grouped[1])
    elif _DOT_GROUPED.fullmatch(body) and dot_thousands:
        digits = body.replace(".", "")
    elif _DOT_GROUPED.fullmatch(body):
        return None, (
            f"'{text}' is not a whole number: a '.' is read as a decimal point; "
            f"write thousands as {_DOT_GROUPED.sub(lambda m: m[0].replace('.', ','), body)} "
            "or without a separator"
        )
    elif _FRACTION.fullmatch(body):
        return None, f"'{text}' is not a whole number: a count has no fraction"
    else:
        return None, f"'{text}' is not a whole number"
    # int() refuses a text of more than 4,300 digits; the largest figure kept has 19.
    if len(digits.lstrip("0")) > len(str(_MAX_VALUE)):
        return None, f"'{text}' must not be negative" if negative else f"'{text}' is too large"
    value = int(digits)
    if negative and value:
        return None, f"'{text}' must not be negative"
    return (value, None) if value <= _MAX_VALUE else (None, f"'{text}' is too large")


def known_indicators(indicators: Sequence[tuple[str, str]]) -> Known:
    """The indicators' codes and labels as a file may write them."""
    if not indicators:
        raise ValueError("indicators must name at least one (code, label) pair")
    by_key: dict[str, str] = {}
    choices: dict[str, str] = {}
    for code, label in indicators:
        by_key[header_key(code)] = code
        by_key.setdefault(header_key(label), code)
        choices.setdefault(" ".join(label.casefold().split()), code)
        choices.setdefault(code.replace("_", " ").casefold(), code)
    return Known(by_key, dict(indicators), choices)


def _unknown(text: str, known: Known) -> str:
    shown = " ".join(text.split())
    wanted = " ".join(text.replace("_", " ").casefold().split())
    close = difflib.get_close_matches(wanted, list(known.choices), n=1, cutoff=0.5)
    if not close:
        return f"unknown indicator '{shown}'; use a code or label from the template"
    code = known.choices[close[0]]
    return f"unknown indicator '{shown}'; did you mean '{known.labels[code]}' ({code})?"


def _without_notes_below(table: Sheet, out: Parsed[ObservationRecord]) -> Sheet:
    """The table without the lines of text written below it ("Source: ...", "Prepared by
    ..."): rows of one cell of words at its end, which hold no figure."""
    rows = list(table.rows)
    notes: list[Row] = []
    while len(rows) > 1:
        filled = [cell for cell in rows[-1].cells if cell_text(cell)]
        text = cell_text(filled[0]) if len(filled) == 1 else ""
        words = re.findall(r"[^\W\d_]{2,}", text)
        if not words or dates_.parse_date(text) is not None or header_key(text) in _TOTALS:
            break
        notes.append(rows.pop())
    if notes:
        first = cell_text(next(cell for cell in notes[-1].cells if cell_text(cell)))
        out.notes.append(
            f"{rows_named([row.number for row in notes]).capitalize()} below the table "
            f"{'holds' if len(notes) == 1 else 'hold'} only text, read as a note and not "
            f"imported: {' '.join(first.split())[:80]!r}"
        )
    return replace(table, rows=tuple(rows))


def _order(
    table: Sheet, index: int, given: dates_.Order | None, out: Parsed[ObservationRecord]
) -> dates_.Order | None:
    """The day/month order of the date column, decided once for the whole file."""
    written = [(row.number, cell) for row in table.rows if isinstance(cell := row.get(index), str)]
    return decide_order(written, given, table.header[index], out)


def decide_order(
    written: Sequence[tuple[int, str]],
    given: dates_.Order | None,
    column: str,
    out: Parsed,
) -> dates_.Order | None:
    """Decide the file's date order from its dates in numbers; a mix is an error, dates that
    all read both ways a question."""
    decision = dates_.decide(written, given)
    if decision.mixed:
        by_order: dict[str, list[tuple[int, str]]] = {}
        for row, text, order in decision.mixed:
            by_order.setdefault(order, []).append((row, text))
        day, month = by_order["dmy"], by_order["mdy"]
        out.errors.append(
            Problem(
                month[0][0] if month[0][0] > day[0][0] else day[0][0],
                column,
                f"the dates are written both day first ({_examples(day)}) and month first "
                f"({_examples(month)}); write every date the same way, best as YYYY-MM-DD",
            )
        )
        return None
    if decision.ambiguous:
        row, text = decision.ambiguous[0]
        out.questions.append(
            Question(
                "date_order",
                f"Every date in numbers reads both ways (row {row}: {text} is "
                f"{_both_ways(text)}): say whether the file writes the day or the month first.",
                ("dmy", "mdy"),
                "--date-order",
            )
        )
        return None
    if decision.order is not None and out.read_as is not None:
        out.read_as = replace(out.read_as, date_order=decision.order, date_basis=decision.basis)
    return decision.order


def _examples(found: list[tuple[int, str]]) -> str:
    shown = ", ".join(f"row {row}: {text}" for row, text in found[:3])
    return shown + (f" and {len(found) - 3} more" if len(found) > 3 else "")


def _both_ways(text: str) -> str:
    day_first = dates_.parse_date(text, "dmy")
    month_first = dates_.parse_date(text, "mdy")
    if day_first is None or month_first is None:
        return "unclear"
    return f"{day_first:%-d %B %Y} day first, {month_first:%-d %B %Y} month first"


_DOT_EVIDENCE = re.compile(r"\d{1,3}(?:\.\d{3}){2,}|\d{1,3}(?:\.\d{3})+,\d+")
_COMMA_EVIDENCE = re.compile(r"\d{1,3}(?:,\d{3}){2,}|\d{1,3}(?:,\d{3})+\.\d+")
_DOTTED_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")


def _dot_thousands(
    sheet: Sheet, date_index: int, value_columns: Sequence[int], out: Parsed[ObservationRecord]
) -> bool:
    """Whether the file writes numbers the way German, Spanish or French Excel does (1.044 for
    a thousand and forty-four): its own numbers say so (1.234.567 or 1.234,5), or it is
    separated by semicolons and writes its dates 30.06.2024; never when a number says the
    other (1,234,567 or 1,234.5)."""
    values = [cell_text(row.get(i)) for row in sheet.rows for i in value_columns]
    if any(_COMMA_EVIDENCE.fullmatch(text) for text in values):
        return False
    dated = any(_DOTTED_DATE.fullmatch(cell_text(row.get(date_index))) for row in sheet.rows)
    found = any(_DOT_EVIDENCE.fullmatch(text) for text in values) or (
        sheet.read_as.delimiter == ";" and dated
    )
    if found and any(_DOT_GROUPED.fullmatch(text) for text in values):
        out.notes.append(
            "A '.' between groups of three digits is read as a thousands separator (1.044 is "
            "one thousand and forty-four), as the file writes numbers and dates the European "
            "way."
        )
    return found


def _note(row: Row, columns: dict[str, int], sheet: Sheet) -> str | None:
    texts = []
    for index in sorted(columns.values()):
        text = " ".join(cell_text(row.get(index)).split())
        if text:
            name = sheet.header[index]
            texts.append(text if header_key(name) != "source" else f"Source: {text}")
    return "; ".join(texts) or None


def _read_long(
    sheet: Sheet,
    known: Known,
    today: date,
    given: dates_.Order | None,
    out: Parsed[ObservationRecord],
) -> None:
    """Read the figures of a sheet in the long layout, one figure a row, into `out`."""
    found = _long_columns(sheet, out)
    if found is None:
        return
    columns, note_columns = found
    _unread(sheet, set(columns.values()) | set(note_columns.values()), out)
    date_column, code_column, value_column = (
        sheet.header[columns[name]] for name in ("date", "indicator", "value")
    )
    order = _order(sheet, columns["date"], given, out)
    dots = _dot_thousands(sheet, columns["date"], [columns["value"]], out)
    kept = _Kept(known)
    for row in sheet.rows:
        as_of = _as_of(row, columns["date"], date_column, today, order, out)
        code = _indicator(row, columns["indicator"], code_column, known, out)
        value = _long_value(row, columns["value"], value_column, dots, out)
        if code and as_of and value is not None:
            note = _note(row, note_columns, sheet)
            record = ObservationRecord(row.number, code, as_of, value, note)
            out.errors.extend(kept.add(record, value_column))
    if (
        not kept.records
        and not out.errors
        and out.warnings
        and len(out.warnings) >= len(sheet.rows)
    ):
        out.warnings = [w for w in out.warnings if w.column != value_column]
        out.errors.append(
            Problem(None, None, "The file has no figures: every value cell is empty.")
        )
    out.records = kept.records


def _long_columns(
    sheet: Sheet, out: Parsed[ObservationRecord]
) -> tuple[dict[str, int], dict[str, int]] | None:
    """The long layout's columns by name and its note columns; None when the header lacks
    one it needs (an error in `out`)."""
    columns, problems = find_columns(sheet, {k: v for k, v in LONG_COLUMNS.items() if k != "note"})
    out.errors.extend(problems)
    note_columns = {
        f"note{index}": index
        for index, text in enumerate(sheet.header)
        if header_key(text) in NOTE_KEYS
    }
    missing = [name for name in ("date", "indicator", "value") if name not in columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        out.errors.append(
            Problem(
                sheet.header_row,
                None,
                f"The header has no {names} column; the long layout needs date, indicator, "
                "value (and optionally note).",
            )
        )
        return None
    return columns, note_columns


def _indicator(
    row: Row, index: int, column: str, known: Known, out: Parsed[ObservationRecord]
) -> str | None:
    """The code of the indicator a row names; an empty, total or unknown one is an error."""
    text = cell_text(row.get(index))
    code = known.by_key.get(header_key(text))
    if not text:
        out.errors.append(Problem(row.number, column, "the indicator is empty"))
    elif header_key(text) in _TOTALS:
        out.errors.append(Problem(row.number, column, _total(text)))
    elif code is None:
        out.errors.append(Problem(row.number, column, _unknown(text, known)))
    return code


def _long_value(
    row: Row, index: int, column: str, dots: bool, out: Parsed[ObservationRecord]
) -> int | None:
    """The figure a row gives; None when it gives none (a warning) or a bad one (an error)."""
    cell = row.get(index)
    if cell_text(cell).casefold() in NO_FIGURE or not cell_text(cell):
        # A row that names a figure but gives none ("n/a", "-", empty): nothing is read
        # from it, and a person looks before the rest is written.
        said = f"'{cell_text(cell)}'" if cell_text(cell) else "empty"
        message = f"the value is {said}: no figure is read from this row"
        out.warnings.append(Problem(row.number, column, message))
        return None
    value, error = parse_count(cell, dot_thousands=dots)
    if error:
        out.errors.append(Problem(row.number, column, error))
    return value


def _unread(sheet: Sheet, used: set[int], out: Parsed[ObservationRecord]) -> None:
    unread = [text for index, text in enumerate(sheet.header) if text and index not in used]
    if unread:
        names = ", ".join(f"'{text}'" for text in unread)
        out.notes.append(f"Not read: the column{'s' if len(unread) > 1 else ''} {names}.")


def _read_wide(
    sheet: Sheet,
    known: Known,
    today: date,
    given: dates_.Order | None,
    date_index: int,
    out: Parsed[ObservationRecord],
) -> None:
    """Read the figures of a sheet in the wide layout, a date a row and an indicator a
    column, into `out`."""
    problems = out.errors
    codes, note_columns = _wide_columns(sheet, known, date_index, problems)
    order = _order(sheet, date_index, given, out)
    dots = _dot_thousands(sheet, date_index, list(codes), out)
    kept = _Kept(known)
    figures = 0
    no_figure: list[int] = []
    for row in sheet.rows:
        filled = _filled(row, codes, no_figure)
        date_column = sheet.header[date_index]
        as_of = _wide_date(row, date_index, date_column, bool(filled), today, order, out)
        for index in filled:
            figures += 1
            value, error = parse_count(row.get(index), dot_thousands=dots)
            if error:
                problems.append(Problem(row.number, sheet.header[index], error))
            elif as_of and value is not None:
                note = _note(row, note_columns, sheet)
                record = ObservationRecord(row.number, codes[index], as_of, value, note)
                problems.extend(kept.add(record, sheet.header[index]))
    if no_figure:
        out.notes.append(
            f"Cells marked '-' or 'n/a' ({rows_named(no_figure)}) were read as no figure."
        )
    if codes and not figures and not problems:
        problems.append(
            Problem(None, None, "The file has no figures: every indicator cell is empty.")
        )
    out.records = kept.records


def _wide_columns(
    sheet: Sheet, known: Known, date_index: int, problems: list[Problem]
) -> tuple[dict[int, str], dict[str, int]]:
    """The indicator code of each column after the date, and the note columns; a column of
    an unknown or repeated indicator is an error."""
    codes: dict[int, str] = {}
    seen: dict[str, int] = {}
    note_columns: dict[str, int] = {}
    for index in range(date_index + 1, len(sheet.header)):
        text = sheet.header[index]
        if not text:
            continue
        code = known.by_key.get(header_key(text))
        if header_key(text) in NOTE_KEYS:
            note_columns[f"note{index}"] = index
        elif code is None:
            problems.append(Problem(sheet.header_row, text, _unknown(text, known)))
        elif code in seen:
            first = sheet.header[seen[code]]
            problems.append(
                Problem(
                    sheet.header_row,
                    text,
                    f"this column and column '{first}' are both '{known.labels[code]}'; keep one",
                )
            )
        else:
            seen[code] = index
            codes[index] = code
    if not seen and not problems:
        problems.append(
            Problem(sheet.header_row, None, "The header names no indicator column. " + _LAYOUTS)
        )
    return codes, note_columns


def _filled(row: Row, codes: dict[int, str], no_figure: list[int]) -> list[int]:
    """The indicator columns a row writes a figure in; a cell marked as no figure ('-',
    'n/a') adds the row's number to `no_figure`."""
    filled = []
    for index in codes:
        text = cell_text(row.get(index))
        if text.casefold() in NO_FIGURE:
            no_figure.append(row.number)
        elif text:
            filled.append(index)
    return filled


def _wide_date(
    row: Row,
    index: int,
    column: str,
    filled: bool,
    today: date,
    order: dates_.Order | None,
    out: Parsed[ObservationRecord],
) -> date | None:
    """The date of a row that writes figures; None for one that writes none, an error when
    it starts a total row."""
    if filled:
        return _as_of(row, index, column, today, order, out)
    if header_key(cell_text(row.get(index))) in _TOTALS:
        out.errors.append(Problem(row.number, column, _total(cell_text(row.get(index)))))
    return None


def _total(text: str) -> str:
    return (
        f"'{text}' starts a total row, which is not a figure of its own; delete the row and "
        "upload the file again"
    )


def _as_of(
    row: Row,
    index: int,
    column: str,
    today: date,
    order: dates_.Order | None,
    out: Parsed[ObservationRecord],
) -> date | None:
    cell = row.get(index)
    text = cell_text(cell)
    if not text:
        out.errors.append(Problem(row.number, column, "the date is empty"))
        return None
    if header_key(text) in _TOTALS:
        out.errors.append(Problem(row.number, column, _total(text)))
        return None
    as_of = dates_.parse_date(cell, order)
    if as_of is None:
        # A date that reads both ways is the file's question (or its mix of orders), not
        # a problem of its row.
        if order is not None or dates_.evidence(text) != "either":
            out.errors.append(Problem(row.number, column, bad_date(cell)))
        return None
    if as_of > today:
        message = f"{as_of.isoformat()} is in the future (today is {today.isoformat()})"
        out.errors.append(Problem(row.number, column, message))
        return None
    return as_of


def bad_date(cell: Cell) -> str:
    """The message for a cell that is not a date."""
    text = cell_text(cell)
    if isinstance(cell, int | float):
        return (
            f"{text} is a number, not a date; format the cell as a date in Excel, or write "
            "it as YYYY-MM-DD"
        )
    parts = dates_.numeric(text)
    if parts is not None and dates_.LAST_SHORT_YEAR < parts[2] < 100:
        return f"'{text}' has a two-digit year; write the year in full, or as YYYY-MM-DD"
    return f"'{text}' is not a valid date; write it as YYYY-MM-DD"


class _Kept:
    """The records so far, one per (indicator, date): a repeat is dropped or reported."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self.records: list[ObservationRecord] = []
        self.first: dict[tuple[str, date], ObservationRecord] = {}

    def add(self, record: ObservationRecord, column: str) -> list[Problem]:
        """Keep a record; a clash with an earlier row's value is a problem on this row."""
        earlier = self.first.get((record.code, record.as_of))
        if earlier is None:
            self.first[(record.code, record.as_of)] = record
            self.records.append(record)
            return []
        if earlier.value == record.value:
            return []
        message = (
            f"row {earlier.row} gives {earlier.value:,} for '{self.known.labels[record.code]}' "
            f"as of {record.as_of.isoformat()}; this row gives {record.value:,}"
        )
        return [Problem(record.row, column, message)]
