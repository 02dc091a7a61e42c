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
from ctdash.ingest import ActivityRecord, ObservationRecord, Parsed, Problem, Question
from ctdash.ingest.activities import activities_header, parse_activity_file
from ctdash.ingest.dates import Order
from ctdash.ingest.encoding import LABELS
from ctdash.ingest.indicators import figures_header, known_indicators, parse_indicator_file
from ctdash.ingest.newsletter import Period, decode_newsletter, lines_of, parse_newsletter
from ctdash.ingest.sheet import ReadAs, header_key, read_sheet
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


# A figure that moves by more than this share of the one before it is flagged.
MOVE_SHARE = 0.5


@dataclass
class Review:
    """What an upload would write, and everything wrong or worth a second look in it.

    Every write path (the data desk, `ctdash import`, `ctdash ingest`) reviews a file the same
    way and commits only what `blockers` lets through.
    """

    file_name: str
    data: bytes
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    observations: list[ObservationRecord] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    read_as: ReadAs | None = None

    @property
    def ok(self) -> bool:
        """True when nothing in the file is wrong (warnings and questions may still hold it)."""
        return not self.errors

    def assumed(self) -> list[str]:
        """What was assumed to read the file and what was passed over, as sentences."""
        return (self.read_as.sentences() if self.read_as else []) + self.notes


def blockers(
    review: Review | NewsletterReview,
    *,
    accept_warnings: bool,
    how: str = "run again with --accept-warnings",
) -> list[Problem]:
    """Why a review cannot be committed now: its errors, each question not yet answered, and
    its warnings unless a person has accepted them. Empty: it may be committed."""
    found = list(review.errors)
    found.extend(
        Problem(None, None, f"{question.message} Nothing was written.")
        for question in review.questions
    )
    return found + unaccepted(review, accept_warnings=accept_warnings, how=how)


def unaccepted(
    review: Review | NewsletterReview,
    *,
    accept_warnings: bool,
    how: str = "run again with --accept-warnings",
) -> list[Problem]:
    """The warnings that hold a review back until a person accepts them, as one problem."""
    if not review.warnings or accept_warnings:
        return []
    count = len(review.warnings)
    them = "them" if count != 1 else "it"
    return [
        Problem(
            None,
            None,
            f"{count} warning{'s' if count != 1 else ''}: check {them}, then {how} to commit "
            "anyway. Nothing was written.",
        )
    ]


def status(review: Review | NewsletterReview) -> str:
    """'refused' (errors), 'held' (a question or warnings), or 'ready' to be written."""
    if review.errors:
        return "refused"
    if review.questions or review.warnings:
        return "held"
    return "ready"


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
    """Checks that know the indicators: a figure that falls, a figure that jumps by half.

    `current` is queries.observations(); each uploaded figure is compared with its
    neighbours in the series it would join. A running total never falls; the other counts
    (entities, Member States, focal points, CTED's) seldom do, so a fall of any of them is
    for a person to confirm.
    """
    cumulative = dict(zip(indicators["code"], indicators["cumulative"], strict=True))
    labels = dict(zip(indicators["code"], indicators["label"], strict=True))
    series = _series(records, current)
    warnings = []
    for record in records:
        points = series[record.code]
        name = labels.get(record.code, record.code)
        running = cumulative.get(record.code)
        if (earlier := _against_earlier(record, points, name, running=running)) is not None:
            warnings.append(earlier)
        if (later := _against_later(record, points, name, running=running)) is not None:
            warnings.append(later)
    return warnings


def _series(
    records: Sequence[ObservationRecord], current: pd.DataFrame
) -> dict[str, dict[date, int]]:
    """Each indicator's figures by date: the current ones, the uploaded ones in their place."""
    series: dict[str, dict[date, int]] = {}
    for row in current.to_dict("records"):
        series.setdefault(str(row["indicator_code"]), {})[row["as_of"]] = int(row["value"])
    for record in records:
        series.setdefault(record.code, {})[record.as_of] = record.value
    return series


def _against_earlier(
    record: ObservationRecord, points: dict[date, int], name: str, *, running: object
) -> Problem | None:
    """The warning for a figure that falls from, or jumps past, the figure before it; or None."""
    before = [d for d in points if d < record.as_of]
    if not before:
        return None
    last = max(before)
    old = points[last]
    if record.value < old and running:
        message = (
            f"{name} is a running total but goes down from {old:,} "
            f"(as of {last}) to {record.value:,}."
        )
    elif record.value < old:
        message = (
            f"{name} goes down from {old:,} (as of {last}) to {record.value:,} "
            f"({(record.value - old) / old * 100:+.0f}%)."
        )
    elif old and (record.value - old) / old > MOVE_SHARE:
        change = (record.value - old) / old * 100
        message = f"{name} moves by {change:+.0f}% against {old:,} as of {last}."
    else:
        return None
    return Problem(record.row, "value", message)


