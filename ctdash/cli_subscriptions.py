"""The `ctdash subscriptions` commands (add, list, remove) and `ctdash brief send-due`, which
mails the briefs that are due."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer

from ctdash import mail, subscriptions
from ctdash.cli_options import DatabaseUrl, User, echo_table
from ctdash.cli_reminders import DashboardUrl, send_and_echo
from ctdash.config import ConfigError
from ctdash.db import make_engine
from ctdash.seed import seed

# `send-due` exits with this when a brief could not be sent or a mail setting is missing or bad,
# as every command does when the store or a setting is unavailable.
UNAVAILABLE = 3

subscriptions_app = typer.Typer(
    help="Briefs mailed to an address when new figures land, or weekly or monthly; "
    "`ctdash brief send-due` sends what is due.",
    no_args_is_help=True,
    add_completion=False,
)


class MailFormat(StrEnum):
    """What a mailed brief is attached as."""

    pdf = "pdf"
    png = "png"


class Trigger(StrEnum):
    """When a subscription's brief is sent."""

    new_figures = "new-figures"
    weekly = "weekly"
    monthly = "monthly"


@subscriptions_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The address the brief is mailed to.")],
    view: Annotated[
        str,
        typer.Option(
            "--view",
            help="A share link of the Overview, Trends, Map or Activities: the view mailed.",
        ),
    ],
    trigger: Annotated[
        Trigger,
        typer.Option(
            "--trigger",
            help="new-figures: after each commit of new data; weekly / monthly: the first run "
            "in each new week (ISO, UTC) or month.",
        ),
    ],
    fmt: Annotated[
        MailFormat, typer.Option("--format", "-f", help="The attachment: PDF, or PNG (page 1).")
    ] = MailFormat.pdf,
    user: User = "ctdash subscriptions",
    database_url: DatabaseUrl = None,
) -> None:
    """Subscribe an address to the brief of a view."""
    engine = make_engine(database_url)
    try:
        seed(engine)
        added = subscriptions.add(
            engine, email=email, view=view, fmt=fmt.value, trigger=trigger.value, user=user
        )
    except subscriptions.SubscriptionError as error:
        for problem in error.problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    subscription = added.subscription
    for notice in added.notices:
        typer.echo(f"notice: {notice} (printed in each brief)", err=True)
    typer.echo(
        f"added subscription {subscription.id}: {subscription.email}, {subscription.format}, "
        f"{subscription.trigger}, from {subscriptions.since(subscription)}"
    )


@subscriptions_app.command("list")
def list_command(database_url: DatabaseUrl = None) -> None:
    """Show the active subscriptions, each with its latest delivery."""
    engine = make_engine(database_url)
    try:
        seed(engine)
        listed = subscriptions.active(engine)
    finally:
        engine.dispose()
    if not listed:
        typer.echo("no subscriptions")
        return
    header = ("id", "email", "format", "trigger", "since", "last delivery", "view")
    rows = [
        (
            str(item.subscription.id),
            item.subscription.email,
            item.subscription.format,
            item.subscription.trigger,
            subscriptions.since(item.subscription),
            subscriptions.describe_last(item.last),
            item.subscription.view,
        )
        for item in listed
    ]
    echo_table(header, rows)


@subscriptions_app.command("remove")
def remove(
    subscription_id: Annotated[int, typer.Argument(help="The subscription's id (see list).")],
    user: User = "ctdash subscriptions",
    database_url: DatabaseUrl = None,
) -> None:
    """Stop a subscription; it stays on record, marked removed."""
    engine = make_engine(database_url)
    try:
        seed(engine)
        removed = subscriptions.remove(engine, subscription_id=subscription_id, user=user)
    except subscriptions.SubscriptionError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(f"removed subscription {removed.id} ({removed.email})")


def send_due_command(
    url: DashboardUrl = "http://localhost:8501/", database_url: DatabaseUrl = None
) -> None:
    """Mail every subscription's brief that is due, each at most once, then the editors'
    reminders of overdue figures (`ctdash reminders send-due`; the desk is linked at `--url`).
    Exit 3, with one line, when the mail server fails or a mail setting is missing or bad; the
    failure is recorded and the next run sends it. Prints one line per brief or reminder sent or
    failed, nothing when nothing was due. Run it from cron or a systemd timer."""
    try:
        settings = mail.settings_from_env()
    except ConfigError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(UNAVAILABLE) from None
    engine = make_engine(database_url)
    try:
        seed(engine)
        report = subscriptions.send_due(engine, now=datetime.now(UTC), settings=settings)
        _echo_briefs(report)
        # With the mail server down the reminders wait for the next run, unsaid: one line.
        reminded_badly = report.stopped is None and send_and_echo(
            engine, settings=settings, dashboard_url=url
        )
    finally:
        engine.dispose()
    if report.failed or reminded_badly:
        raise typer.Exit(UNAVAILABLE)


def _echo_briefs(report: subscriptions.Report) -> None:
    """One line per brief sent (stdout) or failed (stderr); nothing when nothing was due, as
    cron mails whatever a job prints."""
    for done in report.sent:
        typer.echo(
            f"sent subscription {done.subscription_id} to {done.email}: {done.format} of "
            f"data version {done.data_version}, {done.view}"
        )
    waiting = f"; {len(report.not_tried)} more due, not tried" if report.not_tried else ""
    for number, failed in enumerate(report.failed, start=1):
        more = waiting if number == len(report.failed) else ""
        typer.echo(
            f"error: subscription {failed.subscription_id} to {failed.email} failed: "
            f"{failed.detail}; recorded, the next run tries again{more}",
            err=True,
        )
