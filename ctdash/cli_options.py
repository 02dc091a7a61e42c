"""Options shared by the ctdash commands."""

from __future__ import annotations

from typing import Annotated

import typer

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CTDASH_DATABASE_URL",
        help="SQLAlchemy URL of the store (default: the SQLite file data/ctdash.db).",
        show_envvar=True,
    ),
]

DryRun = Annotated[bool, typer.Option("--dry-run", help="Check and preview only; write nothing.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")]
