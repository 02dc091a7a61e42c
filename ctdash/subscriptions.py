"""Subscriptions to briefs: add, list, remove, what is due, and sending it (`ctdash brief
send-due`).

A `new-figures` subscription is due at the first run after a commit of figures or activities
(not of a note, a schedule or a target alone) moved the data version past the one it was added
at and the one of its last brief; a `weekly` or `monthly` one at the first run in each
week (ISO, UTC) or month after the one it was added in. No recipient is ever sent the same
brief (view and format) of the same data version twice, by one subscription or several.

Sending is at most once: a delivery is committed as `sending` before the mail server is spoken
to and marked `sent` once it accepts the message. A `sending` row that a crash left is never
sent again by itself; a `failed` one is tried again at the next run. Subscriptions are not data:
their writes do not move the data version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ctdash import brief, mail, queries, views
from ctdash.models import (
    SUBSCRIPTION_FORMATS,
    SUBSCRIPTION_TRIGGERS,
    Delivery,
    Subscription,
    utcnow,
)

MAX_VIEW = 2000
VIEW_EXAMPLE = "http://dashboard.example.org/map?kind=training"


class SubscriptionError(Exception):
    """A subscription that cannot be added or removed; each problem is one sentence."""

    def __init__(self, *problems: str) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


# --- periods ------------------------------------------------------------------------------------


def period_key(trigger: str, moment: datetime) -> str:
    """The week ("2026-W48", ISO, UTC) or month ("2026-11") a moment falls in for a weekly or
    monthly subscription; "" for new-figures."""
    utc = moment.astimezone(UTC)
    if trigger == "weekly":
        year, week, _ = utc.isocalendar()
        return f"{year}-W{week:02d}"
    if trigger == "monthly":
        return f"{utc:%Y-%m}"
    return ""


# --- adding, listing, removing ------------------------------------------------------------------


def problems(*, email: str, view: str, fmt: str, trigger: str) -> list[str]:
    """Everything wrong with a subscription as asked for, one sentence each."""
    found = []
    if (problem := mail.address_problem(email)) is not None:
        found.append(problem)
    if (problem := view_problem(view)) is not None:
        found.append(problem)
    if fmt not in SUBSCRIPTION_FORMATS:
        found.append(f"The format {fmt!r} is not one a brief is mailed as: give pdf or png.")
    if trigger not in SUBSCRIPTION_TRIGGERS:
        found.append(f"The trigger {trigger!r} is not known: give new-figures, weekly or monthly.")
    return found


def view_problem(link: str) -> str | None:
    """What is wrong with a view link, in one sentence; None for a share link of a page with a
    view. Its parameters are not judged here: a stale one is a notice printed in the brief."""
    link = link.strip()
    example = f"for example {VIEW_EXAMPLE}"
    if not link:
        return f"The view is empty: give a share link of the dashboard, {example}."
    if len(link) > MAX_VIEW:
        return f"The view link is longer than {MAX_VIEW} characters."
    if any(ch.isspace() or ord(ch) < 32 for ch in link):
        return f"The view link holds a space or a line break: give one share link, {example}."
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"The view {link[:80]!r} is not a link of the dashboard: {example}."
    try:
        views.page_and_params(link)
    except views.ViewError as error:
        return f"{error} Give a link of the Overview, Trends, Map or Activities."
    return None


@dataclass(frozen=True)
class Added:
    """A subscription just added, and what its link could not give (printed in its briefs)."""

    subscription: Subscription
    notices: tuple[str, ...]


def add(
    engine: Engine,
    *,
    email: str,
    view: str,
    fmt: str = "pdf",
    trigger: str,
    user: str,
    now: datetime | None = None,
) -> Added:
    """Add a subscription; SubscriptionError lists every problem, with nothing written."""
    found = problems(email=email, view=view, fmt=fmt, trigger=trigger)
    if found:
        raise SubscriptionError(*found)
    now = now or utcnow()
    link = view.strip()
    notices = views.decode_link(engine, link).notices
    with Session(engine) as session:
        subscription = Subscription(
            email=mail.checked_address(email),
            view=link,
            format=fmt,
            trigger=trigger,
            created_at=now,
            created_by=user,
            since_version=queries.data_version(engine),
            since_period=period_key(trigger, now),
        )
        session.add(subscription)
        session.commit()  # not commit_write: a subscription is not data
        session.refresh(subscription)
    return Added(subscription, notices)


def remove(
    engine: Engine, *, subscription_id: int, user: str, now: datetime | None = None
) -> Subscription:
    """Mark a subscription removed (nothing is deleted); SubscriptionError for one that does not
    exist or was removed already."""
    with Session(engine) as session:
        subscription = session.get(Subscription, subscription_id)
        if subscription is None:
            raise SubscriptionError(f"There is no subscription {subscription_id}.")
        if subscription.removed_at is not None:
            raise SubscriptionError(
                f"Subscription {subscription_id} was removed already, on "
                f"{subscription.removed_at:%Y-%m-%d %H:%M} UTC by {subscription.removed_by}."
            )
        subscription.removed_at = now or utcnow()
        subscription.removed_by = user
        session.add(subscription)
        session.commit()
        session.refresh(subscription)
    return subscription


@dataclass(frozen=True)
class Listed:
    """An active subscription, with its latest delivery (None before the first)."""

    subscription: Subscription
    last: Delivery | None


def active(engine: Engine) -> list[Listed]:
    """The subscriptions not removed, oldest first, each with its latest delivery."""
    with Session(engine) as session:
        subscriptions = session.exec(
            select(Subscription)
            .where(col(Subscription.removed_at).is_(None))
            .order_by(col(Subscription.id))
        ).all()
        latest: dict[int, Delivery] = {}
        for delivery in session.exec(select(Delivery).order_by(col(Delivery.id))):
            latest[delivery.subscription_id] = delivery
    return [Listed(s, latest.get(s.id or 0)) for s in subscriptions]


@dataclass(frozen=True)
class Sent:
    """One delivery as the administration page lists it."""

    delivery: Delivery
    email: str
    view: str
    format: str
    trigger: str


def deliveries(engine: Engine) -> list[Sent]:
    """Every delivery, latest first, with whom and what it was for."""
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery, Subscription)
            .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
            .order_by(col(Delivery.id).desc())
        ).all()
    return [Sent(d, s.email, s.view, s.format, s.trigger) for d, s in rows]


# --- what is due, and sending it ----------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """A subscription whose brief is due now: for the data version, or for the week or month."""

    subscription: Subscription
    data_version: int
    period: str


def due(engine: Engine, now: datetime) -> list[Due]:
    """The active subscriptions whose brief is due at `now`, oldest first. A brief the same
    recipient already received of this data version is still listed: send_due skips it."""
    version = queries.data_version(engine)
    figures = queries.figures_version(engine)
    with Session(engine) as session:
        subscriptions = session.exec(
            select(Subscription)
            .where(col(Subscription.removed_at).is_(None))
            .order_by(col(Subscription.id))
        ).all()
        done = session.exec(
            select(Delivery.subscription_id, Delivery.data_version, Delivery.period).where(
                Delivery.status != "failed"
            )
        ).all()
    versions = {(sid, v) for sid, v, _ in done}
    periods = {(sid, p) for sid, _, p in done}
    found = []
    for subscription in subscriptions:
        sid = subscription.id
        if subscription.trigger == "new-figures":
            # Due once figures or activities changed after it was added and after the data
            # version of its last brief; a note or a target alone sends nothing.
            received = max((v for s, v in versions if s == sid), default=0)
            if figures > max(subscription.since_version, received):
                found.append(Due(subscription, version, ""))
            continue
        period = period_key(subscription.trigger, now)
        if period > subscription.since_period and (sid, period) not in periods:
            found.append(Due(subscription, version, period))
    return found


@dataclass(frozen=True)
class Outcome:
    """What a run did with one due subscription."""

    subscription_id: int
    email: str
    view: str
    format: str
    data_version: int
    detail: str = ""


@dataclass
class Report:
    """What `send_due` did: sent, failed, skipped (this recipient has this brief already), and
    not tried once the mail server failed, which `stopped` says why; those wait for the next
    run."""

    sent: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    skipped: list[Outcome] = field(default_factory=list)
    not_tried: list[Outcome] = field(default_factory=list)
    stopped: str | None = None


def once_key(*, email: str, view: str, fmt: str, data_version: int) -> str:
    """What makes two briefs the same for one recipient: the address, view, format and data
    version, hashed into a key of fixed length (a unique column)."""
    text = "\n".join([email.casefold(), view, fmt, str(data_version)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def send_due(
    engine: Engine,
    *,
    now: datetime,
    settings: mail.MailSettings,
) -> Report:
    """Mail every brief that is due at `now`, each at most once; stop at the first failure of
    the mail server (the rest wait for the next run) and report what was done. Deliveries are
    recorded at the time they happen; `now` decides only what is due and the briefs' date."""
    report = Report()
    made: dict[tuple[str, str], brief.Rendered | brief.BriefError] = {}
    with mail.mailer(settings) as mailer:
        for item in due(engine, now):
            subscription = item.subscription
            if report.stopped is not None:
                report.not_tried.append(_outcome(item, item.data_version))
                continue
            key = (subscription.view, subscription.format)
            if key not in made:
                made[key] = _render(engine, subscription, now=now)
            rendered = made[key]
            if isinstance(rendered, brief.BriefError):
                detail = f"the brief could not be made: {rendered}"
                _record_failure(engine, item, detail=detail)
                report.failed.append(_outcome(item, item.data_version, detail))
                continue
            delivery_id = _claim(engine, item, rendered.data_version)
            if delivery_id is None:
                detail = f"already sent data version {rendered.data_version} to this address"
                report.skipped.append(_outcome(item, rendered.data_version, detail))
                continue
            message = mail.brief_message(
                rendered,
                sender=settings.sender,
                recipient=subscription.email,
                subscription_id=subscription.id or 0,
                now=now,
            )
            try:
                mailer.send(message)
            except mail.MailError as error:
                mail.finish(engine, Delivery, delivery_id, status="failed", detail=str(error))
                report.failed.append(_outcome(item, rendered.data_version, str(error)))
                if not isinstance(error, mail.RecipientRefused):
                    report.stopped = str(error)
                continue
            mail.finish(engine, Delivery, delivery_id, status="sent", detail="")
            report.sent.append(_outcome(item, rendered.data_version))
    return report


