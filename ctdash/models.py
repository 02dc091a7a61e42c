"""SQLModel tables: indicators, sources, write batches, observations, activities, the
store's data version, the subscriptions to briefs with their deliveries, and each figure's
context: its schedule (cadence and provider), its target, the notes on the trends, and the
reminders sent when a figure is overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import CheckConstraint, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel, UniqueConstraint

ACTIVITY_KINDS = (
    "assessment",
    "training",
    "workshop",
    "meeting",
    "mission",
    "exercise",
    "launch",
    "statement",
    "publication",
    "other",
)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Indicator(SQLModel, table=True):
    """One of the headline figures, identified by a stable code."""

    code: str = Field(primary_key=True)
    position: int
    label: str
    unit: str
    cumulative: bool = False
    definition: str


class Source(SQLModel, table=True):
    """A document that figures or activities come from."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    title: str
    kind: str  # newsletter | web | upload
    url: str | None = None
    file_name: str | None = None
    sha256: str | None = Field(default=None, unique=True)
    published: date | None = None
    note: str | None = None


class Schedule(SQLModel, table=True):
    """How often an indicator is reported and who provides it; a change is a new revision.

    The current schedule is the highest revision that no undo has superseded.
    """

    __table_args__ = (UniqueConstraint("indicator_code", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", index=True)
    revision: int = 1
    # None: no regular cadence, so never due.
    cadence_months: int | None = None
    provider: str = ""
    batch_id: int = Field(foreign_key="batch.id")
    superseded_batch_id: int | None = Field(default=None, foreign_key="batch.id")


class Target(SQLModel, table=True):
    """An indicator's target: a value by a date, set by a decision or document (its source).

    A change is a new revision; a revision with no value removes the target. The current one
    is the highest revision that no undo has superseded.
    """

    __table_args__ = (UniqueConstraint("indicator_code", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", index=True)
    revision: int = 1
    value: int | None = None
    due: date | None = None
    source: str = ""
    source_url: str | None = None
    batch_id: int = Field(foreign_key="batch.id")
    superseded_batch_id: int | None = Field(default=None, foreign_key="batch.id")


class Note(SQLModel, table=True):
    """A dated note on the trends (an event such as the Compact's signing), with its source.

    Identified by `key` across revisions: a correction is a new revision, a removal a revision
    marked removed. The current one is the highest revision that no undo has superseded.
    """

    __table_args__ = (UniqueConstraint("key", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True)
    revision: int = 1
    on_date: date
    text: str
    source: str
    source_url: str | None = None
    # The indicator it is about; None: the Compact as a whole, shown beside every indicator.
    indicator_code: str | None = Field(default=None, foreign_key="indicator.code")
    removed: bool = False
    batch_id: int = Field(foreign_key="batch.id")
    superseded_batch_id: int | None = Field(default=None, foreign_key="batch.id")


class SourceFile(SQLModel, table=True):
    """The bytes of an uploaded file, kept as the source of what it brought."""

    source_id: int = Field(foreign_key="source.id", primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Batch(SQLModel, table=True):
    """One write to the store: who, when, what, from which source."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # seed | upload | manual | ingest | undo
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str
    source_id: int | None = Field(default=None, foreign_key="source.id")
    undoes_batch_id: int | None = Field(default=None, foreign_key="batch.id", unique=True)
    note: str | None = None


class DataVersion(SQLModel, table=True):
    """The store's data version: one row, moved on by every write as it commits
    (db.commit_write), so that every process sees each commit as a new version."""

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int
    # The data version of the latest write of figures or activities (not of a schedule, a
    # target or a note): what a new-figures subscription waits for.
    figures_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Observation(SQLModel, table=True):
    """A value of an indicator as of a date; a correction is a new revision.

    The current value is the highest revision that no undo has superseded.
    """

    __table_args__ = (UniqueConstraint("indicator_code", "as_of", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", index=True)
    as_of: date = Field(index=True)
    as_of_inferred: bool = False
    value: int
    revision: int = 1
    source_id: int = Field(foreign_key="source.id")
    batch_id: int = Field(foreign_key="batch.id")
    superseded_batch_id: int | None = Field(default=None, foreign_key="batch.id")
    note: str | None = None


class Activity(SQLModel, table=True):
    """A dated activity of the Compact, placed where the source says it happened."""

    # The map's reads by place (migration 0005): grouped without a sort, found at a point.
    __table_args__ = (
        Index(
            "ix_activity_place",
            "lat",
            "lon",
            "kind",
            "country_iso3",
            "start_date",
            "end_date",
            "internal",
            "withdrawn_batch_id",
        ),
        # The reads of one kind (migration 0009): counted, grouped by place or read in date
        # order from the index alone.
        Index(
            "ix_activity_kind_dates",
            "kind",
            "start_date",
            "end_date",
            "lat",
            "lon",
            "country_iso3",
            "internal",
            "withdrawn_batch_id",
        ),
        # The map's places of one kind (migration 0010): grouped in the index's order.
        Index(
            "ix_activity_kind_place",
            "kind",
            "lat",
            "lon",
            "start_date",
            "end_date",
            "country_iso3",
            "internal",
            "withdrawn_batch_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)
    title: str
    kind: str
    start_date: date = Field(index=True)
    end_date: date = Field(index=True)
    country_iso3: str | None = Field(default=None, index=True)
    city: str | None = None
    region: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_precision: str = "none"
    place_basis: str | None = None
    working_group: str | None = None
    online: bool = False
    url: str | None = None
    section: str | None = None
    # Internal activities are shown to signed-in users only, never to anonymous viewers.
    # Not indexed: nearly every row is public, and SQLite would take such an index over the
    # filter's own (kind, country, dates), walking the whole table (migration 0004).
    internal: bool = False
    source_id: int = Field(foreign_key="source.id")
    source_line: int | None = None
    batch_id: int = Field(foreign_key="batch.id")
    withdrawn_batch_id: int | None = Field(default=None, foreign_key="batch.id")


class ActivityEntity(SQLModel, table=True):
    """An entity named as taking part in an activity."""

    activity_id: int = Field(foreign_key="activity.id", primary_key=True)
    entity: str = Field(primary_key=True, index=True)
    position: int = 0


SUBSCRIPTION_FORMATS = ("pdf", "png")
SUBSCRIPTION_TRIGGERS = ("new-figures", "weekly", "monthly")
DELIVERY_STATUSES = ("sending", "sent", "failed")


class Subscription(SQLModel, table=True):
    """A brief of one view mailed to one address when new figures land, or weekly or monthly.

    Removing one marks it removed; nothing is ever deleted. Neither it nor its deliveries move
    the data version: they are not data.
    """

    __table_args__ = (
        CheckConstraint("format IN ('pdf', 'png')", name="subscription_format_known"),
        CheckConstraint(
            "trigger IN ('new-figures', 'weekly', 'monthly')", name="subscription_trigger_known"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True)
    view: str  # a share link of the dashboard
    format: str = "pdf"
    trigger: str
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str
    # The data version when it was added: a new-figures subscription waits for a later one.
    since_version: int
    # The week ("2026-W48") or month ("2026-11") it was added in; "" for new-figures.
    since_period: str = ""
    removed_at: datetime | None = None
    removed_by: str | None = None


class Delivery(SQLModel, table=True):
    """One sending of a subscription's brief: recorded as sending before the mail server is
    spoken to, then sent or failed."""

    __table_args__ = (
        CheckConstraint("status IN ('sending', 'sent', 'failed')", name="delivery_status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True)
    data_version: int
    period: str = ""  # the week or month it was sent for; "" for new-figures
    status: str
    detail: str = ""  # why it failed
    recorded_at: datetime = Field(default_factory=utcnow)
    # While sending or sent: the recipient, view, format and data version, hashed. Unique, so
    # that no two runs, and no two subscriptions, send one recipient the same brief twice;
    # cleared when the sending fails, so that the next run may try again.
    once_key: str | None = Field(default=None, unique=True)


REMINDER_STATUSES = DELIVERY_STATUSES


class Reminder(SQLModel, table=True):
    """One reminder that an indicator's figure is overdue, for the period it was due (`due`),
    sent to the editors: recorded as sending before the mail server is spoken to, then sent or
    failed. Its unique key makes the same period's reminder never go out twice."""

    __table_args__ = (
        CheckConstraint("status IN ('sending', 'sent', 'failed')", name="reminder_status_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", index=True)
    due: date
    recipients: str  # the addresses, comma-separated
    status: str
    detail: str = ""
    recorded_at: datetime = Field(default_factory=utcnow)
    # While sending or sent: the indicator and the due date. Cleared when the sending fails.
    once_key: str | None = Field(default=None, unique=True)
