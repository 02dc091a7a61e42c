"""What a brief holds: what the newsletter's "Compact in Numbers" page says, made from the
store, or what one page's view shows; and the Markdown of it.

The eight figures in the newsletter's order (value, change since the indicator's previous
snapshot, as-of date, source), each with its context as the pages give it (when it was updated
and the next is due, in words; its target and the progress towards it), what the period's
activities add up to, the activities listed by month as the newsletter lists them, and a
footer: the sources, when it was made, the data version and the dashboard link that reproduces
it. A brief of a comparison puts each figure beside its value at another snapshot, and the
activities of both periods side by side. A brief never holds an internal activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import charts, comparison, context, freshness, geo, maps, queries, urlstate, views
from ctdash.markdown import markdown_table, md
from ctdash.period import PeriodSummary, period_of, summarise

TITLE = "Counter-Terrorism Compact in Numbers"
EMPTY_PERIOD = "No activities are recorded for this period."


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
class Side:
    """One period of a comparison: its snapshot, where it starts, what its activities add up to."""

    as_of: date
    start: date | None
    summary: PeriodSummary | None

    @property
    def name(self) -> str:
        """'After 2022-04-30, up to 2023-04-30' (or 'Up to …' for the first period)."""
        return f"After {self.start}, up to {self.as_of}" if self.start else f"Up to {self.as_of}"


@dataclass(frozen=True)
class Comparison:
    """The brief's figures beside those at another snapshot, and both periods' activities."""

    rows: list[comparison.Compared]
    now: Side
    then: Side

    @property
    def sides(self) -> tuple[Side, Side]:
        """The brief's period, then the compared one."""
        return self.now, self.then

    def headers(self) -> tuple[str, str]:
        """The two figure columns' headers, their dates, as the Overview's table heads them."""
        return _apart(str(self.now.as_of), str(self.then.as_of))

    def names(self) -> tuple[str, str]:
        """The two periods' names, as their columns are headed."""
        return _apart(self.now.name, self.then.name)

    def figure_rows(self) -> list[dict[str, str]]:
        """Each indicator at both dates, the change and the percentage, as tables show them."""
        now, then = self.headers()
        return [
            {
                "Indicator": row.label,
                now: _dated_figure(row.now, self.now.as_of),
                then: _dated_figure(row.then, self.then.as_of),
                "Change": row.change_text(),
                "Change %": row.percent_text(),
            }
            for row in self.rows
        ]

    def kind_rows(self) -> list[dict[str, str]]:
        """The activities of both periods by kind, then in all and the countries reached;
        none when neither period has any."""
        summaries = [side.summary for side in self.sides]
        counts = [dict(summary.by_kind) if summary else {} for summary in summaries]
        if not any(counts):
            return []

        def both(kind: str) -> list[int]:
            return [c.get(kind, 0) for c in counts]

        kinds = sorted(set(counts[0]) | set(counts[1]), key=lambda kind: (-sum(both(kind)), kind))
        lines = [(kind, both(kind)) for kind in kinds]
        lines.append(("All activities", [s.activities if s else 0 for s in summaries]))
        lines.append(("Countries reached", [len(s.countries) if s else 0 for s in summaries]))
        names = self.names()
        return [
            {"Kind": kind, names[0]: f"{pair[0]:,}", names[1]: f"{pair[1]:,}"}
            for kind, pair in lines
        ]


def _apart(first: str, second: str) -> tuple[str, str]:
    """Two column headers, told apart when they are the same (a snapshot compared with itself)."""
    return (first, f"{second} (compared)") if first == second else (first, second)


def _dated_figure(tile: queries.Tile, day: date) -> str:
    """A figure, with its own date when it is of an earlier snapshot than the column's."""
    if tile.value is None:
        return "—"
    return f"{tile.value:,}" + (f" (as of {tile.as_of})" if tile.as_of != day else "")


def side_text(side: Side) -> str:
    """One period's activities and countries reached, or that it has none."""
    if side.summary is None:
        return f"{side.name}: {EMPTY_PERIOD}"
    countries = ", ".join(geo.country_name(code) for code in side.summary.countries) or "none"
    return (
        f"{side.name}: {side.summary.activities:,} activities; countries reached "
        f"({len(side.summary.countries)}): {countries}."
    )


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
    # Each indicator's freshness as of `today`, and the targets of those that have one.
    standing: Mapping[str, freshness.Freshness] = field(default_factory=dict)
    targets: Mapping[str, context.Goal] = field(default_factory=dict)
    today: date | None = None
    comparison: Comparison | None = None

    @property
    def compare(self) -> date | None:
        """The snapshot the figures are compared with, if any."""
        return self.comparison.then.as_of if self.comparison else None


