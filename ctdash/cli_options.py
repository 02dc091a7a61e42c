"""Options shared by the ctdash commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ctdash.ingest import Problem
    from ctdash.store import CommitResult

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


def echo_outcome(
    *,
    name: str,
    errors: Sequence[Problem],
    warnings: Sequence[Problem],
    dry_run: bool,
    result: CommitResult | None,
    read: str,
) -> None:
    """Print an import's problems on stderr and its outcome in one line, for people."""
    for problem in errors:
        typer.echo(f"error: {problem}", err=True)
    for problem in warnings:
        typer.echo(f"warning: {problem}", err=True)
    if errors:
        typer.echo(f"{name}: {len(errors)} problems; nothing was written.", err=True)
    elif dry_run:
        typer.echo(f"{name}: read {read} (dry run; nothing was written).")
    elif result is not None and result.duplicate_of is not None:
        typer.echo(f"{name} was imported before (write {result.duplicate_of}); nothing was added.")
    elif result is not None:
        typer.echo(
            f"{name}: read {read}; wrote {result.observations} figures and "
            f"{result.activities} activities (write {result.batch_id})."
        )
