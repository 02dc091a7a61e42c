"""Subscriptions to briefs, and every delivery of one.

Revision ID: 0007_subscriptions
Revises: 0006_data_version
Create Date: 2026-11-29

A subscription mails the brief of one view to one address when new figures land, weekly or
monthly (`ctdash brief send-due`). A delivery is recorded as sending before the mail server is
spoken to, then marked sent or failed; its unique key makes one recipient never receive the same
brief of the same data version twice. Nothing here is deleted: removing a subscription marks it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007_subscriptions"
down_revision: str | Sequence[str] | None = "0006_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The subscriptions and their deliveries, both empty."""
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("view", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("format", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("trigger", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("since_version", sa.Integer(), nullable=False),
        sa.Column("since_period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("removed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint("format IN ('pdf', 'png')", name="subscription_format_known"),
        sa.CheckConstraint(
            "trigger IN ('new-figures', 'weekly', 'monthly')", name="subscription_trigger_known"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_subscription_email", "subscription", ["email"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("once_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint("status IN ('sending', 'sent', 'failed')", name="delivery_status_known"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name="fk_delivery_subscription_id_subscription",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("once_key", name="uq_delivery_once_key"),
    )
    op.create_index("ix_delivery_subscription_id", "delivery", ["subscription_id"])


def downgrade() -> None:
    """Undo: subscriptions and the record of what was sent are lost."""
    op.drop_index("ix_delivery_subscription_id", table_name="delivery")
    op.drop_table("delivery")
    op.drop_index("ix_subscription_email", table_name="subscription")
    op.drop_table("subscription")
