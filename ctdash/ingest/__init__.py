"""Uploads and imports: bytes or text in, (records, problems) out; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """Something wrong (an error) or worth a second look (a warning) in an uploaded file.

    `row` is the row number a spreadsheet program shows (the header is row 1); `column` is
    the column's header as written in the file.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        place = ", ".join(where)
        return (place[:1].upper() + place[1:] + ": " if where else "") + self.message

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data."""
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class ObservationRecord:
    """One figure read from a file: an indicator's value as of a date."""

    row: int
    code: str
    as_of: date
    value: int
    note: str | None = None


@dataclass(frozen=True)
class ActivityRecord:
    """One activity read from a file, placed by the offline gazetteer."""

    row: int
    title: str
    kind: str
    start_date: date
    end_date: date
    country_iso3: str | None = None
    city: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_precision: str = "none"
    entities: tuple[str, ...] = field(default_factory=tuple)
    working_group: str | None = None
    online: bool = False
    url: str | None = None
    place_basis: str | None = None
    internal: bool = False
