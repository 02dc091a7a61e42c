"""The secretariat's checks before a write: parse, validate, warn and preview, without writing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import queries, store
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem
from ctdash.ingest.activities import parse_activity_file
from ctdash.ingest.indicators import parse_indicator_file


@dataclass
class Review:
    """What an upload would write, and everything wrong or worth a second look in it."""

    file_name: str
    data: bytes
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    changes: list[store.Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing stops the commit."""
        return not self.errors


def indicator_pairs(engine: Engine) -> list[tuple[str, str]]:
    """(code, label) of every indicator, in the newsletter's order."""
    frame = queries.indicators(engine)
    return list(zip(frame["code"], frame["label"], strict=True))


def review_indicators(engine: Engine, *, file_name: str, data: bytes, today: date) -> Review:
    """Parse and check a file of figures, and preview it against the current figures."""
    records, errors = parse_indicator_file(
        file_name=file_name, data=data, indicators=indicator_pairs(engine), today=today
    )
    review = Review(file_name, data, errors=errors, observations=records)
    if not errors:
        review.warnings = store.indicator_warnings(
            records, queries.observations(engine), queries.indicators(engine)
        )
        review.changes = store.preview_observations(engine, records)
    return review


def review_activities(engine: Engine, *, file_name: str, data: bytes, today: date) -> Review:
    """Parse and check a file of activities, placing each one with the offline gazetteer."""
    records, errors, warnings = parse_activity_file(file_name=file_name, data=data, today=today)
    return Review(file_name, data, errors=errors, warnings=warnings, activities=records)


def with_coordinates(review: Review, edited: pd.DataFrame) -> Review:
    """The review with latitude and longitude typed in the preview applied to their rows.

    A row given both becomes placed at those coordinates, and its flag about an unknown place
    is settled.
    """
    typed = {
        int(row["Row"]): (float(row["Latitude"]), float(row["Longitude"]))
        for row in edited.to_dict("records")
        if pd.notna(row["Latitude"]) and pd.notna(row["Longitude"])
    }
    placed = []
    fixed = set()
    for record in review.activities:
        point = typed.get(record.row)
        if point is None or point == (record.lat, record.lon):
            placed.append(record)
            continue
        fixed.add(record.row)
        placed.append(
            replace(
                record,
                lat=point[0],
                lon=point[1],
                location_precision="city" if record.city else "country",
                place_basis="latitude and longitude typed in the data desk",
            )
        )
    review.activities = placed
    review.warnings = [w for w in review.warnings if w.row not in fixed]
    return review


def guess_kind(data: bytes) -> str:
    """ "activities" when the file's first line names a title and a kind, else "indicators"."""
    head = data[:2000].decode("utf-8", errors="ignore").lower()
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    return "activities" if "title" in first and "kind" in first else "indicators"


def activity_json(record: ActivityRecord) -> dict[str, object]:
    """An activity read from a file, as JSON-ready data."""
    data = asdict(record)
    data["start_date"] = record.start_date.isoformat()
    data["end_date"] = record.end_date.isoformat()
    data["entities"] = list(record.entities)
    return data
