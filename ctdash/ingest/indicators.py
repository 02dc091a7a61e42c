"""Indicator figures uploaded as CSV or XLSX, long or wide: bytes -> (observations, problems)."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ctdash.ingest import MAX_UPLOAD_BYTES, ObservationRecord, Problem
from ctdash.ingest.sheet import (
    Cell,
    Row,
    Sheet,
    bad_date,
    cell_text,
    find_columns,
    header_key,
    parse_date,
    read_sheet,
)

DATE_RULE = (
    "Dates are read as YYYY-MM-DD or day first (DD/MM/YYYY); Excel date cells are used as they are."
)

DATE_KEYS = ("date", "asof")
LONG_COLUMNS = {
    "date": DATE_KEYS,
    "indicator": ("indicator",),
    "value": ("value",),
    "note": ("note",),
}
_LAYOUTS = (
    "The header row matches neither layout. Long layout: the columns date, indicator, value "
    "(and optionally note), one row per figure. Wide layout: date (or 'as of') as the first "
    "column, then one column per indicator, named by its code or label."
)
# Thousands grouped by one kind of separator: 200,062 or 1 234 567 or 1'000.
_GROUPED = re.compile(r"\d{1,3}([,' \u00a0\u202f\u2009’])\d{3}(?:\1\d{3})*")
_DOT_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3})+")
# 705.0 as a program writes a whole number; 1.000 is left out, as it may mean a thousand.
_WHOLE_DECIMAL = re.compile(r"(\d+)\.(0+)")
_MAX_VALUE = 2**63 - 1


@dataclass(frozen=True)
class _Known:
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
) -> tuple[list[ObservationRecord], list[Problem]]:
    """Read figures from CSV or XLSX bytes; write nothing unless the problems list is empty."""
    known = _known(indicators)
    sheet, problems = read_sheet(file_name=file_name, data=data, max_bytes=max_bytes)
    if sheet is None:
        return [], problems
    keys = [header_key(text) for text in sheet.header]
    if "indicator" in keys or "value" in keys:
        records, problems = _read_long(sheet, known, today)
    elif keys and keys[0] in DATE_KEYS:
        records, problems = _read_wide(sheet, known, today)
    else:
        records, problems = [], [Problem(sheet.header_row, None, _LAYOUTS)]
    problems.sort(key=lambda problem: problem.row or 0)
    return records, problems


def parse_count(cell: Cell) -> tuple[int | None, str | None]:
    """A figure as a whole, non-negative number (200,062 and 200 062 allowed), or why not."""
    if isinstance(cell, float):
        if not math.isfinite(cell) or not cell.is_integer():
            return None, f"{cell:g} is not a whole number"
        cell = int(cell)
    if isinstance(cell, int):
        if cell < 0:
            return None, f"{cell} must not be negative"
        return (cell, None) if cell <= _MAX_VALUE else (None, f"{cell} is too large")
    text = cell_text(cell)
    body = text
    negative = body[:1] in ("-", "−")
    if negative or body[:1] == "+":
        body = body[1:].strip()
    if re.fullmatch(r"\d+", body):
        digits = body
    elif _GROUPED.fullmatch(body):
        digits = re.sub(r"\D", "", body)
    elif (zeros := _WHOLE_DECIMAL.fullmatch(body)) and len(zeros[2]) != 3:
        digits = zeros[1]
    elif _DOT_GROUPED.fullmatch(body):
        return None, (
            f"'{text}' is not a whole number: a '.' is read as a decimal point; "
            f"write thousands as {_DOT_GROUPED.sub(lambda m: m[0].replace('.', ','), body)} "
            "or without a separator"
        )
    else:
        return None, f"'{text}' is not a whole number"
    # int() refuses a text of more than 4,300 digits; the largest figure kept has 19.
    if len(digits.lstrip("0")) > len(str(_MAX_VALUE)):
        return None, f"'{text}' must not be negative" if negative else f"'{text}' is too large"
    value = int(digits)
    if negative and value:
        return None, f"'{text}' must not be negative"
    return (value, None) if value <= _MAX_VALUE else (None, f"'{text}' is too large")


def _known(indicators: Sequence[tuple[str, str]]) -> _Known:
    if not indicators:
        raise ValueError("indicators must name at least one (code, label) pair")
    by_key: dict[str, str] = {}
    choices: dict[str, str] = {}
    for code, label in indicators:
        by_key[header_key(code)] = code
        by_key.setdefault(header_key(label), code)
        choices.setdefault(" ".join(label.casefold().split()), code)
        choices.setdefault(code.replace("_", " ").casefold(), code)
    return _Known(by_key, dict(indicators), choices)


def _unknown(text: str, known: _Known) -> str:
    shown = " ".join(text.split())
    wanted = " ".join(text.replace("_", " ").casefold().split())
    close = difflib.get_close_matches(wanted, list(known.choices), n=1, cutoff=0.5)
    if not close:
        return f"unknown indicator '{shown}'; use a code or label from the template"
    code = known.choices[close[0]]
    return f"unknown indicator '{shown}'; did you mean '{known.labels[code]}' ({code})?"


def _read_long(
    sheet: Sheet, known: _Known, today: date
) -> tuple[list[ObservationRecord], list[Problem]]:
    columns, problems = find_columns(sheet, LONG_COLUMNS)
    missing = [name for name in ("date", "indicator", "value") if name not in columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        problems.append(
            Problem(
                sheet.header_row,
                None,
                f"The header has no {names} column; the long layout needs date, indicator, "
                "value (and optionally note).",
            )
        )
    if missing:
        return [], problems
    date_column, code_column, value_column = (
        sheet.header[columns[name]] for name in ("date", "indicator", "value")
    )
    kept = _Kept(known)
    for row in sheet.rows:
        as_of = _as_of(row, columns["date"], date_column, today, problems)
        text = cell_text(row.get(columns["indicator"]))
        code = known.by_key.get(header_key(text))
        if not text:
            problems.append(Problem(row.number, code_column, "the indicator is empty"))
        elif code is None:
            problems.append(Problem(row.number, code_column, _unknown(text, known)))
        value: int | None = None
        cell = row.get(columns["value"])
        if cell_text(cell):
            value, error = parse_count(cell)
            if error:
                problems.append(Problem(row.number, value_column, error))
        else:
            problems.append(Problem(row.number, value_column, "the value is empty"))
        note = cell_text(row.get(columns.get("note"))) or None
        if code and as_of and value is not None:
            record = ObservationRecord(row.number, code, as_of, value, note)
            problems.extend(kept.add(record, value_column))
    return kept.records, problems


def _read_wide(
    sheet: Sheet, known: _Known, today: date
) -> tuple[list[ObservationRecord], list[Problem]]:
    problems: list[Problem] = []
    codes: dict[int, str] = {}
    seen: dict[str, int] = {}
    width = max(len(sheet.header), *(len(row.cells) for row in sheet.rows))
    for index in range(1, width):
        text = sheet.header[index] if index < len(sheet.header) else ""
        if not text:
            if any(cell_text(row.get(index)) for row in sheet.rows):
                problems.append(
                    Problem(sheet.header_row, None, f"column {index + 1} has figures but no header")
                )
            continue
        code = known.by_key.get(header_key(text))
        if code is None:
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
    kept = _Kept(known)
    figures = 0
    for row in sheet.rows:
        filled = [index for index in codes if cell_text(row.get(index))]
        as_of = _as_of(row, 0, sheet.header[0], today, problems) if filled else None
        for index in filled:
            figures += 1
            value, error = parse_count(row.get(index))
            if error:
                problems.append(Problem(row.number, sheet.header[index], error))
            elif as_of and value is not None:
                record = ObservationRecord(row.number, codes[index], as_of, value)
                problems.extend(kept.add(record, sheet.header[index]))
    if codes and not figures and not problems:
        problems.append(
            Problem(None, None, "The file has no figures: every indicator cell is empty.")
        )
    return kept.records, problems


def _as_of(row: Row, index: int, column: str, today: date, problems: list[Problem]) -> date | None:
    cell = row.get(index)
    if not cell_text(cell):
        problems.append(Problem(row.number, column, "the date is empty"))
        return None
    as_of = parse_date(cell)
    if as_of is None:
        problems.append(Problem(row.number, column, bad_date(cell)))
        return None
    if as_of > today:
        message = f"{as_of.isoformat()} is in the future (today is {today.isoformat()})"
        problems.append(Problem(row.number, column, message))
        return None
    return as_of


class _Kept:
    """The records so far, one per (indicator, date): a repeat is dropped or reported."""

    def __init__(self, known: _Known) -> None:
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
