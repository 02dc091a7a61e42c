"""The views the soak opens: the four pages in turn, each with URL filters drawn at random
from the values a store offers, every one a link its page takes without a notice."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ctdash import urlstate
from ctdash.models import ACTIVITY_KINDS

SEED = 2_000
# Each page's address.
PAGE_PATHS = {"overview": "/", "trends": "/trends", "map": "/map", "activities": "/activities"}
SEARCH_WORDS = ("meeting", "workshop", "training", "assessment", "visit")


@dataclass(frozen=True)
class View:
    """One load: a page and the path with the URL filters it opens."""

    page: str
    path: str


@dataclass(frozen=True)
class StoreValues:
    """The values a store offers the filters: every view the soak opens is drawn from these."""

    snapshot_dates: tuple[date, ...]
    indicator_codes: tuple[str, ...]
    first_day: date
    last_day: date
    countries: tuple[str, ...]
    entities: tuple[str, ...]
    regions: tuple[str, ...]


def store_values(url: str) -> StoreValues:
    """The snapshot dates, indicators, activity dates, countries and entities of a store."""
    from ctdash import geo, queries
    from ctdash.db import make_engine

    engine = make_engine(url)
    try:
        dates = queries.snapshot_dates(queries.observations(engine))
        codes = tuple(queries.indicators(engine)["code"])
        first, last = queries.activity_date_span(engine)
        places = queries.activity_places(engine)
        known = set(geo.all_iso3())
        countries = sorted(set(places["country_iso3"].dropna()) & known)
        entities = tuple(queries.entity_names(engine))
    finally:
        engine.dispose()
    today = date.today()
    return StoreValues(
        snapshot_dates=tuple(dates),
        indicator_codes=codes,
        first_day=first or today,
        last_day=last or today,
        countries=tuple(countries),
        entities=entities,
        regions=tuple(geo.regions()),
    )


def draw_views(values: StoreValues, count: int, *, seed: int = SEED) -> list[View]:
    """`count` views, the four pages in turn, each with filters drawn at random from `values`.

    Every filter is one the page accepts, so no view is shown a notice about its link.
    """
    chooser = random.Random(seed)
    pages = list(PAGE_PATHS)
    views = []
    for number in range(count):
        page = pages[number % len(pages)]
        if page == "overview":
            params = overview_filters(values, chooser)
        elif page == "trends":
            params = trends_filters(values, chooser)
        else:
            params = activity_filters(values, chooser, page)
        query = urlstate.query_string(urlstate.encode(params, page))
        views.append(View(page, PAGE_PATHS[page] + (f"?{query}" if query else "")))
    return views


def overview_filters(values: StoreValues, chooser: random.Random) -> dict[str, object]:
    """An as-of date among the snapshots, the latest (no parameter) one time in five."""
    if not values.snapshot_dates or chooser.random() < 0.2:
        return {}
    return {"asof": chooser.choice(values.snapshot_dates)}


def trends_filters(values: StoreValues, chooser: random.Random) -> dict[str, object]:
    """Some indicators, a scale, and a period between two snapshot dates."""
    params: dict[str, object] = {
        "ind": chooser.sample(values.indicator_codes, chooser.randint(1, 4)),
        "mode": chooser.choice(("absolute", "indexed")),
    }
    if len(values.snapshot_dates) > 1 and chooser.random() < 0.75:
        ends = sorted(chooser.sample(values.snapshot_dates, 2))
        params["from"], params["to"] = ends
    return params


def activity_filters(values: StoreValues, chooser: random.Random, page: str) -> dict[str, object]:
    """The Map's or the Activities page's filters: a period, kinds, countries, now and then an
    entity, a region or (Activities) a word to search for; the Map's view."""
    params: dict[str, object] = {}
    if chooser.random() < 0.7:
        start, end = sorted(
            date.fromordinal(
                chooser.randint(values.first_day.toordinal(), values.last_day.toordinal())
            )
            for _ in range(2)
        )
        params["from"], params["to"] = start, end
    params["kind"] = chooser.sample(ACTIVITY_KINDS, chooser.randint(0, 2))
    params["country"] = chooser.sample(
        values.countries, min(len(values.countries), chooser.randint(0, 2))
    )
    if values.entities and chooser.random() < 0.2:
        params["entity"] = [chooser.choice(values.entities)]
    if values.regions and chooser.random() < 0.1:
        params["region"] = [chooser.choice(values.regions)]
    if page == "map":
        params["view"] = chooser.choice(("points", "countries"))
    elif chooser.random() < 0.2:
        params["q"] = chooser.choice(SEARCH_WORDS)
    return params
