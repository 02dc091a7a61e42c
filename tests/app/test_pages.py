"""Every page through AppTest, against a real seeded SQLite file."""

from __future__ import annotations

import html
import json
from urllib.parse import unquote

import pandas as pd
import pytest
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from ctdash import queries
from ctdash.config import get_settings
from ctdash.db import make_engine
from ctdash.models import ACTIVITY_KINDS
from tests.helpers.apptest import APP, page_file

PAGES = ["pages/overview.py", "pages/trends.py", "pages/map.py", "pages/activities.py"]
NEWSLETTER_FIGURES = {
    "Compact entities": "45",
    "Member States": "136",
    "International/regional organizations": "13",
    "Total focal points": "1,000",
    "Documents shared": "3,279",
    "Virtual visits to the CT Platform": "200,062",
    "CTED TA recommendations": "705",
    "CTED country assessments": "24",
}

pytestmark = pytest.mark.usefixtures("app_database")


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page_file(page))
        for name, value in (params or {}).items():
            at.query_params[name] = value
        at.run()
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    return "\n".join(str(p) for p in parts)


def deck_points(at: AppTest) -> list[dict]:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layer = next(layer for layer in spec["layers"] if layer["id"] == "activities")
    return layer["data"]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(page: str) -> None:
    at = open_page(page)
    assert not at.exception
    assert at.title[0].value


def test_overview_shows_the_newsletter_figures_with_their_as_of_date() -> None:
    at = open_page("pages/overview.py")
    shown = {m.label: m.value for m in at.metric if m.label in NEWSLETTER_FIGURES}
    assert shown == NEWSLETTER_FIGURES
    assert [m.label for m in at.metric][:8] == list(NEWSLETTER_FIGURES)
    captions = [c.value for c in at.caption]
    assert sum("as of 2023-04-30 (date inferred)" in c for c in captions) == 8


def test_overview_tiles_carry_delta_definition_and_source() -> None:
    at = open_page("pages/overview.py")
    entities = next(m for m in at.metric if m.label == "Compact entities")
    assert entities.delta == "+0"
    shown_help = entities.help.replace("\\", "")
    assert "**Source:** Counter-Terrorism Compact newsletter" in shown_help
    assert "members or observers" in shown_help
    assert all("nan" not in m.help for m in at.metric if m.help)
    visits = next(m for m in at.metric if m.label == "Virtual visits to the CT Platform")
    assert visits.delta is None or visits.delta == ""


def test_overview_as_of_an_earlier_snapshot() -> None:
    at = open_page("pages/overview.py", {"asof": "2021-10-08"})
    shown = {m.label: m.value for m in at.metric if m.label in NEWSLETTER_FIGURES}
    assert shown["Compact entities"] == "43"
    assert shown["Member States"] == "—"
    entities = next(m for m in at.metric if m.label == "Compact entities")
    assert entities.delta == "+5"


def test_overview_sets_assessments_against_the_visits_on_the_map() -> None:
    at = open_page("pages/overview.py")
    text = texts(at)
    assert "CTED country assessments: 24" in text
    assert "The map holds **3** CTED assessment visits in this period: Benin, Jordan, Spain" in text
    counts = {m.label: m.value for m in at.metric}
    assert counts["Activities"] == "56"
    assert counts["On the map"] == "22"


def test_overview_unknown_snapshot_falls_back_to_the_latest() -> None:
    at = open_page("pages/overview.py", {"asof": "2020-01-01"})
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any("There is no as-of date 2020-01-01; showing 2023-04-30" in w for w in warnings)
    assert at.selectbox[0].value.isoformat() == "2023-04-30"


def test_map_holds_one_point_per_geolocated_activity_when_none_share_a_place_and_kind(
    store,
) -> None:
    from ctdash import queries

    placed = queries.activities(store).dropna(subset=["lat", "lon"])
    at = open_page("pages/map.py")
    points = deck_points(at)
    assert len(points) == len(placed) == 22
    assert {p["key"] for p in points} == set(placed["key"])
    # Only what the layer and its tooltip need is sent to the browser.
    assert set(points[0]) == {
        "key",
        "lon",
        "lat",
        "color",
        "radius",
        "title",
        "kind",
        "dates",
        "place",
        "entities",
    }


