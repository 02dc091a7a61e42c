"""The Trends figure's notes and targets: which notes are drawn, the target line in absolute and
indexed mode, hover text escaped, and the text alternatives under the chart."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ctdash import charts, queries

D = date


def observations() -> pd.DataFrame:
    """Two indicators: entities (38 -> 45 over three snapshots), member states (one)."""
    rows = [
        ("compact_entities", 1, "Compact entities", D(2018, 2, 23), 38),
        ("compact_entities", 1, "Compact entities", D(2021, 10, 8), 43),
        ("compact_entities", 1, "Compact entities", D(2023, 4, 30), 45),
        ("member_states", 2, "Member States", D(2023, 4, 30), 136),
    ]
    return pd.DataFrame(
        [
            {
                "indicator_code": code,
                "position": position,
                "label": label,
                "as_of": as_of,
                "value": value,
                "source": "newsletter",
                "as_of_inferred": False,
            }
            for code, position, label, as_of, value in rows
        ]
    )


def trend(codes: list[str], *, indexed: bool = False, **dates: date) -> pd.DataFrame:
    return queries.trend_frame(observations(), codes, indexed=indexed, **dates)


def notes(*rows: tuple[date, str, str | None]) -> pd.DataFrame:
    """Notes as context.notes gives them: (date, text, indicator or None)."""
    return pd.DataFrame(
        [
            {
                "key": f"note-{n}",
                "on_date": on_date,
                "text": text,
                "source": f"source of {text}",
                "source_url": None,
                "indicator_code": code,
                "revision": 1,
            }
            for n, (on_date, text, code) in enumerate(rows)
        ],
        columns=["key", "on_date", "text", "source", "source_url", "indicator_code", "revision"],
    )


def targets(*rows: tuple[str, int, date, str]) -> pd.DataFrame:
    """Targets as context.targets gives them: (indicator, value, due, source)."""
    return pd.DataFrame(
        [
            {
                "indicator_code": code,
                "value": value,
                "due": due,
                "source": source,
                "source_url": None,
                "revision": 1,
            }
            for code, value, due, source in rows
        ],
        columns=["indicator_code", "value", "due", "source", "source_url", "revision"],
    )


def trace(figure, meta: str) -> dict:
    found = [t for t in figure.to_plotly_json()["data"] if t.get("meta") == meta]
    assert len(found) <= 1
    return found[0] if found else {}


SHIPPED_LIKE = notes(
    (D(2018, 2, 23), "signed", None),
    (D(2020, 1, 1), "about member states", "member_states"),
    (D(2021, 10, 8), "about entities", "compact_entities"),
    (D(2024, 1, 24), "after the last figure", None),
    (D(2017, 12, 31), "before the first figure", None),
)


@pytest.mark.parametrize(
    ("codes", "dates", "drawn"),
    [
        # The chart's dates are its points' (2018-02-23 to 2023-04-30) unless chosen.
        (["compact_entities"], {}, ["signed", "about entities"]),
        (
            ["compact_entities", "member_states"],
            {},
            ["signed", "about member states", "about entities"],
        ),
        # A note about an indicator not shown is left out; one about the whole Compact is kept.
        (
            ["member_states"],
            {"date_from": D(2017, 1, 1)},
            ["before the first figure", "signed", "about member states"],
        ),
        (
            ["compact_entities"],
            {"date_from": D(2019, 1, 1), "date_to": D(2025, 1, 1)},
            ["about entities", "after the last figure"],
        ),
        # Both ends of the range are in it.
        (
            ["compact_entities"],
            {"date_from": D(2018, 2, 23), "date_to": D(2021, 10, 8)},
            ["signed", "about entities"],
        ),
    ],
)
def test_only_notes_in_the_charts_dates_and_about_what_it_shows_are_drawn(
    codes: list[str], dates: dict[str, date], drawn: list[str]
) -> None:
    frame = trend(codes, **dates)
    figure = charts.trend_figure(frame, indexed=False, notes=SHIPPED_LIKE, **dates)
    shown = trace(figure, "notes")
    assert [h.split("<br>")[1] for h in shown.get("hovertext", [])] == drawn
    span = charts.chart_span(frame, dates.get("date_from"), dates.get("date_to"))
    listed = charts.notes_in_view(SHIPPED_LIKE, codes, span)
    assert list(listed["text"]) == drawn
    # One dotted line per note drawn, across the whole height of the plot.
    lines = figure.to_plotly_json()["layout"].get("shapes", [])
    assert [(s["x0"], s["line"]["dash"], s["yref"]) for s in lines] == [
        (d.isoformat(), "dot", "paper") for d in listed["on_date"]
    ]


def test_no_note_in_the_dates_draws_no_notes_trace() -> None:
    frame = trend(["compact_entities"], date_from=D(2022, 1, 1))
    figure = charts.trend_figure(frame, indexed=False, notes=SHIPPED_LIKE, date_from=D(2022, 1, 1))
    assert trace(figure, "notes") == {}
    assert not figure.to_plotly_json()["layout"].get("shapes")


def test_a_notes_hover_gives_date_text_about_and_source_escaped() -> None:
    hostile = notes((D(2021, 10, 8), "<img src=x onerror=alert(1)> & more", "compact_entities"))
    hostile["source"] = "<b>bold</b> source"
    figure = charts.trend_figure(trend(["compact_entities"]), indexed=False, notes=hostile)
    (hover,) = trace(figure, "notes")["hovertext"]
    assert hover == (
        "<b>2021-10-08</b><br>&lt;img src=x onerror=alert(1)&gt; &amp; more"
        "<br>about: Compact entities<br>source: &lt;b&gt;bold&lt;/b&gt; source"
    )


def test_a_long_note_is_wrapped_in_its_hover() -> None:
    long = notes((D(2021, 10, 8), "word " * 40, None))
    long["source"] = "a report"
    figure = charts.trend_figure(trend(["compact_entities"]), indexed=False, notes=long)
    (hover,) = trace(figure, "notes")["hovertext"]
    _, *text_lines, _, _ = hover.split("<br>")
    assert len(text_lines) == 4
    assert all(len(line) <= charts.HOVER_WIDTH for line in text_lines)
    assert " ".join(text_lines) == " ".join(["word"] * 40)


def test_a_target_is_a_dashed_line_at_its_value_in_the_indicators_colour() -> None:
    frame = trend(["compact_entities", "member_states"])
    aim = targets(("compact_entities", 50, D(2026, 12, 31), "Decision <1> of the Committee"))
    figure = charts.trend_figure(frame, indexed=False, targets=aim)
    line = trace(figure, "target:compact_entities")
    assert line["y"] == [50.0, 50.0]
    assert line["x"] == ["2023-04-30", "2026-12-31"]  # from the last point to the target's date
    assert line["line"]["dash"] == "dash"
    assert line["line"]["color"] == trace(figure, "compact_entities")["line"]["color"]
    assert line["name"] == "Target: Compact entities"
    hover = line["hovertext"][0]
    assert "50 by 2026-12-31" in hover
    assert "source: Decision &lt;1&gt; of the Committee" in hover
    assert "index" not in hover
    assert trace(figure, "target:member_states") == {}


def test_a_target_in_indexed_mode_is_on_the_index_scale_and_says_so() -> None:
    frame = trend(["compact_entities"], indexed=True)
    aim = targets(("compact_entities", 57, D(2026, 12, 31), "a decision"))
    line = trace(charts.trend_figure(frame, indexed=True, targets=aim), "target:compact_entities")
    assert line["y"] == [pytest.approx(57 / 38 * 100)] * 2
    assert "index 150.0 on this chart's scale (first point = 100)" in line["hovertext"][0]
    assert "57 by 2026-12-31" in line["hovertext"][0]


def test_a_target_dated_before_the_last_point_runs_back_from_it() -> None:
    aim = targets(("compact_entities", 40, D(2020, 1, 1), "an old plan"))
    figure = charts.trend_figure(trend(["compact_entities"]), indexed=False, targets=aim)
    assert trace(figure, "target:compact_entities")["x"] == ["2020-01-01", "2023-04-30"]


def test_a_target_past_the_chosen_dates_is_cut_at_them() -> None:
    aim = targets(("compact_entities", 50, D(2026, 12, 31), "a decision"))
    frame = trend(["compact_entities"])
    figure = charts.trend_figure(frame, indexed=False, targets=aim, date_to=D(2024, 12, 31))
    line = trace(figure, "target:compact_entities")
    assert line["x"] == ["2023-04-30", "2024-12-31"]
    assert "50 by 2026-12-31" in line["hovertext"][0]
    old_plan = targets(("compact_entities", 40, D(2020, 1, 1), "an old plan"))
    figure = charts.trend_figure(frame, indexed=False, targets=old_plan, date_from=D(2021, 1, 1))
    assert trace(figure, "target:compact_entities")["x"] == ["2021-01-01", "2023-04-30"]


def test_a_target_of_an_indicator_not_shown_is_not_drawn() -> None:
    aim = targets(("member_states", 150, D(2026, 12, 31), "a decision"))
    figure = charts.trend_figure(trend(["compact_entities"]), indexed=False, targets=aim)
    assert [t["meta"] for t in figure.to_plotly_json()["data"]] == ["compact_entities"]


LABELS = {"compact_entities": "Compact entities", "member_states": "Member States"}


def test_the_notes_table_has_headers_and_shows_text_as_typed() -> None:
    table = notes(
        (D(2018, 2, 23), "Signed [here](javascript:alert(1))", None),
        (D(2021, 10, 8), "<img src=x>", "compact_entities"),
        (D(2021, 12, 14), "Linked", None),
    )
    table["source_url"] = ["javascript:alert(1)", None, "https://un.org/a b(c)"]
    lines = charts.notes_table(table, LABELS).splitlines()
    assert lines[:2] == ["| Date | Note | About | Source |", "| --- | --- | --- | --- |"]
    # A link that is not a web address is no link; markup is escaped.
    assert lines[2] == (
        r"| 2018-02-23 | Signed \[here\]\(javascript\:alert\(1\)\) | The whole Compact "
        r"| source of Signed \[here\]\(javascript\:alert\(1\)\) |"
    )
    assert (
        lines[3] == r"| 2021-10-08 | \<img src\=x\> | Compact entities | source of \<img src\=x\> |"
    )
    # A web address is a link, its spaces and brackets encoded.
    assert lines[4].endswith(r"| [source of Linked](<https://un.org/a%20b%28c%29>) |")
    assert charts.notes_table(notes(), LABELS) == ""


def test_target_sentences_name_each_shown_target_and_its_source() -> None:
    aim = targets(
        ("compact_entities", 1500, D(2026, 12, 31), "Decision *7*"),
        ("focal_points", 9, D(2026, 1, 1), "not shown"),
    )
    aim["source_url"] = ["https://un.org/decision", None]
    assert charts.target_sentences(aim, LABELS) == [
        r"Compact entities: 1,500 by 2026-12-31 (source: [Decision \*7\*](<https://un.org/decision>))"
    ]


@pytest.mark.parametrize(
    ("snapshots", "mode"),
    [
        (1, "markers"),
        (2, "lines+markers"),
        (charts.MARKED_SNAPSHOTS, "lines+markers"),
        (charts.MARKED_SNAPSHOTS + 1, "lines"),
    ],
)
def test_a_long_series_is_drawn_as_its_line_and_still_hovers_each_snapshot(
    snapshots: int, mode: str
) -> None:
    days = pd.date_range("2006-01-31", periods=snapshots, freq="ME").date
    frame = pd.DataFrame(
        {
            "indicator_code": "compact_entities",
            "position": 1,
            "label": "Compact entities",
            "as_of": days,
            "value": range(100, 100 + snapshots),
            "source": "newsletter",
            "as_of_inferred": False,
        }
    )
    figure = charts.trend_figure(
        queries.trend_frame(frame, ["compact_entities"], indexed=False), indexed=False
    )
    [trace] = figure.data
    assert trace.mode == mode
    # Every snapshot is a point of the trace, and its hover names its figure and source.
    assert len(trace.x) == snapshots
    assert [row[0] for row in trace.customdata] == [f"{v:,}" for v in range(100, 100 + snapshots)]
    assert "source: %{customdata[1]}" in trace.hovertemplate
