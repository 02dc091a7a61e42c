"""The data version: one counter that every write moves on in the transaction that commits it.

Revision ID: 0006_data_version
Revises: 0005_activity_place_index
Create Date: 2026-11-29

Every cached read of the app is keyed by the data version. It was the highest batch id, which
a write takes when it starts: a long write that commits after a shorter, later one left the
version where the shorter one put it, and its rows unseen by every cache. A counter updated
just before each commit moves in commit order, whichever write started first (the row's lock
makes two committing writers take turns for that instant).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_data_version"
down_revision: str | Sequence[str] | None = "0005_activity_place_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The counter, starting where the old version (the latest batch id) stood."""
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO data_version (id, version) SELECT 1, COALESCE(MAX(id), 0) FROM batch")


def downgrade() -> None:
    """Undo: the version is the latest batch id again."""
    op.drop_table("data_version")
