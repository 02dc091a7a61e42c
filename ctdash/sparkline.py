"""A tile's snapshots as a small SVG line, shown as a Markdown image whose text alternative
names its figures to a screen reader.

Drawn by hand rather than by a chart library: the picture is a line and a dot, and its text
alternative (the image's alt text and title) is ours to write. A Markdown image rather than
inline SVG: Streamlit draws it without the HTML parser (190 KB of code a fresh browser would
fetch and run before the tiles) that inline HTML needs. Everything from the data is escaped,
since labels are editable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ctdash.markdown import svg_image

# The drawing's own units; the SVG scales to its box's width and keeps this shape.
WIDTH, HEIGHT = 200, 40
# Room for the last point's dot, so that it is not cut at the edges.
MARGIN = 4
# Okabe-Ito blue, as the Trends chart draws its first line: 5:1 against white.
COLOUR = "#0072B2"
# Up to this many snapshots, the text alternative states each figure; a longer series is said
# by its first, last, lowest and highest, and the Overview's table of the tiles holds each one.
FIGURES_SAID = 12


def description(label: str, values: Sequence[int], first: date, last: date) -> str:
    """'Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45', on one
    line whatever white space the label holds; a longer series than FIGURES_SAID gives its
    first and last figures and its range instead of each figure."""
    if len(values) <= FIGURES_SAID:
        figures = ", ".join(f"{value:,}" for value in values)
    else:
        figures = (
            f"{values[0]:,} first, {values[-1]:,} last, lowest {min(values):,}, "
            f"highest {max(values):,}"
        )
    return " ".join(f"{label}, {len(values)} snapshots from {first} to {last}: {figures}".split())


def points(values: Sequence[int]) -> list[tuple[float, float]]:
    """Each value's place in the drawing, oldest at the left, highest at the top; a flat line
    runs through the middle."""
    low, high = min(values), max(values)
    step = (WIDTH - 2 * MARGIN) / (len(values) - 1)
    rise = HEIGHT - 2 * MARGIN
    return [
        (
            MARGIN + i * step,
            HEIGHT / 2 if high == low else MARGIN + (high - value) / (high - low) * rise,
        )
        for i, value in enumerate(values)
    ]


def sparkline(values: Sequence[int]) -> str:
    """The snapshots `values` (oldest first) as SVG text: a line with its last point marked, as
    wide as its box. At least two values: one point is no trend."""
    drawn = points(values)
    # Commas between all the numbers and single quotes: no character that percent-encoding
    # would lengthen (each character is parsed as Markdown in the browser).
    line = ",".join(f"{x:.1f},{y:.1f}" for x, y in drawn)
    x, y = drawn[-1]
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' width='100%'>"
        f"<polyline points='{line}' fill='none' stroke='{COLOUR}' stroke-width='2' "
        "stroke-linejoin='round' stroke-linecap='round'/>"
        f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{COLOUR}'/></svg>"
    )


def sparkline_markdown(label: str, values: Sequence[int], first: date, last: date) -> str:
    """The sparkline of `values` (dated `first` to `last`) as a Markdown image of its SVG, its
    description as alt text and title; nothing ("") for fewer than two values.

    The picture holds numbers only (markdown.svg_image)."""
    if len(values) < 2:
        return ""
    said = description(label, values, first, last)
    return svg_image(sparkline(values), said, said)
