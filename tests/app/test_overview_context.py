"""The Overview's context for each figure, through AppTest against a real seeded SQLite file:
how fresh it is (with an injected clock), its target, its sparkline's text alternative, and
`?compare=DATE`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from ctdash import context, freshness
from ctdash.db import make_engine
from tests.helpers.apptest import APP, nodes

ENTITIES = "compact_entities"


def open_overview(**params: str) -> AppTest:
    """The Overview, at the app's root, with URL parameters."""
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def strings(value: Any) -> Iterator[str]:
    """Every text in a proto turned into a dict."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner)


def tile(at: AppTest, code: str) -> list[Any]:
    """The elements drawn in an indicator's tile (the container keyed tile-<code>)."""
    block = next(
        node
        for node in nodes(at.main)
        if str(getattr(getattr(node, "proto", None), "id", "")).endswith(f"-tile-{code}")
    )
    return [node for node in nodes(block) if node is not block]


def tile_text(at: AppTest, code: str) -> str:
    """Every text in an indicator's tile: labels, figures, captions, badges, helps."""
    found = []
    for node in tile(at, code):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            found += strings(MessageToDict(proto))
    return "\n".join(found)


def badges(at: AppTest, code: str) -> list[str]:
    return [
        node.value
        for node in tile(at, code)
        if getattr(node, "type", "") == "markdown" and "-badge[" in str(node.value)
    ]


def progress_bars(at: AppTest, code: str) -> list[Any]:
    return [node.proto for node in tile(at, code) if getattr(node, "type", "") == "progress"]


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the day the app takes as today: `today(date(...))`."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(freshness, "clock", lambda: day)

    return set_day


# --- freshness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "badge", "status"),
    [
        # The day after the figure: fresh for two months.
        (date(2023, 5, 1), ":green-badge[:material/check_circle: Fresh]", "Fresh · next due"),
        # In the cadence's last tenth (from 2023-06-24): due.
        (date(2023, 6, 25), ":orange-badge[:material/schedule: Due]", "Due by 2023-06-30"),
        # Past the due date: overdue.
        (date(2023, 8, 1), ":red-badge[:material/error: Overdue]", "Overdue since 2023-06-30"),
    ],
)
def test_each_tile_says_when_its_figure_came_when_the_next_is_due_and_its_state(
    app_database: Path, today: Any, day: date, badge: str, status: str
) -> None:
    today(day)
    at = open_overview()
    for code in (ENTITIES, "member_states", "cted_country_assessments"):
        assert badges(at, code) == [badge], code
        text = tile_text(at, code)
        assert "Updated 2023-04-30 · next due 2023-06-30" in text
        assert status in text  # the badge's hover
    assert sum("next due 2023-06-30" in c.value for c in at.caption) == 8


def test_with_the_real_date_every_shipped_figure_is_overdue(app_database: Path) -> None:
    at = open_overview()
    assert sum(":material/error: Overdue]" in m.value for m in at.markdown) == 8
    assert not any("Fresh]" in m.value for m in at.markdown)


def test_a_past_view_says_the_latest_figure_is_newer(app_database: Path, today: Any) -> None:
    today(date(2023, 5, 1))
    at = open_overview(asof="2021-10-08")
    text = tile_text(at, ENTITIES)
    assert "as of 2021-10-08" in text
    assert "Latest figure: updated 2023-04-30 · next due 2023-06-30" in text
    # A tile with no figure yet on that date still says when its latest came.
    assert "Latest figure: updated 2023-04-30" in tile_text(at, "member_states")


# --- targets ------------------------------------------------------------------------------------


def test_a_target_shows_on_its_tile_until_it_is_removed(app_database: Path) -> None:
    at = open_overview()
    assert progress_bars(at, ENTITIES) == []
    assert "Target" not in tile_text(at, ENTITIES)

    store = make_engine(f"sqlite:///{app_database}")
    context.set_target(
        store,
        code=ENTITIES,
        value=60,
        due=date(2027, 12, 31),
        source="Decision of the *Coordination Committee* <b>",
        source_url="https://example.org/decision",
        user="ada",
    )
    at.run()
    [bar] = progress_bars(at, ENTITIES)
    assert bar.text == "Target 60 by 2027-12-31 · 75% reached"
    assert bar.value == 75
    text = tile_text(at, ENTITIES)
    assert "Decision of the \\*Coordination Committee\\* \\<b\\>" in text  # shown as typed
    assert "(https\\://example\\.org/decision)" in text
    assert progress_bars(at, "member_states") == []  # no target, nothing

    context.remove_target(store, code=ENTITIES, user="ada")
    store.dispose()
    at.run()
    assert progress_bars(at, ENTITIES) == []
    assert "Target" not in tile_text(at, ENTITIES)


def test_a_figure_at_or_past_its_target_has_reached_it(app_database: Path) -> None:
    open_overview()  # creates and seeds the store
    store = make_engine(f"sqlite:///{app_database}")
    context.set_target(
        store, code=ENTITIES, value=40, due=date(2025, 12, 31), source="A plan", user="ada"
    )
    store.dispose()
    at = open_overview()
    [bar] = progress_bars(at, ENTITIES)
    assert bar.text == "Target 40 by 2025-12-31 · reached"
    assert bar.value == 100


# --- the sparkline ------------------------------------------------------------------------------


def sparklines(at: AppTest, code: str) -> list[str]:
    """The alt text of each sparkline image in a tile, escapes resolved as Markdown shows it."""
    texts = (str(getattr(n, "value", "")) for n in tile(at, code))
    images = (re.match(r"!\[(.*?)\]\(data:image/svg", text) for text in texts)
    return [re.sub(r"\\(.)", r"\1", found[1]) for found in images if found]


