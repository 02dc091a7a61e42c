"""Seed the store from the reviewed files shipped in data/; running it again adds nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ctdash import geo, queries
from ctdash.config import get_settings
from ctdash.db import create_schema, session_scope
from ctdash.models import (
    ACTIVITY_KINDS,
    Activity,
    ActivityEntity,
    Batch,
    Indicator,
    Observation,
    Source,
)
from ctdash.store import sha256_hex

SEED_USER = "ctdash seed"


@dataclass(frozen=True)
class SeedReport:
    """How many rows a seeding run added, by table."""

    indicators: int = 0
    sources: int = 0
    observations: int = 0
    activities: int = 0

    @property
    def total(self) -> int:
        """All rows added."""
        return self.indicators + self.sources + self.observations + self.activities


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


def seed(engine: Engine, data_dir: Path | None = None) -> SeedReport:
    """Create the schema and add whatever shipped rows the store lacks, in one transaction.

    A synthetic store (`ctdash demo`) gets nothing: real figures never mix with generated ones.
    """
    data_dir = data_dir or get_settings().data_dir
    create_schema(engine)
    if queries.is_synthetic(engine):
        return SeedReport()
    with session_scope(engine) as session:
        report = _seed(session, data_dir)
        if report.total == 0:
            session.rollback()
    return report


def _seed(session: Session, data_dir: Path) -> SeedReport:
    batch = Batch(kind="seed", recorded_by=SEED_USER, note=f"shipped data from {data_dir.name}/")
    session.add(batch)
    session.flush()
    assert batch.id is not None

    known_codes = set(session.exec(select(Indicator.code)).all())
    indicators = 0
    for indicator in shipped_indicators(data_dir):
        if indicator.code in known_codes:
            continue
        session.add(indicator)
        indicators += 1

    sources_by_key = {s.key: s for s in session.exec(select(Source)).all()}
    sources = 0
    for row in _rows(data_dir / "sources.csv"):
        if row["key"] in sources_by_key:
            continue
        file_name = _optional(row["file"])
        source = Source(
            key=row["key"],
            title=row["title"],
            kind=row["kind"],
            url=_optional(row["url"]),
            file_name=file_name,
            sha256=sha256_hex((data_dir / file_name).read_bytes()) if file_name else None,
            published=date.fromisoformat(row["published"]) if row["published"] else None,
            note=_optional(row["note"]),
        )
        session.add(source)
        sources_by_key[source.key] = source
        sources += 1
    session.flush()

    present = {
        (o.indicator_code, o.as_of, o.source_id) for o in session.exec(select(Observation)).all()
    }
    observations = 0
    for row in _rows(data_dir / "observations.csv"):
        source_id = sources_by_key[row["source"]].id
        assert source_id is not None
        as_of = date.fromisoformat(row["as_of"])
        if (row["indicator"], as_of, source_id) in present:
            continue
        session.add(
            Observation(
                indicator_code=row["indicator"],
                as_of=as_of,
                as_of_inferred=_flag(row["as_of_inferred"]),
                value=int(row["value"]),
                source_id=source_id,
                batch_id=batch.id,
                note=_optional(row["note"]),
            )
        )
        observations += 1

    known_keys = set(session.exec(select(Activity.key)).all())
    activities = 0
    for row in _rows(data_dir / "activities.csv"):
        if row["id"] in known_keys:
            continue
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
        source_id = sources_by_key[row["source"]].id
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
            batch_id=batch.id,
        )
        session.add(activity)
        session.flush()
        assert activity.id is not None
        for position, entity in enumerate(split_entities(row["entities"])):
            session.add(ActivityEntity(activity_id=activity.id, entity=entity, position=position))
        activities += 1

    return SeedReport(indicators, sources, observations, activities)
