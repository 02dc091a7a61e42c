"""The store as the dashboard first shipped it: indicators, figures, activities.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-28

The tables of c2d6e8b's models. Stores that `create_all` made then, without migration
history, are stamped with this revision by ctdash.db.create_schema; their constraints keep
the names SQLite or PostgreSQL gave them, while here every one is named.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The store as the dashboard first shipped it: indicators, figures, activities."""
    op.create_table(
        "indicator",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cumulative", sa.Boolean(), nullable=False),
        sa.Column("definition", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_source_key", "source", ["key"], unique=True)

    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_batch_source_id_source"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("country_iso3", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("location_precision", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("place_basis", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("working_group", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("section", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name="fk_activity_batch_id_batch"),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_activity_source_id_source"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_country_iso3", "activity", ["country_iso3"])
    op.create_index("ix_activity_end_date", "activity", ["end_date"])
    op.create_index("ix_activity_key", "activity", ["key"], unique=True)
    op.create_index("ix_activity_kind", "activity", ["kind"])
    op.create_index("ix_activity_start_date", "activity", ["start_date"])

    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_code", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("as_of_inferred", sa.Boolean(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["batch.id"], name="fk_observation_batch_id_batch"),
        sa.ForeignKeyConstraint(
            ["indicator_code"], ["indicator.code"], name="fk_observation_indicator_code_indicator"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name="fk_observation_source_id_source"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "indicator_code",
            "as_of",
            "revision",
            name="uq_observation_indicator_code_as_of_revision",
        ),
    )
    op.create_index("ix_observation_as_of", "observation", ["as_of"])
    op.create_index("ix_observation_indicator_code", "observation", ["indicator_code"])

    op.create_table(
        "activityentity",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("entity", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity.id"], name="fk_activityentity_activity_id_activity"
        ),
        sa.PrimaryKeyConstraint("activity_id", "entity"),
    )
    op.create_index("ix_activityentity_entity", "activityentity", ["entity"])


def downgrade() -> None:
    """Undo: drop every table of the store."""
    op.drop_table("activityentity")  # drop_table drops the table's indexes too
    op.drop_table("observation")
    op.drop_table("activity")
    op.drop_table("batch")
    op.drop_table("source")
    op.drop_table("indicator")
