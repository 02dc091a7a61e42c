"""Uploads and imports: bytes or text in, (records, problems) out; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from ctdash.ingest.sheet import ReadAs

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
    sheet: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        place = ", ".join(where)
        return (place[:1].upper() + place[1:] + ": " if where else "") + self.message

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON-ready data."""
        return {
            "row": self.row,
            "column": self.column,
            "sheet": self.sheet,
            "message": self.message,
        }


@dataclass(frozen=True)
class Question:
    """An ambiguity in a file that only its sender can settle (which sheet, which date order).

    Nothing is read from the file, so nothing can be written, until it is answered: with the
    command line's `option`, or with the choice the data desk shows.
    """

    about: str
    message: str
    options: tuple[str, ...]
    option: str

    def as_dict(self) -> dict[str, object]:
        """The question as JSON-ready data."""
        return {
            "about": self.about,
            "message": self.message,
            "options": list(self.options),
            "option": self.option,
        }


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


Record = TypeVar("Record", ObservationRecord, ActivityRecord)


@dataclass
class Parsed(Generic[Record]):
    """What a file gave: its records, and everything to tell the person who sent it.

    `errors` refuse the file; `questions` hold it until answered (its records are empty
    meanwhile); `warnings` hold it until a person accepts them; `notes` say what was assumed
    or passed over, for the preview.
    """

    records: list[Record] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    read_as: ReadAs | None = None
