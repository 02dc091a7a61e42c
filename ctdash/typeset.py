"""Briefs typeset with Typst as tagged, accessible PDF (PDF/UA-1) and as PNG.

The templates (ctdash/templates) receive the brief as JSON and its pictures as SVG through
Typst's inputs: every value is set as plain text, never read as markup. Fonts come from
ctdash/fonts only, so that a brief looks the same on every machine and needs nothing outside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import typst

from ctdash import drawing, geo, maps
from ctdash.contents import (
    TITLE,
    Brief,
    ViewBrief,
    chart_context,
    chart_marks,
    compared_tables,
    figure_context,
    listed_caption,
    standing_rows,
    trend_rows,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONTS = Path(__file__).resolve().parent / "fonts"
PNG_PPI = 144.0
# PDF/UA-1: Typst checks the document against it and fails rather than write one that is not.
STANDARD: Literal["ua-1"] = "ua-1"


class TypesetError(Exception):
    """Typst could not set the brief; the message is Typst's first error."""


def compile_template(template: str, inputs: dict[str, str], *, ppi: float | None = None) -> bytes:
    """One of the templates set with the shipped fonts alone: a PDF checked against PDF/UA-1,
    or with `ppi` a PNG of its first page. TypesetError gives Typst's first error."""
    options: dict[str, Any] = {
        "root": str(TEMPLATES),
        "font_paths": [str(FONTS)],
        "ignore_system_fonts": True,
        "sys_inputs": inputs,
    }
    path = str(TEMPLATES / template)
    try:
        if ppi is None:
            page = typst.compile(path, pdf_standards=STANDARD, **options)
        else:
            pages = typst.compile(path, format="png", ppi=ppi, **options)
            page = pages[0] if isinstance(pages, list) else pages
    except (RuntimeError, typst.TypstError) as error:
        raise TypesetError(str(error).splitlines()[0]) from None
    if page is None:
        raise TypesetError("Typst wrote nothing.")
    return bytes(page)


def typeset(made: Brief | ViewBrief, fmt: str) -> bytes:
    """The brief or view as PDF, or as PNG (its first page)."""
    data, pictures = _brief_data(made) if isinstance(made, Brief) else _view_data(made)
    template = "brief.typ" if isinstance(made, Brief) else "view.typ"
    inputs = {"data": json.dumps(data, ensure_ascii=False, default=str), **pictures}
    return compile_template(template, inputs, ppi=PNG_PPI if fmt == "png" else None)


def notice_pdf(title: str, sentence: str) -> bytes:
    """A one-page PDF that says, in one sentence, why the file asked for could not be made."""
    data = {"title": title, "sentence": sentence}
    return compile_template("notice.typ", {"data": json.dumps(data, ensure_ascii=False)})


def _common(made: Brief | ViewBrief, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "notices": list(made.notices),
        "sources": list(made.sources),
        "made_at": f"{made.made_at:%Y-%m-%d %H:%M}",
        "data_version": str(made.data_version),
        "link": made.link,
        "footer_line": f"ctdash · data version {made.data_version} · "
        f"made {made.made_at:%Y-%m-%d %H:%M} UTC",
    }


def _brief_data(made: Brief) -> tuple[dict[str, Any], dict[str, str]]:
    pictures: dict[str, str] = {}
    tiles = []
    for number, tile in enumerate(made.tiles):
        spark = None
        if len(tile.history) > 1:
            spark = f"spark{number}"
            pictures[spark] = drawing.sparkline(tile.history)
        tiles.append(
            {
                "label": tile.label,
                "figure": "—" if tile.value is None else f"{tile.value:,}",
                "change": (
                    f"{tile.delta:+,} since {tile.previous_as_of}"
                    if tile.delta is not None
                    else "first snapshot"
                    if tile.value is not None
                    else "no figure"
                ),
                "spark": spark,
                "spark_alt": f"{tile.label}, snapshots oldest first: "
                + ", ".join(f"{v:,}" for v in tile.history),
                "as_of": str(tile.as_of or "no date"),
                "source": tile.source or "no source",
                **figure_context(made, tile),
            }
        )
    since = f"after {made.period_start}, " if made.period_start else ""
    data = {
        **_common(made, TITLE),
        "document_title": f"{TITLE}, as of {made.as_of}"
        + (f", compared with {made.compare}" if made.compare else ""),
        "today": str(made.today),
        "compared": compared_tables(made),
        "standing": standing_rows(made),
        "subtitle": f"As of {made.as_of}. The activities of the period: {since}up to {made.as_of}.",
        "tiles": tiles,
        "period": None,
        "months": [
            {
                "name": month,
                "items": [
                    {
                        "title": item.title,
                        "place": item.place,
                        "dates": item.dates,
                        "entities": item.entities,
                    }
                    for item in listed
                ],
            }
            for month, listed in made.months
        ],
    }
    summary = made.summary
    if summary is not None:
        counts = maps.place_counts(made.places)
        pictures["map"] = drawing.points_map(made.places)
        assessed = summary.assessments.as_of if summary.assessments else None
        visits = summary.assessment_visits
        data["period"] = {
            "activities": f"{summary.activities:,}",
            "placed": f"{summary.placed:,}",
            "by_kind": [{"Kind": k, "Activities": f"{n:,}"} for k, n in summary.by_kind],
            "countries_count": str(len(summary.countries)),
            "countries": ", ".join(geo.country_name(c) for c in summary.countries) or "none",
            "assessments": f"{summary.assessments_figure} (as of {assessed or 'no date'})",
            "visits": f"CTED assessment visits in the period: {len(visits)} "
            f"({', '.join(visits) or 'none'}).",
            "map_alt": _map_alt(made.places, counts),
            "map_caption": "The period's activities by kind, at their city or their country's "
            "centre; the larger the mark, the more activities.",
        }
    return data, pictures


