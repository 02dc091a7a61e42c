"""The open data API, the figure cards and the link previews, asked of a real running server
(`streamlit run serve.py`) as a script, a spreadsheet or a chat application would ask."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from frictionless import validate
from PIL import Image
from playwright.sync_api import Page, expect

from ctdash import maps, queries
from ctdash.db import make_engine
from ctdash.opendata import ACTIVITY_PARAMS
from ctdash.urlstate import decode
from ctdash.views import activity_choices, activity_filter

TIMEOUT = 60.0
# Five Map views, with a region and an entity among them.
MAP_QUERIES = [
    "",
    "kind=training",
    "region=Africa",
    "entity=UNODC&from=2023-03-01&to=2023-03-31",
    "country=NGA~KEN&kind=workshop~training~launch",
]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of a GET; an HTTP error is an answer too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def placed_count(database_url: str, query: str) -> int:
    """How many activities the Map says are on the map for its query string."""
    from urllib.parse import parse_qs

    engine = make_engine(database_url)
    try:
        choices = activity_choices(queries.entity_names(engine))
        values = decode(parse_qs(query), ACTIVITY_PARAMS, choices).values
        places = queries.activity_places(engine, activity_filter(values))
    finally:
        engine.dispose()
    return maps.place_counts(places).on_map


def test_observations_csv_is_exactly_what_the_export_writes(
    app_url: str, e2e_store: Path, ctdash_cli: Callable[..., str]
) -> None:
    status, headers, body = get(f"{app_url}/api/v1/observations.csv")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    exported = ctdash_cli(e2e_store, "export", "indicators")
    assert body.decode("utf-8-sig") == exported.lstrip("\ufeff")
    assert "compact_entities,Compact entities,2023-04-30,True,45," in body.decode("utf-8-sig")


@pytest.mark.parametrize("query", MAP_QUERIES)
def test_activities_geojson_has_the_maps_count_for_the_same_query(
    app_url: str, e2e_database_url: str, query: str
) -> None:
    status, headers, body = get(f"{app_url}/api/v1/activities.geojson?{query}")
    assert status == 200 and headers["content-type"] == "application/geo+json"
    features = json.loads(body)["features"]
    assert len(features) == placed_count(e2e_database_url, query)
    assert all(f["geometry"]["type"] == "Point" for f in features)


def test_the_maps_caption_counts_what_the_geojson_holds(page: Page, app_url: str) -> None:
    """The same query string on the Map page and on the API: the same number on the map."""
    query = "kind=training~workshop&region=Africa"
    page.goto(f"{app_url}/map?{query}")
    _, _, body = get(f"{app_url}/api/v1/activities.geojson?{query}")
    count = len(json.loads(body)["features"])
    expect(page.get_by_text(f"{count} of {count} matching activities have a place")).to_be_visible()


def test_activities_csv_and_json_list_the_same_rows_as_the_activities_page_reads(
    app_url: str, e2e_database_url: str
) -> None:
    query = "kind=workshop&q=UNODC"
    _, _, csv_body = get(f"{app_url}/api/v1/activities.csv?{query}")
    _, _, json_body = get(f"{app_url}/api/v1/activities.json?{query}")
    engine = make_engine(e2e_database_url)
    try:
        expected = queries.activities(
            engine, queries.ActivityFilter(kinds=("workshop",), text="UNODC")
        )
    finally:
        engine.dispose()
    rows = json.loads(json_body)["activities"]
    assert [r["key"] for r in rows] == list(expected["key"])
    assert csv_body.decode("utf-8-sig").count("\n") == len(expected) + 1


def test_an_etag_gives_304_until_a_commit_changes_it(
    fresh_app_url: str, tmp_path: Path, ctdash_cli: Callable[..., str]
) -> None:
    url = f"{fresh_app_url}/api/v1/observations.json?indicator=compact_entities"
    status, headers, _ = get(url)
    assert status == 200
    etag = headers["etag"]
    assert headers["access-control-allow-origin"] == "*"
    assert get(url, {"If-None-Match": etag})[0] == 304
    figures = tmp_path / "june.csv"
    figures.write_text("code,as_of,value,source\ncompact_entities,2023-06-30,46,June count\n")
    ctdash_cli(tmp_path, "import", str(figures))
    status, headers, body = get(url, {"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag
    assert json.loads(body)["observations"][-1]["value"] == 46


@pytest.mark.parametrize(
    ("query", "name", "reason"),
    [
        ("country=XXX", "country", "'XXX' is not a known country; it is left out."),
        (
            "from=yesterday",
            "from",
            "'yesterday' is not a date (YYYY-MM-DD) for the start date; it is left open.",
        ),
    ],
)
def test_a_bad_parameter_is_a_400_problem_naming_it_in_the_pages_words(
    app_url: str, query: str, name: str, reason: str
) -> None:
    status, headers, body = get(f"{app_url}/api/v1/activities.csv?{query}")
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == 400
    assert problem["invalid-params"] == [{"name": name, "reason": reason}]


def test_the_data_package_validates_and_data_zip_holds_it(app_url: str) -> None:
    report = validate(f"{app_url}/api/v1/datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    _, headers, body = get(f"{app_url}/api/v1/data.zip")
    assert headers["content-disposition"] == 'attachment; filename="ctdash-data.zip"'
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == [
            "README.txt",
            "activities.csv",
            "datapackage.json",
            "indicators.csv",
            "notes.csv",
            "observations.csv",
        ]
    status, _, document = get(f"{app_url}/api/v1/openapi.json")
    assert status == 200 and json.loads(document)["openapi"] == "3.1.0"


def test_each_indicator_says_when_its_next_figure_is_due_and_the_notes_their_sources(
    app_url: str,
) -> None:
    """The shipped figures are of 2023-04-30, due every two months: overdue on any later day
    than 2023-06-30, as the server's today is."""
    status, headers, body = get(f"{app_url}/api/v1/indicators.json")
    answer = json.loads(body)
    assert status == 200 and answer["today"] > "2023-06-30"
    assert {(i["last_as_of"], i["next_due"], i["state"]) for i in answer["indicators"]} == {
        ("2023-04-30", "2023-06-30", "overdue")
    }
    assert all(i["provider"] and i["cadence_months"] == 2 for i in answer["indicators"])
    assert answer["today"].replace("-", "") in headers["etag"]
    _, _, body = get(f"{app_url}/api/v1/notes.json")
    notes = json.loads(body)["notes"]
    assert notes[0]["date"] == "2018-02-23" and len(notes) == 6
    assert all(note["source"] for note in notes)


