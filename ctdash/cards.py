"""Figures to embed and to preview: one indicator as a card (SVG or PNG) for the Compact's web
pages and the newsletter, and each page's view as a preview image with a sentence stating its
figures, for link previews in Teams, Outlook or Slack.

Every text from data is escaped for XML (in SVG) or set as plain text (in Typst).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy.engine import Engine

from ctdash import drawing, geo, maps, queries, views
from ctdash.contents import PAGE_TITLES, TITLE, filters_shown
from ctdash.typeset import compile_template

THEMES = {
    "light": {"paper": "#ffffff", "ink": "#1f2937", "muted": "#4b5563", "line": "#0072B2"},
    "dark": {"paper": "#111827", "ink": "#f9fafb", "muted": "#d1d5db", "line": "#56B4E9"},
}
TILE_SIZE = (360, 180)
TILE_PPI = 192.0
PREVIEW_PPI = 96.0


# Characters XML does not allow at all (escaping cannot write them): left out of an SVG's text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    """Text for an SVG: the characters XML cannot hold left out, the rest escaped."""
    return escape(NOT_XML.sub("", text))


class CardError(Exception):
    """A card that cannot be made: an unknown indicator or theme; the message says which."""


def tile(engine: Engine, code: str) -> queries.Tile:
    """An indicator's latest figure, with its change and history, as the Overview's tile."""
    observations = queries.observations(engine)
    indicators = queries.indicators(engine)
    if code not in set(indicators["code"]):
        known = ", ".join(indicators["code"])
        raise CardError(f"'{code[:40]}' is not an indicator's code; the codes are {known}.")
    dates = queries.snapshot_dates(observations)
    if not dates:
        raise CardError("The store holds no figures yet.")
    tiles = queries.build_tiles(indicators, observations, dates[0])
    return next(t for t in tiles if t.code == code)


def tile_text(card: queries.Tile) -> tuple[str, str, str]:
    """The figure, its change and its date, in words."""
    figure = "no figure" if card.value is None else f"{card.value:,}"
    change = (
        f"{card.delta:+,} since {card.previous_as_of}"
        if card.delta is not None
        else "first snapshot"
        if card.value is not None
        else ""
    )
    return figure, change, f"as of {card.as_of}" if card.as_of else "no date"


def _sparkline(values: list[int], box: tuple[float, float, float, float]) -> str:
    left, top, width, height = box
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(values) - 1)
    points = " ".join(
        f"{left + i * step:.1f},{top + height - (v - low) / span * height:.1f}"
        for i, v in enumerate(values)
    )
    return points


def tile_svg(card: queries.Tile, theme: str = "light") -> str:
    """One indicator as a card: label, figure, change, date and source, and its snapshots as a
    sparkline; <title> and <desc> say the same to a screen reader."""
    if theme not in THEMES:
        raise CardError(f"'{theme[:40]}' is not a theme; the themes are light and dark.")
    colours = THEMES[theme]
    width, height = TILE_SIZE
    figure, change, dated = tile_text(card)
    history = ", ".join(f"{v:,}" for v in card.history)
    desc = f"{card.label}: {figure}, {dated}" + (f", {change}" if change else "")
    desc += f". Source: {card.source or 'none'}."
    if len(card.history) > 1:
        desc += f" Snapshots, oldest first: {history}."
    line = ""
    if len(card.history) > 1:
        points = _sparkline(card.history, (230, 88, 110, 36))
        line = (
            f'<polyline points="{points}" fill="none" stroke="{colours["line"]}" '
            'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    font = "font-family=\"'Source Sans Pro', 'Source Sans 3', Arial, sans-serif\""
    source = card.source or ""
    source = source if len(source) <= 60 else source[:59] + "…"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="title desc">'
        f'<title id="title">{_xml(f"{card.label}: {figure}, {dated}")}</title>'
        f'<desc id="desc">{_xml(desc)}</desc>'
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="8" '
        f'fill="{colours["paper"]}" stroke="{colours["muted"]}" stroke-opacity="0.4"/>'
        f'<text x="16" y="32" {font} font-size="16" fill="{colours["muted"]}">'
        f"{_xml(card.label)}</text>"
        f'<text x="16" y="84" {font} font-size="42" font-weight="600" '
        f'fill="{colours["ink"]}">{_xml(figure)}</text>'
        f'<text x="16" y="112" {font} font-size="15" fill="{colours["ink"]}">'
        f"{_xml(change)}</text>"
        f"{line}"
        f'<text x="16" y="146" {font} font-size="13" fill="{colours["muted"]}">'
        f"{_xml(dated)} · {_xml(TITLE)}</text>"
        f'<text x="16" y="166" {font} font-size="12" fill="{colours["muted"]}">'
        f"{_xml(source)}</text>"
        "</svg>"
    )


def tile_png(card: queries.Tile, theme: str = "light") -> bytes:
    """The card as PNG, at twice its size."""
    svg = tile_svg(card, theme)
    width, height = TILE_SIZE
    size = json.dumps({"width": width, "height": height})
    return compile_template("picture.typ", {"size": size, "svg": svg}, ppi=TILE_PPI)


# --- link previews ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What a link preview shows of a view: a title, a sentence of its figures, a picture."""

    title: str
    description: str
    svg: str


