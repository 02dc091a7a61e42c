"""The ctdash command: what an operator or the secretariat does outside the browser."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ctdash import export, queries
from ctdash.db import make_engine
from ctdash.seed import seed

app = typer.Typer(
    help="The Counter-Terrorism Compact in Numbers: store, seed data and exports.",
    no_args_is_help=True,
    add_completion=False,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="CTDASH_DATABASE_URL",
        help="SQLAlchemy URL of the store (default: the SQLite file data/ctdash.db).",
        show_envvar=True,
    ),
]


class Table(StrEnum):
    """What can be exported."""

    indicators = "indicators"
    activities = "activities"


class Format(StrEnum):
    """Export file formats."""

    csv = "csv"
    xlsx = "xlsx"


@app.command()
def init(database_url: DatabaseUrl = None) -> None:
    """Create the store if needed and add the shipped data it lacks; a rerun adds nothing."""
    engine = make_engine(database_url)
    report = seed(engine)
    typer.echo(
        f"store ready at {engine.url.render_as_string(hide_password=True)}: added "
        f"{report.indicators} indicators, {report.sources} sources, "
        f"{report.observations} figures, {report.activities} activities"
    )


INDICATOR_EXPORT = {
    "indicator_code": "indicator",
    "label": "label",
    "as_of": "as_of",
    "as_of_inferred": "as_of_inferred",
    "value": "value",
    "revision": "revision",
    "source": "source",
    "source_url": "source_url",
    "note": "note",
}


@app.command("export")
def export_command(
    table: Annotated[Table, typer.Argument(help="What to export.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="File format.")] = Format.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (CSV: default stdout).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export the current figures or all activities, spreadsheet formulas neutralised."""
    if fmt is Format.xlsx and output is None:
        raise typer.BadParameter("XLSX needs a file: give -o FILE.", param_hint="--output")
    engine = make_engine(database_url)
    seed(engine)
    if table is Table.indicators:
        frame = queries.observations(engine)[list(INDICATOR_EXPORT)].rename(
            columns=INDICATOR_EXPORT
        )
    else:
        frame = queries.activities(engine).drop(columns=["id"])
    data = export.to_csv_bytes(frame) if fmt is Format.csv else export.to_xlsx_bytes(frame)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"wrote {len(frame)} rows to {output}", err=True)


def main() -> None:
    """Entry point for `python -m ctdash.cli`."""
    app()


if __name__ == "__main__":
    main()
