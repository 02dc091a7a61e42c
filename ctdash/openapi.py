"""The open data API described: an OpenAPI 3.1 document, and a page listing the paths, served
from this module alone (no CDN, no script)."""

from __future__ import annotations

import html
from typing import Any

from ctdash import opendata, urlstate
from ctdash.models import ACTIVITY_KINDS

PATHS = {
    "indicators.json": "The indicators: code, label, unit, definition, sources; who provides "
    "each, when its next figure is due and its state today (fresh, due, overdue…); its target.",
    "indicators.csv": "The same, as CSV.",
    "observations.json": "The current figures; `revisions=all` for every revision.",
    "observations.csv": "The same, as CSV (what `ctdash export indicators` writes).",
    "notes.json": "Dated notes on the trends (events such as the Compact's signing), sourced.",
    "notes.csv": "The same, as CSV.",
    "activities.json": "The public activities that pass the filters, earliest first.",
    "activities.csv": "The same, as CSV.",
    "activities.geojson": "The placed ones as GeoJSON points.",
    "datapackage.json": "The Frictionless Data Package of the four CSV files.",
    "data.zip": "The four CSV files, the data package and a README.",
}
# The rows each JSON resource lists, under the key of the same name, as Table Schema fields.
ROWS = {
    "indicators": opendata.INDICATOR_FIELDS,
    "observations": opendata.OBSERVATION_FIELDS,
    "notes": opendata.NOTE_FIELDS,
    "activities": opendata.ACTIVITY_FIELDS,
}
# Table Schema's types as JSON Schema gives them.
JSON_TYPES = {
    "string": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
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


def _property(field: opendata.Field) -> dict[str, Any]:
    """A field as a JSON Schema property: its type, or null when it is empty."""
    kind = JSON_TYPES[field.type]
    found: dict[str, Any] = {**kind, "type": [kind["type"], "null"]}
    if field.choices:
        found["enum"] = [*field.choices, None]
    return {**found, "description": field.description}


def json_schema(name: str) -> dict[str, Any] | None:
    """The schema of a JSON resource's answer: the data version, and its rows' fields."""
    fields = ROWS.get(name)
    if fields is None:
        return None
    head: dict[str, Any] = {
        "data_version": {"type": "integer", "description": "The store's data version."},
        "synthetic": {"type": "string", "description": "Present when the data is not real."},
    }
    if name == "indicators":
        head["today"] = {
            "type": "string",
            "format": "date",
            "description": "The server's day that each indicator's state is of.",
        }
    rows = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {field.name: _property(field) for field in fields},
        },
    }
    return {"type": "object", "properties": {**head, name: rows}}


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
        schema = json_schema(name) if suffix == "json" else None
        content = {media: {"schema": schema} if schema else {}}
        paths[f"{prefix}/{path}"] = {
            "get": {
                "summary": summary,
                "parameters": parameters,
                "responses": {
                    "200": {"description": summary, "content": content},
                    "304": {
                        "description": "Unchanged since the ETag given in If-None-Match (an "
                        "ETag names the data version and the day)."
                    },
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
