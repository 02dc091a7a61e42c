"""The brief and any view as PDF and PNG, read back as a reader (or a screen reader) would:
the text in order, the structure tree and its alternative texts, the fonts, the pixels."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash import brief, contents, maps, queries
from ctdash.cli import app as cli_app
from tests.helpers.files import activities_csv
from tests.unit.test_brief import FIGURES

MADE = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
URL = "https://un.example/dash/"
# Typst markup, and HTML, typed into a title: both must come out as typed.
HOSTILE = '#panic("x") $x$ *bold* ]) <b>Border</b> @ref \\'


def render(store: Engine, fmt: str = "pdf", view: str | None = None) -> brief.Rendered:
    return brief.render(store, fmt=fmt, view=view, dashboard_url=URL, made_at=MADE)


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def structure(content: bytes) -> list[tuple[str, str]]:
    """(role, alternative text) of every element of the structure tree that has one."""
    reader = PdfReader(io.BytesIO(content))
    found: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/Alt" in node:
            found.append((str(node.get("/S")), str(node["/Alt"])))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def roles(content: bytes) -> set[str]:
    """Every structure role the PDF's tree uses."""
    reader = PdfReader(io.BytesIO(content))
    seen: set[str] = set()

    def walk(node: Any) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            seen.add(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return seen


def test_the_pdf_gives_the_eight_figures_in_the_newsletters_order_with_their_date(
    store: Engine,
) -> None:
    made = render(store)
    assert made.media_type == "application/pdf" and made.filename == "ctdash-brief-2023-04-30.pdf"
    text = " ".join(text_of(made.content).split())
    positions = [text.index(f"{label} {figure} ") for label, figure in FIGURES]
    assert positions == sorted(positions)
    assert text.count("as of 2023-04-30") >= 8
    assert (
        "As of 2023-04-30. The activities of the period: after 2022-04-30, up to 2023-04-30."
        in text
    )


def test_the_pdf_is_tagged_with_its_language_title_and_a_described_picture_for_each_figure(
    store: Engine,
) -> None:
    content = render(store).content
    reader = PdfReader(io.BytesIO(content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata is not None
    assert reader.metadata.title == "Counter-Terrorism Compact in Numbers, as of 2023-04-30"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    alts = dict((alt.split(",")[0], alt) for role, alt in structure(content) if role == "/Figure")
    # The sparkline states its snapshots; the map states its counts by kind and by country.
    assert alts["Compact entities"] == "Compact entities, snapshots oldest first: 38, 43, 45, 45"
    world = next(alt for alt in alts.values() if alt.startswith("World map"))
    assert world.startswith("World map of 22 activities. By kind: workshop 8, training 5,")
    assert "By country: Nigeria 2," in world or "By country: Spain 2," in world
    # Tables have header cells; headings and lists are tagged as such.
    assert {"/Table", "/TH", "/TD", "/H1", "/H2", "/L", "/LI", "/Figure"} <= roles(content)


def test_the_fonts_are_the_shipped_ones_and_embedded(store: Engine) -> None:
    reader = PdfReader(io.BytesIO(render(store).content))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values())
    assert {name.split("-")[0] for name in fonts} == {"SourceSansPro"}


def test_the_pdf_lists_the_periods_activities_by_month_and_ends_with_sources_and_link(
    store: Engine,
) -> None:
    text = text_of(render(store).content)
    months = [line for line in text.splitlines() if re.fullmatch(r"[A-Z][a-z]+ \d{4}", line)]
    assert months == ["March 2023", "April 2023"]
    assert "Institute for Economics and Peace's report on Global Terrorism Index 2023" in text
    version = queries.data_version(store)
    assert f"Made 2026-11-29 12:00 UTC from data version {version}." in text
    assert "https://un.example/dash/?asof=2023-04-30" in text


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}


def test_the_png_is_the_first_page_with_sea_land_and_each_kinds_colour(store: Engine) -> None:
    made = render(store, "png")
    assert made.media_type == "image/png"
    image = Image.open(io.BytesIO(made.content))
    assert image.size[1] / image.size[0] == pytest.approx(297 / 210, rel=0.01)  # A4, portrait
    seen = colours(made.content)
    assert tuple(maps.OCEAN_FILL) in seen
    assert tuple(maps.LAND_FILL) in seen
    for kind in ("assessment", "training", "workshop", "meeting"):
        assert maps.KIND_COLOURS[kind] in seen, kind


def test_a_map_link_prints_exactly_its_activities_and_its_filters(store: Engine) -> None:
    link = "https://un.example/dash/map?kind=training"
    made = render(store, view=link)
    text = " ".join(text_of(made.content).split())
    trainings = queries.activities(store, queries.ActivityFilter(kinds=("training",)))
    assert len(trainings) == 5
    for title in trainings["title"]:
        assert "".join(title.split()) in "".join(text.split())
    others = queries.activities(store, queries.ActivityFilter(kinds=("workshop", "meeting")))
    for title in others["title"]:
        assert "".join(title.split()) not in "".join(text.split())
    assert "Kind training" in text and "5 activities match." in text
    assert "https://un.example/dash/map?kind=training" in text
    assert made.filename.startswith("ctdash-map")


def test_a_stale_link_gives_the_pages_notices_printed(store: Engine) -> None:
    made = render(store, view="https://un.example/dash/activities?kind=bogus&from=2023-13-01")
    text = " ".join(text_of(made.content).split())
    assert "The link could not be used in full:" in text
    assert "'bogus' is not a known kind; it is left out." in text
    assert "'2023-13-01' is not a date (YYYY-MM-DD) for the start date; it is left open." in text
    assert made.notices == (
        "'2023-13-01' is not a date (YYYY-MM-DD) for the start date; it is left open.",
        "'bogus' is not a known kind; it is left out.",
    )


def test_a_trends_link_prints_the_chart_described_and_its_table(store: Engine) -> None:
    made = render(store, view="https://un.example/dash/trends?ind=compact_entities&mode=indexed")
    text = " ".join(text_of(made.content).split())
    assert "Compact entities 2018-02-23 38 100.0" in text
    assert "Compact entities 2023-04-30 45 118.4" in text
    chart = [alt for role, alt in structure(made.content) if role == "/Figure"]
    assert chart == [
        "Line chart of 1 indicators over time (indexed, first point = 100). Compact entities "
        "(2018-02-23: 100.0, 2021-10-08: 113.2, 2022-04-30: 118.4, 2023-04-30: 118.4). "
        "Dotted vertical lines: the notes numbered 1 to 4, listed under the chart."
    ]


def test_every_activity_is_listed_with_the_header_on_each_page(store: Engine) -> None:
    made = render(store, view="https://un.example/dash/activities")
    reader = PdfReader(io.BytesIO(made.content))
    assert len(reader.pages) > 1
    for page in reader.pages[1:]:
        assert re.search(r"^Dates Title Kind Place Entities$", page.extract_text(), flags=re.M)
    total = queries.activity_count(store).total
    assert f"{total} activities match." in text_of(made.content)


def test_a_link_to_a_page_with_no_view_is_refused_in_words(store: Engine) -> None:
    with pytest.raises(brief.BriefError, match="opens the desk page, which has no view to print"):
        render(store, view="https://un.example/dash/desk")


def test_hostile_titles_are_printed_as_typed_and_internal_activities_never(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    upload = tmp_path / "april.csv"
    upload.write_bytes(
        activities_csv(
            ["Closed-door planning meeting", "meeting", "2023-04-12", "Kenya", "UNOCT", "yes"],
            [HOSTILE, "workshop", "2023-04-13", "Kenya", "", ""],
        )
    )
    done = CliRunner().invoke(cli_app, ["import", str(upload), "--database-url", database_url])
    assert done.exit_code == 0, done.output
    for view in (None, "https://un.example/dash/activities?country=KEN"):
        text = " ".join(text_of(render(store, view=view).content).split())
        assert HOSTILE in text
        assert "Closed-door planning meeting" not in text


def test_the_command_writes_each_format_from_the_files_extension(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    for name, start in (("brief.pdf", b"%PDF-"), ("brief.png", b"\x89PNG"), ("brief.md", b"# ")):
        out = tmp_path / name
        args = ["brief", "-o", str(out), "--database-url", database_url]
        done = CliRunner().invoke(cli_app, args)
        assert done.exit_code == 0, done.output
        assert out.read_bytes().startswith(start), name
    out = tmp_path / "view.pdf"
    args = [
        "brief",
        "-o",
        str(out),
        "--view",
        "http://h/map?kind=nope",
        "--database-url",
        database_url,
    ]
    done = CliRunner().invoke(cli_app, args)
    assert done.exit_code == 0, done.output
    assert "notice: 'nope' is not a known kind; it is left out." in done.output


def test_a_long_list_is_cut_where_it_says_and_names_where_the_others_are(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contents, "ACTIVITIES_LISTED", 10)
    text = " ".join(
        text_of(render(store, view="https://un.example/dash/activities").content).split()
    )
    assert (
        "56 activities match; the first 10 are listed (narrow the filters, or download the CSV, "
        "for the others)." in text
    )
    every = queries.activities(store)
    squeezed = "".join(text.split())  # a title broken at a hyphen comes back as "- "
    printed = ["".join(t.split()) in squeezed for t in every["title"]]
    assert printed == [True] * 10 + [False] * 46


def test_a_trends_link_with_no_figures_in_its_dates_says_so(store: Engine) -> None:
    link = "https://un.example/dash/trends?ind=member_states&from=2010-01-01&to=2011-01-01"
    made = render(store, view=link)
    text = " ".join(text_of(made.content).split())
    assert "Start date 2010-01-01 End date 2011-01-01 No figures for the chosen indicators" in text
    assert [role for role, _ in structure(made.content)] == []
