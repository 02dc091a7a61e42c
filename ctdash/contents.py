"""What a brief holds: what the newsletter's "Compact in Numbers" page says, made from the
store, or what one page's view shows; and the Markdown of it.

The eight figures in the newsletter's order (value, change since the indicator's previous
snapshot, as-of date, source), what the period's activities add up to, the activities listed by
month as the newsletter lists them, and a footer: the sources, when it was made, the data
version and the dashboard link that reproduces it. A brief never holds an internal activity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import geo, maps, queries, urlstate, views
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
    kind: str = ""


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
    places: pd.DataFrame
    notices: tuple[str, ...] = ()


def make_brief(
    engine: Engine,
    *,
    as_of: date | None,
    dashboard_url: str,
    made_at: datetime,
    notices: tuple[str, ...] = (),
) -> Brief:
    """The brief of the snapshot `as_of` (the latest if None), public activities only;
    `notices` are what the link it was asked for could not give."""
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
        places=queries.activity_places(engine, period, internal=False),
        notices=notices,
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
        str(row["kind"]),
    )


def to_markdown(brief: Brief) -> str:
    """The brief as Markdown, for the newsletter's editor: data shown as typed, never as markup."""
    since = f"after {brief.period_start}, " if brief.period_start else ""
    parts = [
        f"# {TITLE}",
        f"As of {brief.as_of}. The activities of the period: {since}up to {brief.as_of}.",
        *(f"> {md(notice)}" for notice in brief.notices),
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
    parts += ["---", _footer(brief.sources, brief.made_at, brief.data_version, brief.link)]
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


# The pages a view brief can print, with the title the page shows.
PAGE_TITLES = {
    "overview": TITLE,
    "trends": "Trends",
    "map": "Where the Compact worked",
    "activities": "Activities",
}
# How many activities a printed view lists at most: the Map's, beside its map; the
# Activities view's, some 270 pages (about 9 s to typeset). Beyond that a PDF is no longer
# read; the CSV download holds every row.
MAP_LISTED = 500
ACTIVITIES_LISTED = 10_000


@dataclass(frozen=True)
class ViewBrief:
    """A Trends, Map or Activities view as printed: its filters, the link's notices, what the
    page shows (the chart and its figures; the map and its counts; the rows), and the latest
    figures, which the e-mail that carries it states."""

    page: str
    title: str
    filters: list[tuple[str, str]]
    notices: tuple[str, ...]
    link: str
    made_at: datetime
    data_version: int
    tiles: list[queries.Tile]
    sources: list[str]
    trend: pd.DataFrame | None = None
    indexed: bool = False
    places: pd.DataFrame | None = None
    map_view: str = "points"
    counts: maps.PlaceCounts | None = None
    rows: list[Listed] = field(default_factory=list)
    total: int = 0

    @property
    def as_of(self) -> date | None:
        """The date of the latest figure the e-mail states."""
        dated = [t.as_of for t in self.tiles if t.as_of]
        return max(dated) if dated else None


def _latest_tiles(engine: Engine) -> list[queries.Tile]:
    observations = queries.observations(engine)
    dates = queries.snapshot_dates(observations)
    if not dates:
        return []
    return queries.build_tiles(queries.indicators(engine), observations, dates[0])


def filters_shown(view: views.View, labels: dict[str, str]) -> list[tuple[str, str]]:
    """Each of the view's parameters as the page's filters name it, and its value in words."""
    shown = []
    for param in urlstate.PAGE_PARAMS[view.page]:
        value: Any = view.values[param.name]
        if param.name == "ind":
            text = ", ".join(labels.get(code, code) for code in value)
        elif param.name == "country":
            text = ", ".join(f"{geo.country_name(code)} ({code})" for code in value)
        elif param.name == "mode":
            text = views.TREND_MODES.get(value, str(value))
        elif param.name == "view":
            text = views.MAP_VIEWS.get(value, str(value))
        elif isinstance(value, tuple | list):
            text = ", ".join(map(str, value))
        else:
            text = "" if value is None else str(value)
        empty = {"date": "open", "text": "none"}.get(param.kind, "all")
        shown.append((param.label.capitalize(), text or empty))
    return shown


def make_view_brief(engine: Engine, view: views.View, *, link: str, made_at: datetime) -> ViewBrief:
    """A Trends, Map or Activities view as the page shows it to a reader who is not signed in."""
    indicators = queries.indicators(engine)
    labels = dict(zip(indicators["code"], indicators["label"], strict=True))
    common: dict[str, Any] = {
        "page": view.page,
        "title": PAGE_TITLES[view.page],
        "filters": filters_shown(view, labels),
        "notices": view.notices,
        "link": urlstate.share_url(link, view.page, view.params),
        "made_at": made_at,
        "data_version": queries.data_version(engine),
        "tiles": _latest_tiles(engine),
    }
    if view.page == "trends":
        values = view.values
        frame = queries.trend_frame(
            queries.observations(engine),
            list(values["ind"]),
            indexed=values["mode"] == "indexed",
            date_from=values["from"],
            date_to=values["to"],
        )
        return ViewBrief(
            **common,
            sources=sorted(set(frame["source"].dropna())),
            trend=frame,
            indexed=values["mode"] == "indexed",
        )
    flt = views.activity_filter(view.values)
    count = queries.activity_count(engine, flt, internal=False).total
    limit = MAP_LISTED if view.page == "map" else ACTIVITIES_LISTED
    activities = queries.activities(engine, flt, internal=False, limit=limit)
    places = queries.activity_places(engine, flt, internal=False) if view.page == "map" else None
    return ViewBrief(
        **common,
        sources=sorted(set(activities["source"].dropna())),
        places=places,
        map_view=view.values.get("view", "points"),
        counts=maps.place_counts(places) if places is not None else None,
        rows=[_listed(row) for row in activities.to_dict("records")],
        total=count,
    )


def view_markdown(made: ViewBrief) -> str:
    """A Trends, Map or Activities view as Markdown: its filters, notices and figures."""
    parts = [
        f"# {made.title}",
        markdown_table([{"Filter": name, "Value": value} for name, value in made.filters]),
    ]
    parts += [f"> {md(notice)}" for notice in made.notices]
    if made.trend is not None:
        parts.append(markdown_table(trend_rows(made.trend), right=("Value", "Plotted")))
    if made.counts is not None:
        parts.append(counts_text(made.counts))
    if made.rows or made.page == "activities":
        parts.append(listed_caption(made))
        parts.append("\n".join(_activity_line(item) for item in made.rows))
    parts += ["---", _footer(made.sources, made.made_at, made.data_version, made.link)]
    return "\n\n".join(parts) + "\n"


def trend_rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The figures behind a Trends chart, as its table shows them."""
    return [
        {
            "Indicator": row["label"],
            "As of": row["as_of"],
            "Value": f"{int(row['value']):,}",
            "Plotted": f"{float(row['plotted']):,.1f}",
            "Source": row["source"],
        }
        for row in frame.sort_values(["label", "as_of"], kind="stable").to_dict("records")
    ]


def counts_text(counts: maps.PlaceCounts) -> str:
    """The map's text alternative: the matching activities, those on the map, by country."""
    in_words = ", ".join(f"{geo.country_name(code)} {n:,}" for code, n in counts.by_country)
    region = f"; placed at a region: {counts.at_a_region:,}" if counts.at_a_region else ""
    return (
        f"{counts.on_map:,} of {counts.matching:,} matching activities are on the map. "
        f"By country: {in_words or 'none'}{region}."
    )


def listed_caption(made: ViewBrief) -> str:
    """How many activities match, and how many are listed."""
    noun = "activity matches" if made.total == 1 else "activities match"
    if len(made.rows) < made.total:
        elsewhere = (
            "the Activities view lists them all"
            if made.page == "map"
            else "narrow the filters, or download the CSV, for the others"
        )
        return f"{made.total:,} {noun}; the first {len(made.rows):,} are listed ({elsewhere})."
    return f"{made.total:,} {noun}."


def _footer(sources: list[str], made_at: datetime, data_version: int, link: str) -> str:
    return (
        "Sources: "
        + ("; ".join(md(source) for source in sources) or "none")
        + f".\n\nMade {made_at:%Y-%m-%d %H:%M} UTC from data version {data_version}. "
        f"The same view on the dashboard: <{link}>"
    )
