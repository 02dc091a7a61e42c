"""Plotly figures built from query frames, with the notes and targets drawn on them and their
text alternatives; pure, no streamlit."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import plotly.graph_objects as go

from ctdash.markdown import md

# Okabe-Ito: distinguishable by readers with the common forms of colour blindness.
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
# Notes are drawn in grey, apart from every indicator's colour.
NOTE_COLOUR = "#555555"
WHOLE_COMPACT = "The whole Compact"
# Hover lines longer than this are wrapped: a 500-character note would run off the chart.
HOVER_WIDTH = 60
NOTE_COLUMNS = ["Date", "Note", "About", "Source"]
# Up to this many snapshots, each is marked on its line; past it the markers (10 px on points a
# few pixels apart) would only thicken the line, and drawing them took the browser seconds
# (241 snapshots of 8 indicators). The hover still gives each snapshot.
MARKED_SNAPSHOTS = 60


def _plain(text: object) -> str:
    """Typed text for Plotly's hover, which reads a subset of HTML: escaped, wrapped."""
    lines = textwrap.wrap(" ".join(str(text).split()), HOVER_WIDTH) or [""]
    return "<br>".join(html.escape(line) for line in lines)


def _web_link(url: object) -> str | None:
    """A link's address if it is a web address (http or https), else None; made safe to sit
    in a Markdown link."""
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def chart_span(
    frame: pd.DataFrame, date_from: date | None = None, date_to: date | None = None
) -> tuple[date, date]:
    """The dates the chart covers: those chosen, else from its first point to its last."""
    return date_from or min(frame["as_of"]), date_to or max(frame["as_of"])


def notes_in_view(
    notes: pd.DataFrame, codes: Sequence[str], span: tuple[date, date]
) -> pd.DataFrame:
    """The notes dated within the chart's span that are about the whole Compact or one of
    the indicators shown (`codes`), oldest first."""
    start, end = span
    about = notes["indicator_code"]
    shown = about.isna() | about.isin(list(codes))
    dated = notes["on_date"].map(lambda day: start <= day <= end).astype(bool)
    return notes[shown & dated].sort_values("on_date").reset_index(drop=True)


def _about(code: Any, labels: Mapping[str, str]) -> str:
    return WHOLE_COMPACT if code is None or pd.isna(code) else labels.get(str(code), str(code))


def colours(frame: pd.DataFrame) -> dict[str, str]:
    """Each indicator's colour, in the order the chart draws them."""
    codes = frame["indicator_code"].drop_duplicates()
    return {code: OKABE_ITO[n % len(OKABE_ITO)] for n, code in enumerate(codes)}