def test_the_sparkline_is_a_described_image_and_not_the_metric_chart(app_database: Path) -> None:
    at = open_overview()
    assert all(not metric.proto.chart_data for metric in at.metric)
    assert sparklines(at, ENTITIES) == [
        "Compact entities, 4 snapshots from 2018-02-23 to 2023-04-30: 38, 43, 45, 45"
    ]
    # Drawn without inline HTML.
    assert not [n for n in tile(at, ENTITIES) if "<svg" in str(getattr(n, "value", ""))]
    # One snapshot is no trend: no picture.
    assert sparklines(at, "member_states") == []
    # A past view draws the snapshots up to its date.
    at = open_overview(asof="2021-10-08")
    assert sparklines(at, ENTITIES) == [
        "Compact entities, 2 snapshots from 2018-02-23 to 2021-10-08: 38, 43"
    ]


# --- comparison ---------------------------------------------------------------------------------


def comparison_table(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("| Indicator | 2023"))


def test_compare_shows_each_figure_beside_the_other_date_with_the_change(
    app_database: Path,
) -> None:
    at = open_overview(compare="2022-04-30")
    assert not at.warning
    entities = next(m for m in at.metric if m.label == "Compact entities")
    assert (entities.value, entities.delta) == ("45", "+0")
    assert entities.proto.delta_description == "since 2022-04-30 (compared)"
    assert "On 2022-04-30: **45** · change +0 (+0.0%)" in tile_text(at, ENTITIES)
    assert "On 2022-04-30: — (no figure on or before it)" in tile_text(at, "member_states")
    lines = comparison_table(at).splitlines()
    assert lines[0] == "| Indicator | 2023\\-04\\-30 | 2022\\-04\\-30 | Change | Change % |"
    assert lines[2] == "| Compact entities | 45 | 45 | \\+0 | \\+0\\.0% |"
    assert lines[3] == "| Member States | 136 | — | — | — |"
    assert [h.value for h in at.header] == ["Compared with 2022-04-30", "Activities of each period"]


def test_compare_sets_the_activities_of_both_periods_side_by_side(app_database: Path) -> None:
    at = open_overview(compare="2022-04-30")
    assert [s.value for s in at.subheader] == [
        "After 2022-04-30, up to 2023-04-30",
        "After 2021-10-08, up to 2022-04-30",
    ]
    # The activities began in 2023: the compared period has none.
    assert [i.value for i in at.info] == ["No activities are recorded for this period."]
    counts = {m.label: m.value for m in at.metric}
    assert counts["Activities"] == "56"
    assert any(m.value.startswith("| Kind | Activities |") for m in at.markdown)
    assert any(c.value.startswith("Countries reached: ") for c in at.caption)


def test_a_date_compared_with_itself_changes_by_nothing(app_database: Path) -> None:
    at = open_overview(compare="2023-04-30")
    assert not at.warning
    assert {m.delta for m in at.metric[:8]} == {"+0"}
    assert comparison_table(at).splitlines()[0] == (
        "| Indicator | 2023\\-04\\-30 | 2023\\-04\\-30 \\(compared\\) | Change | Change % |"
    )


@pytest.mark.parametrize(
    ("value", "notice"),
    [
        ("banana", "'banana' is not a date (YYYY-MM-DD) for the snapshot to compare with"),
        ("2099-01-01", "There is no snapshot to compare with 2099-01-01; no comparison is shown."),
    ],
)
def test_an_unusable_compare_gives_a_notice_and_no_comparison(
    app_database: Path, value: str, notice: str
) -> None:
    at = open_overview(compare=value)
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any(notice in w for w in warnings), warnings
    assert [h.value for h in at.header] == ["Activities of the period"]
    assert not any("(compared)" in str(m.proto.delta_description) for m in at.metric)
    assert not any(c.value.startswith("On 2099") or "banana" in c.value for c in at.caption)
    assert "compare" not in at.query_params
    assert at.selectbox(key="overview:compare").value is None


def test_the_share_link_and_the_url_carry_the_comparison(app_database: Path) -> None:
    at = open_overview(compare="2022-04-30")
    link = at.code[-2].value
    assert link.endswith("/?asof=2023-04-30&compare=2022-04-30")
    assert any(
        "Share this view](/?asof=2023-04-30&compare=2022-04-30)" in m.value for m in at.markdown
    )

    at = open_overview()
    at.selectbox(key="overview:compare").select(date(2021, 10, 8)).run()
    assert at.query_params["compare"] in ("2021-10-08", ["2021-10-08"])
    entities = next(m for m in at.metric if m.label == "Compact entities")
    assert entities.delta == "+2"
    assert at.code[-2].value.endswith("/?asof=2023-04-30&compare=2021-10-08")
    at.selectbox(key="overview:compare").select(None).run()
    assert "compare" not in at.query_params
    assert [h.value for h in at.header] == ["Activities of the period"]


def test_a_figure_drawn_before_its_metric_says_a_fall_in_red_and_escapes_its_label() -> None:
    from ctdash.web.tiles import figure_markdown

    label, figure, change = figure_markdown(
        "Focal points *new* [x](javascript:alert(1))", "1,010", "-12", "since 2023-01-31"
    ).split("\n\n")
    assert label == r"Focal points \*new\* \[x\]\(javascript\:alert\(1\)\)"
    assert figure == "**1,010**"
    assert change.startswith(":red-background[:red[:material/arrow_downward: \\-12]]")
    assert change.endswith(r":gray[since 2023\-01\-31]")
    rise = figure_markdown("Member States", "136", "+4", "since 2022-04-30").split("\n\n")[2]
    assert rise.startswith(":green-background[:green[:material/arrow_upward: \\+4]]")
    assert figure_markdown("Member States", "136", None, "").count("\n\n") == 1
