"""Seed the store from the reviewed files shipped in data/; running it again adds nothing."""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ctdash import geo, queries
from ctdash.config import get_settings
from ctdash.db import commit_write, create_schema, is_read_only
from ctdash.models import (
    ACTIVITY_KINDS,
    Activity,
    ActivityEntity,
    Batch,
    Indicator,
    Note,
    Observation,
    Schedule,
    Source,
)
from ctdash.store import sha256_hex

SEED_USER = "ctdash seed"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SeedReport:
    """How many rows a seeding run added, by table."""

    indicators: int = 0
    sources: int = 0
    observations: int = 0
    activities: int = 0
    schedules: int = 0
    notes: int = 0

    @property
    def total(self) -> int:
        """All rows added."""
        return (
            self.indicators
            + self.sources
            + self.observations
            + self.activities
            + self.schedules
            + self.notes
        )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _flag(text: str) -> bool:
    return text.strip().lower() in {"true", "yes", "1"}


def _optional(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def split_entities(text: str) -> list[str]:
    """Entities of a data row, written ';'-separated."""
    return [name.strip() for name in text.split(";") if name.strip()]


def shipped_indicators(data_dir: Path) -> list[Indicator]:
    """The indicators' definitions shipped in data/indicators.csv."""
    return [
        Indicator(
            code=row["code"],
            position=int(row["position"]),
            label=row["label"],
            unit=row["unit"],
            cumulative=_flag(row["cumulative"]),
            definition=row["definition"],
        )
        for row in _rows(data_dir / "indicators.csv")
    ]


def shipped_schedules(data_dir: Path) -> list[dict[str, str]]:
    """Each indicator's cadence and provider as data/indicators.csv gives them (none when the
    file has no such columns)."""
    return [
        row
        for row in _rows(data_dir / "indicators.csv")
        if "cadence_months" in row and "provider" in row
    ]


def _schedule(row: dict[str, str], batch_id: int) -> Schedule:
    cadence = (row["cadence_months"] or "").strip()
    return Schedule(
        indicator_code=row["code"],
        cadence_months=int(cadence) if cadence else None,
        provider=row["provider"].strip(),
        batch_id=batch_id,
    )


def shipped_notes(data_dir: Path) -> list[dict[str, str]]:
    """The notes on the trends shipped in data/notes.csv (none without the file)."""
    path = data_dir / "notes.csv"
    return _rows(path) if path.is_file() else []


def _note(row: dict[str, str], batch_id: int) -> Note:
    return Note(
        key=row["key"],
        on_date=date.fromisoformat(row["on_date"]),
        text=row["text"],
        source=row["source"],
        source_url=_optional(row["source_url"]),
        indicator_code=_optional(row["indicator"]),
        batch_id=batch_id,
    )


def seed(engine: Engine, data_dir: Path | None = None) -> SeedReport:
    """Bring the schema up to date and add whatever shipped rows the store lacks, in one
    transaction; a store that lacks nothing is only read.

    A synthetic store (`ctdash demo`) gets nothing: real figures never mix with generated ones.
    A read-only store is left as it is, lacking what it lacks.
    """
    data_dir = data_dir or get_settings().data_dir
    create_schema(engine)
    if queries.is_synthetic(engine):
        return SeedReport()
    with Session(engine) as session:
        lacking = _lacking(session, data_dir)
    if lacking.empty:
        return SeedReport()
    if is_read_only(engine):
        logger.warning("store: read-only, so the shipped rows it lacks were not added")
        return SeedReport()
    with Session(engine) as session:
        # Read again in the writing transaction: another process may have seeded meanwhile.
        report = _write(session, _lacking(session, data_dir), data_dir)
        if report.total:
            commit_write(session, figures=report.total > report.schedules + report.notes)
    return report


@dataclass(frozen=True)
class _Lacking:
    """The shipped rows (of data/) that the store does not hold."""

    indicators: list[Indicator]
    sources: list[dict[str, str]]
    observations: list[dict[str, str]]
    activities: list[dict[str, str]]
    schedules: list[dict[str, str]]
    notes: list[dict[str, str]]

    @property
    def empty(self) -> bool:
        return not (
            self.indicators
            or self.sources
            or self.observations
            or self.activities
            or self.schedules
            or self.notes
        )


def _lacking(session: Session, data_dir: Path) -> _Lacking:
    known_codes = set(session.exec(select(Indicator.code)).all())
    known_sources = set(session.exec(select(Source.key)).all())
    present = {
        (code, as_of, key)
        for code, as_of, key in session.exec(
            select(col(Observation.indicator_code), col(Observation.as_of), col(Source.key)).join(
                Source, col(Observation.source_id) == col(Source.id)
            )
        ).all()
    }
    known_keys = set(session.exec(select(Activity.key)).all())
    # A schedule or note once added is the secretariat's from then on: edited, undone or
    # removed, it is never added again.
    scheduled = set(session.exec(select(Schedule.indicator_code)).all())
    noted = set(session.exec(select(Note.key)).all())
    return _Lacking(
        indicators=[i for i in shipped_indicators(data_dir) if i.code not in known_codes],
        sources=[r for r in _rows(data_dir / "sources.csv") if r["key"] not in known_sources],
        observations=[
            row
            for row in _rows(data_dir / "observations.csv")
            if (row["indicator"], date.fromisoformat(row["as_of"]), row["source"]) not in present
        ],
        activities=[r for r in _rows(data_dir / "activities.csv") if r["id"] not in known_keys],
        schedules=[r for r in shipped_schedules(data_dir) if r["code"] not in scheduled],
        notes=[r for r in shipped_notes(data_dir) if r["key"] not in noted],
    )


def _write(session: Session, lacking: _Lacking, data_dir: Path) -> SeedReport:
    if lacking.empty:
        return SeedReport()
    batch = Batch(kind="seed", recorded_by=SEED_USER, note=f"shipped data from {data_dir.name}/")
    session.add(batch)
    session.flush()
    assert batch.id is not None
    session.add_all(lacking.indicators)
    session.add_all(_source(row, data_dir) for row in lacking.sources)
    session.flush()
    source_ids = {s.key: s.id for s in session.exec(select(Source)).all()}
    for row in lacking.observations:
        session.add(_observation(row, source_ids, batch.id))
    for row in lacking.activities:
        _add_activity(session, row, source_ids, batch.id)
    session.add_all(_schedule(row, batch.id) for row in lacking.schedules)
    session.add_all(_note(row, batch.id) for row in lacking.notes)
    return SeedReport(
        len(lacking.indicators),
        len(lacking.sources),
        len(lacking.observations),
        len(lacking.activities),
        len(lacking.schedules),
        len(lacking.notes),
    )


def _source(row: dict[str, str], data_dir: Path) -> Source:
    file_name = _optional(row["file"])
    return Source(
        key=row["key"],
        title=row["title"],
        kind=row["kind"],
        url=_optional(row["url"]),
        file_name=file_name,
        sha256=sha256_hex((data_dir / file_name).read_bytes()) if file_name else None,
        published=date.fromisoformat(row["published"]) if row["published"] else None,
        note=_optional(row["note"]),
    )


def _observation(
    row: dict[str, str], source_ids: dict[str, int | None], batch_id: int
) -> Observation:
    source_id = source_ids[row["source"]]
    assert source_id is not None
    return Observation(
        indicator_code=row["indicator"],
        as_of=date.fromisoformat(row["as_of"]),
        as_of_inferred=_flag(row["as_of_inferred"]),
        value=int(row["value"]),
        source_id=source_id,
        batch_id=batch_id,
        note=_optional(row["note"]),
    )


def _add_activity(
    session: Session, row: dict[str, str], source_ids: dict[str, int | None], batch_id: int
) -> None:
    if row["kind"] not in ACTIVITY_KINDS:
        raise ValueError(f"activities.csv row {row['id']}: unknown kind {row['kind']!r}")
    place = geo.locate(
        city=_optional(row["city"]),
        country=_optional(row["country"]),
        region=_optional(row["region"]),
    )
    wanted = "city" if row["city"] else "country" if row["country"] else None
    if wanted and place.precision != wanted:
        raise ValueError(
            f"activities.csv row {row['id']}: the gazetteer cannot place "
            f"{row['city'] or row['country']!r}"
        )
    source_id = source_ids[row["source"]]
    assert source_id is not None
    activity = Activity(
        key=row["id"],
        title=row["title"],
        kind=row["kind"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"] or row["start_date"]),
        country_iso3=place.iso3,
        city=place.city,
        region=_optional(row["region"]),
        lat=place.lat,
        lon=place.lon,
        location_precision=place.precision,
        place_basis=_optional(row["place_basis"]),
        working_group=_optional(row["working_group"]),
        online=_flag(row["online"]),
        section=_optional(row["section"]),
        source_id=source_id,
        source_line=int(row["source_line"]) if row["source_line"] else None,
        batch_id=batch_id,
    )
    session.add(activity)
    session.flush()
    assert activity.id is not None
    for position, entity in enumerate(split_entities(row["entities"])):
        session.add(ActivityEntity(activity_id=activity.id, entity=entity, position=position))