def _against_later(
    record: ObservationRecord, points: dict[date, int], name: str, *, running: object
) -> Problem | None:
    """The warning for a figure above the figure after it; or None."""
    after = [d for d in points if d > record.as_of]
    if not (after and points[min(after)] < record.value):
        return None
    first = min(after)
    kind = "is a running total but the" if running else "has a"
    return Problem(
        record.row,
        "value",
        f"{name} {kind} later figure as of {first} ({points[first]:,}) "
        f"lower than {record.value:,}.",
    )


def check_figures(
    engine: Engine, records: Sequence[ObservationRecord]
) -> tuple[list[Problem], list[Change]]:
    """The checks that know the indicators, and the preview against the current figures."""
    warnings = indicator_warnings(records, queries.observations(engine), queries.indicators(engine))
    return warnings, preview_observations(engine, records)


def review_indicators(
    engine: Engine,
    *,
    file_name: str,
    data: bytes,
    today: date,
    sheet: str | None = None,
    date_order: Order | None = None,
) -> Review:
    """Parse and check a file of figures, and preview it against the current figures."""
    parsed = parse_indicator_file(
        file_name=file_name,
        data=data,
        indicators=indicator_pairs(engine),
        today=today,
        sheet=sheet,
        date_order=date_order,
    )
    review = _review(file_name, data, parsed)
    review.observations = parsed.records
    if not review.errors and not review.questions:
        figure_warnings, review.changes = check_figures(engine, parsed.records)
        review.warnings = sorted(
            review.warnings + figure_warnings, key=lambda problem: problem.row or 0
        )
    return review


def review_activities(
    engine: Engine,
    *,
    file_name: str,
    data: bytes,
    today: date,
    sheet: str | None = None,
    date_order: Order | None = None,
) -> Review:
    """Parse and check a file of activities, placing each one with the offline gazetteer."""
    parsed = parse_activity_file(
        file_name=file_name, data=data, today=today, sheet=sheet, date_order=date_order
    )
    review = _review(file_name, data, parsed)
    review.activities = parsed.records
    if not review.errors and not review.questions:
        review.warnings = sorted(
            review.warnings + stored_activity_warnings(engine, parsed.records),
            key=lambda problem: problem.row or 0,
        )
    return review


def stored_activity_warnings(engine: Engine, activities: Sequence[ActivityRecord]) -> list[Problem]:
    """A warning for each activity whose kind, dates and place are those of one in the store
    under another title (store.stored_under_another_title): whether it is the same activity
    worded otherwise is for a person to say."""
    return [
        Problem(
            record.row,
            "title",
            f"an activity of the same kind, dates and place is in the store as '{title}': "
            "if it is the same activity, take it out of the file; if it is another, accept "
            "the warnings to add it beside that one",
        )
        for record, title in store.stored_under_another_title(engine, activities)
    ]


def _review(file_name: str, data: bytes, parsed: Parsed) -> Review:
    return Review(
        file_name,
        data,
        errors=parsed.errors,
        warnings=parsed.warnings,
        questions=parsed.questions,
        notes=parsed.notes,
        read_as=parsed.read_as,
    )


def with_coordinates(review: Review, edited: pd.DataFrame) -> Review:
    """The review with the places a person gave in the preview applied to their rows.

    A row given a latitude and a longitude is placed there; one given a country (an ISO3
    code or a name; the answer to "which San José?") is placed again by the gazetteer, at its
    city in that country or else the country's centre. Either settles the row's flag about
    its place.
    """
    rows = {int(row["Row"]): row for row in edited.to_dict("records")}
    placed = []
    fixed = set()
    for record in review.activities:
        row = rows.get(record.row, {})
        latitude, longitude = row.get("Latitude"), row.get("Longitude")
        country = _text_or_none(row.get("Country"))
        iso3 = geo.country_iso3(country) if country else None
        if pd.notna(latitude) and pd.notna(longitude):
            point = (float(latitude), float(longitude))
            if point == (record.lat, record.lon):
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
        elif iso3 is not None and iso3 != record.country_iso3:
            fixed.add(record.row)
            place = geo.locate(city=record.city, country=iso3, region=record.region)
            placed.append(
                replace(
                    record,
                    country_iso3=place.iso3,
                    lat=place.lat,
                    lon=place.lon,
                    location_precision=place.precision,
                    place_basis="country chosen in the data desk",
                )
            )
        else:
            placed.append(record)
    review.activities = placed
    review.warnings = [w for w in review.warnings if w.row not in fixed]
    return review


