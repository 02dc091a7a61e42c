"""Options and the commit gate shared by the ctdash commands that read files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from ctdash import desk, store
from ctdash.ingest import ActivityRecord, ObservationRecord, Problem

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ctdash.ingest import Question
    from ctdash.store import CommitResult


class DateOrder(StrEnum):
    """How a file writes a date in numbers."""

    dmy = "dmy"
    mdy = "mdy"


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CTDASH_DATABASE_URL",
        help="SQLAlchemy URL of the store (default: the SQLite file data/ctdash.db).",
        show_envvar=True,
    ),
]

User = Annotated[str, typer.Option("--user", help="Who the write is recorded as.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and preview only; write nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")]
AcceptWarnings = Annotated[
    bool,
    typer.Option(
        "--accept-warnings",
        help="Commit even though the checks warn (a running total going down, a figure "
        "moving by more than half, a place that could not be settled, rows hidden in Excel, "
        "an activity in the store under another title).",
    ),
]
DateOrderOption = Annotated[
    DateOrder | None,
    typer.Option(
        "--date-order",
        help="How the file writes dates in numbers when each could be read both ways: dmy "
        "(31/12/2023) or mdy (12/31/2023).",
    ),
]


def echo_outcome(
    *,
    name: str,
    errors: Sequence[Problem],
    warnings: Sequence[Problem],
    dry_run: bool,
    result: CommitResult | None,
    read: str,
    assumed: Sequence[str] = (),
    questions: Sequence[Question] = (),
    held: Sequence[Problem] = (),
) -> None:
    """Print what was assumed, an import's problems and questions on stderr, and its outcome
    in one line, for people."""
    for sentence in assumed:
        typer.echo(f"read as: {sentence}", err=True)
    for problem in errors:
        typer.echo(f"error: {problem}", err=True)
    for question in questions:
        typer.echo(
            f"question: {question.message} Run again with {question.option} "
            f"{' or '.join(repr(option) for option in question.options)}.",
            err=True,
        )
    for problem in warnings:
        typer.echo(f"warning: {problem}", err=True)
    for problem in held:
        typer.echo(f"held: {problem}", err=True)
    if questions and not errors:
        typer.echo(f"{name}: held until the question is answered; nothing was written.", err=True)
    elif held and not errors:
        typer.echo(
            f"{name}: held until its warnings are accepted (--accept-warnings); nothing was "
            "written.",
            err=True,
        )
    elif errors:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        typer.echo(f"{name}: {count}; nothing was written.", err=True)
    elif dry_run:
        typer.echo(f"{name}: read {read} (dry run; nothing was written).")
    elif result is not None and result.duplicate_of is not None:
        typer.echo(f"{name} was imported before (write {result.duplicate_of}); nothing was added.")
    elif result is not None and result.batch_id is None:
        typer.echo(
            f"{name}: read {read}; nothing was written: the store holds every figure and "
            f"activity of it already{result.already_stored_text()}."
        )
    elif result is not None:
        typer.echo(
            f"{name}: read {read}; wrote {result.observations} figures and "
            f"{result.activities} activities (write {result.batch_id})"
            f"{result.already_stored_text()}."
        )


@dataclass
class Outcome:
    """What a command did with a reviewed file: its status, what it wrote, and what stopped it
    (the store refusing the write, or warnings nobody accepted)."""

    status: str
    stopped: bool
    result: CommitResult | None = None
    failed: list[Problem] = field(default_factory=list)
    held: list[Problem] = field(default_factory=list)


def commit_unless_held(
    engine: Engine,
    review: desk.Review | desk.NewsletterReview,
    *,
    data: bytes,
    user: str,
    dry_run: bool,
    accept_warnings: bool,
    observations: Sequence[ObservationRecord],
    activities: Sequence[ActivityRecord],
    kind: Literal["upload", "ingest"] = "upload",
    title: str | None = None,
) -> Outcome:
    """Commit a reviewed file unless something holds it back (the gate the data desk applies
    too); a dry run only says whether it could be."""
    accepted = accept_warnings or dry_run
    outcome = Outcome(
        status=desk.status(review),
        stopped=bool(desk.blockers(review, accept_warnings=accepted)),
        held=desk.unaccepted(review, accept_warnings=accepted),
    )
    if outcome.stopped or dry_run:
        return outcome
    try:
        outcome.result = store.commit(
            engine,
            file_name=review.file_name,
            data=data,
            user=user,
            kind=kind,
            observations=observations,
            activities=activities,
            title=title,
        )
        outcome.status = "written"
    except store.StoreUnavailable:
        raise  # not the file's fault: the command ends with exit 3 (cli.main)
    except store.StoreError as error:
        outcome.failed = [Problem(None, None, str(error))]
        outcome.status, outcome.stopped = "refused", True
    return outcome


def echo_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under a header, each column as wide as its widest cell."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(cells).rstrip())