def test_map_draws_the_world_without_a_tile_server() -> None:
    at = open_page("pages/map.py")
    raw = at.get("deck_gl_json_chart")[0].proto.json
    spec = json.loads(raw)
    assert "://" not in raw  # no basemap style, tile or font for the browser to fetch
    assert "mapProvider" not in spec
    # Streamlit fills in a web basemap for a missing style, but drops this placeholder.
    assert spec["mapStyle"] == "__MAP_STYLE__"
    countries = next(layer for layer in spec["layers"] if layer["id"] == "countries")
    assert len(countries["data"]["features"]) > 150


def test_past_the_places_limit_the_map_shows_totals_per_country(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ctdash import maps

    monkeypatch.setattr(maps, "MAX_PLACES", 5)
    at = open_page("pages/map.py")
    assert any("places are too many to read as points" in i.value for i in at.info)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert [layer["id"] for layer in spec["layers"]][-1] == "country-totals"
    monkeypatch.setattr(maps, "MAX_PLACES", 10_000)
    at.run()
    assert not at.info
    assert deck_points(at)


def test_map_filters_from_the_url() -> None:
    at = open_page("pages/map.py", {"kind": "assessment"})
    points = deck_points(at)
    assert sorted(p["place"] for p in points) == [
        "Benin (country centre)",
        "Jordan (country centre)",
        "Spain (country centre)",
    ]


def test_map_country_totals_view() -> None:
    at = open_page("pages/map.py", {"view": "countries", "country": "NGA~ESP"})
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    totals = next(layer for layer in spec["layers"] if layer["id"] == "country-totals")
    labels = sorted(f["properties"]["kind"] for f in totals["data"]["features"])
    assert labels == ["2 activities", "2 activities"]


@pytest.mark.parametrize(
    ("page", "params", "notice"),
    [
        ("pages/map.py", {"country": "XXX"}, "'XXX' is not a known country"),
        ("pages/map.py", {"from": "yesterday"}, "'yesterday' is not a date"),
        ("pages/map.py", {"from": "1899-01-01"}, "1899-01-01 is outside the dates"),
        ("pages/activities.py", {"to": "2999-12-31"}, "2999-12-31 is outside the dates"),
        ("pages/trends.py", {"from": "1950-01-01"}, "1950-01-01 is outside the dates"),
        ("pages/map.py", {"kind": "seminar"}, "'seminar' is not a known kind"),
        ("pages/map.py", {"entity": "SPECTRE"}, "'SPECTRE' is not a known entity"),
        ("pages/map.py", {"view": "satellite"}, "'satellite' is not a known map view"),
        ("pages/activities.py", {"region": "Atlantis"}, "'Atlantis' is not a known region"),
        ("pages/trends.py", {"ind": "gdp"}, "'gdp' is not a known indicator"),
        ("pages/trends.py", {"mode": "log"}, "'log' is not a known scale"),
        ("pages/overview.py", {"asof": "latest"}, "'latest' is not a date"),
    ],
)
def test_invalid_parameters_give_a_notice_not_an_error(
    page: str, params: dict, notice: str
) -> None:
    at = open_page(page, params)
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]
    assert any(notice in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("pages/overview.py", {"asof": "2022-04-30"}),
        (
            "pages/trends.py",
            {"ind": "compact_entities~member_states", "mode": "indexed", "from": "2020-01-01"},
        ),
        (
            "pages/map.py",
            {
                "kind": "training~workshop",
                "from": "2023-03-01",
                "to": "2023-04-30",
                "country": "NGA",
                "view": "countries",
            },
        ),
        ("pages/activities.py", {"entity": "UNODC", "region": "Africa", "q": "training"}),
    ],
)
def test_url_parameters_round_trip(page: str, params: dict) -> None:
    at = open_page(page, params)
    assert not at.exception
    assert not at.warning
    assert {
        k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
        for k in at.query_params
    } == params


def test_changing_a_filter_writes_it_to_the_url() -> None:
    at = open_page("pages/map.py")
    at.multiselect(key="map:kind").select("training").run()
    at.multiselect(key="map:country").select("NGA").run()
    assert at.query_params["kind"] in ("training", ["training"])
    assert len(deck_points(at)) == 1


