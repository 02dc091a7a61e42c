"""`ctdash ingest`: read a newsletter's figures and activities and commit them as one write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ctdash import desk, store
from ctdash.cli_options import AsJson, DatabaseUrl, DryRun, User, echo_outcome
from ctdash.db import make_engine
from ctdash.ingest import ActivityRecord, Problem
from ctdash.ingest.newsletter import Newsletter, parse_newsletter
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
    "entities",
    "working_group",
    "online",
)


def activity_json(record: ActivityRecord) -> dict[str, object]:
    """An activity read from a newsletter, with the fields `ctdash ingest --json` prints."""
    full = desk.activity_json(record)
    return {name: full[name] for name in INGEST_FIELDS} | {"source_line": record.row}


def outcome_json(newsletter: Newsletter) -> dict[str, object]:
    """The outcome of reading a newsletter, as `ctdash ingest --json` prints it."""
    return {
        "ok": newsletter.ok,
        "errors": [p.as_dict() for p in newsletter.errors],
        "warnings": [p.as_dict() for p in newsletter.warnings],
        "indicators": [
            {
                "code": f.code,
                "label": f.label,
                "value": f.value,
                "as_of": f.as_of.isoformat() if f.as_of else None,
            }
            for f in newsletter.indicators
        ],
        "activities": [activity_json(a) for a in newsletter.activities],
    }


def ingest_command(
    file: Annotated[Path, typer.Argument(help="The newsletter as a UTF-8 text file.")],
    year: Annotated[
        int | None,
        typer.Option("--year", help="Year of the dated items (default: read from the text)."),
    ] = None,
    dry_run: DryRun = False,
    as_json: AsJson = False,
    user: User = "ctdash ingest",
    database_url: DatabaseUrl = None,
) -> None:
    """Read a newsletter's figures and dated activities and commit them: exit 0 when written
    (or readable with --dry-run), 1 on problems with nothing written, 2 on usage errors."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} is not a file.", param_hint="FILE")
    if year is not None and not 2000 <= year <= 2100:
        raise typer.BadParameter(
            f"{year} is not a year between 2000 and 2100.", param_hint="--year"
        )
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        newsletter = Newsletter(
            errors=[Problem(None, None, f"{file.name} is not UTF-8 text ({error.reason}).")]
        )
    else:
        newsletter = parse_newsletter(text, year=year, file_name=file.name)
    result = None
    if newsletter.ok and not dry_run:
        engine = make_engine(database_url)
        seed(engine)
        try:
            result = store.commit(
                engine,
                file_name=file.name,
                data=data,
                user=user,
                kind="ingest",
                observations=newsletter.observations,
                activities=newsletter.activities,
            )
        except store.StoreError as error:
            newsletter.errors.append(Problem(None, None, str(error)))
        finally:
            engine.dispose()
    if as_json:
        typer.echo(json.dumps(outcome_json(newsletter), ensure_ascii=False, indent=2))
    else:
        echo_outcome(
            name=file.name,
            errors=newsletter.errors,
            warnings=newsletter.warnings,
            dry_run=dry_run,
            result=result,
            read=f"{len(newsletter.indicators)} figures and "
            f"{len(newsletter.activities)} activities",
        )
    if not newsletter.ok:
        raise typer.Exit(1)
