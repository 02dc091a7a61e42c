"""Subscriptions to briefs, mailed to a real SMTP server on localhost: a new-figures subscription
receives the brief once per commit, weekly and monthly ones once per period, no recipient gets
the same brief twice, a failure is recorded and sent at the next run, a send cut off midway is
never sent again."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from email.message import EmailMessage
from itertools import count
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from ctdash import context, freshness, mail, queries, store, subscriptions
from ctdash.cli import app
from ctdash.ingest import ObservationRecord
from tests.conftest import PROJECT_ROOT
from tests.helpers.smtp import SmtpServer, running_server, use_server

pytestmark = pytest.mark.both_backends

SENDER = "briefs@ctdash.example.org"
OVERVIEW = "http://dash.example.org/"
MAP_TRAINING = "http://dash.example.org/map?kind=training"
# A Wednesday of ISO week 48 of 2026, in November.
ADDED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

_files = count(1)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on localhost, stopped after the test."""
    yield from running_server()


@pytest.fixture
def mail_env(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> SmtpServer:
    """The mail settings of the ctdash commands: the test's SMTP server, no login."""
    use_server(smtp_server, monkeypatch, sender=SENDER, tmp_path=tmp_path)
    # A day when the shipped figures are fresh: `brief send-due` has no reminder to send.
    monkeypatch.setattr(freshness, "clock", lambda: date(2023, 5, 1))
    return smtp_server


def settings_for(server: SmtpServer) -> mail.MailSettings:
    return mail.MailSettings(
        host="127.0.0.1", port=server.port, security="none", sender=SENDER, timeout=5
    )


def commit_figure(engine: Engine, value: int, *, as_of: date = date(2023, 9, 30)) -> None:
    """A figure imported through the store's write path, which moves the data version."""
    number = next(_files)
    result = store.commit(
        engine,
        file_name=f"figures-{number}.csv",
        data=f"date,indicator,value\n{as_of},member_states,{value}\n# {number}\n".encode(),
        user="ana",
        observations=[ObservationRecord(row=2, code="member_states", as_of=as_of, value=value)],
    )
    assert result.written == 1


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def send_due(database_url: str) -> Result:
    return cli("brief", "send-due", "--database-url", database_url)


def attachment_text(message: EmailMessage) -> str:
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    pdf = PdfReader(io.BytesIO(attachment.get_payload(decode=True)))
    return "\n".join(page.extract_text() for page in pdf.pages)


def deliveries(engine: Engine) -> list[tuple[int, str, str, str]]:
    """(subscription, status, period, detail) of every delivery, oldest first."""
    return [
        (d.delivery.subscription_id, d.delivery.status, d.delivery.period, d.delivery.detail)
        for d in reversed(subscriptions.deliveries(engine))
    ]


# --- the journey ------------------------------------------------------------------------------


def test_a_new_figures_subscription_receives_each_commit_once_and_survives_a_dead_server(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    server = mail_env
    added = cli(
        "subscriptions", "add", "ana@example.org", "--view", OVERVIEW,
        "--trigger", "new-figures", "--database-url", database_url,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("added subscription 1: ana@example.org, pdf, new-figures")

    # Nothing before a commit, and nothing printed (cron mails whatever a job prints).
    quiet = send_due(database_url)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert server.messages == []

    commit_figure(store, 140)
    version = queries.data_version(store)
    first = send_due(database_url)
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"sent subscription 1 to ana@example.org: pdf of data version {version}, {OVERVIEW}\n"
    )
    (message,) = server.messages
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Counter-Terrorism Compact in Numbers — as of 2023-09-30"
    assert "- Member States: 140 (+4 since 2023-04-30), as of 2023-09-30" in (
        message.get_body(("plain",)).get_content()
    )
    text = attachment_text(message)
    assert "Member States" in text and "140" in text and "as of 2023-09-30" in text
    assert (
        text.index("Compact entities")
        < text.index("Member States")
        < text.index("CTED country assessments")
    )

    again = send_due(database_url)
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    assert len(server.messages) == 1

    # A new commit makes it due again; with the server stopped the run exits 3 in one line,
    # and the failure is recorded.
    commit_figure(store, 141)
    server.stop()
    down = send_due(database_url)
    assert down.exit_code == 3
    assert down.stdout == ""
    assert down.stderr == (
        f"error: subscription 1 to ana@example.org failed: the mail server {server.url} "
        "refused the connection (is it running?); recorded, the next run tries again\n"
    )
    listed = cli("subscriptions", "list", "--database-url", database_url)
    assert "failed" in listed.stdout and "refused the connection" in listed.stdout

    server.start()
    back = send_due(database_url)
    assert back.exit_code == 0, back.output
    assert back.stdout.startswith("sent subscription 1 to ana@example.org")
    assert len(server.messages) == 2
    assert "141" in attachment_text(server.messages[1])
    assert send_due(database_url).stdout == ""
    assert len(server.messages) == 2
    assert [(status, detail.split(":")[0]) for _, status, _, detail in deliveries(store)] == [
        ("sent", ""),
        ("failed", "the mail server smtp"),
        ("sent", ""),
    ]


# --- adding, listing, removing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "view", "fmt", "trigger", "says"),
    [
        ("ana@example", OVERVIEW, "pdf", "weekly", "'ana@example' is not an e-mail address"),
        ("", OVERVIEW, "pdf", "weekly", "The e-mail address is empty"),
        ("ana@example.org", "", "pdf", "weekly", "The view is empty"),
        (
            "ana@example.org",
            "/map?kind=training",
            "pdf",
            "weekly",
            "is not a link of the dashboard",
        ),
        ("ana@example.org", "javascript:alert(1)", "pdf", "weekly", "is not a link of the"),
        ("ana@example.org", "http://h/desk", "pdf", "weekly", "opens the desk page, which has no"),
        ("ana@example.org", "http://h/admin?x=1", "pdf", "weekly", "opens the admin page"),
        ("ana@example.org", "http://h/map\nhttp://h/", "pdf", "weekly", "a space or a line break"),
        ("ana@example.org", OVERVIEW, "md", "weekly", "The format 'md' is not one a brief is"),
        ("ana@example.org", OVERVIEW, "pdf", "daily", "The trigger 'daily' is not known"),
    ],
)
def test_a_bad_subscription_says_what_is_wrong(
    email: str, view: str, fmt: str, trigger: str, says: str
) -> None:
    (problem,) = subscriptions.problems(email=email, view=view, fmt=fmt, trigger=trigger)
    assert says in problem


def test_the_commands_add_list_and_remove_and_say_what_is_wrong(
    store: Engine, database_url: str
) -> None:
    db = ("--database-url", database_url)
    bad = cli(
        "subscriptions", "add", "ana at example.org", "--view", "http://h/account",
        "--trigger", "weekly", *db,
    )  # fmt: skip
    assert bad.exit_code == 1
    lines = bad.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: 'ana at example.org' holds a space")
    assert lines[1].startswith("error: The link opens the account page, which has no view")
    usage = cli("subscriptions", "add", "a@example.org", "--view", OVERVIEW, "--trigger", "daily")
    assert usage.exit_code == 2

    version = queries.data_version(store)
    added = cli(
        "subscriptions", "add", "Ana@Example.ORG", "--view", MAP_TRAINING + "&country=XXX",
        "--format", "png", "--trigger", "weekly", "--user", "root", *db,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "notice: " in added.stderr and "(printed in each brief)" in added.stderr
    assert added.stdout.startswith("added subscription 1: Ana@example.org, png, weekly, from 20")
    assert queries.data_version(store) == version  # a subscription is not data

    listed = cli("subscriptions", "list", *db)
    header, row = listed.stdout.splitlines()
    assert header.split() == [
        "id",
        "email",
        "format",
        "trigger",
        "since",
        "last",
        "delivery",
        "view",
    ]
    assert row.split()[:4] == ["1", "Ana@example.org", "png", "weekly"]
    assert "nothing sent yet" in row and row.endswith(MAP_TRAINING + "&country=XXX")

    removed = cli("subscriptions", "remove", "1", "--user", "root", *db)
    assert removed.stdout == "removed subscription 1 (Ana@example.org)\n"
    twice = cli("subscriptions", "remove", "1", *db)
    assert twice.exit_code == 1
    assert twice.stderr.startswith("error: Subscription 1 was removed already, on ")
    assert twice.stderr.endswith(" UTC by root.\n")
    unknown = cli("subscriptions", "remove", "42", *db)
    assert (unknown.exit_code, unknown.stderr) == (1, "error: There is no subscription 42.\n")
    assert cli("subscriptions", "list", *db).stdout == "no subscriptions\n"
    assert queries.data_version(store) == version


# --- when a subscription is due ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("trigger", "moment", "key"),
    [
        ("weekly", datetime(2026, 11, 25, tzinfo=UTC), "2026-W48"),
        ("weekly", datetime(2026, 11, 30, tzinfo=UTC), "2026-W49"),
        ("weekly", datetime(2026, 12, 31, tzinfo=UTC), "2026-W53"),
        ("weekly", datetime(2027, 1, 3, 23, 59, tzinfo=UTC), "2026-W53"),
        ("weekly", datetime(2027, 1, 4, tzinfo=UTC), "2027-W01"),
        ("weekly", datetime(2021, 1, 1, tzinfo=UTC), "2020-W53"),
        # Midnight past in Geneva is still Sunday in UTC.
        ("weekly", datetime(2026, 11, 30, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2026-W48"),
        ("monthly", datetime(2026, 11, 30, 23, 59, tzinfo=UTC), "2026-11"),
        ("monthly", datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2026-11"),
        ("monthly", datetime(2027, 1, 1, tzinfo=UTC), "2027-01"),
        ("new-figures", datetime(2027, 1, 1, tzinfo=UTC), ""),
    ],
)
def test_the_period_of_a_moment(trigger: str, moment: datetime, key: str) -> None:
    assert subscriptions.period_key(trigger, moment) == key


def due_ids(engine: Engine, now: datetime) -> list[tuple[int, str]]:
    return [(d.subscription.id or 0, d.period) for d in subscriptions.due(engine, now)]


def test_weekly_and_monthly_are_due_once_in_each_later_period(
    store: Engine, smtp_server: SmtpServer
) -> None:
    weekly = subscriptions.add(
        store, email="w@example.org", view=OVERVIEW, trigger="weekly", user="root", now=ADDED
    ).subscription
    monthly = subscriptions.add(
        store, email="m@example.org", view=OVERVIEW, trigger="monthly", user="root", now=ADDED
    ).subscription
    assert (weekly.since_period, monthly.since_period) == ("2026-W48", "2026-11")
    sunday = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    assert due_ids(store, sunday) == []
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert due_ids(store, monday) == [(weekly.id, "2026-W49")]

    settings = settings_for(smtp_server)
    report = subscriptions.send_due(store, now=monday, settings=settings)
    assert [o.email for o in report.sent] == ["w@example.org"]
    assert due_ids(store, datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) == []

    december = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert due_ids(store, december) == [(monthly.id, "2026-12")]
    report = subscriptions.send_due(store, now=december, settings=settings)
    assert [o.email for o in report.sent] == ["m@example.org"]
    assert due_ids(store, datetime(2026, 12, 31, tzinfo=UTC)) == [(weekly.id, "2026-W53")]
    assert [m["To"] for m in smtp_server.messages] == ["w@example.org", "m@example.org"]
    assert [(sid, status, period) for sid, status, period, _ in deliveries(store)] == [
        (weekly.id, "sent", "2026-W49"),
        (monthly.id, "sent", "2026-12"),
    ]

    subscriptions.remove(store, subscription_id=weekly.id or 0, user="root")
    assert due_ids(store, datetime(2026, 12, 31, tzinfo=UTC)) == []


def test_one_recipient_never_gets_the_same_brief_of_a_data_version_twice(
    store: Engine, smtp_server: SmtpServer
) -> None:
    settings = settings_for(smtp_server)
    for trigger in ("new-figures", "weekly"):
        subscriptions.add(
            store, email="ana@example.org", view=OVERVIEW, trigger=trigger, user="root", now=ADDED
        )
    # The same address with another view, and another address with the same view, are others.
    subscriptions.add(
        store, email="ANA@example.org", view=MAP_TRAINING, trigger="weekly", user="r", now=ADDED
    )
    subscriptions.add(
        store, email="bob@example.org", view=OVERVIEW, trigger="weekly", user="r", now=ADDED
    )
    commit_figure(store, 140)
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    report = subscriptions.send_due(store, now=monday, settings=settings)
    assert [(o.subscription_id, o.email) for o in report.sent] == [
        (1, "ana@example.org"),
        (3, "ANA@example.org"),
        (4, "bob@example.org"),
    ]
    version = queries.data_version(store)
    assert [(o.subscription_id, o.detail) for o in report.skipped] == [
        (2, f"already sent data version {version} to this address")
    ]
    map_mail = smtp_server.messages[1]
    assert map_mail["Subject"] == (
        "Where the Compact worked — Counter-Terrorism Compact in Numbers — as of 2023-09-30"
    )
    # Every training of the store, and only trainings, is listed in the map's brief.
    assert "training" in attachment_text(map_mail).lower()

    # Next week nothing new: the weekly one is skipped again; after a commit, each once.
    later = monday + timedelta(days=7)
    report = subscriptions.send_due(store, now=later, settings=settings)
    assert report.sent == [] and len(report.skipped) == 3
    commit_figure(store, 141)
    report = subscriptions.send_due(store, now=later, settings=settings)
    assert sorted(o.subscription_id for o in report.sent) == [1, 3, 4]
    assert len(smtp_server.messages) == 6


def test_a_refused_recipient_is_recorded_and_the_others_are_sent(
    store: Engine, smtp_server: SmtpServer
) -> None:
    for email in ("gone@example.org", "bob@example.org"):
        subscriptions.add(
            store, email=email, view=OVERVIEW + "?asof=1999-01-01", trigger="new-figures", user="r"
        )
    smtp_server.handler.refused.add("gone@example.org")
    commit_figure(store, 140)
    report = subscriptions.send_due(
        store, now=datetime.now(UTC), settings=settings_for(smtp_server)
    )
    assert [o.email for o in report.sent] == ["bob@example.org"]
    assert [o.detail for o in report.failed] == [
        f"the mail server {smtp_server.url} refused the recipient "
        "(gone@example.org: 550 5.1.1 No such mailbox here)"
    ]
    assert report.stopped is None
    # A link whose date does not exist is sent with its notice, not dropped.
    (sent,) = smtp_server.messages
    assert "There is no as-of date 1999-01-01" in sent.get_body(("plain",)).get_content()
    assert "There is no as-of date 1999-01-01" in attachment_text(sent)
    # The refused one is tried again at the next run; the sent one is not.
    smtp_server.handler.refused.clear()
    report = subscriptions.send_due(
        store, now=datetime.now(UTC), settings=settings_for(smtp_server)
    )
    assert [o.email for o in report.sent] == ["gone@example.org"]


def test_a_dead_server_stops_the_run_and_the_rest_wait(
    store: Engine, smtp_server: SmtpServer
) -> None:
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        subscriptions.add(store, email=email, view=OVERVIEW, trigger="new-figures", user="r")
    commit_figure(store, 140)
    smtp_server.stop()
    report = subscriptions.send_due(
        store, now=datetime.now(UTC), settings=settings_for(smtp_server)
    )
    assert (len(report.sent), len(report.failed), len(report.not_tried)) == (0, 1, 2)
    assert (
        report.stopped
        == f"the mail server {smtp_server.url} refused the connection (is it running?)"
    )
    assert [status for _, status, _, _ in deliveries(store)] == ["failed"]
    smtp_server.start()
    report = subscriptions.send_due(
        store, now=datetime.now(UTC), settings=settings_for(smtp_server)
    )
    assert [o.email for o in report.sent] == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_send_cut_off_midway_is_never_sent_again(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    server = mail_env
    subscriptions.add(
        store, email="ana@example.org", view=OVERVIEW, trigger="new-figures", user="r"
    )
    commit_figure(store, 140)
    server.handler.hold = hold = threading.Event()
    run = subprocess.Popen(
        [sys.executable, "-m", "ctdash.cli", "brief", "send-due", "--database-url", database_url],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert server.handler.holding.wait(timeout=120), run.communicate(timeout=5)
    finally:
        run.kill()
        run.wait()
    hold.set()
    # The run died before the server answered: whether the message arrived is unknown, so it
    # stays "sending" and is never sent again by itself.
    assert [status for _, status, _, _ in deliveries(store)] == ["sending"]
    server.handler.hold = None
    again = send_due(database_url)
    assert (again.exit_code, again.stdout) == (0, "")
    assert server.messages == []
    listed = cli("subscriptions", "list", "--database-url", database_url).stdout
    assert "sending" in listed and "never confirmed, so never sent again by itself" in listed


def test_a_note_a_schedule_or_a_target_alone_sends_no_new_figures_brief(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    added = cli(
        "subscriptions", "add", "ana@example.org", "--view", OVERVIEW,
        "--trigger", "new-figures", "--database-url", database_url,
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    before = queries.data_version(store)
    context.add_note(
        store,
        context.NoteInput(date(2023, 3, 1), "A meeting", "UNOCT"),
        user="ana",
        today=date(2026, 11, 29),
    )
    context.set_schedule(
        store, code="focal_points", cadence_months=3, provider="UNOCT", user="root"
    )
    context.set_target(
        store, code="focal_points", value=2_000, due=date(2027, 1, 1), source="x", user="root"
    )
    # The pages see a new version (their caches move on); subscribers get nothing.
    assert queries.data_version(store) == before + 3
    quiet = send_due(database_url)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    assert mail_env.messages == []

    commit_figure(store, 140)
    sent = send_due(database_url)
    assert sent.stdout.startswith("sent subscription 1 to ana@example.org")
    assert len(mail_env.messages) == 1
    # A note after that brief does not send it again.
    context.remove_note(store, "note-2018-02-23-signing", user="ana")
    again = send_due(database_url)
    assert (again.exit_code, again.stdout) == (0, "")
    assert len(mail_env.messages) == 1
