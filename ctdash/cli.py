"""The ctdash command: what an operator or the secretariat does outside the browser."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from ctdash import backup, desk, export, queries, store
from ctdash.cli_brief import brief_app
from ctdash.cli_demo import demo_command
from ctdash.cli_ingest import ingest_command
from ctdash.cli_options import (
    AcceptWarnings,
    AsJson,
    DatabaseUrl,
    DateOrder,
    DateOrderOption,
    DryRun,
    Outcome,
    User,
    commit_unless_held,
    echo_outcome,
)
from ctdash.cli_reminders import reminders_app
from ctdash.cli_subscriptions import subscriptions_app
from ctdash.cli_users import users_app
from ctdash.db import make_engine
from ctdash.failures import STORE_FAILURES, operator_line
from ctdash.ingest import Question
from ctdash.seed import seed

app = typer.Typer(
    help="The Counter-Terrorism Compact in Numbers: store, seed data and exports. Exit codes: "
    "0 done; 1 problems in the input, nothing written; 2 usage; 3 the store or a setting is "
    "unavailable, nothing written.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(users_app, name="users")
app.add_typer(brief_app, name="brief")
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(reminders_app, name="reminders")
app.command("ingest")(ingest_command)
app.command("demo")(demo_command)


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
        f"{report.observations} figures, {report.activities} activities, "
        f"{report.schedules} schedules, {report.notes} notes"
    )


@app.command("export")
def export_command(
    table: Annotated[Table, typer.Argument(help="What to export.")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="File format.")] = Format.csv,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (CSV: default stdout).")
    ] = None,
    internal: Annotated[
        bool, typer.Option("--internal", help="Include internal activities (public only if not).")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Export the current figures or the activities, spreadsheet formulas neutralised."""
    if fmt is Format.xlsx and output is None:
        raise typer.BadParameter("XLSX needs a file: give -o FILE.", param_hint="--output")
    engine = make_engine(database_url)
    seed(engine)
    if table is Table.indicators:
        frame = export.observations_table(queries.observations(engine))
    else:
        frame = queries.activities(engine, internal=internal).drop(columns=["id"])
    data = export.to_csv_bytes(frame) if fmt is Format.csv else export.to_xlsx_bytes(frame)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"wrote {len(frame)} rows to {output}", err=True)


class ImportKind(StrEnum):
    """What a file to import holds."""

    indicators = "indicators"
    activities = "activities"


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX file to import.")],
    kind: Annotated[
        ImportKind | None,
        typer.Option("--kind", help="What the file holds (default: read from its header)."),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="The workbook's sheet to read, when several hold a table."),
    ] = None,
    date_order: DateOrderOption = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    accept_warnings: AcceptWarnings = False,
    user: User = "ctdash import",
    database_url: DatabaseUrl = None,
) -> None:
    """Import figures or activities: exit 0 when written (or readable with --dry-run), 1 on
    problems in the file, an unanswered question or unaccepted warnings, with nothing
    written; 2 on usage errors."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file.", param_hint="FILE")
    data = file.read_bytes()
    engine = make_engine(database_url)
    seed(engine)
    review = _review(engine, file, data, kind=kind, sheet=sheet, date_order=date_order)
    done = commit_unless_held(
        engine,
        review,
        data=data,
        user=user,
        dry_run=dry_run,
        accept_warnings=accept_warnings,
        observations=review.observations,
        activities=review.activities,
    )
    if as_json:
        typer.echo(json.dumps(_outcome_json(review, done), ensure_ascii=False, indent=2))
    else:
        echo_outcome(
            name=file.name,
            errors=review.errors + done.failed,
            warnings=review.warnings,
            held=done.held,
            dry_run=dry_run,
            result=done.result,
            read=f"{len(review.observations)} figures and {len(review.activities)} activities",
            assumed=review.assumed(),
            questions=review.questions,
        )
    if done.stopped:
        raise typer.Exit(1)


def _review(
    engine: Engine,
    file: Path,
    data: bytes,
    *,
    kind: ImportKind | None,
    sheet: str | None,
    date_order: DateOrder | None,
) -> desk.Review:
    """The file checked as figures or activities (as --kind says, or its header), or held
    with a question when a workbook holds both."""
    chosen = kind.value if kind else desk.guess_kind(engine, file_name=file.name, data=data)
    if chosen is None:
        question = Question(
            "kind",
            "The workbook holds both figures and activities, on different sheets: import one "
            "at a time, saying which.",
            tuple(ImportKind),
            "--kind",
        )
        return desk.Review(file.name, data, questions=[question])
    review_file = (
        desk.review_activities if chosen == ImportKind.activities else desk.review_indicators
    )
    return review_file(
        engine,
        file_name=file.name,
        data=data,
        today=date.today(),
        sheet=sheet,
        date_order=date_order.value if date_order else None,
    )


def _outcome_json(review: desk.Review, done: Outcome) -> dict[str, object]:
    """What `ctdash import --json` prints."""
    return {
        "status": done.status,
        "ok": not review.errors and not review.questions,
        "read_as": review.read_as.as_dict() if review.read_as else None,
        "errors": [p.as_dict() for p in review.errors + done.failed + done.held],
        "questions": [q.as_dict() for q in review.questions],
        "warnings": [p.as_dict() for p in review.warnings],
        "notes": review.notes,
        "observations": [
            {"code": o.code, "as_of": o.as_of.isoformat(), "value": o.value}
            for o in review.observations
        ],
        "activities": [desk.activity_json(a) for a in review.activities],
        "written": done.result.written if done.result else 0,
    }


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The SQLite file to write; it must not exist.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Write a consistent copy of the store to a new SQLite file, while the app keeps running."""
    engine = make_engine(database_url)
    try:
        info = backup.backup(engine, file)
    except backup.BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    taken = f"taken {info.taken_at:%Y-%m-%d %H:%M:%S} UTC, " if info.taken_at else ""
    typer.echo(f"wrote {file} ({taken}schema revision {info.revision}):")
    _echo_counts(info.counts)


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A backup written by `ctdash backup`.")],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace a store that holds data; a backup of it is written beside it first.",
        ),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Restore a backup into an empty store, or with --replace into one that holds data."""
    engine = make_engine(database_url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        report = backup.restore(engine, file, replace=replace)
    except backup.BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    if report.replaced is not None:
        typer.echo(f"kept what was replaced in {report.replaced.path}:")
        _echo_counts(report.replaced.counts)
    restored = report.restored
    taken = f"taken {restored.taken_at:%Y-%m-%d %H:%M:%S} UTC, " if restored.taken_at else ""
    typer.echo(
        f"restored {file} ({taken}schema revision {restored.revision}) into {where} "
        f"(schema revision {report.revision}):"
    )
    _echo_counts(report.counts)


def _echo_counts(counts: dict[str, int]) -> None:
    width = max(map(len, counts), default=0)
    for table, rows in counts.items():
        typer.echo(f"  {table.ljust(width)}  {rows:>8}")


# Exit codes of every command: 0 done; 1 problems in the input, nothing written; 2 usage;
# 3 the store or a setting is unavailable, nothing written.
UNAVAILABLE = 3


def main() -> None:
    """The `ctdash` command: a failure of the store or a setting ends it with one line, exit 3."""
    try:
        app()
    except store.StoreUnavailable as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(UNAVAILABLE)
    except STORE_FAILURES as error:
        typer.echo(f"error: {operator_line(error)}; nothing was written", err=True)
        sys.exit(UNAVAILABLE)


if __name__ == "__main__":
    main()
