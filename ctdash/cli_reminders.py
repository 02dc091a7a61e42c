"""The `ctdash reminders` commands: remind the editors of the figures that are overdue
(send-due), and the record of the reminders (list)."""

from __future__ import annotations

from datetime import UTC, date
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from ctdash import freshness, mail, reminders
from ctdash.cli_options import DatabaseUrl, echo_table
from ctdash.config import ConfigError
from ctdash.db import make_engine
from ctdash.seed import seed

# `send-due` exits with this when a reminder could not be sent or a mail setting is missing or
# bad, as `ctdash brief send-due` does.
UNAVAILABLE = 3

reminders_app = typer.Typer(
    help="Reminders to the editors when a figure is overdue: one e-mail per indicator for each "
    "date its figure was due, sent on the mail settings of `ctdash brief send-due`.",
    no_args_is_help=True,
    add_completion=False,
)


def _checked_url(url: str) -> str:
    """The dashboard's address as given; a usage error (exit 2) for anything but a web address."""
    if not url.startswith(("http://", "https://")) or any(ch.isspace() for ch in url):
        raise typer.BadParameter(
            f"{url!r} is not the dashboard's web address; for example "
            "https://dashboard.example.org/"
        )
    return url


DashboardUrl = Annotated[
    str,
    typer.Option(
        "--url",
        help="The dashboard's address, for the reminders' link to its data desk.",
        callback=_checked_url,
    ),
]


def _day(text: str | None) -> date:
    """The day given with --today, else today (CTDASH_TODAY, or the real date)."""
    if text is None:
        return freshness.clock()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text} is not a date YYYY-MM-DD.", param_hint="--today"
        ) from None


@reminders_app.command("send-due")
def send_due_command(
    url: DashboardUrl = "http://localhost:8501/",
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="The day to judge what is overdue on, YYYY-MM-DD (default: CTDASH_TODAY, or "
            "today).",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remind the editors and admins with an e-mail address of every overdue figure, once per
    indicator and due date. Prints one line per reminder sent or failed, and a summary. Exit 3,
    with one line, when the mail server fails or a mail setting is missing or bad; the failure
    is recorded and the next run sends it."""
    day = _day(today)
    try:
        settings = mail.settings_from_env()
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(UNAVAILABLE) from None
    engine = make_engine(database_url)
    try:
        seed(engine)
        report = reminders.send_due(engine, today=day, settings=settings, dashboard_url=url)
    finally:
        engine.dispose()
    echo_report(report)
    typer.echo(summary(report, day))
    if failed(report):
        raise typer.Exit(UNAVAILABLE)


def send_and_echo(
    engine: Engine,
    *,
    settings: mail.MailSettings,
    dashboard_url: str,
    today: date | None = None,
) -> bool:
    """Send the reminders that are due and print a line for each sent or failed, nothing when
    none was due (for `ctdash brief send-due`, which cron runs); True when one failed."""
    report = reminders.send_due(
        engine, today=today or freshness.clock(), settings=settings, dashboard_url=dashboard_url
    )
    echo_report(report)
    return failed(report)


def failed(report: reminders.Report) -> bool:
    """Whether a reminder failed, or was refused for an address: the run exits 3."""
    return bool(report.failed or report.refused)


def echo_report(report: reminders.Report) -> None:
    """One line per reminder sent (stdout) or failed (stderr), and one notice when figures are
    overdue with nobody to remind; nothing when nothing was due."""
    for done in report.sent:
        typer.echo(f"sent {_what(done)} to {', '.join(done.to)}")
    for done in report.refused:
        typer.echo(
            f"error: {_what(done)} was refused for some of its recipients: {done.detail}; the "
            "others received it, so it is not sent again",
            err=True,
        )
    waiting = f"; {len(report.not_tried)} more due, not tried" if report.not_tried else ""
    for number, done in enumerate(report.failed, start=1):
        more = waiting if number == len(report.failed) else ""
        typer.echo(
            f"error: {_what(done)} to {', '.join(done.to)} failed: {done.detail}; recorded, "
            f"the next run tries again{more}",
            err=True,
        )
    if report.unaddressed:
        count = len(report.unaddressed)
        typer.echo(
            f"notice: {_figures(count)} overdue and {reminders.NOBODY}, so no reminder was "
            "sent: give an editor one with `ctdash users set-role EMAIL --role editor`; the "
            "next run sends them",
            err=True,
        )
    tried = report.sent or report.refused or report.failed
    for address in report.unusable if tried else ():
        typer.echo(
            f"notice: the editor's e-mail {address!r} is not a plain address: it was sent no "
            "reminder",
            err=True,
        )


def _what(done: reminders.Outcome) -> str:
    provider = f", provided by {done.provider}" if done.provider else ""
    return f"the reminder that {done.label} is overdue (due {done.due}{provider})"


def _figures(count: int) -> str:
    return "1 figure is" if count == 1 else f"{count} figures are"


def summary(report: reminders.Report, day: date) -> str:
    """What the run did, in one line."""
    if report.synthetic:
        return f"{day}: the store holds generated figures (ctdash demo): no reminder is sent"
    if not report.overdue:
        return f"{day}: no figure is overdue: nothing to send"
    parts = [f"{day}: {_figures(report.overdue)} overdue"]
    if report.reminded_before:
        parts.append(f"{report.reminded_before} reminded before")
    if not report.to:
        parts.append(f"nothing sent: {reminders.NOBODY}")
        return "; ".join(parts)
    sent = len(report.sent) + len(report.refused)
    parts.append(f"{sent} reminder{'' if sent == 1 else 's'} sent")
    if report.failed:
        parts.append(f"{len(report.failed)} failed")
    if report.not_tried:
        parts.append(f"{len(report.not_tried)} not tried")
    return "; ".join(parts)


@reminders_app.command("list")
def list_command(database_url: DatabaseUrl = None) -> None:
    """Show every reminder, latest first: the indicator, the date it was due, its status, when
    it was recorded and to whom."""
    engine = make_engine(database_url)
    try:
        seed(engine)
        listed = reminders.history(engine)
    finally:
        engine.dispose()
    if not listed:
        typer.echo("no reminders yet")
        return
    header = ("indicator", "due", "recorded (UTC)", "to", "status")
    rows = [
        (
            item.label,
            str(item.reminder.due),
            f"{item.reminder.recorded_at.astimezone(UTC):%Y-%m-%d %H:%M}",
            item.reminder.recipients or "nobody",
            reminders.describe_status(item.reminder),
        )
        for item in listed
    ]
    echo_table(header, rows)
