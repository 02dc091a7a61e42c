"""The filters' own indexes choose the rows: no index on the internal flag.

Revision ID: 0004_activity_filter_indexes
Revises: 0003_internal_activities
Create Date: 2026-11-28

Every read of anonymous viewers asks for `internal = false`, which nearly every activity
matches. Without statistics SQLite takes an index on that equality over the index of the
filter (kind, country, dates), so each filtered read walked the whole table through
ix_activity_internal: a month's activities out of 100,000 took 65 ms instead of 1 ms.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_activity_filter_indexes"
down_revision: str | Sequence[str] | None = "0003_internal_activities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the index on the internal flag, which matches nearly every row."""
    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_index("ix_activity_internal")


def downgrade() -> None:
    """Undo: index the internal flag again."""
    with op.batch_alter_table("activity") as batch_op:
        batch_op.create_index("ix_activity_internal", ["internal"])