def test_a_figure_card_is_svg_with_its_title_and_a_png(app_url: str) -> None:
    status, headers, body = get(f"{app_url}/embed/tile/ct_platform_visits.svg?theme=dark")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    svg = ET.fromstring(body)
    ns = "{http://www.w3.org/2000/svg}"
    title = svg.find(f"{ns}title")
    assert title is not None and title.text == (
        "Virtual visits to the CT Platform: 200,062, as of 2023-04-30"
    )
    assert "200,062" in "".join(svg.itertext())
    status, headers, body = get(f"{app_url}/embed/tile/ct_platform_visits.png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(body)).size == (720, 360)
    assert get(f"{app_url}/embed/tile/nothing.svg")[0] == 404


class MetaTags(HTMLParser):
    """The <meta property|name=... content=...> tags of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("property") or found.get("name")
        if tag == "meta" and key and found.get("content") is not None:
            self.tags[key] = found["content"] or ""


def test_a_maps_link_previews_its_figures_and_an_image_with_its_points(app_url: str) -> None:
    _, _, page = get(f"{app_url}/map?kind=training", {"Accept-Encoding": "gzip"})
    tags = MetaTags()
    tags.feed(page.decode())
    assert tags.tags["og:title"].startswith("Where the Compact worked")
    assert tags.tags["og:description"].startswith("5 activities (Kind: training")
    assert tags.tags["og:image"] == f"{app_url}/preview/map.png?kind=training"
    status, headers, image = get(tags.tags["og:image"])
    assert status == 200 and headers["content-type"] == "image/png"
    picture = Image.open(io.BytesIO(image)).convert("RGB")
    assert picture.size == (1200, 630)
    colours = {colour for _, colour in picture.getcolors(maxcolors=1 << 20) or []}
    assert maps.KIND_COLOURS["training"] in colours
    assert maps.KIND_COLOURS["workshop"] not in colours


def test_every_page_states_its_figures_for_a_link_preview(app_url: str) -> None:
    for path, start in [
        ("/", "As of 2023-04-30: Compact entities 45; Member States 136;"),
        ("/trends?ind=compact_entities", "Compact entities: 38 (2018-02-23) →"),
        ("/activities?country=NGA", "2 activities (Country: Nigeria (NGA))"),
    ]:
        tags = MetaTags()
        tags.feed(get(f"{app_url}{path}")[2].decode())
        assert tags.tags["og:description"].startswith(start), path
        assert tags.tags["twitter:card"] == "summary_large_image"


def test_a_pages_html_fetches_its_heaviest_elements_code_early(app_url: str) -> None:
    for path, module in [("/map", "DeckGlJsonChart.")]:
        page = get(f"{app_url}{path}")[2].decode()
        found = re.search(
            rf'<link rel="modulepreload" crossorigin href="(\./static/js/{module}[^"]+)"', page
        )
        assert found is not None, path
        status, headers, _ = get(f"{app_url}/{found[1].removeprefix('./')}")
        assert status == 200 and "javascript" in headers["content-type"]
    # Trends draws its chart first as a picture, with code the page has already.
    assert "PlotlyChart." not in get(f"{app_url}/")[2].decode()
    assert "PlotlyChart." not in get(f"{app_url}/trends")[2].decode()


def test_a_page_other_than_the_overview_asks_only_the_roots_health(
    page: Page, app_url: str
) -> None:
    # Without the page naming the app's root, Streamlit first asks /activities/_stcore/health
    # and waits half a second after its 404 (ctdash.preload.server_address).
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.removeprefix(app_url)))
    page.goto(f"{app_url}/activities?kind=training")
    expect(page.get_by_text("5 activities match.")).to_be_visible()
    assert [path for path in asked if path.endswith("/_stcore/health")] == ["/_stcore/health"]


def test_a_view_in_an_iframe_has_no_navigation_or_filters_and_a_link_to_the_full_page(
    page: Page, app_url: str
) -> None:
    page.set_content(
        f'<iframe src="{app_url}/map?kind=training&embed=true&display=embed" '
        'title="Map" width="1000" height="700"></iframe>'
    )
    frame = page.frame_locator("iframe")
    expect(frame.get_by_text("5 of 5 matching activities have a place")).to_be_visible()
    expect(frame.get_by_test_id("stSidebar")).to_be_hidden()
    expect(frame.get_by_role("combobox", name="Kind")).to_be_hidden()
    expect(frame.get_by_role("link", name="Trends")).to_have_count(0)
    opened = frame.get_by_role("link", name="Open in the dashboard")
    expect(opened).to_have_attribute("href", f"{app_url}/map?kind=training")


def test_the_share_popover_gives_the_views_data_and_its_iframe(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/activities?kind=training")
    expect(page.get_by_text("5 activities match.")).to_be_visible()
    page.get_by_role("button", name="Copy the link").click()
    csv = page.get_by_role("link", name="CSV")
    expect(csv).to_have_attribute("href", f"{app_url}/api/v1/activities.csv?kind=training")
    expect(page.get_by_text('<iframe src="')).to_contain_text(
        f"{app_url}/activities?kind=training&amp;embed=true&amp;display=embed"
    )
    status, _, body = get(f"{app_url}/api/v1/activities.csv?kind=training")
    assert status == 200 and body.decode("utf-8-sig").count("\n") == 6