# A series of up to this many snapshots is described figure by figure; a longer one by its
# first and last: a link preview shows a line or two, and each page's HTML carries it.
SERIES_SAID = 6


def series_text(points: list[tuple[date, float]]) -> str:
    """'38 (2018-02-23) → 43 (2021-10-08) → 45 (2023-04-30)'; past SERIES_SAID snapshots,
    '3,218 (2006-11-30) → … → 28,250 (2026-11-29), 241 snapshots'."""
    said = [f"{int(v):,} ({d})" for d, v in points]
    if len(said) <= SERIES_SAID:
        return " → ".join(said)
    return f"{said[0]} → … → {said[-1]}, {len(said)} snapshots"


def preview(engine: Engine, view: views.View, *, picture: bool = True) -> Preview:
    """The preview of a page's view as a reader who is not signed in sees it; without
    `picture`, its title and sentence alone (what a page's tags need)."""
    title = PAGE_TITLES[view.page]
    values = view.values
    if view.page == "overview":
        observations = queries.observations(engine)
        dates = queries.snapshot_dates(observations)
        day = views.as_of_param(view) or (dates[0] if dates else None)
        if day is None:
            return Preview(TITLE, "No figures yet.", "")
        tiles = queries.build_tiles(queries.indicators(engine), observations, day)
        figures = "; ".join(f"{t.label} {tile_text(t)[0]}" for t in tiles)
        svg = _tiles_svg(tiles) if picture else ""
        return Preview(f"{TITLE}, as of {day}", f"As of {day}: {figures}.", svg)
    if view.page == "trends":
        indexed = values["mode"] == "indexed"
        frame = queries.trend_frame(
            queries.observations(engine),
            list(values["ind"]),
            indexed=indexed,
            date_from=values["from"],
            date_to=values["to"],
        ).sort_values("as_of")
        lines = [
            f"{label}: " + series_text(list(zip(g["as_of"], g["value"], strict=True)))
            for label, g in frame.groupby("label", sort=False)
        ]
        svg = drawing.trend_chart(frame, indexed=indexed) if picture and len(frame) else ""
        return Preview(f"{title} — {TITLE}", "; ".join(lines) or "No figures.", svg)
    places = queries.activity_places(engine, views.activity_filter(values), internal=False)
    counts = maps.place_counts(places)
    placed = places.dropna(subset=["lat", "lon"])
    kinds = placed.groupby("kind")["activities"].sum().sort_values(ascending=False, kind="stable")
    by_kind = ", ".join(f"{k} {int(n):,}" for k, n in kinds.items())
    top = ", ".join(f"{geo.country_name(c)} {n:,}" for c, n in counts.by_country[:5])
    chosen = "; ".join(
        f"{name}: {value}"
        for name, value in filters_shown(view, {})
        if value not in ("all", "open", "none")
    )
    description = (
        f"{counts.matching:,} activities"
        + (f" ({chosen})" if chosen else "")
        + f"; {counts.on_map:,} on the map"
        + (f", by kind: {by_kind}" if by_kind else "")
        + (f"; most in {top}" if top else "")
        + "."
    )
    svg = drawing.points_map(places, width=9.0) if picture else ""
    return Preview(f"{title} — {TITLE}", description, svg)


def _tiles_svg(tiles: list[queries.Tile]) -> str:
    cards = [tile_svg(t) for t in tiles]
    width, height = TILE_SIZE
    placed = "".join(
        f'<svg x="{(i % 4) * (width + 10)}" y="{(i // 4) * (height + 10)}" width="{width}" '
        f'height="{height}">{card.split(">", 1)[1]}'
        for i, card in enumerate(cards)
    )
    total_w, total_h = 4 * width + 30, 2 * height + 10
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
        f'viewBox="0 0 {total_w} {total_h}">{placed}</svg>'
    )


def preview_png(made: Preview) -> bytes:
    """The preview as a 1200 × 630 PNG, the size link previews show."""
    data: dict[str, Any] = {"title": made.title, "description": made.description}
    inputs = {"data": json.dumps(data, ensure_ascii=False), "svg": made.svg}
    return compile_template("preview.typ", inputs, ppi=PREVIEW_PPI)
