"""The period a snapshot reports on, and what its activities add up to (the Overview's lower
half): counts by kind, countries reached, and the CTED assessment visits beside the figure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ctdash import queries

ASSESSMENTS = "cted_country_assessments"


def period_of(snapshot_dates: Sequence[date], as_of: date) -> queries.ActivityFilter:
    """The activities a snapshot reports on: after the snapshot before it, up to its date."""
    earlier = [d for d in snapshot_dates if d < as_of]
    return queries.ActivityFilter(date_from=max(earlier) if earlier else None, date_to=as_of)


@dataclass(frozen=True)
class PeriodSummary:
    """What the activities of a period add up to."""

    activities: int
    placed: int
    countries: list[str]  # ISO3 codes, sorted
    by_kind: list[tuple[str, int]]  # most first
    assessment_visits: list[str]  # the countries of the placed CTED assessment visits, sorted
    assessments: queries.Tile | None  # the CTED country assessments figure, if the store has it

    @property
    def assessments_figure(self) -> str:
        """The CTED country assessments figure as shown, or that there is none."""
        tile = self.assessments
        return f"{tile.value:,}" if tile is not None and tile.value is not None else "no figure"


def summarise(activities: pd.DataFrame, tiles: Sequence[queries.Tile]) -> PeriodSummary:
    """Counts of a period's activities (as queries.activities reads them) beside its tiles."""
    placed = activities.dropna(subset=["lat", "lon"])
    by_kind = activities.groupby("kind").size().sort_values(ascending=False, kind="stable")
    visits = placed[placed["kind"] == "assessment"]
    return PeriodSummary(
        activities=len(activities),
        placed=len(placed),
        countries=sorted(set(activities["country_iso3"].dropna())),
        by_kind=[(str(kind), int(n)) for kind, n in by_kind.items()],
        assessment_visits=sorted(visits["country"].dropna()),
        assessments=next((t for t in tiles if t.code == ASSESSMENTS), None),
    )
