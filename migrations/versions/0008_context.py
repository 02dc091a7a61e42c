"""Each figure's context: its schedule, its target, the notes on the trends, the reminders.

Revision ID: 0008_context
Revises: 0007_subscriptions
Create Date: 2026-11-29

An indicator's schedule (how often it is reported, who provides it) and its target are kept as
revisions, as figures are; so are the dated notes on the trends. A reminder that a figure is
overdue is recorded as sending before the mail server is spoken to; its unique key sends the
same period's reminder once. The shipped schedules and notes are added by seeding. The data
version gains a figures version, moved only by writes of figures or activities.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008_context"
down_revision: str | Sequence[str] | None = "0007_subscriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def _revisions(table: str, *columns: sa.Column, key: str) -> None:
    """A table of revisions: its own columns, the write that added each revision and the write
    that superseded it, and one revision number per `key`."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        *columns,
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("superseded_batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name=f"fk_{table}_batch_id_batch"),
        sa.ForeignKeyConstraint(
            ["superseded_batch_id"], ["batch.id"], name=f"fk_{table}_superseded_batch_id_batch"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(key, "revision", name=f"uq_{table}_{key}_revision"),
    )
    op.create_index(f"ix_{table}_{key}", table, [key])


def _indicator(table: str, *, nullable: bool = False) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (
        sa.Column("indicator_code", TEXT(), nullable=nullable),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicator.code"], name=f"fk_{table}_indicator_code_indicator"
        ),
    )


def upgrade() -> None:
    """The four tables, empty, and the figures version: the data version of the latest write of
    figures or activities, which new-figures subscriptions wait for (until now every write
    was one)."""
    with op.batch_alter_table("data_version") as batch:
        batch.add_column(
            sa.Column("figures_version", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute("UPDATE data_version SET figures_version = version")
    _revisions(
        "schedule",
        *_indicator("schedule"),
        sa.Column("cadence_months", sa.Integer(), nullable=True),
        sa.Column("provider", TEXT(), nullable=False),
        key="indicator_code",
    )
    _revisions(
        "target",
        *_indicator("target"),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("source", TEXT(), nullable=False),
        sa.Column("source_url", TEXT(), nullable=True),
        key="indicator_code",
    )
    _revisions(
        "note",
        sa.Column("key", TEXT(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("text", TEXT(), nullable=False),
        sa.Column("source", TEXT(), nullable=False),
        sa.Column("source_url", TEXT(), nullable=True),
        *_indicator("note", nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        key="key",
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        *_indicator("reminder"),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("recipients", TEXT(), nullable=False),
        sa.Column("status", TEXT(), nullable=False),
        sa.Column("detail", TEXT(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("once_key", TEXT(), nullable=True),
        sa.CheckConstraint("status IN ('sending', 'sent', 'failed')", name="reminder_status_known"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("once_key", name="uq_reminder_once_key"),
    )
    op.create_index("ix_reminder_indicator_code", "reminder", ["indicator_code"])


def downgrade() -> None:
    """Undo: schedules, targets, notes and the record of reminders are lost."""
    for table, key in (
        ("reminder", "indicator_code"),
        ("note", "key"),
        ("target", "indicator_code"),
        ("schedule", "indicator_code"),
    ):
        op.drop_index(f"ix_{table}_{key}", table_name=table)
        op.drop_table(table)
    with op.batch_alter_table("data_version") as batch:
        batch.drop_column("figures_version")
