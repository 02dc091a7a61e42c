"""Notes and targets on the Trends chart, through AppTest against a real seeded store: a note
added in the desk is drawn and listed, its typed text escaped; a target set by an admin is a
dashed line with its source, gone once removed."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import context
from ctdash.db import make_engine
from ctdash.markdown import md
from tests.helpers.apptest import page_file, seed_with_users
from tests.helpers.desk_notes import desk, fill, plain, save, table, written
from tests.helpers.escaping import unescaped_payloads

IMG = "<img src=x onerror=alert(1)>"
DECISION = "Coordination Committee decision <7> (test)"


@pytest.fixture
def app_db(app_database: Path) -> Path:
    return seed_with_users(app_database, ana="editor")


def trends(at: AppTest, **query: str) -> AppTest:
    """Trends in the same session, with URL parameters."""
    at.query_params.clear()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page_file("pages/trends.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at: AppTest) -> dict[str, Any]:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def trace(at: AppTest, meta: str) -> dict[str, Any] | None:
    return next((t for t in figure(at)["data"] if t.get("meta") == meta), None)


def note_hovers(at: AppTest) -> list[str]:
    notes = trace(at, "notes")
    return [] if notes is None else notes["hovertext"]


def captions(at: AppTest) -> str:
    return "\n".join(plain(c.value) for c in at.caption)


def test_a_note_added_in_the_desk_is_drawn_and_listed_on_trends(app_db: Path) -> None:
    at = desk()
    fill(
        at,
        "add",
        date=date(2022, 4, 30),
        text="Four more entities join the Compact.",
        source="UNOCT press release",
        indicator="compact_entities",
    )
    written(save(at, "add"), "added")
    at = trends(at)
    hovers = note_hovers(at)
    assert (
        "<b>2022-04-30</b><br>Four more entities join the Compact.<br>about: Compact entities"
        "<br>source: UNOCT press release"
    ) in hovers
    # The shipped notes in the chart's dates (2018-02-23 to 2023-04-30), and the new one.
    assert [h.split("</b>")[0].removeprefix("<b>") for h in hovers] == [
        "2018-02-23",
        "2018-12-06",
        "2021-10-08",
        "2021-12-14",
        "2022-04-30",
    ]
    listed = table(at, "Date")
    assert [r["Date"] for r in listed] == [
        "2018-02-23",
        "2018-12-06",
        "2021-10-08",
        "2021-12-14",
        "2022-04-30",
    ]
    assert listed[-1] == {
        "Date": "2022-04-30",
        "Note": "Four more entities join the Compact.",
        "About": "Compact entities",
        "Source": "UNOCT press release",
    }
    assert "5 notes in these dates" in captions(at)


def test_a_note_outside_the_chosen_dates_or_about_another_indicator_is_not_drawn(
    app_db: Path,
) -> None:
    at = desk()
    fill(at, "add", date=date(2022, 4, 30), text="About visits.", source="CT Platform")
    fill(at, "add", indicator="ct_platform_visits")
    written(save(at, "add"), "added")
    at = trends(at, **{"from": "2021-01-01", "to": "2022-12-31"})
    dates = [h.split("</b>")[0].removeprefix("<b>") for h in note_hovers(at)]
    assert dates == ["2021-10-08", "2021-12-14"]
    assert [r["Date"] for r in table(at, "Date")] == dates
    at = trends(at, ind="compact_entities~ct_platform_visits")
    assert "About visits." in " ".join(note_hovers(at))
    at = trends(at, **{"from": "2024-01-01", "to": "2025-12-31", "ind": "compact_entities"})
    # No figure in these dates: no chart, and no notes listed for it.
    assert not at.get("plotly_chart")
    assert not [m for m in at.markdown if m.value.startswith("| Date |")]
    assert any("No figures" in i.value for i in at.info)


def test_a_notes_typed_markup_reaches_the_hover_and_the_listing_escaped(app_db: Path) -> None:
    at = desk()
    fill(at, "add", date=date(2022, 4, 30), text=f"{IMG} joined", source=f"{IMG} source")
    written(save(at, "add"), "added")
    at = trends(at)
    (hover,) = [h for h in note_hovers(at) if "joined" in h]
    assert "&lt;img src=x onerror=alert(1)&gt; joined" in hover
    assert "source: &lt;img src=x onerror=alert(1)&gt; source" in hover
    # Nowhere in the figure is the markup left raw.
    assert "<img" not in json.dumps(figure(at), ensure_ascii=False)
    assert f"| {md(IMG + ' joined')} |" in next(
        m.value for m in at.markdown if m.value.startswith("| Date |")
    )
    assert unescaped_payloads(at) == []


def test_a_target_is_drawn_with_its_source_and_removing_it_removes_both(app_db: Path) -> None:
    engine = make_engine(f"sqlite:///{app_db}")
    context.set_target(
        engine,
        code="compact_entities",
        value=57,
        due=date(2026, 12, 31),
        source=DECISION,
        source_url="https://example.org/decision",
        user="root",
    )
    at = trends(desk())
    line = trace(at, "target:compact_entities")
    assert line is not None
    assert line["line"]["dash"] == "dash"
    assert line["y"] == [57, 57]
    assert line["x"] == ["2023-04-30", "2026-12-31"]
    assert "source: Coordination Committee decision &lt;7&gt; (test)" in line["hovertext"][0]
    assert (
        f"Targets, drawn as dashed lines: Compact entities: 57 by 2026-12-31 (source: "
        f"[{DECISION}](<https://example.org/decision>))." in captions(at)
    )

    at = trends(at, mode="indexed")
    line = trace(at, "target:compact_entities")
    assert line is not None
    assert line["y"] == [pytest.approx(57 / 38 * 100)] * 2
    assert "index 150.0 on this chart's scale" in line["hovertext"][0]
    assert "(on the index scale of this chart)" in captions(at)

    context.remove_target(engine, code="compact_entities", user="root")
    engine.dispose()
    at = trends(at)
    assert trace(at, "target:compact_entities") is None
    assert trace(at, "compact_entities") is not None
    assert "Targets" not in captions(at)
    assert not re.search("decision", captions(at), re.IGNORECASE)
