"""The pictures of a printed brief, drawn on the server as SVG with matplotlib: the tiles'
sparklines, the world map of activities from the shipped outlines, and the Trends chart with
its targets and dated notes.

The map uses the app's colours for each kind and a marker shape of its own, so that it reads
when printed in grey. Every picture's text is drawn as outlines: the SVG needs no font.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ctdash import charts, geo, maps
from ctdash.models import ACTIVITY_KINDS

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FAMILY = "Source Sans Pro"
INK = "#1f2937"
# A marker shape per kind (matplotlib's codes), beside its colour.
KIND_MARKERS = dict(
    zip(ACTIVITY_KINDS, ("o", "s", "^", "D", "v", "P", "X", "*", "h", "p"), strict=True)
)
TREND_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
# The part of the world drawn: Antarctica left out, as on the app's map.
LATITUDES = (-58.0, 84.0)
POINT_AREA = (18.0, 140.0)


@cache
def _register_fonts() -> None:
    for font in sorted(FONTS_DIR.glob("*.otf")):
        font_manager.fontManager.addfont(str(font))


@contextmanager
def _style() -> Iterator[None]:
    _register_fonts()
    with rc_context(
        {
            "font.family": FAMILY,
            "font.size": 8,
            "svg.fonttype": "path",
            "svg.hashsalt": "ctdash",
            "axes.edgecolor": "#6b7280",
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "legend.frameon": False,
        }
    ):
        yield


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _rgb(colour: Sequence[int]) -> tuple[float, float, float]:
    return (colour[0] / 255, colour[1] / 255, colour[2] / 255)


def sparkline(values: Sequence[int]) -> str:
    """A tile's snapshots, oldest first, as a small line with its last point marked."""
    with _style():
        figure = Figure(figsize=(1.3, 0.36))
        axes = figure.add_axes((0.03, 0.12, 0.94, 0.76))
        xs = list(range(len(values)))
        axes.plot(xs, values, color=charts.OKABE_ITO[0], linewidth=1.2)
        axes.plot(xs[-1:], values[-1:], "o", color=charts.OKABE_ITO[0], markersize=2.5)
        axes.set_axis_off()
        return _svg(figure)


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    polygons = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    for polygon in polygons:
        yield polygon[0]


def _world(axes: Axes, shade: dict[str, tuple[float, float, float]] | None = None) -> None:
    """Sea and land from the shipped country outlines; `shade` fills some countries."""
    shade = shade or {}
    land, fills = [], []
    for feature in geo.load_countries_geojson()["features"]:
        colour = shade.get(feature["properties"].get("iso3"), _rgb(maps.LAND_FILL))
        for ring in _rings(feature["geometry"]):
            land.append(ring)
            fills.append(colour)
    axes.set_facecolor(_rgb(maps.OCEAN_FILL))
    axes.add_collection(PolyCollection(land, facecolors=fills, edgecolors="white", linewidths=0.3))
    axes.set_xlim(-180, 180)
    axes.set_ylim(*LATITUDES)
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)


def _area(count: int, top: int) -> float:
    low, high = POINT_AREA
    return low + (high - low) * math.sqrt((count - 1) / (top - 1)) if top > 1 else low * 2


def points_map(places: pd.DataFrame, *, width: float = 7.2) -> str:
    """The placed activities (queries.activity_places rows) by kind: colour and shape per kind,
    area by the number of activities at the place, and a legend of the kinds shown."""
    placed = places.dropna(subset=["lat", "lon"])
    with _style():
        figure = Figure(figsize=(width, width * 0.47))
        axes = figure.add_axes((0, 0.1, 1, 0.9))
        _world(axes)
        top = int(placed["activities"].max()) if len(placed) else 1
        handles = []
        for kind in ACTIVITY_KINDS:
            rows = placed[placed["kind"] == kind]
            if rows.empty:
                continue
            colour = _rgb(maps.KIND_COLOURS[kind])
            axes.scatter(
                rows["lon"],
                rows["lat"],
                s=[_area(int(n), top) for n in rows["activities"]],
                c=[colour],
                marker=KIND_MARKERS[kind],
                edgecolors=INK,
                linewidths=0.5,
                zorder=3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=KIND_MARKERS[kind],
                    markerfacecolor=colour,
                    markeredgecolor=INK,
                    markersize=6,
                    label=f"{kind} ({int(rows['activities'].sum()):,})",
                )
            )
        if handles:
            figure.legend(
                handles=handles,
                loc="lower center",
                ncols=min(len(handles), 5),
                fontsize=7.5,
                handletextpad=0.3,
                columnspacing=1.2,
            )
        return _svg(figure)