def make_brief(
    engine: Engine,
    *,
    as_of: date | None,
    dashboard_url: str,
    made_at: datetime,
    notices: tuple[str, ...] = (),
    compare: date | None = None,
) -> Brief:
    """The brief of the snapshot `as_of` (the latest if None), public activities only, each
    figure with its freshness as of today (freshness.clock) and its target; with `compare` (a
    snapshot date), each figure beside its value then and both periods' activities. `notices`
    are what the link it was asked for could not give."""
    observations = queries.observations(engine)
    dates = queries.snapshot_dates(observations)
    if not dates:
        raise BriefError("The store holds no figures yet: there is nothing to brief on.")
    as_of = as_of or dates[0]
    if as_of < dates[-1]:
        raise BriefError(f"There is no figure on or before {as_of}: the first is of {dates[-1]}.")
    if compare is not None and compare not in dates:
        shown = ", ".join(map(str, dates))
        raise BriefError(f"{compare} is not a snapshot date; the snapshot dates are {shown}.")
    indicators = queries.indicators(engine)
    tiles = queries.build_tiles(indicators, observations, as_of)
    period = period_of(dates, as_of)
    activities = queries.activities(engine, period, internal=False)
    summary = summarise(activities, tiles) if not activities.empty else None
    today = freshness.clock()
    standing = freshness.freshness(indicators, observations, context.schedules(engine), today)
    targets = context.goals(context.targets(engine))
    now = Side(as_of, period.date_from, summary)
    params = {"asof": as_of.isoformat()} | ({"compare": compare.isoformat()} if compare else {})
    return Brief(
        as_of=as_of,
        period_start=period.date_from,
        tiles=tiles,
        summary=summary,
        months=_by_month(activities),
        sources=sorted(
            {t.source for t in tiles if t.source}
            | set(activities.get("source", []))
            | {target.source for target in targets.values()}
        ),
        made_at=made_at,
        data_version=queries.data_version(engine),
        link=urlstate.share_url(dashboard_url, urlstate.DEFAULT_PAGE, params),
        places=queries.activity_places(engine, period, internal=False),
        notices=notices,
        standing={item.code: item for item in standing},
        targets=targets,
        today=today,
        comparison=None
        if compare is None
        else _compared(engine, observations, tiles, now, compare),
    )


def _compared(
    engine: Engine, observations: pd.DataFrame, tiles: list[queries.Tile], now: Side, then: date
) -> Comparison:
    """The brief's tiles and period beside those of the snapshot `then`."""
    then_tiles = queries.build_tiles(queries.indicators(engine), observations, then)
    period = period_of(queries.snapshot_dates(observations), then)
    activities = queries.activities(engine, period, internal=False)
    summary = summarise(activities, then_tiles) if not activities.empty else None
    return Comparison(
        comparison.compare(tiles, then_tiles), now, Side(then, period.date_from, summary)
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
        "## When the next figures are due",
        f"As of {brief.today}, by each indicator's cadence; a target with its source.",
        markdown_table(standing_rows(brief)),
        *_compared_markdown(brief.comparison),
        "## The period",
        _period_text(brief.summary),
        "## Activities by month",
    ]
    if not brief.months:
        parts.append(EMPTY_PERIOD)
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


def figure_context(brief: Brief, tile: queries.Tile) -> dict[str, str]:
    """What a printed tile states beside its figure, in words: its state ('Overdue'), when it
    was updated and the next is due, and its target with the progress towards it ('' if none)."""
    standing = brief.standing.get(tile.code)
    target = brief.targets.get(tile.code)
    progress = target.progress(tile.value) if target else ""
    updated = standing.updated_text() if standing else ""
    if standing and tile.as_of != standing.last_as_of:
        updated = f"latest figure {updated}"  # not this one: the brief is of an earlier date
    return {
        "state": standing.word if standing else "",
        "updated": updated,
        "target": f"Target {target.text()}" + (f" · {progress}" if progress else "") + "."
        if target
        else "",
        "target_source": f"Set by {target.source_text()}." if target else "",
    }


def compared_tables(brief: Brief) -> dict[str, Any] | None:
    """The comparison as printed tables (every cell text), or None for a brief of one date."""
    compared = brief.comparison
    if compared is None:
        return None
    figures = ["Indicator", *compared.headers(), "Change", "Change %"]
    return {
        "title": f"{compared.now.as_of} compared with {compared.then.as_of}",
        "columns": figures,
        "rows": compared.figure_rows(),
        "kind_columns": ["Kind", *compared.names()],
        "kinds": compared.kind_rows(),
        "sides": [side_text(side) for side in compared.sides],
    }


def standing_rows(brief: Brief) -> list[dict[str, str]]:
    """Each indicator's provider, when it was updated and the next is due, its state in words,
    and its target with the progress of the brief's figure towards it."""
    rows = []
    for tile in brief.tiles:
        standing = brief.standing.get(tile.code)
        target = brief.targets.get(tile.code)
        rows.append(
            {
                "Indicator": tile.label,
                "Provided by": standing.provider if standing and standing.provider else "—",
                "Cadence": freshness.cadence_text(standing.cadence_months) if standing else "—",
                "Updated": str(standing.last_as_of or "no figure yet") if standing else "—",
                "Next due": str(standing.next_due or "—") if standing else "—",
                "State": standing.word if standing else "—",
                "Target": f"{target.text()}; source: {target.source_text()}"
                if target
                else "none set",
                "Progress": target.progress(tile.value) if target else "",
            }
        )
    return rows