def _map_alt(places: Any, counts: maps.PlaceCounts) -> str:
    placed = places.dropna(subset=["lat", "lon"])
    kinds = placed.groupby("kind")["activities"].sum().sort_values(ascending=False, kind="stable")
    by_kind = ", ".join(f"{kind} {int(n):,}" for kind, n in kinds.items())
    by_country = ", ".join(f"{geo.country_name(c)} {n:,}" for c, n in counts.by_country)
    region = f"; at a region: {counts.at_a_region:,}" if counts.at_a_region else ""
    return (
        f"World map of {counts.on_map:,} activities. By kind: {by_kind or 'none'}. "
        f"By country: {by_country or 'none'}{region}."
    )


def _view_data(made: ViewBrief) -> tuple[dict[str, Any], dict[str, str]]:
    pictures: dict[str, str] = {}
    data: dict[str, Any] = {
        **_common(made, made.title),
        "document_title": f"{made.title} — {TITLE}",
        "filters": [{"Filter": name, "Value": value} for name, value in made.filters],
        "chart": None,
        "map": None,
        "listed": None,
        "empty": None,
    }
    if made.trend is not None:
        rows = trend_rows(made.trend)
        if rows:
            pictures["chart"] = drawing.trend_chart(
                made.trend, indexed=made.indexed, **chart_marks(made)
            )
            marks = chart_context(made)
            data["chart"] = {
                **marks,
                "alt": _trend_alt(made.trend, indexed=made.indexed) + marks["marks"],
                "caption": "Indexed: each indicator's first point = 100."
                if made.indexed
                else "Each indicator's snapshots over time.",
                "rows": [{k: str(v) for k, v in row.items()} for row in rows],
            }
        else:
            data["empty"] = "No figures for the chosen indicators in this date range."
    if made.counts is not None and made.places is not None:
        if made.map_view == "countries":
            totals = maps.country_totals(made.places.dropna(subset=["lat", "lon"]))
            pictures["map"] = drawing.totals_map(totals)
            caption = "Countries shaded by their number of activities: the darker, the more."
        else:
            pictures["map"] = drawing.points_map(made.places)
            caption = "Activities by kind at their city or their country's centre."
        data["map"] = {
            "alt": _map_alt(made.places, made.counts),
            "caption": caption,
            "by_country": [
                {"Country": geo.country_name(code), "ISO3": code, "Activities": f"{n:,}"}
                for code, n in made.counts.by_country
            ],
        }
    if made.page in ("map", "activities"):
        data["listed"] = {
            "caption": listed_caption(made),
            "rows": [
                {
                    "Dates": item.dates,
                    "Title": item.title,
                    "Kind": item.kind,
                    "Place": item.place,
                    "Entities": item.entities,
                }
                for item in made.rows
            ],
        }
    return data, pictures


def _trend_alt(frame: Any, *, indexed: bool) -> str:
    lines = []
    for _, rows in frame.groupby("indicator_code", sort=False):
        rows = rows.sort_values("as_of")
        points = ", ".join(
            f"{row['as_of']}: {float(row['plotted']):,.1f}"
            if indexed
            else f"{row['as_of']}: {int(row['value']):,}"
            for row in rows.to_dict("records")
        )
        lines.append(f"{rows['label'].iloc[0]} ({points})")
    scale = "indexed, first point = 100" if indexed else "values"
    return f"Line chart of {len(lines)} indicators over time ({scale}). " + "; ".join(lines) + "."
