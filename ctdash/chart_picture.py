"""The Trends chart as a picture: the lines, targets and notes that charts.trend_figure draws,
drawn on the server as SVG and shown as a Markdown image while a fresh browser fetches and runs
Plotly's code (some megabytes); the interactive chart takes its place once drawn.

Drawn by hand, as the tiles' sparklines are: a Markdown image needs no code a page has not
loaded already, and a picture of a few lines is some kilobytes. Every text from the data is
escaped, since labels are editable.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from ctdash import charts

# The drawing's own units: Streamlit draws a Plotly chart 450 px high across the page's
# column (704 px wide at most), and the picture scales to its box's width.
WIDTH, HEIGHT = 704, 450
LEFT, RIGHT, TOP = 72, 16, 24
FONT = "font-family='sans-serif' font-size='12' fill='#31333f'"
GRID = "#e6eaf1"
AXIS = "#6b7280"
LEGEND_ROW = 20
# A character's width, roughly, at 12 px: to lay out the legend's rows.
CHARACTER = 6.8
LEGEND_LABEL = 48
# Plotly's marker size is a diameter: charts draw 10 for a snapshot, 8 for a target's end.
SNAPSHOT_RADIUS, TARGET_RADIUS, NOTE_SIZE = 5, 4, 6
X_TICKS, Y_TICKS = 8, 6


@dataclass(frozen=True)
class Series:
    """An indicator's line: its colour, label and plotted points (date, value), oldest first."""

    code: str
    label: str
    colour: str
    points: list[tuple[date, float]]


def _series(frame: pd.DataFrame) -> list[Series]:
    colour = charts.colours(frame)
    drawn = []
    for code, rows in frame.groupby("indicator_code", sort=False):
        rows = rows.sort_values("as_of")
        # An index cannot start from 0: its points are not numbers, and Plotly leaves them out.
        points = [
            (day, value)
            for day, value in zip(rows["as_of"], rows["plotted"].astype(float), strict=True)
            if math.isfinite(value)
        ]
        drawn.append(Series(str(code), str(rows["label"].iloc[0]), colour[str(code)], points))
    return drawn


def _targets(
    frame: pd.DataFrame,
    targets: pd.DataFrame | None,
    *,
    indexed: bool,
    chosen: tuple[date | None, date | None],
) -> list[charts.TargetLine]:
    if targets is None:
        return []
    shown = frame["indicator_code"].unique().tolist()
    lines = []
    for target in targets[targets["indicator_code"].isin(shown)].to_dict("records"):
        rows = frame[frame["indicator_code"] == target["indicator_code"]].sort_values("as_of")
        line = charts.target_line(target, rows, indexed=indexed, chosen=chosen)
        if line is not None:
            lines.append(line)
    return lines


