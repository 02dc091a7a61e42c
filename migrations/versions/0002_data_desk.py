"""The data desk: uploaded files, undo, withdrawals, accounts.

Revision ID: 0002_data_desk
Revises: 0001_initial
Create Date: 2026-11-28

Everything the store gained after c2d6e8b: an upload's file is kept and known by its
SHA-256; an undo points at the write it undoes (at most one undo per write) and marks the
figures it superseded and the activities it withdrew; activities have a link; local and
single sign-on accounts. SQLite rebuilds each altered table (batch mode), rows kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002_data_desk"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The data desk: uploaded files, undo, withdrawals, accounts."""
    with op.batch_alter_table("source") as batch_op:
        batch_op.create_unique_constraint("uq_source_sha256", ["sha256"])

    op.create_table(
        "sourcefile",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_sourcefile_source_id_source"
        ),
        sa.PrimaryKeyConstraint("source_id"),
    )

    with op.batch_alter_table("batch") as batch_op:
        batch_op.add_column(sa.Column("undoes_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_batch_undoes_batch_id_batch", "batch", ["undoes_batch_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_batch_undoes_batch_id", ["undoes_batch_id"])

    with op.batch_alter_table("observation") as batch_op:
        batch_op.add_column(sa.Column("superseded_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_observation_superseded_batch_id_batch", "batch", ["superseded_batch_id"], ["id"]
        )

    with op.batch_alter_table("activity") as batch_op:
        batch_op.add_column(sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_batch_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_activity_withdrawn_batch_id_batch", "batch", ["withdrawn_batch_id"], ["id"]
        )

    op.create_table(
        "appuser",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="appuser_role_known"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appuser_email", "appuser", ["email"], unique=True)
    op.create_index("ix_appuser_name", "appuser", ["name"], unique=True)


def downgrade() -> None:
    """Undo: back to the store of 0001_initial; accounts, kept files and undo marks are lost."""
    op.drop_table("appuser")

    with op.batch_alter_table("activity") as batch_op:
        batch_op.drop_constraint("fk_activity_withdrawn_batch_id_batch", type_="foreignkey")
        batch_op.drop_column("withdrawn_batch_id")
        batch_op.drop_column("url")

    with op.batch_alter_table("observation") as batch_op:
        batch_op.drop_constraint("fk_observation_superseded_batch_id_batch", type_="foreignkey")
        batch_op.drop_column("superseded_batch_id")

    with op.batch_alter_table("batch") as batch_op:
        batch_op.drop_constraint("uq_batch_undoes_batch_id", type_="unique")
        batch_op.drop_constraint("fk_batch_undoes_batch_id_batch", type_="foreignkey")
        batch_op.drop_column("undoes_batch_id")

    op.drop_table("sourcefile")

    with op.batch_alter_table("source") as batch_op:
        batch_op.drop_constraint("uq_source_sha256", type_="unique")