def totals_map(totals: pd.DataFrame, *, width: float = 7.2) -> str:
    """Countries shaded by their number of activities (maps.country_totals), light to dark."""
    counts = dict(zip(totals["country_iso3"], totals["activities"], strict=True))
    top = max(counts.values(), default=0)
    shade = {code: _rgb(maps.shade(int(n), int(top))[:3]) for code, n in counts.items()}
    with _style():
        figure = Figure(figsize=(width, width * 0.45))
        axes = figure.add_axes((0, 0.02, 1, 0.96))
        _world(axes, shade)
        return _svg(figure)


def trend_chart(
    frame: pd.DataFrame,
    *,
    indexed: bool,
    width: float = 7.0,
    notes: Sequence[tuple[int, date]] = (),
    targets: Mapping[str, tuple[date, int]] | None = None,
    span: tuple[date | None, date | None] = (None, None),
) -> str:
    """queries.trend_frame's figures: one line per indicator in the app's colours, each with a
    marker shape of its own; a single snapshot is a marker alone. An indicator's target (its
    date and value, by code) is a dashed line at its value from the last point to its date, as
    the Trends page draws it, cut at the From and To dates of `span` (indexed: on the index's
    scale; none when the first point is 0);
    each note (its number and date) a dotted vertical line with its number at the top."""
    with _style():
        figure = Figure(figsize=(width, width * 0.5))
        axes = figure.add_axes((0.1, 0.3, 0.87, 0.66))
        for number, (code, rows) in enumerate(frame.groupby("indicator_code", sort=False)):
            rows = rows.sort_values("as_of")
            colour = charts.OKABE_ITO[number % len(charts.OKABE_ITO)]
            label = str(rows["label"].iloc[0])
            xs, ys = pd.to_datetime(rows["as_of"]), rows["plotted"].astype(float)
            axes.plot(
                xs,
                ys,
                color=colour,
                marker=TREND_MARKERS[number % len(TREND_MARKERS)],
                markersize=4,
                linewidth=1.5,
                label=label,
            )
            first = float(rows["value"].iloc[0])
            if targets and code in targets and (first or not indexed):
                due, value = targets[str(code)]
                level = value / first * 100 if indexed else float(value)
                start, end = sorted([rows["as_of"].iloc[-1], due])
                start, end = max(start, span[0] or start), min(end, span[1] or end)
                axes.plot(
                    [date2num(start), date2num(end)],
                    [level, level],
                    color=colour,
                    linestyle=(0, (4, 3)),
                    linewidth=1.2,
                    marker="D",
                    markerfacecolor="white",
                    markersize=4,
                    label=f"Target: {label}",
                )
        for number, day in notes:
            axes.axvline(date2num(day), color="#6b7280", linestyle=":", linewidth=0.9)
            axes.annotate(
                str(number),
                (date2num(day), 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -2),
                textcoords="offset points",
                va="top",
                fontsize=7,
                color=INK,
            )
        axes.set_ylabel("Index (first point = 100)" if indexed else "Value")
        axes.grid(axis="y", color="#e5e7eb", linewidth=0.6)
        axes.spines[["top", "right"]].set_visible(False)
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
        figure.legend(loc="lower center", ncols=2, fontsize=7.5)
        return _svg(figure)
