"""A tile's snapshots as a small inline SVG line that names its figures to a screen reader.

Drawn by hand rather than by a chart library: the picture is a line and a dot, and its text
alternative (role="img", an aria-label and a <title>) is ours to write. Everything from the data
is escaped, since labels are editable.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

# The drawing's own units; the SVG scales to its box's width and keeps this shape.
WIDTH, HEIGHT = 200, 40
# Room for the last point's dot, so that it is not cut at the edges.
MARGIN = 4
# Okabe-Ito blue, as the Trends chart draws its first line: 5:1 against white.
COLOUR = "#0072B2"


def description(label: str, values: Sequence[int], first: date, last: date) -> str:
    """'Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45', on one
    line whatever white space the label holds."""
    figures = ", ".join(f"{value:,}" for value in values)
    return " ".join(f"{label}, {len(values)} snapshots from {first} to {last}: {figures}".split())


def escaped(text: str) -> str:
    """Text safe in an SVG attribute or element: markup escaped, and colons too, since
    Streamlit's Markdown rewrites ':material/name:' even inside HTML."""
    return html.escape(text, quote=True).replace(":", "&#58;")


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


def sparkline(label: str, values: Sequence[int], first: date, last: date) -> str:
    """The snapshots `values` (oldest first, dated `first` to `last`) as SVG text: a line with
    its last point marked, as wide as its box. Nothing ("") for fewer than two: one point is
    no trend."""
    if len(values) < 2:
        return ""
    said = escaped(description(label, values, first, last))
    drawn = points(values)
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in drawn)
    x, y = drawn[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-label="{said}"><title>{said}</title>'
        f'<polyline points="{line}" fill="none" stroke="{COLOUR}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/>'
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLOUR}"/></svg>'
    )