def nice_step(span: float, ticks: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving at most about `ticks` ticks
    over `span`."""
    rough = span / max(ticks - 1, 1)
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)


def value_ticks(low: float, high: float) -> list[float]:
    """Round values from `low` to `high` for the vertical axis."""
    step = nice_step(high - low, Y_TICKS)
    first = math.ceil(low / step) * step
    return [first + n * step for n in range(int((high - first) / step + 1e-9) + 1)]


# Large values as Plotly's axes write them (SI prefixes), so that they fit the axis' margin.
PREFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def tick_text(value: float, step: float) -> str:
    """A value axis' label: on an axis stepping by a thousand or more, with an SI prefix as
    Plotly writes it ('40k', '1.5M'); else with the decimals its step needs ('2.5', '1,200')."""
    if step >= 1e3:
        size, prefix = next(((n, p) for n, p in PREFIXES if abs(value) >= n), (1, ""))
        return f"{value / size:g}{prefix}"
    places = 0 if step >= 1 else len(f"{step:g}".partition(".")[2])
    return f"{value:,.{places}f}"


def date_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """Dates and their labels for the horizontal axis: the first days of years over a span of
    four years or more ('2021'), of months over a shorter one ('Mar 2024'), else the span's
    ends ('2024-03-04')."""
    years = end.year - start.year
    if years >= 4:
        step = int(nice_step(years, X_TICKS)) or 1
        return [
            (date(year, 1, 1), str(year))
            for year in range(start.year + 1, end.year + 1)
            if year % step == 0
        ]
    months = (end.year - start.year) * 12 + end.month - start.month
    if months >= 2:
        step = next(s for s in (1, 2, 3, 6, 12) if months / s <= X_TICKS)
        days = []
        year, month = start.year, start.month + 1
        for _ in range(months):
            if month > 12:
                year, month = year + 1, 1
            if (month - 1) % step == 0:
                days.append(date(year, month, 1))
            month += 1
        return [(day, day.strftime("%b %Y")) for day in days if day <= end]
    return [(start, start.isoformat())] + ([(end, end.isoformat())] if end != start else [])


@dataclass(frozen=True)
class Frame:
    """The plot's box in the drawing and the dates and values its edges stand for."""

    left: float
    right: float
    top: float
    bottom: float
    start: date
    end: date
    low: float
    high: float

    def x(self, day: date) -> float:
        span = (self.end - self.start).days
        return self.left + (day - self.start).days / span * (self.right - self.left)

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def _legend_entries(
    series: Sequence[Series], targets: Sequence[charts.TargetLine], notes: bool
) -> list[tuple[str, str, str]]:
    """Each legend entry: its kind (line, target, note), colour and text, in Plotly's order."""
    colour = {s.code: s.colour for s in series}
    label = {s.code: s.label for s in series}
    entries = [("line", s.colour, s.label) for s in series]
    entries += [("target", colour[t.code], f"Target: {label[t.code]}") for t in targets]
    if notes:
        entries.append(("note", charts.NOTE_COLOUR, "Notes (dotted lines)"))
    return entries


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LEGEND_LABEL else text[: LEGEND_LABEL - 1] + "…"


def _legend_rows(entries: Sequence[tuple[str, str, str]]) -> list[list[tuple[float, int]]]:
    """The entries laid out left to right in rows as wide as the drawing: (x, entry index)."""
    rows: list[list[tuple[float, int]]] = [[]]
    x = float(LEFT)
    for index, (_, _, text) in enumerate(entries):
        width = 30 + len(_short(text)) * CHARACTER + 16
        if rows[-1] and x + width > WIDTH - RIGHT:
            rows.append([])
            x = float(LEFT)
        rows[-1].append((x, index))
        x += width
    return rows


def _span(
    series: Sequence[Series],
    targets: Sequence[charts.TargetLine],
    note_days: Sequence[date],
    shown_span: tuple[date, date],
) -> tuple[date, date, float, float]:
    """The first and last dates drawn, and the values the plot's edges stand for (those drawn,
    with a margin); the chart's span and 0 to 1 when nothing can be drawn."""
    days = [day for s in series for day, _ in s.points]
    days += [d for t in targets for d in (t.start, t.end)] + list(note_days)
    values = [v for s in series for _, v in s.points] + [t.level for t in targets]
    if not days or not values:
        return shown_span[0], shown_span[1] + timedelta(days=1), 0.0, 1.0
    start, end = min(days), max(days)
    low, high = min(values), max(values)
    margin = (high - low) * 0.06 or abs(high) * 0.1 or 1.0
    return start, end, low - margin, high + margin


def _diamond(x: float, y: float, colour: str) -> str:
    r = TARGET_RADIUS
    return (
        f"<path d='M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},"
        f"{y:.1f}Z' fill='white' stroke='{colour}' stroke-width='1.5'/>"
    )


def _triangle(x: float, y: float) -> str:
    r = NOTE_SIZE
    return (
        f"<path d='M{x - r:.1f},{y - r:.1f}L{x + r:.1f},{y - r:.1f}L{x:.1f},{y + r * 0.7:.1f}Z' "
        f"fill='{charts.NOTE_COLOUR}'/>"
    )


def _legend_mark(kind: str, colour: str, x: float, y: float) -> str:
    if kind == "note":
        return _triangle(x + 12, y)
    dash = " stroke-dasharray='6 4'" if kind == "target" else ""
    mark = (
        _diamond(x + 12, y, colour)
        if kind == "target"
        else f"<circle cx='{x + 12:.1f}' cy='{y:.1f}' r='4' fill='{colour}'/>"
    )
    return (
        f"<line x1='{x:.1f}' y1='{y:.1f}' x2='{x + 24:.1f}' y2='{y:.1f}' stroke='{colour}' "
        f"stroke-width='2'{dash}/>" + mark
    )


def trend_picture(
    frame: pd.DataFrame,
    *,
    indexed: bool,
    notes: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> str:
    """queries.trend_frame's figures (not empty) as SVG text: what charts.trend_figure draws
    with the same arguments (a line per indicator in its colour, each snapshot marked up to
    charts.MARKED_SNAPSHOTS, a single snapshot a marker alone; each target a dashed line; each
    note in view a dotted line with a marker at the top), with its axes and legend."""
    series = _series(frame)
    lines = _targets(frame, targets, indexed=indexed, chosen=(date_from, date_to))
    shown = [s.code for s in series]
    in_view = (
        charts.notes_in_view(notes, shown, charts.chart_span(frame, date_from, date_to))
        if notes is not None
        else pd.DataFrame({"on_date": []})
    )
    note_days = list(in_view["on_date"])
    entries = _legend_entries(series, lines, bool(note_days))
    # As Plotly does, a legend only when more than one thing is drawn.
    legend = _legend_rows(entries) if len(entries) > 1 else []
    bottom = HEIGHT - 48 - LEGEND_ROW * len(legend)
    first, last, low, high = _span(series, lines, note_days, charts.chart_span(frame))
    # A margin either side, as Plotly leaves for its markers; a month for a single day.
    pad = timedelta(days=30 if first == last else max(1, round((last - first).days * 0.02)))
    start, end = first - pad, last + pad
    box = Frame(LEFT, WIDTH - RIGHT, TOP, bottom, start, end, low, high)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}'>",
        f"<rect width='{WIDTH}' height='{HEIGHT}' fill='white'/>",
    ]
    step = nice_step(high - low, Y_TICKS)
    for value in value_ticks(low, high):
        y = box.y(value)
        parts.append(
            f"<line x1='{box.left}' y1='{y:.1f}' x2='{box.right}' y2='{y:.1f}' stroke='{GRID}'/>"
            f"<text x='{box.left - 6}' y='{y + 4:.1f}' text-anchor='end' {FONT}>"
            f"{tick_text(value, step)}</text>"
        )
    for day, text in date_ticks(first, last):
        x = box.x(day)
        parts.append(
            f"<line x1='{x:.1f}' y1='{bottom}' x2='{x:.1f}' y2='{bottom + 5}' stroke='{AXIS}'/>"
            f"<text x='{x:.1f}' y='{bottom + 19}' text-anchor='middle' {FONT}>{text}</text>"
        )
    parts.append(
        f"<line x1='{box.left}' y1='{bottom}' x2='{box.right}' y2='{bottom}' stroke='{AXIS}'/>"
        f"<text x='{(box.left + box.right) / 2:.1f}' y='{bottom + 38}' text-anchor='middle' "
        f"{FONT}>as of</text>"
        f"<text transform='translate(16 {(TOP + bottom) / 2:.1f}) rotate(-90)' "
        f"text-anchor='middle' {FONT}>"
        f"{'index (first point = 100)' if indexed else 'value'}</text>"
    )
    for day in note_days:
        x = box.x(day)
        parts.append(
            f"<line x1='{x:.1f}' y1='{box.top}' x2='{x:.1f}' y2='{bottom}' "
            f"stroke='{charts.NOTE_COLOUR}' stroke-dasharray='2 3'/>"
            + _triangle(x, box.top + NOTE_SIZE)
        )
    for line in lines:
        colour = next(s.colour for s in series if s.code == line.code)
        x0, x1, y = box.x(line.start), box.x(line.end), box.y(line.level)
        parts.append(
            f"<line x1='{x0:.1f}' y1='{y:.1f}' x2='{x1:.1f}' y2='{y:.1f}' stroke='{colour}' "
            f"stroke-width='2' stroke-dasharray='6 4'/>"
            + _diamond(x0, y, colour)
            + _diamond(x1, y, colour)
        )
    for s in series:
        drawn = [(box.x(day), box.y(value)) for day, value in s.points]
        if not drawn:
            continue
        mode = charts.drawn_as(len(drawn))
        if "lines" in mode:
            joined = ",".join(f"{x:.1f},{y:.1f}" for x, y in drawn)
            parts.append(
                f"<polyline points='{joined}' fill='none' stroke='{s.colour}' stroke-width='2' "
                "stroke-linejoin='round'/>"
            )
        if "markers" in mode:
            parts += [
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{SNAPSHOT_RADIUS}' fill='{s.colour}'/>"
                for x, y in drawn
            ]
    for number, row in enumerate(legend):
        y = HEIGHT - 12 - LEGEND_ROW * (len(legend) - 1 - number)
        for x, index in row:
            kind, colour, text = entries[index]
            parts.append(
                _legend_mark(kind, colour, x, y - 4)
                + f"<text x='{x + 30:.1f}' y='{y:.1f}' {FONT}>{html.escape(_short(text))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def description(frame: pd.DataFrame, *, indexed: bool) -> str:
    """The picture's text alternative (shown with markdown.svg_image): what it draws, over
    which dates."""
    labels = ", ".join(dict.fromkeys(str(label) for label in frame["label"]))
    scale = ", indexed (first point = 100)" if indexed else ""
    return " ".join(
        f"Chart of {labels}{scale}, from {min(frame['as_of'])} to {max(frame['as_of'])}. "
        "The figures are in the table below the chart.".split()
    )
