"""Reminders of overdue figures, mailed to a real SMTP server on localhost: one per overdue
indicator per period to the editors and admins with an e-mail address, never twice, never to a
viewer, never about generated figures; a failure is recorded and sent at the next run; the data
version does not move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from typer.testing import CliRunner, Result

from ctdash import auth, context, demo, freshness, mail, queries, reminders, store
from ctdash.cli import app
from ctdash.cli_reminders import send_and_echo
from ctdash.db import make_engine, session_scope
from ctdash.ingest import ObservationRecord
from ctdash.models import Indicator, Schedule
from tests.helpers.smtp import SmtpServer, running_server, use_server

pytestmark = pytest.mark.both_backends

SENDER = "reminders@ctdash.example.org"
DASHBOARD = "http://dash.example.org/"
TODAY = date(2026, 11, 29)
# The shipped figures' latest snapshot is 2023-04-30, every two months: due 2023-06-30.
DUE = date(2023, 6, 30)
# Each shipped indicator with its provider (data/indicators.csv), in the newsletter's order.
UNOCT = "UNOCT (Compact Secretariat, PKMCB)"
SHIPPED = [
    ("Compact entities", UNOCT),
    ("Member States", UNOCT),
    ("International/regional organizations", UNOCT),
    ("Total focal points", UNOCT),
    ("Documents shared", "CT Platform"),
    ("Virtual visits to the CT Platform", "CT Platform"),
    ("CTED TA recommendations", "CTED"),
    ("CTED country assessments", "CTED"),
]


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
    return smtp_server


def settings_for(server: SmtpServer) -> mail.MailSettings:
    return mail.MailSettings(
        host="127.0.0.1", port=server.port, security="none", sender=SENDER, timeout=5
    )


def add_user(engine: Engine, name: str, role: str, email: str | None) -> None:
    """An account as `ctdash users add` makes it; one without an e-mail has a password."""
    with session_scope(engine) as session:
        password = None if email else "a long enough password"
        auth.add_user(session, name=name, role=role, password=password, email=email)


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def send_due(database_url: str, *, today: date = TODAY) -> Result:
    return cli(
        "reminders", "send-due", "--today", today.isoformat(), "--url", DASHBOARD,
        "--database-url", database_url,
    )  # fmt: skip


def commit_figure(engine: Engine, code: str, value: int, as_of: date) -> None:
    """A figure imported through the store's write path, which moves the data version."""
    result = store.commit(
        engine,
        file_name=f"{code}-{as_of}.csv",
        data=f"date,indicator,value\n{as_of},{code},{value}\n".encode(),
        user="ana",
        observations=[ObservationRecord(row=2, code=code, as_of=as_of, value=value)],
    )
    assert result.written == 1


