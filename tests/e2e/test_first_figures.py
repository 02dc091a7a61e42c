"""Trends' chart and Activities' first rows are shown before a fresh browser has the code of
their interactive elements (Plotly's chart, the grid), which then take their place."""

from __future__ import annotations

import re

from playwright.sync_api import Page, Route, expect


def held(page: Page, element: str) -> list[Route]:
    """Hold the requests for the code of Streamlit's `element` (its module, e.g.
    PlotlyChart.<hash>.js) until released; the held requests."""
    waiting: list[Route] = []

    def hold(route: Route) -> None:
        waiting.append(route)

    page.route(re.compile(rf"/static/js/{element}\.[^/]+\.js$"), hold)
    return waiting


def release(page: Page, waiting: list[Route]) -> None:
    for route in waiting:
        route.continue_()
    page.unroute_all()


def test_trends_chart_is_shown_before_plotlys_code_arrives_then_replaced(
    page: Page, app_url: str
) -> None:
    waiting = held(page, "PlotlyChart")
    page.goto(f"{app_url}/trends?ind=compact_entities~member_states")
    box = page.locator(".st-key-trend-chart-box")
    picture = box.get_by_role("img", name=re.compile(r"^Chart of Compact entities, Member States"))
    expect(picture).to_be_visible()
    assert picture.evaluate("(img) => img.complete && img.naturalWidth > 0")
    # Drawn while Plotly's code is still held back: no Plotly chart yet.
    assert waiting
    expect(box.locator(".main-svg")).to_have_count(0)
    release(page, waiting)
    expect(box.get_by_test_id("stPlotlyChart").locator(".main-svg").first).to_be_visible()
    expect(picture).to_be_hidden()
    # In the same place: the chart starts where the picture did.
    top = box.get_by_test_id("stPlotlyChart").bounding_box()
    assert top is not None and abs(top["y"] - (box.bounding_box() or {"y": -1})["y"]) < 2


def test_activities_first_rows_are_shown_before_the_grids_code_arrives_then_replaced(
    page: Page, app_url: str
) -> None:
    waiting = held(page, "DataFrame")
    page.goto(f"{app_url}/activities?q=Nairobi")
    box = page.locator(".st-key-activities-rows")
    table = box.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Title")).to_be_visible()
    expect(table.get_by_role("cell", name="Nairobi", exact=True)).to_be_visible()
    expect(page.get_by_text("1 activity matches.")).to_be_visible()
    assert waiting
    expect(box.get_by_test_id("stDataFrame")).to_have_count(0)
    release(page, waiting)
    expect(box.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
    expect(table).to_be_hidden()


def test_overview_figures_are_shown_before_the_metrics_code_arrives_then_replaced(
    page: Page, app_url: str
) -> None:
    waiting = held(page, "Metric")
    page.goto(f"{app_url}/?asof=2023-04-30&compare=2022-04-30")
    figure = page.locator(".st-key-figure-compact_entities")
    drawn = figure.get_by_test_id("stMarkdown")
    # The label, the figure and the change since the compared date, as the metric shows them.
    expect(drawn).to_have_text(
        re.compile(r"^Compact entities\s*45\s*arrow_upward \+0 since 2022-04-30")
    )
    expect(figure.get_by_text("45", exact=True)).to_be_visible()
    expect(
        page.locator(".st-key-figure-member_states").get_by_text("136", exact=True)
    ).to_be_visible()
    assert waiting
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    height = (figure.bounding_box() or {"height": -1})["height"]
    release(page, waiting)
    metric = figure.get_by_test_id("stMetric")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text("45")
    expect(drawn).to_be_hidden()
    # In the same place and as high: nothing below moves when the metric takes its place.
    assert abs((figure.bounding_box() or {"height": 0})["height"] - height) < 2
    assert (
        abs((metric.bounding_box() or {"y": -1})["y"] - (figure.bounding_box() or {"y": 0})["y"])
        < 2
    )
