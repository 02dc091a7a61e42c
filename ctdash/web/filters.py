"""The sidebar filters shared by the Map and Activities pages, synced with the URL."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from ctdash import geo, queries, urlstate, views
from ctdash.models import ACTIVITY_KINDS
from ctdash.web.links import url_view, widget_key
from ctdash.web.readers import activity_date_span, entity_names
from ctdash.web.signin import Viewer


def activity_view(
    page: str, version: int, viewer: Viewer | None
) -> tuple[queries.ActivityFilter, dict[str, Any]]:
    """The Map's or Activities' filter, as the URL gives it or the sidebar's widgets last set
    it (their values are in the session before the run), and its values.

    The widgets themselves are drawn by `filter_widgets` at the end of the page: a fresh
    browser then fetches and starts the page's map or table before the widgets' code."""
    values = url_view(page, views.activity_choices(entity_names(version, viewer)))
    return views.activity_filter(values), values


def filter_widgets(page: str, version: int, viewer: Viewer | None) -> None:
    """The sidebar filters shared by the Map and Activities pages, synced with the URL; the
    entities and dates offered are those of the activities the viewer may see."""
    key = partial(widget_key, page)
    entities = entity_names(version, viewer)
    first, last = activity_date_span(version, viewer)
    with st.sidebar:
        st.header("Filters")
        st.date_input(
            "From",
            key=key("from"),
            min_value=urlstate.EARLIEST,
            max_value=urlstate.LATEST,
            format="YYYY-MM-DD",
            help=f"Activities that end on or after this date. First: {first}.",
        )
        st.date_input(
            "To",
            key=key("to"),
            min_value=urlstate.EARLIEST,
            max_value=urlstate.LATEST,
            format="YYYY-MM-DD",
            help=f"Activities that start on or before this date. Last: {last}.",
        )
        st.multiselect("Kind", ACTIVITY_KINDS, key=key("kind"), placeholder="All kinds")
        st.multiselect("Entity", entities, key=key("entity"), placeholder="All entities")
        st.multiselect(
            "Country",
            geo.all_iso3(),
            key=key("country"),
            format_func=lambda code: f"{geo.country_name(code)} ({code})",
            placeholder="All countries",
        )
        st.multiselect("Region", geo.regions(), key=key("region"), placeholder="All regions")
