"""Each figure's context: its schedule (cadence and provider), its target, and the dated notes
on the trends. Read, checked and written here; every write is a new revision in its own write
(batch), with who and when, and can be undone like an upload (store.undo)."""

from __future__ import annotations

import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, func, select

from ctdash.db import commit_write
from ctdash.failures import STORE_FAILURES, refusal
from ctdash.freshness import cadence_text
from ctdash.ingest import Problem
from ctdash.models import Batch, Indicator, Note, Schedule, Target
from ctdash.store import StoreError, StoreUnavailable

# A cadence longer than five years is not a reporting cadence.
MAX_CADENCE_MONTHS = 60
MAX_TEXT = 500
MAX_SOURCE = 300
MAX_PROVIDER = 200
MAX_URL = 2_000
# Targets and notes are dated within the years a Compact figure can have.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)

SCHEDULE_COLUMNS = ["indicator_code", "cadence_months", "provider", "revision"]
TARGET_COLUMNS = ["indicator_code", "value", "due", "source", "source_url", "revision"]
NOTE_COLUMNS = ["key", "on_date", "text", "source", "source_url", "indicator_code", "revision"]


class Refused(StoreError):
    """A write refused for what was typed; `problems` name each field and what is wrong."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(_sentence(p) for p in self.problems))


def _sentence(problem: Problem) -> str:
    return f"{problem.column}: {problem.message}" if problem.column else problem.message


# --- reads --------------------------------------------------------------------------------------


def _all_rows(engine: Engine, model: type[SQLModel]) -> pd.DataFrame:
    with Session(engine) as session:
        rows = [row.model_dump() for row in session.exec(select(model)).all()]
    return pd.DataFrame(rows, columns=list(model.model_fields))


def current(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Each key's current row: its highest revision that no undo has superseded."""
    standing = frame[frame["superseded_batch_id"].isna()]
    return standing.sort_values([key, "revision"]).drop_duplicates(key, keep="last")


def schedules(engine: Engine) -> pd.DataFrame:
    """Each indicator's current schedule: cadence in months (None: none), provider."""
    frame = current(_all_rows(engine, Schedule), "indicator_code")
    frame = frame.astype({"cadence_months": "Int64"})
    return frame[SCHEDULE_COLUMNS].reset_index(drop=True)


def targets(engine: Engine) -> pd.DataFrame:
    """Each indicator's current target (value, due date, source); none for one removed."""
    frame = current(_all_rows(engine, Target), "indicator_code")
    frame = frame[frame["value"].notna()].astype({"value": "int64"})
    frame["due"] = pd.to_datetime(frame["due"]).dt.date
    return frame[TARGET_COLUMNS].reset_index(drop=True)


def notes(engine: Engine) -> pd.DataFrame:
    """The current notes on the trends, oldest first; none that was removed."""
    frame = current(_all_rows(engine, Note), "key")
    frame = frame[~frame["removed"].astype(bool)]
    frame["on_date"] = pd.to_datetime(frame["on_date"]).dt.date
    return frame.sort_values(["on_date", "key"])[NOTE_COLUMNS].reset_index(drop=True)


def revisions(engine: Engine, model: type[Schedule] | type[Target] | type[Note]) -> pd.DataFrame:
    """Every revision of schedules, targets or notes, with who wrote it and when, latest first;
    `current` says which stand."""
    frame = _all_rows(engine, model)
    with Session(engine) as session:
        batches = {b.id: (b.recorded_by, b.recorded_at) for b in session.exec(select(Batch)).all()}
    key = "key" if model is Note else "indicator_code"
    standing = set(current(frame, key)["id"])
    frame["current"] = frame["id"].isin(standing)
    frame["recorded_by"] = [batches.get(b, ("", None))[0] for b in frame["batch_id"]]
    frame["recorded_at"] = [batches.get(b, ("", None))[1] for b in frame["batch_id"]]
    frame = frame.astype({"superseded_batch_id": "Int64"})
    return frame.sort_values("id", ascending=False).reset_index(drop=True)


@dataclass(frozen=True)
class Goal:
    """An indicator's current target as the pages and the brief state it: a value by a date,
    and the decision or document that set it."""

    value: int
    due: date
    source: str
    source_url: str | None = None

    def text(self) -> str:
        """'60 by 2027-12-31'."""
        return f"{self.value:,} by {self.due}"

    def share(self, figure: int) -> float:
        """How far a figure has come, from 0 to 1 (1 once at or past the target)."""
        return 1.0 if figure >= self.value else figure / self.value

    def progress(self, figure: int | None) -> str:
        """'75% reached', 'reached' once the figure is at or past the target, '' with no
        figure. Rounded down: 99.6% of the way is not yet the target."""
        if figure is None:
            return ""
        if figure >= self.value:
            return "reached"
        return f"{math.floor(self.share(figure) * 100)}% reached"

    def source_text(self) -> str:
        """The source, with its address when it has one."""
        return f"{self.source} ({self.source_url})" if self.source_url else self.source


