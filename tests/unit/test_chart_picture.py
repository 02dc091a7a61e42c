"""The Trends chart's picture, shown until Plotly's chart is drawn: the same lines, targets
and notes as the interactive chart, its text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import unquote

import pandas as pd
import pytest

from ctdash import chart_picture, charts, queries
from ctdash.chart_picture import date_ticks, trend_picture, value_ticks
from ctdash.markdown import svg_image

SVG = "{http://www.w3.org/2000/svg}"


def frame(
    series: dict[str, list[tuple[str, int]]],
    labels: dict[str, str] | None = None,
    *,
    indexed: bool = False,
) -> pd.DataFrame:
    """queries.trend_frame of these snapshots (code: [(as_of, value), ...])."""
    rows = [
        {
            "indicator_code": code,
            "position": list(series).index(code),
            "label": (labels or {}).get(code, code),
            "as_of": date.fromisoformat(day),
            "value": value,
            "as_of_inferred": False,
            "source": "test",
        }
        for code, points in series.items()
        for day, value in points
    ]
    return queries.trend_frame(pd.DataFrame(rows), list(series), indexed=indexed)


def drawn(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def lines_by_colour(root: ET.Element) -> dict[str, list[tuple[float, float]]]:
    out = {}
    for line in root.iter(f"{SVG}polyline"):
        numbers = [float(n) for n in line.get("points", "").split(",")]
        out[line.get("stroke", "")] = list(zip(numbers[::2], numbers[1::2], strict=True))
    return out


TWO = {
    "entities": [("2018-02-23", 38), ("2020-05-01", 43), ("2023-04-30", 45)],
    "states": [("2018-02-23", 100), ("2023-04-30", 136)],
}


def test_each_indicator_is_a_line_in_the_colour_plotly_gives_it() -> None:
    shown = frame(TWO)
    root = drawn(trend_picture(shown, indexed=False))
    colours = charts.colours(shown)
    lines = lines_by_colour(root)
    assert set(lines) == {colours["entities"], colours["states"]}
    assert len(lines[colours["entities"]]) == 3
    # Later snapshots further right; the higher figure higher up (smaller y).
    (x0, y0), (x1, _), (x2, y2) = lines[colours["entities"]]
    assert x0 < x1 < x2
    assert y2 < y0
    # Up to charts.MARKED_SNAPSHOTS, each snapshot is marked too.
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("r") == "5"]) == 5


def test_a_single_snapshot_is_a_marker_never_a_line_and_long_series_are_lines_alone() -> None:
    days = pd.date_range("2006-01-31", periods=charts.MARKED_SNAPSHOTS + 1, freq="ME")
    shown = frame(
        {
            "one": [("2023-04-30", 24)],
            "long": [(d.date().isoformat(), n) for n, d in enumerate(days)],
        }
    )
    root = drawn(trend_picture(shown, indexed=False))
    colours = charts.colours(shown)
    assert list(lines_by_colour(root)) == [colours["long"]]
    marked = [c.get("fill") for c in root.iter(f"{SVG}circle") if c.get("r") == "5"]
    assert marked == [colours["one"]]


def test_targets_and_notes_in_view_are_drawn_as_the_chart_draws_them() -> None:
    shown = frame(TWO)
    targets = pd.DataFrame(
        [{"indicator_code": "entities", "value": 50, "due": date(2026, 12, 31), "source": "t"}]
    )
    notes = pd.DataFrame(
        [
            {"indicator_code": None, "on_date": date(2019, 1, 1), "text": "in view"},
            {"indicator_code": None, "on_date": date(2010, 1, 1), "text": "before the chart"},
            {"indicator_code": "other", "on_date": date(2019, 6, 1), "text": "not shown"},
        ]
    )
    root = drawn(trend_picture(shown, indexed=False, notes=notes, targets=targets))
    colour = charts.colours(shown)["entities"]
    dashed = [
        line
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-dasharray") == "6 4" and line.get("x1") != line.get("x2")
    ]
    # One in the plot, one in the legend.
    assert [line.get("stroke") for line in dashed] == [colour, colour]
    dotted = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray") == "2 3"]
    assert len(dotted) == 1
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "Target: entities" in legend and "Notes (dotted lines)" in legend
    # The target sits above the last snapshot (45), at its value 50.
    line_y = float(dashed[0].get("y1", "0"))
    last_y = lines_by_colour(root)[colour][-1][1]
    assert line_y < last_y


def test_indexed_the_axis_says_so_and_every_line_starts_at_the_same_height() -> None:
    shown = frame(TWO, indexed=True)
    root = drawn(trend_picture(shown, indexed=True))
    assert "index (first point = 100)" in [t.text for t in root.iter(f"{SVG}text")]
    firsts = {points[0][1] for points in lines_by_colour(root).values()}
    assert len(firsts) == 1


def test_labels_are_escaped_and_a_single_line_has_no_legend() -> None:
    hostile = "<script>alert('x')</script> & \"quoted\""
    shown = frame({"a": TWO["entities"]}, {"a": hostile})
    root = drawn(trend_picture(shown, indexed=False))
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    assert hostile not in [t.text for t in root.iter(f"{SVG}text")]
    two = frame(TWO, {"entities": hostile})
    texts = [t.text for t in drawn(trend_picture(two, indexed=False)).iter(f"{SVG}text")]
    assert hostile in texts


IMAGE = re.compile(r"^!\[(?P<alt>.*)\]\(data:image/svg\+xml,(?P<svg>[^ ()\"]+)\)$", re.DOTALL)


def test_the_picture_is_a_markdown_image_saying_what_it_draws() -> None:
    shown = frame(TWO, {"entities": "Compact entities", "states": "Member [States]"})
    found = IMAGE.match(
        svg_image(
            trend_picture(shown, indexed=False),
            chart_picture.description(shown, indexed=False),
        )
    )
    assert found is not None
    alt = re.sub(r"\\(.)", r"\1", found["alt"])
    assert alt == (
        "Chart of Compact entities, Member [States], from 2018-02-23 to 2023-04-30. "
        "The figures are in the table below the chart."
    )
    assert drawn(unquote(found["svg"])).tag == f"{SVG}svg"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0, 41_000, [0, 10_000, 20_000, 30_000, 40_000]),
        (95.2, 141.7, [100, 110, 120, 130, 140]),
        (44.5, 45.5, [44.6, 44.8, 45.0, 45.2, 45.4]),
    ],
)
def test_value_ticks_are_round(low: float, high: float, expected: list[float]) -> None:
    assert value_ticks(low, high) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2006-11-01", "2026-12-31", ["2010", "2015", "2020", "2025"]),
        (
            "2024-01-01",
            "2026-11-30",
            ["Jul 2024", "Jan 2025", "Jul 2025", "Jan 2026", "Jul 2026"],
        ),
        ("2024-03-04", "2024-03-20", ["2024-03-04", "2024-03-20"]),
    ],
)
def test_date_ticks_suit_the_span(start: str, end: str, expected: list[str]) -> None:
    ticks = date_ticks(date.fromisoformat(start), date.fromisoformat(end))
    assert [text for _, text in ticks] == expected


def test_an_index_from_zero_draws_what_can_be_drawn() -> None:
    # Indexed, a series starting at 0 has no number to plot (0/0, then 5/0); Plotly leaves
    # those points out, and so does the picture, with the other line drawn as usual.
    shown = frame({"zero": [("2020-01-01", 0), ("2021-01-01", 5)], **TWO}, indexed=True)
    root = drawn(trend_picture(shown, indexed=True))
    colours = charts.colours(shown)
    assert colours["zero"] not in lines_by_colour(root)
    assert colours["entities"] in lines_by_colour(root)
    alone = frame({"zero": [("2020-01-01", 0), ("2021-01-01", 5)]}, indexed=True)
    assert not lines_by_colour(drawn(trend_picture(alone, indexed=True)))


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (40_000, 10_000, "40k"),
        (0, 10_000, "0"),
        (1_500_000, 500_000, "1.5M"),
        (1e12, 250e9, "1T"),
        (250e9, 250e9, "250G"),
        (1_200, 200, "1,200"),
        (4.6, 0.2, "4.6"),
        (44.75, 0.25, "44.75"),
        (100, 5, "100"),
    ],
)
def test_value_labels_fit_the_axis_as_plotly_writes_them(
    value: float, step: float, expected: str
) -> None:
    assert chart_picture.tick_text(value, step) == expected


def test_a_single_day_is_drawn_in_the_middle_and_labelled_by_its_date() -> None:
    root = drawn(trend_picture(frame({"a": [("2023-04-30", 24)]}), indexed=False))
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "2023-04-30" in labels
    (marker,) = [c for c in root.iter(f"{SVG}circle") if c.get("r") == "5"]
    left, right = chart_picture.LEFT, chart_picture.WIDTH - chart_picture.RIGHT
    assert float(marker.get("cx", "0")) == pytest.approx((left + right) / 2, abs=1)