def test_trends_plot_single_snapshots_as_markers() -> None:
    at = open_page("pages/trends.py", {"ind": "compact_entities~member_states"})
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    modes = {trace["meta"]: trace["mode"] for trace in figure["data"]}
    # The shipped notes in the chart's dates are drawn too, as markers of their own.
    assert modes == {
        "compact_entities": "lines+markers",
        "member_states": "markers",
        "notes": "markers",
    }
    entities = next(t for t in figure["data"] if t["meta"] == "compact_entities")
    assert entities["y"] == [38, 43, 45, 45]
    assert "reliefweb" not in json.dumps(entities["customdata"])
    assert "Secretary-General signs" in entities["customdata"][0][1]


def test_trends_indexed_starts_at_100() -> None:
    at = open_page("pages/trends.py", {"mode": "indexed"})
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    entities = next(t for t in figure["data"] if t["meta"] == "compact_entities")
    assert entities["y"][0] == 100
    assert entities["y"][-1] == pytest.approx(45 / 38 * 100, abs=0.1)


def test_trends_figures_behind_the_chart_are_drawn_when_their_expander_opens() -> None:
    at = open_page("pages/trends.py", {"ind": "compact_entities~member_states"})
    labels = [e.label for e in at.expander]
    assert "The figures behind the chart" in labels
    assert not at.dataframe
    at.session_state["trends:figures"] = True
    at.run()
    table = at.dataframe[0].value
    assert list(table["label"]) == ["Compact entities"] * 4 + ["Member States"]
    assert list(table["value"][:4]) == [38, 43, 45, 45]
    assert table["source"].str.contains("Secretary-General signs").any()


def test_the_overviews_tiles_table_is_drawn_when_its_expander_opens() -> None:
    at = open_page("pages/overview.py")
    table = "The tiles as a table, with the figures of each sparkline"
    assert table in [e.label for e in at.expander]
    assert not [m for m in at.markdown if "Snapshots, oldest first" in m.value]
    at.session_state["overview:table"] = True
    at.run()
    (shown,) = [m.value for m in at.markdown if "Snapshots, oldest first" in m.value]
    row = next(line for line in shown.splitlines() if line.startswith("| Compact entities"))
    assert "| 45 |" in row and "38 → 43 → 45 → 45" in row


def test_activities_table_cells_are_sent_once_per_distinct_value() -> None:
    """The table's repeated text (kinds, countries, sources) travels as categories; each
    cell still reads as stored."""
    at = open_page("pages/activities.py")
    table = at.dataframe[0].value
    assert isinstance(table["Kind"].dtype, pd.CategoricalDtype)
    assert isinstance(table["Source"].dtype, pd.CategoricalDtype)
    # Titles rarely repeat: sent as they are.
    assert not isinstance(table["Title"].dtype, pd.CategoricalDtype)
    engine = make_engine(get_settings().database_url)
    stored = queries.activities(engine, limit=len(table))
    engine.dispose()
    assert table["Kind"].astype(str).tolist() == stored["kind"].tolist()
    assert table["Source"].astype(str).tolist() == stored["source"].tolist()


def test_activities_table_search_and_downloads_show_the_same_rows() -> None:
    at = open_page("pages/activities.py", {"q": "Nairobi"})
    table = at.dataframe[0].value
    assert list(table["City"]) == ["Nairobi"]
    assert any("1 activity matches" in c.value for c in at.caption)


