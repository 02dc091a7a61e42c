"""Cached reads, keyed by the data version; every read of activities is told who is looking."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from ctdash import context, freshness, maps, queries, urlstate, views
from ctdash.period import PeriodSummary, period_of, summarise
from ctdash.web.engine import engine
from ctdash.web.signin import Viewer


@st.cache_data(show_spinner=False, max_entries=8)
def indicators(version: int) -> pd.DataFrame:
    """Cached: the indicators in the newsletter's order."""
    return queries.indicators(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def observations(version: int) -> pd.DataFrame:
    """Cached: the current figures with their sources."""
    return queries.observations(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def snapshot_dates(version: int) -> list[date]:
    """Every as-of date with at least one figure, latest first."""
    return queries.snapshot_dates(observations(version))


@st.cache_data(show_spinner=False, max_entries=8)
def schedules(version: int) -> pd.DataFrame:
    """Cached: each indicator's cadence and provider."""
    return context.schedules(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def targets(version: int) -> pd.DataFrame:
    """Cached: each indicator's current target, if it has one."""
    return context.targets(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def notes(version: int) -> pd.DataFrame:
    """Cached: the current notes on the trends, oldest first."""
    return context.notes(engine())


@st.cache_data(show_spinner=False, max_entries=16)
def freshness_of(version: int, today: date) -> list[freshness.Freshness]:
    """Cached: where each indicator stands against its cadence on a day."""
    return freshness.freshness(
        indicators(version), observations(version), schedules(version), today
    )


@st.cache_data(show_spinner=False, max_entries=64)
def tiles(version: int, as_of: date) -> list[queries.Tile]:
    """The headline tiles as of a date (queries.build_tiles), made once per data version."""
    return queries.build_tiles(indicators(version), observations(version), as_of)


def period_summary(
    version: int, as_of: date, viewer: Viewer | None
) -> tuple[queries.ActivityFilter, PeriodSummary | None]:
    """The period the snapshot `as_of` reports on, and what the activities the viewer may see
    in it add up to (None when there are none), made once per data version."""
    return _period_summary(version, as_of, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=64)
def _period_summary(
    version: int, as_of: date, *, internal: bool
) -> tuple[queries.ActivityFilter, PeriodSummary | None]:
    period = period_of(snapshot_dates(version), as_of)
    found = queries.activity_kinds_and_places(engine(), period, internal=internal)
    return period, None if found.empty else summarise(found, tiles(version, as_of))


def sees_internal(viewer: Viewer | None) -> bool:
    """Whether a viewer may see internal activities: anyone signed in."""
    return viewer is not None


# The Activities page's table shows this many rows at a time, in pages: after a filter change
# at a million activities, its script run takes about a tenth of a second with a page of
# 1,000 rows, and took a third of a second with the first 5,000. Its downloads hold every row.
TABLE_ROWS = 1_000


def activities(
    version: int,
    flt: queries.ActivityFilter,
    viewer: Viewer | None,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The activities that pass a filter, internal ones only for a signed-in viewer: the
    earliest `limit` of them after the earliest `offset`."""
    return _activities(version, flt, internal=sees_internal(viewer), limit=limit, offset=offset)


@st.cache_data(show_spinner=False, max_entries=64)
def _activities(
    version: int, flt: queries.ActivityFilter, *, internal: bool, limit: int | None, offset: int
) -> pd.DataFrame:
    return queries.activities(engine(), flt, internal=internal, limit=limit, offset=offset)


def activity_count(
    version: int, flt: queries.ActivityFilter, viewer: Viewer | None
) -> queries.ActivityCount:
    """How many activities the viewer may see pass a filter, and how many are internal."""
    return _activity_count(version, flt, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=128)
def _activity_count(
    version: int, flt: queries.ActivityFilter, *, internal: bool
) -> queries.ActivityCount:
    return queries.activity_count(engine(), flt, internal=internal)


def activity_places(
    version: int, flt: queries.ActivityFilter, viewer: Viewer | None
) -> pd.DataFrame:
    """The activities the viewer may see that pass a filter, counted by place and kind."""
    return _activity_places(version, flt, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=128)
def _activity_places(version: int, flt: queries.ActivityFilter, *, internal: bool) -> pd.DataFrame:
    return queries.activity_places(engine(), flt, internal=internal)


def entity_names(version: int, viewer: Viewer | None) -> list[str]:
    """Every entity named by an activity the viewer may see."""
    return _entity_names(version, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=8)
def _entity_names(version: int, *, internal: bool) -> list[str]:
    return queries.entity_names(engine(), internal=internal)


def map_points(
    version: int, flt: queries.ActivityFilter, viewer: Viewer | None
) -> tuple[list[dict[str, Any]], bool]:
    """The Map's points for a filter (maps.point_records), and whether each kind is apart."""
    return _map_points(version, flt, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=64)
def _map_points(
    version: int, flt: queries.ActivityFilter, *, internal: bool
) -> tuple[list[dict[str, Any]], bool]:
    return maps.points(
        engine(), _activity_places(version, flt, internal=internal), internal=internal
    )


def activity_date_span(version: int, viewer: Viewer | None) -> tuple[date | None, date | None]:
    """The first and last date of the activities the viewer may see."""
    return _activity_date_span(version, internal=sees_internal(viewer))


@st.cache_data(show_spinner=False, max_entries=8)
def _activity_date_span(version: int, *, internal: bool) -> tuple[date | None, date | None]:
    return queries.activity_date_span(engine(), internal=internal)


def warm_default_views(today: date) -> None:
    """Read what the default view of each page reads for a viewer who is not signed in, into
    the caches the pages read: the first visitor after the server starts finds them made (at a
    million activities the Map's first reads take about 4 s, the Overview's 1.4 s). After a
    write, the first visitor of each view reads it again, as before."""
    version = queries.data_version(engine())
    for reader in (indicators, observations, schedules, targets, notes):
        reader(version)
    freshness_of(version, today)
    dates = snapshot_dates(version)
    if dates:
        tiles(version, dates[0])
        period_summary(version, dates[0], None)
    entities = entity_names(version, None)
    activity_date_span(version, None)
    flt = views.activity_filter(urlstate.decode({}, "map", views.activity_choices(entities)).values)
    places = activity_places(version, flt, None)
    if maps.place_count(places.dropna(subset=["lat", "lon"])) <= maps.MAX_PLACES:
        map_points(version, flt, None)
    activity_count(version, flt, None)
    activities(version, flt, None, limit=TABLE_ROWS)
