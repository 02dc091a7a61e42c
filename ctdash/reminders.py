"""Reminders to the editors that a figure is overdue (`ctdash reminders send-due`): one e-mail
per overdue indicator per period, the period being the date its next figure was due.

Each reminder goes to every editor and admin with an e-mail address, in one message that says
which figure is overdue and since when, its last figure, who provides it and where to enter the
next one. It is sent at most once: it is committed as `sending` (its key the indicator and the
due date) before the mail server is spoken to, then marked `sent` or `failed`; a failed one is
tried again at the next run, a `sending` one that a crash left is never sent again by itself.
With no editor to send to, the overdue figures are recorded as failed once per period, so that
a run every few minutes says so once, and the next run after an address is given sends them.
Reminders are not data: their writes do not move the data version. A store of generated
figures (`ctdash demo`) is never reminded of.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ctdash import context, freshness, mail, queries, urlstate
from ctdash.auth import User
from ctdash.freshness import Freshness
from ctdash.models import Indicator, Reminder, utcnow

EDITOR_ROLES = ("editor", "admin")
NOBODY = "no editor or admin has an e-mail address"
# The desk's page, where a figure is entered.
DESK_PAGE = "desk"


# --- who, and what is due -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """The editors' and admins' addresses mail is sent to, and those it cannot be sent to."""

    addresses: tuple[str, ...]
    unusable: tuple[str, ...] = ()


def recipients(engine: Engine) -> Recipients:
    """Every editor's and admin's e-mail address, in order; one that is not a plain address
    (which could name a second mailbox in the header) is set apart."""
    with Session(engine) as session:
        emails = session.exec(
            select(User.email)
            .where(col(User.role).in_(EDITOR_ROLES), col(User.email).is_not(None))
            .order_by(col(User.email))
        ).all()
    usable = tuple(e for e in emails if e and mail.address_problem(e) is None)
    return Recipients(usable, tuple(e for e in emails if e and e not in usable))


def overdue(engine: Engine, today: date) -> list[Freshness]:
    """The indicators whose next figure is overdue on `today`, in the newsletter's order; none
    in a store of generated figures."""
    if queries.is_synthetic(engine):
        return []
    found = freshness.freshness(
        queries.indicators(engine), queries.observations(engine), context.schedules(engine), today
    )
    return [item for item in found if item.state == "overdue" and item.next_due is not None]


def once_key(code: str, due: date) -> str:
    """What makes two reminders the same: the indicator and the date its figure was due."""
    return f"{code} {due.isoformat()}"


def due(engine: Engine, today: date) -> list[Freshness]:
    """The overdue indicators not yet reminded of (sent, or being sent) for their period."""
    return _not_reminded(engine, overdue(engine, today))


def _not_reminded(engine: Engine, items: list[Freshness]) -> list[Freshness]:
    with Session(engine) as session:
        taken = set(
            session.exec(select(Reminder.once_key).where(col(Reminder.once_key).is_not(None)))
        )
    return [item for item in items if _key(item) not in taken]


def _key(item: Freshness) -> str:
    assert item.next_due is not None  # overdue() keeps only figures with a due date
    return once_key(item.code, item.next_due)


# --- the message --------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    """Text on one line: a line break in a label must not start a header of its own."""
    return " ".join(text.split())


def subject(item: Freshness) -> str:
    """The e-mail's subject: the indicator, and that its figure is overdue."""
    return f"Overdue: {_one_line(item.label)} — figure due {item.next_due}"


def body(item: Freshness, *, desk_url: str) -> str:
    """The reminder in plain text: what is overdue and since when, the last figure, who
    provides it, and where to enter the next one."""
    days = item.days_overdue
    provider = _one_line(item.provider) or "no provider is named (set one in the data desk)"
    last = "no figure" if item.last_value is None else f"{item.last_value:,}"
    lines = [
        f"The figure of {_one_line(item.label)} is overdue: it was due on {item.next_due}, "
        f"{days:,} day{'s' if days != 1 else ''} ago.",
        "",
        f"Last figure: {last}, as of {item.last_as_of}",
        f"Next figure due: {item.next_due} ({freshness.cadence_text(item.cadence_months)})",
        f"Provided by: {provider}",
        "",
        "Ask the provider for the figure, then enter it in the data desk:",
        desk_url,
        "",
        "Every editor and admin of the dashboard with an e-mail address receives this reminder, "
        "once for each date a figure is due.",
    ]
    return "\n".join(lines) + "\n"


def reminder_message(
    item: Freshness, *, sender: str, to: Sequence[str], desk_url: str
) -> EmailMessage:
    """The e-mail that reminds the editors of one overdue figure, in plain text."""
    message = EmailMessage()
    message["Subject"] = subject(item)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    # RFC 3834: sent by a program, so that out-of-office replies are not sent back.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body(item, desk_url=desk_url))
    return message


def desk_link(dashboard_url: str) -> str:
    """The data desk's address under the dashboard's."""
    return urlstate.share_url(dashboard_url, DESK_PAGE, {})


# --- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a run did with one overdue indicator."""

    code: str
    label: str
    provider: str
    due: date
    to: tuple[str, ...]
    detail: str = ""