def goals(frame: pd.DataFrame) -> dict[str, Goal]:
    """targets()'s rows, by indicator code."""
    return {
        str(row["indicator_code"]): Goal(
            int(row["value"]),
            row["due"],
            str(row["source"]),
            str(row["source_url"]) if isinstance(row["source_url"], str) else None,
        )
        for row in frame.to_dict("records")
    }


# --- checks -------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """Typed text on one line, its runs of spaces made one."""
    return " ".join(str(value or "").split())


def _check_text(field: str, value: str, limit: int, *, required: bool = True) -> list[Problem]:
    if required and not value:
        return [Problem(None, field, "is empty; it is required.")]
    if len(value) > limit:
        return [Problem(None, field, f"has {len(value):,} characters; at most {limit:,}.")]
    return []


def _check_url(value: str | None) -> list[Problem]:
    if not value:
        return []
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        return [Problem(None, "link", f"'{value[:60]}' is not a web address (https://…).")]
    return _check_text("link", value, MAX_URL)


def _check_date(field: str, value: date | None, *, today: date | None = None) -> list[Problem]:
    if value is None:
        return [Problem(None, field, "is empty; it is required.")]
    if not EARLIEST <= value <= LATEST:
        return [Problem(None, field, f"{value} is outside {EARLIEST.year}–{LATEST.year}.")]
    if today is not None and value > today:
        return [Problem(None, field, f"{value} is in the future (today is {today}).")]
    return []


@dataclass(frozen=True)
class NoteInput:
    """A note as typed: its date, its text, its source and link, the indicator it is about."""

    on_date: date | None
    text: str
    source: str
    source_url: str | None = None
    indicator_code: str | None = None

    def cleaned(self) -> NoteInput:
        """The same note with its text on one line and an empty link or indicator as None."""
        return NoteInput(
            self.on_date,
            _text(self.text),
            _text(self.source),
            _text(self.source_url) or None,
            self.indicator_code or None,
        )


def check_note(note: NoteInput, *, today: date, codes: Sequence[str]) -> list[Problem]:
    """What is wrong with a note: each problem names its field (date, text, source, link)."""
    note = note.cleaned()
    problems = _check_date("date", note.on_date, today=today)
    problems += _check_text("text", note.text, MAX_TEXT)
    problems += _check_text("source", note.source, MAX_SOURCE)
    problems += _check_url(note.source_url)
    if note.indicator_code is not None and note.indicator_code not in codes:
        problems.append(Problem(None, "indicator", f"'{note.indicator_code}' is not known."))
    return problems


def check_target(
    *, value: object, due: date | None, source: str, source_url: str | None
) -> list[Problem]:
    """What is wrong with a target: a whole number, a date, and the decision that set it."""
    problems = []
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(Problem(None, "value", f"'{value}' is not a whole number of 0 or more."))
    problems += _check_date("date", due)
    problems += _check_text("source", _text(source), MAX_SOURCE)
    return problems + _check_url(_text(source_url) or None)


def check_schedule(*, cadence_months: object, provider: str) -> list[Problem]:
    """What is wrong with a schedule: a cadence of 1 to 60 months (or none), a provider."""
    problems = []
    if cadence_months is not None and (
        isinstance(cadence_months, bool)
        or not isinstance(cadence_months, int)
        or not 1 <= cadence_months <= MAX_CADENCE_MONTHS
    ):
        problems.append(
            Problem(
                None,
                "cadence",
                f"'{cadence_months}' is not a number of months from 1 to {MAX_CADENCE_MONTHS}.",
            )
        )
    return problems + _check_text("provider", _text(provider), MAX_PROVIDER)


# --- writes -------------------------------------------------------------------------------------


def _write(engine: Engine, *, kind: str, user: str, note: str, rows: Any) -> int:
    """One write (a batch of `kind`) adding the rows `rows(session, batch_id)` returns, or
    nothing (None returned by it); the batch's id. Raises StoreError."""
    try:
        with Session(engine) as session:
            batch = Batch(kind=kind, recorded_by=user, note=note[:500])
            session.add(batch)
            session.flush()
            assert batch.id is not None
            added = rows(session, batch.id)
            session.add_all(added)
            # Not figures: the pages' caches move on, new-figures subscriptions do not.
            commit_write(session, figures=False)
            return batch.id
    except IntegrityError as error:
        raise StoreError(
            "Someone else changed the same entry at the same moment. Nothing was written; "
            "look at it again and retry."
        ) from error
    except STORE_FAILURES as error:
        raise StoreUnavailable(refusal(error)) from error


def _next_revision(session: Session, model: Any, column: Any, key: str) -> int:
    highest = session.exec(select(func.max(model.revision)).where(column == key)).one()
    return (highest or 0) + 1


def _known_indicator(engine: Engine, code: str) -> str:
    with Session(engine) as session:
        indicator = session.get(Indicator, code)
    if indicator is None:
        raise Refused([Problem(None, "indicator", f"'{code}' is not known.")])
    return indicator.label


