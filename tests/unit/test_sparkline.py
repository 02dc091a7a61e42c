"""The tiles' sparkline: an SVG that states its figures, with everything from the data escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from ctdash.sparkline import HEIGHT, MARGIN, WIDTH, description, points, sparkline

FIRST, LAST = date(2018, 2, 23), date(2023, 4, 30)
SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    """The SVG as XML: escaping that is wrong for XML would not parse."""
    return ET.fromstring(svg)


@pytest.mark.parametrize(
    ("label", "values", "expected"),
    [
        (
            "Compact entities",
            [38, 43, 45, 45],
            "Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45",
        ),
        (
            "Virtual visits",
            [120_000, 200_062],
            "Virtual visits, 2 snapshots from 2018-02-23 to 2023-04-30: 120,000, 200,062",
        ),
        # A label typed over several lines is said on one.
        (
            "Two\nlines\t and\r\nmore",
            [1, 2],
            "Two lines and more, 2 snapshots from 2018-02-23 to 2023-04-30: 1, 2",
        ),
    ],
)
def test_the_description_states_the_label_the_dates_and_each_figure(
    label: str, values: list[int], expected: str
) -> None:
    assert description(label, values, FIRST, LAST) == expected


def test_the_svg_is_an_image_named_by_its_figures() -> None:
    svg = parsed(sparkline("Compact entities", [38, 43, 45, 45], FIRST, LAST))
    said = "Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == said
    assert svg.findtext(f"{SVG}title") == said
    # Width-fluid: it scales to its box from its viewBox.
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert svg.get("width") == "100%"
    assert svg.find(f"{SVG}polyline") is not None
    assert svg.find(f"{SVG}circle") is not None


@pytest.mark.parametrize("values", [[], [45]])
def test_one_snapshot_is_no_trend_and_draws_nothing(values: list[int]) -> None:
    assert sparkline("Member States", values, LAST, LAST) == ""


HOSTILE = "<script>alert(1)</script> \"quoted\" & 'single' :material/error: $x$"


def test_everything_from_the_label_is_escaped() -> None:
    svg = sparkline(HOSTILE, [1, 2, 3], FIRST, LAST)
    assert "<script" not in svg
    assert '"quoted"' not in svg and "'single'" not in svg
    # Colons are escaped too: Streamlit's Markdown would turn ':material/error:' into an icon.
    assert ":material" not in svg
    # One attribute and one title, and they read back as typed.
    element = parsed(svg)
    said = description(HOSTILE, [1, 2, 3], FIRST, LAST)
    assert element.get("aria-label") == said
    assert element.findtext(f"{SVG}title") == said
    assert list(element.attrib) == ["viewBox", "width", "role", "aria-label"]


def test_a_label_cannot_end_the_markup_early() -> None:
    """A label with a blank line would end Streamlit's Markdown HTML block; it is one line."""
    svg = sparkline("a\n\n<b>b</b>", [1, 2], FIRST, LAST)
    assert "\n" not in svg
    assert parsed(svg).get("aria-label", "").startswith("a <b>b</b>, 2 snapshots")


def test_the_line_runs_oldest_left_highest_top_and_marks_the_last_point() -> None:
    placed = points([10, 30, 20])
    assert [x for x, _ in placed] == [MARGIN, WIDTH / 2, WIDTH - MARGIN]
    assert placed[1][1] == MARGIN  # the highest at the top
    assert placed[0][1] == HEIGHT - MARGIN  # the lowest at the bottom
    svg = parsed(sparkline("x", [10, 30, 20], FIRST, LAST))
    circle = svg.find(f"{SVG}circle")
    assert circle is not None
    assert (float(circle.get("cx", "")), float(circle.get("cy", ""))) == placed[-1]
    drawn = svg.find(f"{SVG}polyline")
    assert drawn is not None
    assert len(re.findall(r"[\d.]+,[\d.]+", drawn.get("points", ""))) == 3


def test_a_flat_line_runs_through_the_middle() -> None:
    assert {y for _, y in points([45, 45, 45])} == {HEIGHT / 2}