def _outcome(item: Due, data_version: int, detail: str = "") -> Outcome:
    subscription = item.subscription
    return Outcome(
        subscription.id or 0,
        subscription.email,
        subscription.view,
        subscription.format,
        data_version,
        detail,
    )


def _render(
    engine: Engine, subscription: Subscription, *, now: datetime
) -> brief.Rendered | brief.BriefError:
    """The subscription's brief; its view link is also the dashboard address it links to."""
    try:
        return brief.render(
            engine,
            fmt=subscription.format,
            view=subscription.view,
            made_at=now,
        )
    except brief.BriefError as error:
        return error


def _claim(engine: Engine, item: Due, data_version: int) -> int | None:
    """Record the delivery as sending, committed before the mail server is spoken to; None when
    this recipient has this brief already (sent, or being sent by another run) or the
    subscription was removed meanwhile."""
    subscription = item.subscription
    with Session(engine) as session:
        current = session.get(Subscription, subscription.id)
        if current is None or current.removed_at is not None:
            return None
        delivery = Delivery(
            subscription_id=subscription.id or 0,
            data_version=data_version,
            period=item.period,
            status="sending",
            recorded_at=utcnow(),
            once_key=once_key(
                email=subscription.email,
                view=subscription.view,
                fmt=subscription.format,
                data_version=data_version,
            ),
        )
        return mail.claim(session, delivery)


def _record_failure(engine: Engine, item: Due, *, detail: str) -> None:
    with Session(engine) as session:
        session.add(
            Delivery(
                subscription_id=item.subscription.id or 0,
                data_version=item.data_version,
                period=item.period,
                status="failed",
                detail=detail,
                recorded_at=utcnow(),
            )
        )
        session.commit()


def describe_last(delivery: Delivery | None) -> str:
    """A subscription's latest delivery in words."""
    if delivery is None:
        return "nothing sent yet"
    when = f"{delivery.recorded_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    text = f"{delivery.status} {when} (data version {delivery.data_version})"
    if delivery.status == "sending":
        text += ": never confirmed, so never sent again by itself"
    return text + (f": {delivery.detail}" if delivery.detail else "")


def since(subscription: Subscription) -> str:
    """From when a subscription counts: the data version, or the week or month, it was added at."""
    if subscription.trigger == "new-figures":
        return f"data version {subscription.since_version}"
    return subscription.since_period