def text_of(message: EmailMessage) -> str:
    """The plain-text body, its lines ended as Python writes them (SMTP sends CRLF)."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def sent_line(label: str, provider: str, due: date, to: str) -> str:
    return f"sent the reminder that {label} is overdue (due {due}, provided by {provider}) to {to}"


# --- the journey ------------------------------------------------------------------------------


def test_each_overdue_figure_is_reminded_once_per_period(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    server = mail_env
    add_user(store, "ana", "editor", "ana@example.org")
    version = queries.data_version(store)

    first = send_due(database_url)
    assert first.exit_code == 0, first.output
    assert first.stderr == ""
    assert first.stdout.splitlines() == [
        *(sent_line(label, provider, DUE, "ana@example.org") for label, provider in SHIPPED),
        "2026-11-29: 8 figures are overdue; 8 reminders sent",
    ]
    assert len(server.messages) == 8
    for message, (label, provider) in zip(server.messages, SHIPPED, strict=True):
        assert message["Subject"] == f"Overdue: {label} — figure due 2023-06-30"
        assert message["To"] == "ana@example.org"
        assert message["From"] == SENDER
        assert f"Provided by: {provider}\n" in text_of(message)
        assert message.get_content_type() == "text/plain"
    body = text_of(server.messages[0])
    assert body.startswith(
        "The figure of Compact entities is overdue: it was due on 2023-06-30, 1,248 days ago.\n"
    )
    assert "Last figure: 45, as of 2023-04-30\n" in body
    assert "Next figure due: 2023-06-30 (every 2 months)\n" in body
    assert "enter it in the data desk:\nhttp://dash.example.org/desk\n" in body
    assert queries.data_version(store) == version  # a reminder is not data

    again = send_due(database_url)
    assert (again.exit_code, again.stderr) == (0, "")
    assert (
        again.stdout == "2026-11-29: 8 figures are overdue; 8 reminded before; 0 reminders sent\n"
    )
    assert len(server.messages) == 8

    # A new figure for one indicator: fresh until its next due date, then overdue once more.
    commit_figure(store, "member_states", 140, date(2026, 10, 31))
    on_the_day = send_due(database_url, today=date(2026, 12, 31))
    assert on_the_day.stdout == (
        "2026-12-31: 7 figures are overdue; 7 reminded before; 0 reminders sent\n"
    )
    later = send_due(database_url, today=date(2027, 1, 1))
    assert later.exit_code == 0, later.output
    assert later.stdout.splitlines() == [
        sent_line("Member States", UNOCT, date(2026, 12, 31), "ana@example.org"),
        "2027-01-01: 8 figures are overdue; 7 reminded before; 1 reminder sent",
    ]
    assert len(server.messages) == 9
    assert server.messages[8]["Subject"] == "Overdue: Member States — figure due 2026-12-31"
    assert "Last figure: 140, as of 2026-10-31\n" in text_of(server.messages[8])
    assert send_due(database_url, today=date(2027, 3, 1)).stdout.startswith(
        "2027-03-01: 8 figures are overdue; 8 reminded before; 0 reminders sent"
    )
    assert len(server.messages) == 9

    listed = cli("reminders", "list", "--database-url", database_url).stdout.splitlines()
    assert listed[0].split() == ["indicator", "due", "recorded", "(UTC)", "to", "status"]
    assert len(listed) == 1 + 9
    assert listed[1].startswith("Member States ")
    assert listed[1].split()[2:3] == ["2026-12-31"]
    assert all(row.endswith("ana@example.org  sent") for row in listed[1:])


def test_editors_and_admins_get_one_message_and_viewers_none(
    store: Engine, smtp_server: SmtpServer
) -> None:
    add_user(store, "vic", "viewer", "vic@example.org")
    add_user(store, "ana", "editor", "ana@example.org")
    add_user(store, "root", "admin", "root@example.org")
    add_user(store, "ed", "editor", None)  # signs in with a password, has no e-mail
    # Sign-in takes this address; mail would not (no top-level domain): it is left out.
    add_user(store, "lo", "editor", "lo@localhost")
    report = reminders.send_due(
        store, today=TODAY, settings=settings_for(smtp_server), dashboard_url=DASHBOARD
    )
    assert [o.label for o in report.sent] == [label for label, _ in SHIPPED]
    assert report.unusable == ("lo@localhost",)
    assert {m["To"] for m in smtp_server.messages} == {"ana@example.org, root@example.org"}
    assert {tuple(to) for _, to in smtp_server.handler.envelopes} == {
        ("ana@example.org", "root@example.org")
    }


def test_with_no_editor_address_nothing_is_sent_and_it_is_said_once_per_period(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    server = mail_env
    add_user(store, "vic", "viewer", "vic@example.org")
    add_user(store, "ed", "editor", None)
    first = send_due(database_url)
    assert first.exit_code == 0
    assert first.stdout == (
        "2026-11-29: 8 figures are overdue; nothing sent: no editor or admin has an e-mail "
        "address\n"
    )
    assert first.stderr == (
        "notice: 8 figures are overdue and no editor or admin has an e-mail address, so no "
        "reminder was sent: give an editor one with `ctdash users set-role EMAIL --role "
        "editor`; the next run sends them\n"
    )
    # A run every few minutes says it once per period, not each time.
    assert send_due(database_url).stderr == ""
    assert server.messages == []

    given = cli("users", "set-role", "ana@example.org", "--role", "editor", "--database-url",
                database_url)  # fmt: skip
    assert given.exit_code == 0, given.output
    sent = send_due(database_url)
    assert (sent.exit_code, sent.stderr) == (0, "")
    assert [m["To"] for m in server.messages] == ["ana@example.org"] * 8


def test_a_dead_server_is_recorded_and_the_next_run_sends_each_once(
    store: Engine, database_url: str, mail_env: SmtpServer
) -> None:
    server = mail_env
    add_user(store, "ana", "editor", "ana@example.org")
    server.stop()
    down = send_due(database_url)
    assert down.exit_code == 3
    assert down.exception is None or isinstance(down.exception, SystemExit)
    assert down.stderr == (
        "error: the reminder that Compact entities is overdue (due 2023-06-30, provided by "
        f"{UNOCT}) to ana@example.org failed: the mail server {server.url} refused the "
        "connection (is it running?); recorded, the next run tries again; 7 more due, not "
        "tried\n"
    )
    assert (
        down.stdout
        == "2026-11-29: 8 figures are overdue; 0 reminders sent; 1 failed; 7 not tried\n"
    )
    listed = cli("reminders", "list", "--database-url", database_url).stdout
    assert "failed, tried again at the next run: the mail server" in listed

    server.start()
    back = send_due(database_url)
    assert back.exit_code == 0, back.output
    assert back.stdout.endswith("; 8 reminders sent\n")
    assert send_due(database_url).stdout.endswith("; 8 reminded before; 0 reminders sent\n")
    assert [m["Subject"] for m in server.messages] == [
        f"Overdue: {label} — figure due 2023-06-30" for label, _ in SHIPPED
    ]


def test_no_mail_settings_is_one_line_and_exit_3(
    store: Engine, database_url: str, mail_env: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTDASH_SMTP_URL")
    result = send_due(database_url)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: CTDASH_SMTP_URL is not set")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("today", "says"),
    [
        (date(2023, 5, 1), "2023-05-01: no figure is overdue: nothing to send"),
        # On the due date itself a figure is due, not yet overdue.
        (date(2023, 6, 30), "2023-06-30: no figure is overdue: nothing to send"),
    ],
)
def test_before_a_figure_is_overdue_nothing_is_sent(
    store: Engine, database_url: str, mail_env: SmtpServer, today: date, says: str
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    result = send_due(database_url, today=today)
    assert (result.exit_code, result.stdout, result.stderr) == (0, says + "\n", "")
    assert mail_env.messages == []
    # The control: the day after, each is.
    assert send_due(database_url, today=date(2023, 7, 1)).stdout.endswith("; 8 reminders sent\n")


def test_today_defaults_to_the_clock(
    store: Engine, database_url: str, mail_env: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    monkeypatch.setattr(freshness, "clock", lambda: date(2023, 6, 1))
    result = cli("reminders", "send-due", "--database-url", database_url)
    assert result.stdout == "2023-06-01: no figure is overdue: nothing to send\n"
    bad = cli("reminders", "send-due", "--today", "29/11/2026", "--database-url", database_url)
    assert bad.exit_code == 2
    assert "29/11/2026 is not a date YYYY-MM-DD" in bad.output


# --- refused addresses --------------------------------------------------------------------------


def test_a_refused_editor_does_not_make_the_others_receive_it_twice(
    store: Engine, smtp_server: SmtpServer
) -> None:
    add_user(store, "gone", "editor", "gone@example.org")
    add_user(store, "ana", "editor", "ana@example.org")
    smtp_server.handler.refused.add("gone@example.org")
    settings = settings_for(smtp_server)
    report = reminders.send_due(store, today=TODAY, settings=settings, dashboard_url=DASHBOARD)
    assert (len(report.sent), len(report.refused), len(report.failed)) == (0, 8, 0)
    assert report.refused[0].detail == "the mail server refused gone@example.org"
    assert [to for _, to in smtp_server.handler.envelopes] == [["ana@example.org"]] * 8
    again = reminders.send_due(store, today=TODAY, settings=settings, dashboard_url=DASHBOARD)
    assert (again.sent, again.refused, again.failed) == ([], [], [])
    assert len(smtp_server.messages) == 8


def test_a_message_refused_for_everyone_is_tried_again(
    store: Engine, smtp_server: SmtpServer
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    smtp_server.handler.refused.add("ana@example.org")
    settings = settings_for(smtp_server)
    report = reminders.send_due(store, today=TODAY, settings=settings, dashboard_url=DASHBOARD)
    # A refused recipient does not stop the run: each is tried, and recorded failed.
    assert (len(report.failed), report.not_tried, report.stopped) == (8, [], None)
    assert smtp_server.messages == []
    smtp_server.handler.refused.clear()
    report = reminders.send_due(store, today=TODAY, settings=settings, dashboard_url=DASHBOARD)
    assert len(report.sent) == 8


# --- what the message says, and what it must not do ---------------------------------------------


def test_a_label_with_a_line_break_cannot_add_a_header(
    store: Engine, smtp_server: SmtpServer
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    with Session(store) as session:
        session.exec(
            update(Indicator)
            .where(col(Indicator.code) == "member_states")
            .values(label="Member States\r\nBcc: eve@example.org")
        )
        session.commit()
        # The desk keeps a provider on one line; a row written otherwise is made one here too.
        session.exec(
            update(Schedule)
            .where(col(Schedule.indicator_code) == "cted_country_assessments")
            .values(provider="CTED\nBcc: x@y.z")
        )
        session.commit()
    reminders.send_due(
        store, today=TODAY, settings=settings_for(smtp_server), dashboard_url=DASHBOARD
    )
    assert len(smtp_server.messages) == 8
    assert all(m["Bcc"] is None for m in smtp_server.messages)
    assert {tuple(to) for _, to in smtp_server.handler.envelopes} == {("ana@example.org",)}
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert "Overdue: Member States Bcc: eve@example.org — figure due 2023-06-30" in subjects
    assert "Provided by: CTED Bcc: x@y.z\n" in text_of(smtp_server.messages[7])


@pytest.mark.parametrize(
    ("dashboard", "desk"),
    [
        ("http://dash.example.org/", "http://dash.example.org/desk"),
        ("https://dash.example.org", "https://dash.example.org/desk"),
        ("https://example.org/ctdash/", "https://example.org/ctdash/desk"),
        ("https://example.org/ctdash/?asof=2023-04-30#top", "https://example.org/ctdash/desk"),
    ],
)
def test_the_link_to_the_desk(dashboard: str, desk: str) -> None:
    assert reminders.desk_link(dashboard) == desk


def test_a_url_that_is_not_the_dashboards_is_refused(database_url: str) -> None:
    result = cli("reminders", "send-due", "--url", "javascript:alert(1)", "--database-url",
                 database_url)  # fmt: skip
    assert result.exit_code == 2
    said = " ".join(result.output.replace("│", " ").split())  # unwrapped from its box
    assert "'javascript:alert(1)' is not the dashboard's web address" in said


# --- a store of generated figures, and the hook of `ctdash brief send-due` ----------------------


def test_generated_figures_are_never_reminded_of(tmp_path: Path, smtp_server: SmtpServer) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        demo.fill(engine, activities=0, years=1, today=TODAY)
        context.set_schedule(
            engine, code="member_states", cadence_months=2, provider="UNOCT", user="root"
        )
        add_user(engine, "ana", "editor", "ana@example.org")
        later = date(2027, 6, 1)
        # The control: the generated figure is overdue on that day.
        states = freshness.freshness(
            queries.indicators(engine),
            queries.observations(engine),
            context.schedules(engine),
            later,
        )
        assert [f.code for f in states if f.state == "overdue"] == ["member_states"]
        report = reminders.send_due(
            engine, today=later, settings=settings_for(smtp_server), dashboard_url=DASHBOARD
        )
    finally:
        engine.dispose()
    assert (report.synthetic, report.overdue, report.sent) == (True, 0, [])
    assert smtp_server.messages == []


def test_the_hook_for_brief_send_due_is_quiet_when_nothing_was_due(
    store: Engine, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    settings = settings_for(smtp_server)
    failed = send_and_echo(store, settings=settings, dashboard_url=DASHBOARD, today=TODAY)
    out, err = capsys.readouterr()
    assert failed is False
    assert out.splitlines() == [
        sent_line(label, provider, DUE, "ana@example.org") for label, provider in SHIPPED
    ]
    assert err == ""
    assert send_and_echo(store, settings=settings, dashboard_url=DASHBOARD, today=TODAY) is False
    assert capsys.readouterr() == ("", "")
    smtp_server.stop()
    commit_figure(store, "member_states", 140, date(2026, 8, 31))
    assert send_and_echo(store, settings=settings, dashboard_url=DASHBOARD, today=TODAY) is True
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: the reminder that Member States is overdue (due 2026-10-31")


def test_brief_send_due_sends_the_reminders_too(
    store: Engine, database_url: str, mail_env: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(store, "ana", "editor", "ana@example.org")
    monkeypatch.setattr(freshness, "clock", lambda: TODAY)
    run = cli("brief", "send-due", "--url", DASHBOARD, "--database-url", database_url)
    assert (run.exit_code, run.stderr) == (0, ""), run.output
    assert run.stdout.splitlines() == [
        sent_line(label, provider, DUE, "ana@example.org") for label, provider in SHIPPED
    ]
    assert "http://dash.example.org/desk\n" in text_of(mail_env.messages[0])
    again = cli("brief", "send-due", "--url", DASHBOARD, "--database-url", database_url)
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    assert len(mail_env.messages) == 8
