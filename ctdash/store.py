"""Every write after seeding: uploads with their preview, revisions, undo and the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ctdash.db import commit_write
from ctdash.failures import STORE_FAILURES, refusal
from ctdash.ingest import ActivityRecord, ObservationRecord
from ctdash.models import (
    Activity,
    ActivityEntity,
    Batch,
    Note,
    Observation,
    Schedule,
    Source,
    SourceFile,
    Target,
)

UNDOABLE = ("upload", "manual", "ingest", "note", "setting")
# What an editor may undo: everything but an administrator's schedules and targets.
EDITOR_UNDOABLE = ("upload", "manual", "ingest", "note")
# Writes of a figure's context (ctdash.context), not of figures or activities.
CONTEXT_KINDS = ("note", "setting")


class StoreError(Exception):
    """A write that could not be made; the message says why, for the person who tried."""


class StoreUnavailable(StoreError):
    """A write the store could not take because it is busy, read-only or unreachable."""


@dataclass(frozen=True)
class CommitResult:
    """What a commit wrote: its batch, the rows added, whether the file was known, and how
    many of its activities were in the store already (and so not added again)."""

    batch_id: int | None
    observations: int
    activities: int
    duplicate_of: int | None = None
    already_stored: int = 0

    def already_stored_text(self) -> str:
        """'; 56 activities were in the store already and were not added again', or ''."""
        if not self.already_stored:
            return ""
        one = self.already_stored == 1
        return (
            f"; {self.already_stored} {'activity was' if one else 'activities were'} in the "
            "store already and not added again"
        )

    @property
    def written(self) -> int:
        """All rows added."""
        return self.observations + self.activities


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Slot:
    """The state of one (indicator, as-of) pair: its current value and its highest revision."""

    value: int | None
    revision: int


def current_slots(session: Session) -> dict[tuple[str, date], Slot]:
    """(indicator, as-of) -> its current value (None once every revision is undone) and the
    highest revision number used, superseded or not."""
    rows = session.execute(
        sa_select(
            col(Observation.indicator_code),
            col(Observation.as_of),
            col(Observation.value),
            col(Observation.revision),
            col(Observation.superseded_batch_id),
        ).order_by(col(Observation.revision))
    ).all()
    slots: dict[tuple[str, date], Slot] = {}
    for code, as_of, value, revision, superseded in rows:
        previous = slots.get((code, as_of), Slot(None, 0))
        slots[(code, as_of)] = Slot(value if superseded is None else previous.value, revision)
    return slots


def _live_batch(session: Session, source_id: int | None) -> int | None:
    """The write whose rows from this source still stand (not superseded by an undo), if any.

    The seed counts too: a newsletter shipped with the data and imported again adds nothing.
    """
    figure = session.exec(
        select(Observation.batch_id)
        .where(Observation.source_id == source_id)
        .where(col(Observation.superseded_batch_id).is_(None))
    ).first()
    if figure is not None:
        return figure
    return session.exec(
        select(Activity.batch_id)
        .where(Activity.source_id == source_id)
        .where(col(Activity.withdrawn_batch_id).is_(None))
    ).first()


def _source_for(
    session: Session, *, file_name: str, data: bytes, kind: str, title: str | None
) -> tuple[Source, int | None]:
    """The source row for these bytes (reused when they came before), and the write that
    still holds them, if one does."""
    digest = sha256_hex(data)
    known = session.exec(select(Source).where(Source.sha256 == digest)).first()
    if known is not None:
        return known, _live_batch(session, known.id)
    source = Source(
        key=f"{kind}-{digest[:16]}",
        title=title or file_name,
        kind=kind,
        file_name=file_name,
        sha256=digest,
        published=None,
    )
    session.add(source)
    session.flush()
    assert source.id is not None
    session.add(SourceFile(source_id=source.id, content=data))
    return source, None


def commit(
    engine: Engine,
    *,
    file_name: str,
    data: bytes,
    user: str,
    kind: Literal["upload", "manual", "ingest"] = "upload",
    observations: Sequence[ObservationRecord] = (),
    activities: Sequence[ActivityRecord] = (),
    title: str | None = None,
) -> CommitResult:
    """Write an upload's figures and activities in one transaction, keeping the file as source.

    A file whose bytes were committed before adds nothing. A figure equal to the current one
    adds nothing; a different one becomes the next revision. An activity the store holds
    already, in force (_identity: the same newsletter pasted again, or a spreadsheet
    overlapping an earlier one), is not added again. Raises StoreError, with nothing
    written, when the store cannot take the write.
    """
    try:
        with Session(engine) as session:
            source, earlier = _source_for(
                session, file_name=file_name, data=data, kind=kind, title=title
            )
            if earlier is not None:
                session.rollback()
                return CommitResult(None, 0, 0, duplicate_of=earlier)
            batch = Batch(kind=kind, recorded_by=user, source_id=source.id, note=file_name)
            session.add(batch)
            session.flush()
            assert batch.id is not None and source.id is not None
            written = _add_revisions(session, observations, source_id=source.id, batch_id=batch.id)
            stored = _stored_activities(session, activities)
            new = [a for a in activities if _identity(a) not in stored]
            kept = len(activities) - len(new)
            for number, activity in enumerate(new, start=1):
                _add_activity(
                    session,
                    activity,
                    key=f"{source.key}-w{batch.id}-{number:04d}",
                    source_id=source.id,
                    batch_id=batch.id,
                )
            if written == 0 and not new:
                session.rollback()
                return CommitResult(None, 0, 0, already_stored=kept)
            commit_write(session)
            return CommitResult(batch.id, written, len(new), already_stored=kept)
    except IntegrityError as error:
        raise StoreError(
            "Another write changed the same figures, or uploaded the same file, at the same "
            "moment. Nothing was written; look at the current figures and try again."
        ) from error
    except STORE_FAILURES as error:
        raise StoreUnavailable(refusal(error)) from error


def _add_revisions(
    session: Session, records: Sequence[ObservationRecord], *, source_id: int, batch_id: int
) -> int:
    """Add each figure that differs from the current one as the next revision; how many."""
    slots = current_slots(session)
    written = 0
    for record in records:
        slot = slots.get((record.code, record.as_of), Slot(None, 0))
        if slot.value == record.value:
            continue
        session.add(
            Observation(
                indicator_code=record.code,
                as_of=record.as_of,
                value=record.value,
                revision=slot.revision + 1,
                source_id=source_id,
                batch_id=batch_id,
                note=record.note,
            )
        )
        slots[(record.code, record.as_of)] = Slot(record.value, slot.revision + 1)
        written += 1
    return written


# Typographic quotes and apostrophes read as their plain forms: the same newsletter pasted from
# its PDF and typed in a spreadsheet writes them differently.
_PLAIN_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _identity(activity: ActivityRecord | Activity) -> tuple[object, ...]:
    """What makes two activities the same one, whichever file each came from: the same title
    (white space, letter case and typographic quotes aside), kind, dates, place, working
    group, and whether online and internal."""
    title = " ".join(activity.title.translate(_PLAIN_QUOTES).casefold().split())
    return (
        title,
        activity.kind,
        activity.start_date,
        activity.end_date,
        activity.country_iso3,
        activity.city,
        activity.region,
        activity.working_group,
        activity.online,
        activity.internal,
    )


# Dates looked up at a time: well under the bound parameters SQLite takes in one statement.
DATES_PER_LOOKUP = 1_000


def _stored_activities(
    session: Session, activities: Sequence[ActivityRecord]
) -> dict[tuple[object, ...], str]:
    """The activities in force that start on a day one of these starts: each one's title by
    its identity."""
    days = sorted({a.start_date for a in activities})
    found: dict[tuple[object, ...], str] = {}
    for start in range(0, len(days), DATES_PER_LOOKUP):
        chunk = days[start : start + DATES_PER_LOOKUP]
        rows = session.exec(
            select(Activity).where(
                col(Activity.start_date).in_(chunk), col(Activity.withdrawn_batch_id).is_(None)
            )
        )
        found |= {_identity(row): row.title for row in rows}
    return found


def stored_under_another_title(
    engine: Engine, activities: Sequence[ActivityRecord]
) -> list[tuple[ActivityRecord, str]]:
    """Each of `activities` that the store does not hold, but whose kind, dates and place are
    those of an activity in force under another title, with that title: the same activity
    worded otherwise, or another one on the same days at the same place, which only a person
    can tell apart."""
    with Session(engine) as session:
        stored = _stored_activities(session, activities)
    titles_at: dict[tuple[object, ...], str] = {}
    for identity, title in stored.items():
        titles_at.setdefault(identity[1:], title)
    return [
        (activity, titles_at[identity[1:]])
        for activity in activities
        if (identity := _identity(activity)) not in stored and identity[1:] in titles_at
    ]


def _add_activity(
    session: Session, record: ActivityRecord, *, key: str, source_id: int, batch_id: int
) -> None:
    activity = Activity(
        key=key,
        title=record.title,
        kind=record.kind,
        start_date=record.start_date,
        end_date=record.end_date,
        country_iso3=record.country_iso3,
        city=record.city,
        region=record.region,
        lat=record.lat,
        lon=record.lon,
        location_precision=record.location_precision,
        place_basis=record.place_basis,
        working_group=record.working_group,
        online=record.online,
        url=record.url,
        internal=record.internal,
        source_id=source_id,
        source_line=record.row,
        batch_id=batch_id,
    )
    session.add(activity)
    session.flush()
    assert activity.id is not None
    for position, entity in enumerate(record.entities):
        session.add(ActivityEntity(activity_id=activity.id, entity=entity, position=position))


def undo(engine: Engine, *, batch_id: int, user: str, kinds: Sequence[str] = UNDOABLE) -> Batch:
    """Undo a write of one of `kinds`: its figures (or schedules, targets, notes) are
    superseded and its activities withdrawn; nothing is deleted, and what it replaced is
    current again."""
    try:
        return _undo(engine, batch_id=batch_id, user=user, kinds=kinds)
    except IntegrityError as error:
        raise StoreError(
            f"Write {batch_id} was undone by someone else at the same moment."
        ) from error
    except STORE_FAILURES as error:
        raise StoreUnavailable(refusal(error, undone=True)) from error


def _undo(engine: Engine, *, batch_id: int, user: str, kinds: Sequence[str]) -> Batch:
    with Session(engine) as session:
        target = session.get(Batch, batch_id)
        if target is None:
            raise StoreError(f"There is no write number {batch_id}.")
        if target.kind not in UNDOABLE:
            raise StoreError(f"Write {batch_id} ({target.kind}) cannot be undone.")
        if target.kind not in kinds:
            raise StoreError(
                f"Write {batch_id} ({target.kind}) can be undone by an administrator only."
            )
        done = session.exec(select(Batch).where(Batch.undoes_batch_id == batch_id)).first()
        if done is not None:
            raise StoreError(
                f"Write {batch_id} was already undone by {done.recorded_by} at "
                f"{done.recorded_at:%Y-%m-%d %H:%M} UTC."
            )
        batch = Batch(
            kind="undo",
            recorded_by=user,
            source_id=target.source_id,
            undoes_batch_id=batch_id,
            note=f"undo of write {batch_id}",
        )
        session.add(batch)
        session.flush()
        # Figures, and the schedules, targets and notes that `context` writes.
        models: tuple[Any, ...] = (Observation, Schedule, Target, Note)
        for model in models:
            for row in session.exec(select(model).where(model.batch_id == batch_id)).all():
                if row.superseded_batch_id is None:
                    row.superseded_batch_id = batch.id
                    session.add(row)
        for activity in session.exec(select(Activity).where(Activity.batch_id == batch_id)).all():
            if activity.withdrawn_batch_id is None:
                activity.withdrawn_batch_id = batch.id
                session.add(activity)
        commit_write(session, figures=target.kind not in CONTEXT_KINDS)
        session.refresh(batch)
        return batch


def known_upload(engine: Engine, data: bytes) -> int | None:
    """The write that committed these exact bytes and still stands, if any."""
    with Session(engine) as session:
        known = session.exec(select(Source).where(Source.sha256 == sha256_hex(data))).first()
        return None if known is None else _live_batch(session, known.id)
