"""The `ctdash brief` command: the period's brief, or any view of the dashboard, as a file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from ctdash import brief
from ctdash.cli_options import DatabaseUrl
from ctdash.cli_subscriptions import send_due_command
from ctdash.db import make_engine
from ctdash.seed import seed

brief_app = typer.Typer(
    help="The period's brief, or any view of the dashboard, as PDF, PNG or Markdown.",
    add_completion=False,
)


@brief_app.callback(invoke_without_command=True)
def brief_command(
    context: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="The file to write.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The snapshot to brief on, YYYY-MM-DD (default: the latest)."),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="A snapshot date, YYYY-MM-DD, to set each figure beside, with the change, and "
            "the activities of both periods side by side.",
        ),
    ] = None,
    fmt: Annotated[
        brief.Format,
        typer.Option(
            "--format",
            "-f",
            help="pdf: an accessible A4 document; png: its first page; md: Markdown, for the "
            "newsletter. Default: from the file's extension, else pdf.",
            show_default=False,
        ),
    ] = None,  # type: ignore[assignment]
    view: Annotated[
        str | None,
        typer.Option(
            "--view", help="A share link of any page: that view, filtered as the link says."
        ),
    ] = None,
    url: Annotated[
        str, typer.Option("--url", help="The dashboard's address, for the link that reproduces it.")
    ] = "http://localhost:8501/",
    database_url: DatabaseUrl = None,
) -> None:
    """Write the period's brief (the eight figures with when each is due and its target, the
    period's map and activities by month, sources; with --compare, each figure beside its value
    at another snapshot), or with --view the view of a share link. `ctdash brief send-due`
    mails the subscriptions that are due."""
    if context.invoked_subcommand is not None:
        return
    if output is None:
        raise typer.BadParameter("name the file to write.", param_hint="--output")
    for given, hint in ((as_of, "--as-of"), (compare, "--compare")):
        if given and view:
            raise typer.BadParameter(
                f"a link carries its own dates: give {hint} or --view, not both.", param_hint=hint
            )
    day, compared = _date(as_of, "--as-of"), _date(compare, "--compare")
    chosen = fmt or _format_of(output)
    engine = make_engine(database_url)
    try:
        seed(engine)
        made = brief.render(
            engine,
            fmt=chosen,
            view=view,
            as_of=day,
            compare=compared,
            dashboard_url=url,
            made_at=datetime.now(UTC),
        )
    except brief.BriefError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    output.write_bytes(made.content)
    for notice in made.notices:
        typer.echo(f"notice: {notice}", err=True)
    dated = f" as of {made.as_of}" if made.as_of else ""
    typer.echo(f"wrote {made.title}{dated} to {output}", err=True)


def _date(given: str | None, hint: str) -> date | None:
    """An option's date, or a usage error naming the option."""
    try:
        return date.fromisoformat(given) if given else None
    except ValueError:
        raise typer.BadParameter(f"{given} is not a date YYYY-MM-DD.", param_hint=hint) from None


def _format_of(output: Path) -> brief.Format:
    suffix = output.suffix.lower().lstrip(".")
    return brief.Format(suffix) if suffix in brief.Format.__members__ else brief.Format.pdf


brief_app.command("send-due")(send_due_command)
