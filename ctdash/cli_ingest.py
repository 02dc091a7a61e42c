"""`ctdash ingest`: read a newsletter's figures and activities and commit them as one write."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ctdash import desk
from ctdash.cli_options import (
    AcceptWarnings,
    AsJson,
    DatabaseUrl,
    DryRun,
    Outcome,
    User,
    commit_unless_held,
    echo_outcome,
)
from ctdash.db import make_engine
from ctdash.ingest import ActivityRecord
from ctdash.seed import seed

INGEST_FIELDS = (
    "title",
    "kind",
    "start_date",
    "end_date",
    "country_iso3",
    "city",
    "lat",
    "lon",
    "location_precision",
    "place_basis",
    "entities",
    "working_group",
    "online",
)


def activity_json(record: ActivityRecord) -> dict[str, object]:
    """An activity read from a newsletter, with the fields `ctdash ingest --json` prints."""
    full = desk.activity_json(record)
    return {name: full[name] for name in INGEST_FIELDS} | {"source_line": record.row}


def outcome_json(
    review: desk.NewsletterReview, *, status: str, labels: dict[str, str]
) -> dict[str, object]:
    """The outcome of reading a newsletter, as `ctdash ingest --json` prints it."""
    return {
        "status": status,
        "ok": review.ok,
        "read_as": review.read_as_json(),
        "errors": [p.as_dict() for p in review.errors],
        "warnings": [p.as_dict() for p in review.warnings],
        "notes": [p.as_dict() for p in review.notes],
        "indicators": [
            {
                "code": o.code,
                "label": labels.get(o.code, o.code),
                "value": o.value,
                "as_of": o.as_of.isoformat(),
                "source_line": o.row,
            }
            for o in review.figures.observations
        ],
        "activities": [activity_json(a) for a in review.activities],
    }


def ingest_command(
    file: Annotated[
        Path, typer.Argument(help="The newsletter as a text file (UTF-8, UTF-16 or Windows).")
    ],
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Year of the issue's first month (default: read from the text).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Date of the figures, YYYY-MM-DD (default: the end of the issue's period).",
        ),
    ] = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    accept_warnings: AcceptWarnings = False,
    user: User = "ctdash ingest",
    database_url: DatabaseUrl = None,
) -> None:
    """Read a newsletter's figures and dated activities and commit them: exit 0 when written
    (or readable with --dry-run), 1 on problems or unaccepted warnings with nothing written,
    2 on usage errors. Its figures go through the same checks as `ctdash import`."""
    figures_date = _checked_arguments(file, year, as_of)
    data = file.read_bytes()
    review, done, labels = _review_and_commit(
        file,
        data,
        year=year,
        as_of=figures_date,
        user=user,
        dry_run=dry_run,
        accept_warnings=accept_warnings,
        database_url=database_url,
    )
    _echo(review, done, labels, name=file.name, dry_run=dry_run, as_json=as_json)
    if done.stopped:
        raise typer.Exit(1)


def _checked_arguments(file: Path, year: int | None, as_of: str | None) -> date | None:
    """The --as-of date, or None; no file, a year out of range or a bad date is a usage error."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file.", param_hint="FILE")
    if year is not None and not 2000 <= year <= 2100:
        raise typer.BadParameter(
            f"{year} is not a year between 2000 and 2100.", param_hint="--year"
        )
    try:
        return date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(
            f"{as_of} is not a date YYYY-MM-DD.", param_hint="--as-of"
        ) from None


def _review_and_commit(
    file: Path,
    data: bytes,
    *,
    year: int | None,
    as_of: date | None,
    user: str,
    dry_run: bool,
    accept_warnings: bool,
    database_url: str | None,
) -> tuple[desk.NewsletterReview, Outcome, dict[str, str]]:
    """The newsletter reviewed, what was done with it, and the indicators' labels by code."""
    engine = make_engine(database_url)
    seed(engine)
    review = desk.review_newsletter(
        engine, file_name=file.name, data=data, today=date.today(), year=year, as_of=as_of
    )
    labels = dict(desk.indicator_pairs(engine))
    try:
        done = commit_unless_held(
            engine,
            review,
            data=data,
            user=user,
            dry_run=dry_run,
            accept_warnings=accept_warnings,
            observations=review.figures.observations,
            activities=review.activities,
            kind="ingest",
            title=f"Newsletter {file.name}",
        )
    finally:
        engine.dispose()
    return review, done, labels


def _echo(
    review: desk.NewsletterReview,
    done: Outcome,
    labels: dict[str, str],
    *,
    name: str,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Print the outcome: as JSON with --json, else as sentences."""
    if as_json:
        outcome = outcome_json(review, status=done.status, labels=labels)
        # The JSON lists what stopped the newsletter among its errors, as `import` does.
        outcome["errors"] = [p.as_dict() for p in review.errors + done.failed + done.held]
        typer.echo(json.dumps(outcome, ensure_ascii=False, indent=2))
    else:
        echo_outcome(
            name=name,
            errors=review.errors + done.failed,
            warnings=review.warnings,
            held=done.held,
            dry_run=dry_run,
            result=done.result,
            read=f"{len(review.figures.observations)} figures and "
            f"{len(review.activities)} activities",
            assumed=review.assumed(),
        )