def test_activities_past_a_page_are_shown_a_page_at_a_time_and_every_one_can_be_reached(
    demo_app,
) -> None:
    from ctdash.web.readers import TABLE_ROWS

    engine = make_engine(get_settings().database_url)
    public = queries.activities(engine)
    trainings = queries.activities(engine, queries.ActivityFilter(kinds=("training",)))
    others = [k for k in ACTIVITY_KINDS if k != "training"]
    several = queries.activities(engine, queries.ActivityFilter(kinds=tuple(others)))
    engine.dispose()
    total, pages = len(public), -(-len(public) // TABLE_ROWS)
    assert pages > 2 and len(trainings) <= TABLE_ROWS < len(several)
    at = open_page("pages/activities.py")
    captions = [c.value for c in at.caption]
    shown = f"{total:,} activities match. The table shows them {TABLE_ROWS:,} at a time"
    assert shown in captions[0]
    assert f"Rows 1–{TABLE_ROWS:,} of {total:,}." in captions
    pager = at.number_input[0]
    assert pager.label == f"Page, of {pages}" and pager.value == 1
    seen = [at.dataframe[0].value]
    for page in range(2, pages + 1):
        at.number_input[0].set_value(page).run()
        assert not at.exception
        seen.append(at.dataframe[0].value)
    last = f"Rows {(pages - 1) * TABLE_ROWS + 1:,}–{total:,} of {total:,}."
    assert last in [c.value for c in at.caption]
    # Every matching activity, each once, in the order of the downloads.
    assert pd.concat(seen)["Title"].tolist() == public["title"].tolist()
    # Another filter starts at its first page; one page needs no pager.
    at.multiselect(key="activities:kind").set_value(others).run()
    assert at.number_input[0].value == 1
    assert at.dataframe[0].value["Title"].tolist() == several["title"][:TABLE_ROWS].tolist()
    at.multiselect(key="activities:kind").set_value(["training"]).run()
    assert not at.number_input
    assert at.dataframe[0].value["Title"].tolist() == trainings["title"].tolist()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_share_link(page: str) -> None:
    at = open_page(page)
    assert any("Share this view" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("page", "params", "link_end"),
    [
        (
            "pages/map.py",
            {"kind": "training~workshop", "country": "NGA"},
            "/map?kind=training~workshop&country=NGA",
        ),
        ("pages/activities.py", {"q": "Nairobi"}, "/activities?q=Nairobi"),
        ("pages/trends.py", {"mode": "indexed"}, "/trends?mode=indexed"),
        # The Overview's link pins its snapshot, so the figures it shows do not move.
        ("pages/overview.py", {}, "/?asof=2023-04-30"),
    ],
)
def test_share_link_reopens_the_same_view(page: str, params: dict, link_end: str) -> None:
    at = open_page(page, params)
    link, iframe = (code.value for code in at.code[-2:])
    assert link.endswith(link_end)
    # Streamlit serves the default page at the root only.
    assert "/overview" not in link
    # The same view for another web page's iframe, in Streamlit's embed mode and ours.
    source = html.escape(link + ("&" if "?" in link else "?") + "embed=true&display=embed")
    assert iframe.startswith(f'<iframe src="{source}" title="')


def test_notices_stay_until_the_viewer_changes_the_view() -> None:
    at = open_page("pages/map.py", {"kind": "seminar"})
    assert len(at.warning) == 1
    at.run()  # any interaction that leaves the filters alone, such as a click on the map
    assert len(at.warning) == 1
    at.multiselect(key="map:kind").select("training").run()
    assert len(at.warning) == 0
    assert at.query_params["kind"] in ("training", ["training"])


@pytest.mark.parametrize(
    ("page", "params"),
    [
        ("pages/overview.py", {"asof": "latest"}),
        ("pages/trends.py", {"mode": "log"}),
        ("pages/activities.py", {"country": "XXX"}),
    ],
)
def test_notices_survive_a_rerun_on_every_page(page: str, params: dict) -> None:
    at = open_page(page, params)
    assert len(at.warning) == 1
    at.run()
    assert len(at.warning) == 1


def keyed_block(at: AppTest, key: str):
    """The container made with `key`."""
    found = []

    def walk(node) -> None:
        if user_key_from_element_id(getattr(node.proto, "id", "") or "") == key:
            found.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    (block,) = found
    return block


def test_trends_draws_its_chart_first_as_a_picture_of_the_same_lines() -> None:
    at = open_page("pages/trends.py", {"ind": "compact_entities~member_states"})
    picture, chart = keyed_block(at, "trend-chart-box").children.values()
    assert picture.value.startswith(
        "![Chart of Compact entities, Member States, from 2018\\-02\\-23 to "
    )
    svg = unquote(picture.value.split("](data:image/svg+xml,", 1)[1].removesuffix(")"))
    # Compact entities' four snapshots a line; Member States' one a marker, as in Plotly's.
    figure = json.loads(chart.proto.spec)
    modes = {trace["meta"]: trace["mode"] for trace in figure["data"]}
    assert modes["compact_entities"] == "lines+markers" and modes["member_states"] == "markers"
    assert svg.count("<polyline") == 1


def test_activities_shows_its_first_rows_as_a_table_until_the_grid_is_drawn() -> None:
    at = open_page("pages/activities.py", {"q": "Nairobi"})
    first, grid = keyed_block(at, "activities-rows").children.values()
    rows = first.value.splitlines()
    assert rows[0].startswith("| Start | End | Title | Kind |")
    assert len(rows) == 2 + 1
    assert "| Nairobi |" in rows[2]
    assert list(grid.value["City"]) == ["Nairobi"]
