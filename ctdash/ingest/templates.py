"""Blank upload templates, CSV or XLSX, that the upload parsers read back once filled in."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Literal

from ctdash.ingest.activities import ACTIVITY_HEADER
from ctdash.ingest.indicators import DATE_RULE

Layout = Literal["long", "wide"]
Format = Literal["csv", "xlsx"]
LONG_HEADER = ("date", "indicator", "value", "note")


def indicator_template(
    *,
    layout: Layout,
    fmt: Format,
    indicators: Sequence[tuple[str, str]],
    example_date: date | None = None,
) -> bytes:
    """A figures template: long (one row per indicator) or wide (one column per code), no values."""
    if layout == "long":
        header: tuple[str, ...] = LONG_HEADER
        rows = [[example_date, code, None, None] for code, _ in indicators]
    elif layout == "wide":
        header = ("date", *(code for code, _ in indicators))
        rows = [[example_date, *(None for _ in indicators)]]
    else:
        raise ValueError(f"layout must be 'long' or 'wide', not {layout!r}")
    notes = [
        ("Indicator codes and labels (either may be used):", ""),
        *indicators,
        ("", ""),
        (DATE_RULE, ""),
        ("Values are whole numbers; 200,062 and 200062 are both read.", ""),
    ]
    return _write(fmt=fmt, title="figures", header=header, rows=rows, notes=notes)


def activity_template(*, fmt: Format) -> bytes:
    """An activities template: the header row only."""
    notes = [
        ("title, kind and start are required; end defaults to start.", ""),
        ("country: a name or an ISO3 code. entities: separated by ';'.", ""),
        ("online: yes or no. lat and lon: both or neither, in decimal degrees.", ""),
        ("internal: yes for an activity only signed-in users may see; empty or no: public.", ""),
        (DATE_RULE, ""),
    ]
    return _write(fmt=fmt, title="activities", header=ACTIVITY_HEADER, rows=[], notes=notes)


def _write(
    *,
    fmt: Format,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    notes: Sequence[tuple[str, str]],
) -> bytes:
    if fmt == "csv":
        return _csv(header, rows)
    if fmt == "xlsx":
        return _xlsx(title, header, rows, notes)
    raise ValueError(f"fmt must be 'csv' or 'xlsx', not {fmt!r}")


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            "" if cell is None else cell.isoformat() if isinstance(cell, date) else cell
            for cell in row
        )
    # With a BOM, Excel opens the file as UTF-8 rather than in the Windows code page.
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    notes: Sequence[tuple[str, str]],
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=2, max_col=1):
        for cell in column:
            cell.number_format = "yyyy-mm-dd"
    for index, text in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(len(text) + 2, 40))
    sheet.freeze_panes = "A2"
    # The reader takes the active sheet, so the notes sit on a second one.
    help_sheet = workbook.create_sheet("how to fill in")
    for note in notes:
        help_sheet.append(list(note))
    help_sheet.column_dimensions["A"].width = 60
    help_sheet.column_dimensions["B"].width = 40
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
