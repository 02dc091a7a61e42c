"""A page's view read from a share link, outside the browser: the same decoder, the same
choices and the same notices as the page, so that a brief of a link shows what the link shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import geo, queries, urlstate
from ctdash.models import ACTIVITY_KINDS

# The pages whose view a link can carry, and how the Trends page names its scales.
TREND_MODES = {"absolute": "Absolute values", "indexed": "Indexed (first point = 100)"}
MAP_VIEWS = {"points": "Points", "countries": "Totals per country"}
# Pages that show no figures of their own: a link to one of them has no view to print.
NOT_VIEWS = frozenset({"desk", "admin", "account", "signin"})


class ViewError(Exception):
    """A link that names no page with a view; the message says why."""


@dataclass(frozen=True)
class View:
    """One page's view as its link gives it, decoded: the values the page would show, the
    parameters that reproduce it, and the notices the page would give about the link."""

    page: str
    values: dict[str, Any]
    params: dict[str, str]
    notices: tuple[str, ...]


def page_and_params(link: str) -> tuple[str, dict[str, list[str]]]:
    """The page a link opens (the default page at the root, under any base path) and its
    query parameters; raises ViewError for a link to a page that shows no view."""
    parts = urlsplit(link.strip())
    last = unquote(parts.path).rstrip("/").rsplit("/", 1)[-1].casefold()
    if last in NOT_VIEWS:
        raise ViewError(f"The link opens the {last} page, which has no view to print.")
    page = last if last in urlstate.PAGE_PARAMS else urlstate.DEFAULT_PAGE
    return page, parse_qs(parts.query, keep_blank_values=True)


def default_trend_indicators(obs: pd.DataFrame, codes: list[str]) -> tuple[str, ...]:
    """What Trends shows when no indicator is chosen: every indicator with more than one
    snapshot (or the first, when none has)."""
    counts = obs.groupby("indicator_code").size()
    return tuple([c for c in codes if counts.get(c, 0) > 1] or codes[:1])


def activity_choices(entities: list[str]) -> dict[str, Any]:
    """What the Map's and Activities' filters may take; `entities` are those the reader may see."""
    return {
        "kind": ACTIVITY_KINDS,
        "entity": entities,
        "country": geo.all_iso3(),
        "region": geo.regions(),
        "view": tuple(MAP_VIEWS),
    }


def activity_filter(values: dict[str, Any]) -> queries.ActivityFilter:
    """The activity filter of a Map or Activities view's decoded values."""
    return queries.ActivityFilter(
        date_from=values["from"],
        date_to=values["to"],
        kinds=tuple(values["kind"]),
        entities=tuple(values["entity"]),
        countries=tuple(values["country"]),
        regions=tuple(values["region"]),
        text=values.get("q", ""),
    )


def decode_link(engine: Engine, link: str, *, internal: bool = False) -> View:
    """The view a share link gives, decoded against what the store holds, as its page would."""
    page, raw = page_and_params(link)
    choices: dict[str, Any]
    defaults: dict[str, Any] = {}
    if page == "overview":
        dates = queries.snapshot_dates(queries.observations(engine))
        choices = {"asof": dates, "compare": dates}
        defaults = {"asof": dates[0] if dates else None, "compare": None}
    elif page == "trends":
        codes = list(queries.indicators(engine)["code"])
        obs = queries.observations(engine)
        choices = {"ind": codes, "mode": tuple(TREND_MODES)}
        defaults = {"ind": default_trend_indicators(obs, codes)}
    else:
        choices = activity_choices(queries.entity_names(engine, internal=internal))
    decoded = urlstate.decode(raw, page, choices, defaults)
    return View(
        page=page,
        values=decoded.values,
        params=urlstate.encode(decoded.values, page, defaults),
        notices=tuple(decoded.notices),
    )


def as_of_param(view: View) -> date | None:
    """The as-of date an Overview view pins, if any."""
    value = view.values.get("asof")
    return value if isinstance(value, date) else None


def compare_param(view: View) -> date | None:
    """The snapshot an Overview view compares its figures with, if any."""
    value = view.values.get("compare")
    return value if isinstance(value, date) else None
