"""The open data API described: an OpenAPI 3.1 document, and a page listing the paths, served
from this module alone (no CDN, no script)."""

from __future__ import annotations

import html
from typing import Any

from ctdash import opendata, urlstate
from ctdash.models import ACTIVITY_KINDS

PATHS = {
    "indicators.json": "The indicators: code, label, unit, definition, sources.",
    "indicators.csv": "The same, as CSV.",
    "observations.json": "The current figures; `revisions=all` for every revision.",
    "observations.csv": "The same, as CSV (what `ctdash export indicators` writes).",
    "activities.json": "The public activities that pass the filters, earliest first.",
    "activities.csv": "The same, as CSV.",
    "activities.geojson": "The placed ones as GeoJSON points.",
    "datapackage.json": "The Frictionless Data Package of the three CSV files.",
    "data.zip": "The three CSV files, the data package and a README.",
}


def _parameter(param: urlstate.Param, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


ACTIVITY_PARAMETERS = [
    _parameter(urlstate.FROM, "Activities that end on or after this date.", format="date"),
    _parameter(urlstate.TO, "Activities that start on or before this date.", format="date"),
    _parameter(urlstate.KIND, "Kinds, joined with '~': " + ", ".join(ACTIVITY_KINDS) + "."),
    _parameter(urlstate.ENTITY, "Entities, joined with '~'."),
    _parameter(urlstate.COUNTRY, "ISO 3166-1 alpha-3 codes, joined with '~'."),
    _parameter(urlstate.REGION, "UN M49 regions or sub-regions, joined with '~'."),
    _parameter(
        next(p for p in urlstate.PAGE_PARAMS["activities"] if p.name == "q"),
        "Words in the title, entities, city, country or region.",
    ),
    _parameter(opendata.MAP_VIEW, "The Map's view (points or countries); the data is the same."),
]
OBSERVATION_PARAMETERS = [
    _parameter(opendata.INDICATOR, "Indicator codes, joined with '~'."),
    _parameter(urlstate.FROM, "Figures as of this date or later.", format="date"),
    _parameter(urlstate.TO, "Figures as of this date or earlier.", format="date"),
    _parameter(
        opendata.AS_OF, "Each indicator's latest figure on or before this date.", format="date"
    ),
    _parameter(opendata.REVISIONS, "current (default) or all.", enum=["current", "all"]),
]
PROBLEM = {
    "description": "A parameter cannot be used (RFC 9457 problem details).",
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
}


def document(prefix: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API mounted at `prefix`."""
    paths: dict[str, Any] = {}
    for path, summary in PATHS.items():
        name, _, suffix = path.rpartition(".")
        parameters = (
            ACTIVITY_PARAMETERS
            if name == "activities"
            else OBSERVATION_PARAMETERS
            if name == "observations"
            else []
        )
        media = {
            "json": "application/json",
            "csv": "text/csv",
            "geojson": "application/geo+json",
            "zip": "application/zip",
        }[suffix]
        paths[f"{prefix}/{path}"] = {
            "get": {
                "summary": summary,
                "parameters": parameters,
                "responses": {
                    "200": {"description": summary, "content": {media: {}}},
                    "304": {"description": "Unchanged since the ETag given in If-None-Match."},
                    "400": PROBLEM,
                    "503": {"description": "The store cannot be reached."},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ctdash open data: the Counter-Terrorism Compact in Numbers",
            "version": "1",
            "description": "Read-only. Every figure names its source; internal activities are "
            "never given. Parameters are those of the dashboard's pages: a Map or Activities "
            "link's query string works unchanged.",
        },
        "paths": paths,
    }


def index_html(prefix: str) -> str:
    """A page listing the paths, each a link, and where the OpenAPI document is."""
    items = "".join(
        f'<li><a href="{html.escape(prefix)}/{html.escape(path)}">{html.escape(path)}</a>: '
        f"{html.escape(summary)}</li>"
        for path, summary in PATHS.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>ctdash open data API</title></head><body>"
        "<h1>The Counter-Terrorism Compact in Numbers: open data</h1>"
        f"<ul>{items}</ul>"
        f'<p>The OpenAPI document: <a href="{html.escape(prefix)}/openapi.json">openapi.json</a>. '
        "Filters are the pages' own parameters, for example "
        f"<code>{html.escape(prefix)}/activities.csv?kind=training&amp;country=NGA</code>.</p>"
        "</body></html>"
    )