def guess_kind(engine: Engine, *, file_name: str, data: bytes) -> str | None:
    """ "activities" or "indicators", by the header the file has; None when a workbook holds
    a table of each, on different sheets."""
    figures = known_indicators(indicator_pairs(engine))
    found = {}
    for kind, test in (
        ("activities", activities_header),
        ("indicators", lambda keys: figures_header(keys, figures)),
    ):
        read = read_sheet(file_name=file_name, data=data, max_bytes=len(data) + 1, is_header=test)
        sheet = read.sheet
        if read.questions or (
            sheet is not None and test([header_key(text) for text in sheet.header])
        ):
            found[kind] = sheet.read_as.sheet if sheet else None
    if len(found) == 2 and found["activities"] != found["indicators"]:
        return None
    return "activities" if "activities" in found else "indicators"


def activity_json(record: ActivityRecord) -> dict[str, object]:
    """An activity read from a file, as JSON-ready data."""
    data = asdict(record)
    data["start_date"] = record.start_date.isoformat()
    data["end_date"] = record.end_date.isoformat()
    data["entities"] = list(record.entities)
    return data


@dataclass
class NewsletterReview:
    """A newsletter read for review: its figures (checked like an upload) and activities.

    `warnings` hold both what the reading found (a city several countries have, a month
    outside the issue's period) and the figures' checks (a running total that falls).
    """

    file_name: str
    data: bytes
    lines: list[str]
    figures: Review
    activities: list[ActivityRecord]
    errors: list[Problem]
    warnings: list[Problem]
    as_of: date | None
    notes: list[Problem] = field(default_factory=list)
    encoding: str | None = None
    period: Period | None = None
    year: int | None = None
    last_lines: dict[int, int] = field(default_factory=dict)

    @property
    def questions(self) -> list[Question]:
        """A newsletter asks nothing: what it cannot tell is an error (the year) or a
        warning (a place)."""
        return []

    @property
    def ok(self) -> bool:
        """True when nothing in the text is wrong."""
        return not self.errors

    def line(self, number: int) -> str:
        """The newsletter's text on a line (1-based), as written."""
        return self.lines[number - 1].strip() if 0 < number <= len(self.lines) else ""

    def written(self, number: int) -> str:
        """The paragraph that starts on a line, as written: its lines joined."""
        last = self.last_lines.get(number, number)
        return " ".join(self.line(n) for n in range(number, last + 1) if self.line(n))

    def read_as_json(self) -> dict[str, object]:
        """What was assumed to read the text, for `--json`."""
        return {
            "encoding": self.encoding,
            "year": self.year,
            "period": str(self.period) if self.period else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }

    def assumed(self) -> list[str]:
        """What was assumed to read the text, as sentences."""
        said = []
        if self.encoding:
            said.append(f"Read as text in {LABELS.get(self.encoding, self.encoding)}.")
        return said + [
            f"Line {note.row}: {note.message}"
            if note.row
            else note.message[:1].upper() + note.message[1:]
            for note in self.notes
        ]


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
    decoded = decode_newsletter(data, file_name)
    if isinstance(decoded, Problem):
        empty = Review(file_name, data, errors=[decoded])
        return NewsletterReview(file_name, data, [], empty, [], [decoded], [], None)
    read = parse_newsletter(
        decoded.text, year=year, indicators=indicator_pairs(engine), file_name=file_name
    )
    figures_as_of = as_of or next((f.as_of for f in read.indicators if f.as_of), None)
    records = [r for f in read.indicators if (r := f.observation(as_of)) is not None]
    figures = Review(file_name, data, observations=records)
    if records:
        future = [r for r in records if r.as_of > today]
        if future:
            figures.errors.append(
                Problem(
                    future[0].row,
                    "as_of",
                    f"{future[0].as_of.isoformat()} is in the future (today is {today})",
                )
            )
        else:
            figures.warnings, figures.changes = check_figures(engine, records)
    return NewsletterReview(
        file_name=file_name,
        data=data,
        lines=lines_of(decoded.text),
        figures=figures,
        activities=read.activities,
        errors=read.errors + figures.errors,
        warnings=sorted(
            read.warnings + figures.warnings + stored_activity_warnings(engine, read.activities),
            key=lambda p: p.row or 0,
        ),
        as_of=figures_as_of,
        notes=read.notes,
        encoding=decoded.encoding,
        period=read.period,
        year=read.year,
        last_lines=read.last_lines,
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
