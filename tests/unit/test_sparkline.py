"""The tiles' sparkline: an SVG image whose text alternative states its figures, with everything
from the data escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import unquote

import pytest

from ctdash.sparkline import (
    FIGURES_SAID,
    HEIGHT,
    MARGIN,
    WIDTH,
    description,
    points,
    sparkline,
    sparkline_markdown,
)

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


IMAGE = re.compile(
    r'^!\[(?P<alt>.*)\]\(data:image/svg\+xml,(?P<svg>[A-Za-z0-9%/:=\x27,;._-]+) "(?P<title>.*)"\)$'
)


def image(label: str, values: list[int]) -> re.Match[str]:
    """The sparkline's Markdown image, split into its alt text, picture and title."""
    found = IMAGE.match(sparkline_markdown(label, values, FIRST, LAST))
    assert found is not None
    return found


def shown(markdown: str) -> str:
    """Markdown's backslash escapes resolved, as the alt text and title are shown."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_the_sparkline_is_an_image_named_by_its_figures() -> None:
    found = image("Compact entities", [38, 43, 45, 45])
    said = "Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45"
    assert shown(found["alt"]) == said
    assert shown(found["title"]) == said
    svg = parsed(unquote(found["svg"]))
    # Width-fluid: it scales to its box from its viewBox.
    assert svg.get("viewBox") == f"0 0 {WIDTH} {HEIGHT}"
    assert svg.get("width") == "100%"
    assert svg.find(f"{SVG}polyline") is not None
    assert svg.find(f"{SVG}circle") is not None


def test_a_long_series_is_said_by_its_first_last_and_range() -> None:
    values = list(range(100, 340))
    said = description("Compact entities", [*values, 150], FIRST, LAST)
    assert said == (
        "Compact entities, 241 snapshots from 2018-02-23 to 2023-04-30: "
        "100 first, 150 last, lowest 100, highest 339"
    )
    # Up to FIGURES_SAID snapshots, each figure is said.
    assert description("x", list(range(FIGURES_SAID)), FIRST, LAST).endswith(
        ": 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11"
    )


@pytest.mark.parametrize("values", [[], [45]])
def test_one_snapshot_is_no_trend_and_draws_nothing(values: list[int]) -> None:
    assert sparkline_markdown("Member States", values, LAST, LAST) == ""


HOSTILE = "<script>alert(1)</script> \"quoted\" & 'single' :material/error: $x$ ](x) [y]"


def test_everything_from_the_label_is_escaped() -> None:
    found = image(HOSTILE, [1, 2, 3])
    said = description(HOSTILE, [1, 2, 3], FIRST, LAST)
    # The alt text and title read back as typed once Markdown's escapes are resolved...
    assert shown(found["alt"]) == said
    assert shown(found["title"]) == said
    # ...and nothing in them is markup, an icon, maths, a link's end or the title's end.
    for part in (found["alt"], found["title"]):
        assert re.search(r"(?<!\\)[<>\[\]():$\"]", part) is None
    # The picture holds numbers only.
    assert "script" not in unquote(found["svg"])


def test_a_label_cannot_end_the_markup_early() -> None:
    """A label with a blank line would end the Markdown paragraph; it is said on one line."""
    markdown = sparkline_markdown("a\n\n<b>b</b>", [1, 2], FIRST, LAST)
    assert "\n" not in markdown
    assert shown(image("a\n\n<b>b</b>", [1, 2])["alt"]).startswith("a <b>b</b>, 2 snapshots")


def test_the_line_runs_oldest_left_highest_top_and_marks_the_last_point() -> None:
    placed = points([10, 30, 20])
    assert [x for x, _ in placed] == [MARGIN, WIDTH / 2, WIDTH - MARGIN]
    assert placed[1][1] == MARGIN  # the highest at the top
    assert placed[0][1] == HEIGHT - MARGIN  # the lowest at the bottom
    svg = parsed(sparkline([10, 30, 20]))
    circle = svg.find(f"{SVG}circle")
    assert circle is not None
    assert (float(circle.get("cx", "")), float(circle.get("cy", ""))) == placed[-1]
    drawn = svg.find(f"{SVG}polyline")
    assert drawn is not None
    assert len(re.findall(r"[\d.]+,[\d.]+", drawn.get("points", ""))) == 3


def test_a_flat_line_runs_through_the_middle() -> None:
    assert {y for _, y in points([45, 45, 45])} == {HEIGHT / 2}