def set_schedule(
    engine: Engine, *, code: str, cadence_months: int | None, provider: str, user: str
) -> int:
    """Give an indicator a new cadence and provider, as a new revision; the write's id."""
    label = _known_indicator(engine, code)
    if problems := check_schedule(cadence_months=cadence_months, provider=provider):
        raise Refused(problems)
    provider = _text(provider)

    def rows(session: Session, batch_id: int) -> list[Schedule]:
        return [
            Schedule(
                indicator_code=code,
                revision=_next_revision(session, Schedule, col(Schedule.indicator_code), code),
                cadence_months=cadence_months,
                provider=provider,
                batch_id=batch_id,
            )
        ]

    said = f"schedule of {label}: {cadence_text(cadence_months)}, provided by {provider}"
    return _write(engine, kind="setting", user=user, note=said, rows=rows)


def set_target(
    engine: Engine,
    *,
    code: str,
    value: int,
    due: date,
    source: str,
    source_url: str | None = None,
    user: str,
) -> int:
    """Give an indicator a target (value by a date, with its source); the write's id."""
    label = _known_indicator(engine, code)
    if problems := check_target(value=value, due=due, source=source, source_url=source_url):
        raise Refused(problems)

    def rows(session: Session, batch_id: int) -> list[Target]:
        return [
            Target(
                indicator_code=code,
                revision=_next_revision(session, Target, col(Target.indicator_code), code),
                value=value,
                due=due,
                source=_text(source),
                source_url=_text(source_url) or None,
                batch_id=batch_id,
            )
        ]

    said = f"target of {label}: {value:,} by {due}"
    return _write(engine, kind="setting", user=user, note=said, rows=rows)


def remove_target(engine: Engine, *, code: str, user: str) -> int:
    """Remove an indicator's target, as a new revision with no value; the write's id."""
    label = _known_indicator(engine, code)
    if code not in set(targets(engine)["indicator_code"]):
        raise Refused([Problem(None, "target", f"{label} has no target to remove.")])

    def rows(session: Session, batch_id: int) -> list[Target]:
        revision = _next_revision(session, Target, col(Target.indicator_code), code)
        return [Target(indicator_code=code, revision=revision, batch_id=batch_id)]

    return _write(engine, kind="setting", user=user, note=f"target of {label} removed", rows=rows)


def new_note_key(on_date: date) -> str:
    """A key for a new note: its date and a random part."""
    return f"note-{on_date.isoformat()}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class NoteAdded:
    """A note just added: its key, and the write that added it."""

    key: str
    write: int


def add_note(engine: Engine, note: NoteInput, *, user: str, today: date) -> NoteAdded:
    """Add a note on the trends."""
    key = new_note_key(note.on_date or today)
    return NoteAdded(key, _put_note(engine, key, note, user=user, today=today, verb="added"))


def correct_note(engine: Engine, key: str, note: NoteInput, *, user: str, today: date) -> int:
    """Correct a note: a new revision of it; the write's id."""
    _standing_note(engine, key)
    return _put_note(engine, key, note, user=user, today=today, verb="corrected")


def remove_note(engine: Engine, key: str, *, user: str) -> int:
    """Remove a note from the trends: a new revision marked removed; the write's id."""
    standing = _standing_note(engine, key)

    def rows(session: Session, batch_id: int) -> list[Note]:
        return [
            Note(
                key=key,
                revision=_next_revision(session, Note, col(Note.key), key),
                on_date=standing["on_date"],
                text=standing["text"],
                source=standing["source"],
                source_url=standing["source_url"],
                indicator_code=standing["indicator_code"],
                removed=True,
                batch_id=batch_id,
            )
        ]

    said = f"note of {standing['on_date']} removed: {standing['text']}"
    return _write(engine, kind="note", user=user, note=said, rows=rows)


def _standing_note(engine: Engine, key: str) -> dict[str, Any]:
    found = notes(engine)
    found = found[found["key"] == key]
    if found.empty:
        raise Refused([Problem(None, "note", "This note is no longer on the trends.")])
    row = found.iloc[0].to_dict()
    return {str(k): (None if pd.isna(v) else v) for k, v in row.items()}


def _put_note(
    engine: Engine, key: str, note: NoteInput, *, user: str, today: date, verb: str
) -> int:
    codes = list(_indicator_codes(engine))
    if problems := check_note(note, today=today, codes=codes):
        raise Refused(problems)
    note = note.cleaned()
    on_date = note.on_date
    assert on_date is not None

    def rows(session: Session, batch_id: int) -> list[Note]:
        return [
            Note(
                key=key,
                revision=_next_revision(session, Note, col(Note.key), key),
                on_date=on_date,
                text=note.text,
                source=note.source,
                source_url=note.source_url,
                indicator_code=note.indicator_code,
                batch_id=batch_id,
            )
        ]

    said = f"note of {note.on_date} {verb}: {note.text}"
    return _write(engine, kind="note", user=user, note=said, rows=rows)


def _indicator_codes(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Indicator.code)).all())