def trend_figure(
    frame: pd.DataFrame,
    *,
    indexed: bool,
    notes: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> go.Figure:
    """One trace per indicator, a single snapshot drawn as a marker, never a line; the notes
    in the chart's dates (`notes_in_view`) as dotted lines with a marker at the top, and each
    shown indicator's target (context.targets) as a dashed line."""
    figure = go.Figure()
    colour = colours(frame)
    labels: dict[str, str] = {}
    for code, rows in frame.groupby("indicator_code", sort=False):
        rows = rows.sort_values("as_of")
        labels[str(code)] = str(rows["label"].iloc[0])
        figure.add_trace(_indicator_trace(str(code), rows, colour[str(code)], indexed=indexed))
    if targets is not None:
        for target in targets[targets["indicator_code"].isin(list(colour))].to_dict("records"):
            code = str(target["indicator_code"])
            rows = frame[frame["indicator_code"] == code].sort_values("as_of")
            line = target_line(target, rows, indexed=indexed, chosen=(date_from, date_to))
            if line is not None:
                figure.add_trace(_target_trace(line, labels[code], colour[code]))
    if notes is not None:
        span = chart_span(frame, date_from, date_to)
        _draw_notes(figure, notes_in_view(notes, list(colour), span), labels)
    figure.update_layout(
        yaxis_title="index (first point = 100)" if indexed else "value",
        xaxis_title="as of",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    figure.update_xaxes(type="date")
    return figure


def drawn_as(snapshots: int) -> str:
    """How a series is drawn: one snapshot as a marker, never a line; a line with each snapshot
    marked; past MARKED_SNAPSHOTS, the line alone."""
    if snapshots == 1:
        return "markers"
    return "lines" if snapshots > MARKED_SNAPSHOTS else "lines+markers"


def _indicator_trace(code: str, rows: pd.DataFrame, colour: str, *, indexed: bool) -> go.Scatter:
    customdata = list(
        zip(
            [f"{int(v):,}" for v in rows["value"]],
            [html.escape(str(s)) for s in rows["source"]],
            ["inferred" if inferred else "stated" for inferred in rows["as_of_inferred"]],
            strict=True,
        )
    )
    return go.Scatter(
        x=[d.isoformat() for d in rows["as_of"]],
        y=[float(v) for v in rows["plotted"]],
        name=html.escape(str(rows["label"].iloc[0])),
        mode=drawn_as(len(rows)),
        marker={"size": 10, "color": colour},
        line={"color": colour, "width": 2},
        customdata=customdata,
        meta=code,
        hovertemplate=(
            "<b>%{fullData.name}</b><br>"
            + ("index %{y:.1f} (value %{customdata[0]})" if indexed else "%{customdata[0]}")
            + "<br>as of %{x} (%{customdata[2]} date)"
            + "<br>source: %{customdata[1]}<extra></extra>"
        ),
    )


@dataclass(frozen=True)
class TargetLine:
    """Where an indicator's target is drawn: from `start` to `end` at `level` (on the index's
    scale when indexed); its stated `value`, `due` date and `source` for its hover."""

    code: str
    start: date
    end: date
    level: float
    value: int
    due: date
    source: str
    indexed: bool


def target_line(
    target: Mapping[Any, Any],
    rows: pd.DataFrame,
    *,
    indexed: bool,
    chosen: tuple[date | None, date | None] = (None, None),
) -> TargetLine | None:
    """A target drawn as a line at its value from the indicator's last point (`rows`, oldest
    first) to the target's date (or back from it, for a date before the last point), cut at
    the From and To dates chosen (its hover still gives the date); indexed, on the same scale
    (none when the first point is 0, which no index can start from)."""
    value, due, first = int(target["value"]), target["due"], float(rows["value"].iloc[0])
    if indexed and first == 0:
        return None
    start, end = sorted([rows["as_of"].iloc[-1], due])
    start, end = max(start, chosen[0] or start), min(end, chosen[1] or end)
    return TargetLine(
        code=str(target["indicator_code"]),
        start=start,
        end=end,
        level=value / first * 100 if indexed else float(value),
        value=value,
        due=due,
        source=str(target["source"]),
        indexed=indexed,
    )


def _target_trace(line: TargetLine, label: str, colour: str) -> go.Scatter:
    """A target as a dashed line with a hover giving its value, date and source."""
    scale = (
        f"index {line.level:.1f} on this chart's scale (first point = 100)<br>"
        if line.indexed
        else ""
    )
    hover = (
        f"<b>Target: {html.escape(label)}</b><br>{scale}{line.value:,} by {line.due.isoformat()}"
        f"<br>source: {_plain(line.source)}"
    )
    return go.Scatter(
        x=[line.start.isoformat(), line.end.isoformat()],
        y=[line.level, line.level],
        name=f"Target: {html.escape(label)}",
        mode="lines+markers",
        marker={"size": 8, "color": colour, "symbol": "diamond-open"},
        line={"color": colour, "width": 2, "dash": "dash"},
        hovertext=[hover, hover],
        hovertemplate="%{hovertext}<extra></extra>",
        meta=f"target:{line.code}",
    )


def _draw_notes(figure: go.Figure, shown: pd.DataFrame, labels: Mapping[str, str]) -> None:
    """Each note as a dotted vertical line with a marker at the top of the chart whose hover
    gives its date, text, what it is about and its source."""
    if shown.empty:
        return
    days = [d.isoformat() for d in shown["on_date"]]
    for day in days:
        figure.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=day,
            x1=day,
            y0=0,
            y1=1,
            line={"color": NOTE_COLOUR, "width": 1, "dash": "dot"},
            layer="below",
        )
    hover = [
        f"<b>{day}</b><br>{_plain(n['text'])}"
        f"<br>about: {html.escape(_about(n['indicator_code'], labels))}"
        f"<br>source: {_plain(n['source'])}"
        for day, n in zip(days, shown.to_dict("records"), strict=True)
    ]
    figure.add_trace(
        go.Scatter(
            x=days,
            y=[1.0] * len(days),
            yaxis="y2",
            name="Notes (dotted lines)",
            mode="markers",
            marker={"size": 11, "color": NOTE_COLOUR, "symbol": "triangle-down"},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            meta="notes",
        )
    )
    # The notes' own axis, hidden: 0 at the bottom of the plot, 1 at its top.
    figure.update_layout(
        yaxis2={"overlaying": "y", "range": [0, 1.04], "visible": False, "fixedrange": True}
    )


def notes_table(notes: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """The notes as a Markdown table (Date | Note | About | Source), every cell as typed; a
    source with a web address is a link to it."""
    if notes.empty:
        return ""

    def cell(text: object) -> str:
        return md(" ".join(str(text).split())) or " "

    def source(row: Mapping[Any, Any]) -> str:
        url = _web_link(row["source_url"])
        return f"[{cell(row['source'])}](<{url}>)" if url else cell(row["source"])

    lines = ["| " + " | ".join(NOTE_COLUMNS) + " |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {row['on_date']} | {cell(row['text'])} "
        f"| {cell(_about(row['indicator_code'], labels))} | {source(row)} |"
        for row in notes.to_dict("records")
    ]
    return "\n".join(lines)


def target_sentences(targets: pd.DataFrame, labels: Mapping[str, str]) -> list[str]:
    """Each target of the indicators in `labels` in words, as Markdown: 'Compact entities:
    50 by 2026-12-31 (source: ...)', the source a link when it has a web address."""
    sentences = []
    for target in targets[targets["indicator_code"].isin(list(labels))].to_dict("records"):
        url = _web_link(target["source_url"])
        source = md(target["source"])
        said = f"[{source}](<{url}>)" if url else source
        label = md(labels[str(target["indicator_code"])])
        sentences.append(f"{label}: {int(target['value']):,} by {target['due']} (source: {said})")
    return sentences
