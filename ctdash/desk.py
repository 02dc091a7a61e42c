"""The secretariat's checks before a write: parse, validate, warn and preview, without writing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Literal

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ctdash import geo, queries, store
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem
from ctdash.ingest.activities import parse_activity_file
from ctdash.ingest.indicators import parse_indicator_file
from ctdash.ingest.newsletter import parse_newsletter
from ctdash.models import Indicator

Status = Literal["new", "changed", "unchanged"]


@dataclass(frozen=True)
class Change:
    """What committing one uploaded figure would do to the current figures."""

    row: int
    code: str
    label: str
    as_of: date
    old: int | None
    new: int
    status: Status


@dataclass
class Review:
    """What an upload would write, and everything wrong or worth a second look in it."""

    file_name: str
    data: bytes
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing stops the commit."""
        return not self.errors


def indicator_pairs(engine: Engine) -> list[tuple[str, str]]:
    """(code, label) of every indicator, in the newsletter's order."""
    frame = queries.indicators(engine)
    return list(zip(frame["code"], frame["label"], strict=True))


def preview_observations(engine: Engine, records: Sequence[ObservationRecord]) -> list[Change]:
    """For each uploaded figure: new, changed (old -> new) or unchanged against the current."""
    with Session(engine) as session:
        slots = store.current_slots(session)
        labels = dict(session.exec(select(Indicator.code, Indicator.label)).all())
    changes = []
    for record in records:
        previous = slots.get((record.code, record.as_of), store.Slot(None, 0)).value
        status: Status = (
            "new" if previous is None else "unchanged" if previous == record.value else "changed"
        )
        changes.append(
            Change(
                record.row,
                record.code,
                labels.get(record.code, record.code),
                record.as_of,
                previous,
                record.value,
                status,
            )
        )
    return changes


def indicator_warnings(
    records: Sequence[ObservationRecord], current: pd.DataFrame, indicators: pd.DataFrame
) -> list[Problem]:
    """Checks that know the indicators: a running total going down, a figure moving by half.

    `current` is queries.observations(); each uploaded figure is compared with its
    neighbours in the series it would join.
    """
    cumulative = dict(zip(indicators["code"], indicators["cumulative"], strict=True))
    labels = dict(zip(indicators["code"], indicators["label"], strict=True))
    series: dict[str, dict[date, int]] = {}
    for row in current.to_dict("records"):
        series.setdefault(str(row["indicator_code"]), {})[row["as_of"]] = int(row["value"])
    for record in records:
        series.setdefault(record.code, {})[record.as_of] = record.value
    warnings = []
    for record in records:
        points = series[record.code]
        before = [d for d in points if d < record.as_of]
        after = [d for d in points if d > record.as_of]
        column = "value"
        name = labels.get(record.code, record.code)
        if before:
            last = max(before)
            old = points[last]
            if cumulative.get(record.code) and record.value < old:
                warnings.append(
                    Problem(
                        record.row,
                        column,
                        f"{name} is a running total but goes down from {old:,} "
                        f"(as of {last}) to {record.value:,}.",
                    )
                )
            elif old and abs(record.value - old) / old > 0.5:
                change = (record.value - old) / old * 100
                warnings.append(
                    Problem(
                        record.row,
                        column,
                        f"{name} moves by {change:+.0f}% against {old:,} as of {last}.",
                    )
                )
        if after and cumulative.get(record.code):
            first = min(after)
            if points[first] < record.value:
                warnings.append(
                    Problem(
                        record.row,
                        column,
                        f"{name} is a running total but the later figure as of {first} "
                        f"({points[first]:,}) is lower than {record.value:,}.",
                    )
                )
    return warnings


def review_indicators(engine: Engine, *, file_name: str, data: bytes, today: date) -> Review:
    """Parse and check a file of figures, and preview it against the current figures."""
    records, errors = parse_indicator_file(
        file_name=file_name, data=data, indicators=indicator_pairs(engine), today=today
    )
    review = Review(file_name, data, errors=errors, observations=records)
    if not errors:
        review.warnings = indicator_warnings(
            records, queries.observations(engine), queries.indicators(engine)
        )
        review.changes = preview_observations(engine, records)
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


@dataclass
class NewsletterReview:
    """A newsletter read for review: its figures (checked like an upload) and activities."""

    file_name: str
    data: bytes
    lines: list[str]
    figures: Review
    activities: list[ActivityRecord]
    errors: list[Problem]
    warnings: list[Problem]
    as_of: date | None

    def line(self, number: int) -> str:
        """The newsletter's text on a line (1-based), as written."""
        return self.lines[number - 1].strip() if 0 < number <= len(self.lines) else ""


def review_newsletter(
    engine: Engine,
    *,
    file_name: str,
    data: bytes,
    today: date,
    year: int | None = None,
    as_of: date | None = None,
) -> NewsletterReview:
    """Read a newsletter; its figures go through the same checks and preview as an upload.

    `as_of` replaces the date the parser infers for the figures, when the reviewer knows it.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problem = Problem(None, None, f"'{file_name}' is not UTF-8 text.")
        empty = Review(file_name, data, errors=[problem])
        return NewsletterReview(file_name, data, [], empty, [], [problem], [], None)
    read = parse_newsletter(text, year=year, file_name=file_name)
    figures_as_of = as_of or next((f.as_of for f in read.indicators if f.as_of), None)
    lines = ["date,indicator,value"] + [
        f"{figures_as_of.isoformat()},{f.code},{f.value}" for f in read.indicators if figures_as_of
    ]
    figures = (
        review_indicators(engine, file_name=file_name, data="\n".join(lines).encode(), today=today)
        if read.indicators and figures_as_of
        else Review(file_name, data)
    )
    # Figures keep the newsletter's line as their row, so each sits beside its source.
    rows = [f.row for f in read.indicators]
    figures.observations = [replace(o, row=rows[o.row - 2]) for o in figures.observations]
    figures.changes = [replace(c, row=rows[c.row - 2]) for c in figures.changes]
    figures.warnings = [replace(w, row=rows[w.row - 2]) if w.row else w for w in figures.warnings]
    return NewsletterReview(
        file_name=file_name,
        data=data,
        lines=text.splitlines(),
        figures=figures,
        activities=read.activities,
        errors=read.errors + figures.errors,
        warnings=read.warnings,
        as_of=figures_as_of,
    )


def with_activity_edits(
    records: Sequence[ActivityRecord], edited: pd.DataFrame
) -> list[ActivityRecord]:
    """The activities with a reviewer's corrections (kind, dates, place) applied, re-placed
    by the gazetteer where the place changed. Rows are matched in order."""
    corrected = []
    for record, row in zip(records, edited.to_dict("records"), strict=True):
        country = _text_or_none(row.get("Country"))
        city = _text_or_none(row.get("City"))
        start = row.get("Start") or record.start_date
        end = row.get("End") or start
        changed = country != record.country_iso3 or city != (record.city or None)
        update: dict[str, object] = {
            "kind": row.get("Kind") or record.kind,
            "start_date": start,
            "end_date": max(start, end),
        }
        if changed:
            place = geo.locate(city=city, country=country, region=record.region)
            update |= {
                "country_iso3": place.iso3,
                "city": place.city,
                "lat": place.lat,
                "lon": place.lon,
                "location_precision": place.precision,
                "place_basis": "corrected in the data desk's review",
            }
        corrected.append(replace(record, **update))  # type: ignore[arg-type]
    return corrected


def _text_or_none(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None
