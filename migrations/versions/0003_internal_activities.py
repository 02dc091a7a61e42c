"""Internal activities: shown to signed-in users only.

Revision ID: 0003_internal_activities
Revises: 0002_data_desk
Create Date: 2026-11-28

Every activity already in the store came from a public source and stays public.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_internal_activities"
down_revision: str | Sequence[str] | None = "0002_data_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Internal activities: a flag, false for every activity already stored."""
    with op.batch_alter_table("activity") as batch_op:
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_activity_internal", ["internal"])


def downgrade() -> None:
    """Undo: internal activities become indistinguishable from public ones."""
    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_index("ix_activity_internal")
        batch_op.drop_column("internal")