@dataclass
class Report:
    """What `send_due` did: sent; sent but refused for some addresses (`refused`, not sent
    again); failed (tried again next run); not tried once the mail server failed (`stopped`
    says why); overdue with nobody to send to, said once per period (`unaddressed`)."""

    overdue: int = 0
    reminded_before: int = 0
    to: tuple[str, ...] = ()
    unusable: tuple[str, ...] = ()
    sent: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    not_tried: list[Outcome] = field(default_factory=list)
    unaddressed: list[Outcome] = field(default_factory=list)
    stopped: str | None = None
    synthetic: bool = False


def send_due(
    engine: Engine, *, today: date, settings: mail.MailSettings, dashboard_url: str
) -> Report:
    """Remind the editors of every figure overdue on `today` not yet reminded of for its
    period, one message per indicator, at most once; stop at the first failure of the mail
    server (the rest wait for the next run) and report what was done."""
    who = recipients(engine)
    found = overdue(engine, today)
    report = Report(
        overdue=len(found),
        to=who.addresses,
        unusable=who.unusable,
        synthetic=queries.is_synthetic(engine),
    )
    waiting = _not_reminded(engine, found)
    report.reminded_before = len(found) - len(waiting)
    if not who.addresses:
        report.unaddressed = _note_unaddressed(engine, waiting)
        return report
    desk_url = desk_link(dashboard_url)
    with mail.mailer(settings) as mailer:
        for item in waiting:
            outcome = _outcome(item, who.addresses)
            if report.stopped is not None:
                report.not_tried.append(outcome)
                continue
            reminder_id = _claim(engine, item, who.addresses)
            if reminder_id is None:
                continue  # another run is sending it, or has sent it
            message = reminder_message(
                item, sender=settings.sender, to=who.addresses, desk_url=desk_url
            )
            try:
                mailer.send(message)
            except mail.MailError as error:
                _record(report, engine, reminder_id, outcome, error)
                continue
            mail.finish(engine, Reminder, reminder_id, status="sent", detail="")
            report.sent.append(outcome)
    return report


def _outcome(item: Freshness, to: tuple[str, ...], detail: str = "") -> Outcome:
    assert item.next_due is not None
    return Outcome(
        item.code, _one_line(item.label), _one_line(item.provider), item.next_due, to, detail
    )


def _record(
    report: Report, engine: Engine, reminder_id: int, outcome: Outcome, error: mail.MailError
) -> None:
    """Record a message the server did not take from everyone: sent when some recipients got
    it (never sent again, so that they do not get it twice), failed otherwise."""
    detail = str(error)
    done = replace(outcome, detail=detail)
    if isinstance(error, mail.PartlyRefused):
        mail.finish(engine, Reminder, reminder_id, status="sent", detail=detail)
        report.refused.append(done)
        return
    mail.finish(engine, Reminder, reminder_id, status="failed", detail=detail)
    report.failed.append(done)
    if not isinstance(error, mail.RecipientRefused):
        report.stopped = detail


def _claim(engine: Engine, item: Freshness, to: Sequence[str]) -> int | None:
    """Record the reminder as sending, committed before the mail server is spoken to; None when
    it is being sent, or was sent, by another run."""
    assert item.next_due is not None
    with Session(engine) as session:
        reminder = Reminder(
            indicator_code=item.code,
            due=item.next_due,
            recipients=", ".join(to),
            status="sending",
            recorded_at=utcnow(),
            once_key=_key(item),
        )
        return mail.claim(session, reminder)


def _note_unaddressed(engine: Engine, waiting: list[Freshness]) -> list[Outcome]:
    """Record, once per period, the overdue figures nobody could be reminded of; return those
    recorded now (none when each was recorded by an earlier run)."""
    with Session(engine) as session:
        noted = set(
            session.exec(
                select(col(Reminder.indicator_code), col(Reminder.due)).where(
                    Reminder.status == "failed", Reminder.recipients == ""
                )
            )
        )
        fresh = [item for item in waiting if (item.code, item.next_due) not in noted]
        for item in fresh:
            assert item.next_due is not None
            session.add(
                Reminder(
                    indicator_code=item.code,
                    due=item.next_due,
                    recipients="",
                    status="failed",
                    detail=NOBODY,
                    recorded_at=utcnow(),
                )
            )
        session.commit()
    return [_outcome(item, (), NOBODY) for item in fresh]


# --- the record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One reminder as `ctdash reminders list` shows it."""

    reminder: Reminder
    label: str


def history(engine: Engine) -> list[Listed]:
    """Every reminder, latest first, with its indicator's label."""
    with Session(engine) as session:
        rows = session.exec(
            select(Reminder, Indicator.label)
            .join(Indicator, col(Indicator.code) == col(Reminder.indicator_code))
            .order_by(col(Reminder.id).desc())
        ).all()
    return [Listed(reminder, label) for reminder, label in rows]


def describe_status(reminder: Reminder) -> str:
    """A reminder's status in words, with what the server said."""
    text = reminder.status
    if reminder.status == "sending":
        text += ": never confirmed, so never sent again by itself"
    elif reminder.status == "failed":
        text += ", tried again at the next run"
    return text + (f": {reminder.detail}" if reminder.detail else "")
