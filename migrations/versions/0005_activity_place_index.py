"""The map counts activities by place from one index: coordinates, kind and what it sums.

Revision ID: 0005_activity_place_index
Revises: 0004_activity_filter_indexes
Create Date: 2026-11-28

The map groups the matching activities by coordinates and kind (queries.activity_places)
and reads the activities at a clicked point by their coordinates. With every column those
reads need in one index, SQLite groups 100,000 activities without sorting them and finds a
point's activities at once (166 ms to 4 ms).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_activity_place_index"
down_revision: str | Sequence[str] | None = "0004_activity_filter_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "lat",
    "lon",
    "kind",
    "country_iso3",
    "start_date",
    "end_date",
    "internal",
    "withdrawn_batch_id",
]


def upgrade() -> None:
    """Index the activities by place and kind, with the columns the map's reads use."""
    op.create_index("ix_activity_place", "activity", COLUMNS)


def downgrade() -> None:
    """Undo: drop the place index."""
    op.drop_index("ix_activity_place", table_name="activity")