def _compared_markdown(compared: Comparison | None) -> list[str]:
    """The comparison's sections: the figures at both dates, both periods side by side."""
    if compared is None:
        return []
    kinds = compared.kind_rows()
    return [
        f"## {compared.now.as_of} compared with {compared.then.as_of}",
        markdown_table(compared.figure_rows(), right=(*compared.headers(), "Change", "Change %")),
        "### The activities of both periods",
        *([markdown_table(kinds, right=compared.names())] if kinds else []),
        "\n".join(f"- {md(side_text(side))}" for side in compared.sides),
    ]


def _period_text(summary: PeriodSummary | None) -> str:
    if summary is None:
        return EMPTY_PERIOD
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


@dataclass(frozen=True)
class ChartNote:
    """A dated note on the Trends chart, numbered as the chart marks it."""

    number: int
    on_date: date
    text: str
    source: str
    source_url: str | None
    about: str  # the indicator's label, or "the Compact"

    def row(self) -> dict[str, str]:
        """The note as the table under the chart lists it."""
        source = f"{self.source} ({self.source_url})" if self.source_url else self.source
        return {
            "No.": str(self.number),
            "Date": str(self.on_date),
            "Note": self.text,
            "About": self.about,
            "Source": source,
        }


def chart_notes(
    notes: pd.DataFrame, trend: pd.DataFrame, labels: dict[str, str], span: tuple[Any, Any]
) -> list[ChartNote]:
    """context.notes()'s notes that the Trends page draws on a chart of `trend`: about the
    whole Compact or an indicator drawn, dated within the chosen dates (else from the first
    point to the last), numbered oldest first; none for a chart with no point."""
    if trend.empty:
        return []
    codes = list(trend["indicator_code"].unique())
    shown = charts.notes_in_view(notes, codes, charts.chart_span(trend, *span))
    return [
        ChartNote(
            number,
            row["on_date"],
            str(row["text"]),
            str(row["source"]),
            row["source_url"] if isinstance(row["source_url"], str) else None,
            labels.get(code, code)
            if isinstance(code := row["indicator_code"], str)
            else charts.WHOLE_COMPACT,
        )
        for number, row in enumerate(shown.to_dict("records"), start=1)
    ]


def target_rows(made: ViewBrief) -> list[dict[str, str]]:
    """The chart's indicators' targets, as the table under the chart lists them."""
    labels = {tile.code: tile.label for tile in made.tiles}
    return [
        {
            "Indicator": labels.get(code, code),
            "Target": target.text(),
            "Source": target.source_text(),
        }
        for code, target in made.targets.items()
    ]


def chart_context(made: ViewBrief) -> dict[str, Any]:
    """The Trends chart's notes and targets as printed tables (every cell text), and the
    sentence that adds them to the chart's description."""
    labels = {tile.code: tile.label for tile in made.tiles}
    said = [
        f" Dashed: the target of {labels.get(code, code)}, {target.text()}."
        for code, target in made.targets.items()
    ]
    if made.notes:
        said.append(
            f" Dotted vertical lines: the notes numbered 1 to {len(made.notes)}, "
            "listed under the chart."
        )
    return {
        "notes": [note.row() for note in made.notes],
        "targets": target_rows(made),
        "marks": "".join(said),
    }


def chart_marks(made: ViewBrief) -> dict[str, Any]:
    """What the Trends chart draws besides its lines (drawing.trend_chart's options): each
    note's number and date, each target's date and value by indicator, and the From and To
    dates a target's line is cut at."""
    return {
        "notes": [(note.number, note.on_date) for note in made.notes],
        "targets": {code: (target.due, target.value) for code, target in made.targets.items()},
        "span": made.span,
    }


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
    # The Trends chart's context: its dated notes, and the targets of its indicators.
    notes: list[ChartNote] = field(default_factory=list)
    targets: Mapping[str, context.Goal] = field(default_factory=dict)
    span: tuple[date | None, date | None] = (None, None)  # the From and To dates chosen
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
        targets = context.goals(context.targets(engine))
        notes = chart_notes(context.notes(engine), frame, labels, (values["from"], values["to"]))
        drawn = frame["indicator_code"].unique()
        chosen = {code: targets[code] for code in drawn if code in targets}
        return ViewBrief(
            **common,
            sources=sorted(
                set(frame["source"].dropna())
                | {note.source for note in notes}
                | {target.source for target in chosen.values()}
            ),
            trend=frame,
            indexed=values["mode"] == "indexed",
            notes=notes,
            targets=chosen,
            span=(values["from"], values["to"]),
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
        if made.notes:
            parts += ["## Notes on the chart", markdown_table(chart_context(made)["notes"])]
        if made.targets:
            parts += ["## Targets", markdown_table(target_rows(made))]
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
