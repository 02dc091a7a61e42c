"""The period's brief: what the newsletter's "Compact in Numbers" page says, made from the store.

The eight figures in the newsletter's order (value, change since the indicator's previous
snapshot, as-of date, source), what the period's activities add up to, the activities listed by
month as the newsletter lists them, and a footer: the sources, when it was made, the data
version and the dashboard link that reproduces it. A brief never holds an internal activity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import geo, maps, queries, urlstate
from ctdash.markdown import markdown_table, md
from ctdash.period import PeriodSummary, period_of, summarise

TITLE = "Counter-Terrorism Compact in Numbers"


class BriefError(Exception):
    """A brief that cannot be made; the message says why."""


@dataclass(frozen=True)
class Listed:
    """One activity as the brief lists it."""

    title: str
    place: str
    dates: str
    entities: str


@dataclass(frozen=True)
class Brief:
    """Everything one brief shows."""

    as_of: date
    period_start: date | None
    tiles: list[queries.Tile]
    summary: PeriodSummary | None
    months: list[tuple[str, list[Listed]]]
    sources: list[str]
    made_at: datetime
    data_version: int
    link: str


def make_brief(
    engine: Engine, *, as_of: date | None, dashboard_url: str, made_at: datetime
) -> Brief:
    """The brief of the snapshot `as_of` (the latest if None), public activities only."""
    observations = queries.observations(engine)
    dates = queries.snapshot_dates(observations)
    if not dates:
        raise BriefError("The store holds no figures yet: there is nothing to brief on.")
    as_of = as_of or dates[0]
    if as_of < dates[-1]:
        raise BriefError(f"There is no figure on or before {as_of}: the first is of {dates[-1]}.")
    tiles = queries.build_tiles(queries.indicators(engine), observations, as_of)
    period = period_of(dates, as_of)
    activities = queries.activities(engine, period, internal=False)
    link = urlstate.share_url(dashboard_url, urlstate.DEFAULT_PAGE, {"asof": as_of.isoformat()})
    return Brief(
        as_of=as_of,
        period_start=period.date_from,
        tiles=tiles,
        summary=summarise(activities, tiles) if not activities.empty else None,
        months=_by_month(activities),
        sources=sorted({t.source for t in tiles if t.source} | set(activities.get("source", []))),
        made_at=made_at,
        data_version=queries.data_version(engine),
        link=link,
    )


def _by_month(activities: pd.DataFrame) -> list[tuple[str, list[Listed]]]:
    rows = activities.to_dict("records")
    return [
        (month, [_listed(row) for row in group])
        for month, group in groupby(rows, key=lambda row: f"{row['start_date']:%B %Y}")
    ]


def _listed(row: dict[Any, Any]) -> Listed:
    entities = row["entities"] if maps.has_text(row.get("entities")) else ""
    return Listed(
        str(row["title"]),
        maps.place_label(row),
        maps.date_span(row["start_date"], row["end_date"]),
        entities,
    )


def to_markdown(brief: Brief) -> str:
    """The brief as Markdown, for the newsletter's editor: data shown as typed, never as markup."""
    since = f"after {brief.period_start}, " if brief.period_start else ""
    parts = [
        f"# {TITLE}",
        f"As of {brief.as_of}. The activities of the period: {since}up to {brief.as_of}.",
        "## The figures",
        markdown_table([_figure_row(tile) for tile in brief.tiles], right=("Figure", "Change")),
        "## The period",
        _period_text(brief.summary),
        "## Activities by month",
    ]
    if not brief.months:
        parts.append("No activities are recorded for this period.")
    for month, listed in brief.months:
        parts.append(f"### {month}")
        parts.append("\n".join(_activity_line(item) for item in listed))
    parts += [
        "---",
        "Sources: " + "; ".join(md(source) for source in brief.sources) + ".",
        f"Made {brief.made_at:%Y-%m-%d %H:%M} UTC from data version {brief.data_version}. "
        f"The same figures on the dashboard: <{brief.link}>",
    ]
    return "\n\n".join(parts) + "\n"


def _figure_row(tile: queries.Tile) -> dict[str, object]:
    return {
        "Indicator": tile.label,
        "Figure": "—" if tile.value is None else f"{tile.value:,}",
        "Change": "" if tile.delta is None else f"{tile.delta:+,} since {tile.previous_as_of}",
        "As of": tile.as_of or "no figure",
        "Source": tile.source or "",
    }


def _period_text(summary: PeriodSummary | None) -> str:
    if summary is None:
        return "No activities are recorded for this period."
    kinds = ", ".join(f"{kind} {count:,}" for kind, count in summary.by_kind)
    countries = ", ".join(geo.country_name(code) for code in summary.countries) or "none"
    visits = ", ".join(summary.assessment_visits) or "none"
    assessed = summary.assessments.as_of if summary.assessments else None
    return "\n".join(
        [
            f"- Activities: {summary.activities:,} ({md(kinds)}); {summary.placed:,} on the map.",
            f"- Countries reached ({len(summary.countries)}): {md(countries)}.",
            f"- CTED country assessments: {summary.assessments_figure} (as of "
            f"{assessed or 'no date'}); CTED assessment visits in the period: "
            f"{len(summary.assessment_visits)} ({md(visits)}).",
        ]
    )


def _activity_line(item: Listed) -> str:
    entities = f" — {md(item.entities)}" if item.entities else ""
    return f"- {md(item.title)} ({md(item.place)}, {item.dates}){entities}"
