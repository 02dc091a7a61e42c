"""The open data: the indicators (each with when its next figure is due and its target), their
figures, the notes on the trends and the activities as CSV, JSON and GeoJSON, described by a
Frictionless Data Package, and all of it as data.zip.

Every read here is a public one: an internal activity is never in the open data, whatever the
parameters. The activities are read and written a page at a time, so that all of them can be
sent without holding them all. The parameters are decoded by the pages' own decoder: a Map or
Activities link's query string gives the same activities here.
"""

from __future__ import annotations

import json
import math
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ctdash import context, export, freshness, queries, urlstate, views

# The figures' parameters: which indicators, which snapshot dates, as of when, which revisions.
INDICATOR = urlstate.Param("indicator", "list", "indicator", default=(), aliases=("ind",))
AS_OF = urlstate.Param("as_of", "date", "as-of date", aliases=("asof",))
REVISIONS = urlstate.Param("revisions", "choice", "revisions", default="current")
REVISION_KINDS = ("current", "all")
OBSERVATION_PARAMS = (INDICATOR, urlstate.FROM, urlstate.TO, AS_OF, REVISIONS)
# The activities': the Activities page's, and the Map's view, so that either page's link works.
MAP_VIEW = next(p for p in urlstate.PAGE_PARAMS["map"] if p.name == "view")
ACTIVITY_PARAMS = (*urlstate.PAGE_PARAMS["activities"], MAP_VIEW)

PAGE_ROWS = 5_000
CSV_ENCODING = "utf-8-sig"
# Where the figures come from decides their terms: they are the United Nations'.
LICENSES = [
    {
        "name": "UN-terms-of-use",
        "title": "United Nations website terms of use",
        "path": "https://www.un.org/en/about-us/terms-of-use",
    }
]
INDICATOR_COLUMNS = ["code", "label", "unit", "cumulative", "definition"]
# The notes on the trends: the store's column, and the name the open data gives it.
NOTE_COLUMNS = {
    "key": "key",
    "on_date": "date",
    "text": "text",
    "source": "source",
    "source_url": "source_url",
    "indicator_code": "indicator",
}
GEO_PROPERTIES = [
    "title",
    "kind",
    "start_date",
    "end_date",
    "entities",
    "country_iso3",
    "country",
    "city",
    "region",
    "location_precision",
    "source",
]


class BadParameters(Exception):
    """Parameters that cannot be used: (parameter, notice) for each, in the pages' words."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(" ".join(notice for _, notice in problems))
        self.problems = problems


def _decoded(
    params: Mapping[str, Sequence[str]],
    spec: Sequence[urlstate.Param],
    choices: Mapping[str, Sequence[Any]],
) -> dict[str, Any]:
    decoded = urlstate.decode(params, spec, choices)
    if decoded.notices:
        raise BadParameters(decoded.problems())
    return decoded.values


# --- the indicators and their figures -----------------------------------------------------------


def indicators_table(engine: Engine, *, today: date) -> pd.DataFrame:
    """The indicators in the newsletter's order, each with the sources of its current figures,
    who provides them and how often, when the next is due and its state on `today`, and its
    target (empty when it has none)."""
    indicators = queries.indicators(engine)
    frame = indicators[INDICATOR_COLUMNS].copy()
    observations = queries.observations(engine)
    sources = observations.groupby("indicator_code")["source"].agg(
        lambda titles: "; ".join(dict.fromkeys(titles))
    )
    latest = observations.groupby("indicator_code")["as_of"].max()
    frame["latest_as_of"] = frame["code"].map(latest)
    frame["sources"] = frame["code"].map(sources).fillna("")
    standing = freshness.freshness(indicators, observations, context.schedules(engine), today)
    due = pd.DataFrame(
        [{"code": item.code, **item.as_json()} for item in standing],
        columns=["code", *STANDING_COLUMNS],
    )
    targets = context.targets(engine).rename(columns=TARGET_COLUMNS)
    frame = frame.merge(due, on="code", how="left").merge(
        targets[list(TARGET_COLUMNS.values())], on="code", how="left"
    )
    return frame.astype({"cadence_months": "Int64", "target_value": "Int64"})


# The fields freshness.Freshness.as_json gives, and the targets' columns as the data names them.
STANDING_COLUMNS = ("provider", "cadence_months", "last_as_of", "next_due", "state")
TARGET_COLUMNS = {
    "indicator_code": "code",
    "value": "target_value",
    "due": "target_date",
    "source": "target_source",
    "source_url": "target_source_url",
}


def notes_table(engine: Engine) -> pd.DataFrame:
    """The current notes on the trends, oldest first: date, text, source, and the indicator
    each is about (empty: the whole Compact)."""
    return context.notes(engine)[list(NOTE_COLUMNS)].rename(columns=NOTE_COLUMNS)


def observations_table(engine: Engine, params: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """The figures the parameters ask for: the current ones as `ctdash export indicators`
    writes them, or with revisions=all every revision with the write that recorded it.
    `as_of` keeps each indicator's latest snapshot on or before that date."""
    codes = list(queries.indicators(engine)["code"])
    values = _decoded(params, OBSERVATION_PARAMS, {"indicator": codes, "revisions": REVISION_KINDS})
    every = values["revisions"] == "all"
    frame = (
        queries.observation_revisions(engine)
        if every
        else export.observations_table(queries.observations(engine))
    )
    code = "indicator_code" if every else "indicator"
    if values["indicator"]:
        frame = frame[frame[code].isin(values["indicator"])]
    if values["from"] is not None:
        frame = frame[frame["as_of"] >= values["from"]]
    if values["to"] is not None:
        frame = frame[frame["as_of"] <= values["to"]]
    if values["as_of"] is not None:
        frame = frame[frame["as_of"] <= values["as_of"]]
        latest = frame.groupby(code)["as_of"].transform("max")
        frame = frame[frame["as_of"] == latest]
    if every:
        frame = frame.rename(columns={"indicator_code": "indicator"})
    return frame.reset_index(drop=True)


# --- the activities -----------------------------------------------------------------------------


def activity_filter(engine: Engine, params: Mapping[str, Sequence[str]]) -> queries.ActivityFilter:
    """The public activities' filter the parameters give, decoded as the Map and Activities
    pages decode theirs; BadParameters names each one that cannot be used."""
    choices = views.activity_choices(queries.entity_names(engine, internal=False))
    return views.activity_filter(_decoded(params, ACTIVITY_PARAMS, choices))


def _activity_table(page: pd.DataFrame) -> pd.DataFrame:
    return page.drop(columns=["id"])


def activity_pages(engine: Engine, flt: queries.ActivityFilter) -> Iterator[pd.DataFrame]:
    """The public activities that pass the filter, as exported, a page at a time."""
    for page in queries.activity_pages(engine, flt, internal=False, size=PAGE_ROWS):
        yield _activity_table(page)


def csv_chunks(pages: Iterator[pd.DataFrame], columns: Sequence[str]) -> Iterator[bytes]:
    """CSV as the exports write it (UTF-8 with a byte-order mark, formulas neutralised),
    one chunk per page; the header is written even when there is no row."""
    header = ",".join(_csv_cell(str(c)) for c in columns) + "\n"
    yield header.encode(CSV_ENCODING)
    for page in pages:
        yield export.neutralise(page).to_csv(index=False, header=False).encode("utf-8")


def _csv_cell(text: str) -> str:
    return pd.DataFrame([[export.neutralise_cell(text)]]).to_csv(index=False, header=False).strip()


def activity_columns() -> list[str]:
    """The activities' columns as the open data gives them."""
    return [c for c in queries.ACTIVITY_COLUMNS if c != "id"]


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready records: dates as ISO text, missing values as null."""
    records = frame.to_dict("records")
    return [{str(k): _json_value(v) for k, v in row.items()} for row in records]


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _object_with_list(
    head: Mapping[str, Any], key: str, items: Iterator[dict[str, Any]]
) -> Iterator[bytes]:
    """A JSON object: `head`'s members, then `key` holding the items, one item at a time."""
    opening = json.dumps(dict(head))[:-1] + (", " if head else "") + json.dumps(key) + ": ["
    yield opening.encode()
    for number, item in enumerate(items):
        yield (("," if number else "") + json.dumps(item, ensure_ascii=False)).encode()
    yield b"]}"


def json_chunks(
    pages: Iterator[pd.DataFrame], head: Mapping[str, Any], key: str
) -> Iterator[bytes]:
    """A JSON object: `head`'s members, then `key` holding every row of the pages, written a
    page at a time."""
    return _object_with_list(head, key, (r for page in pages for r in json_records(page)))


def geojson_chunks(pages: Iterator[pd.DataFrame], head: Mapping[str, Any]) -> Iterator[bytes]:
    """The placed activities of the pages as a GeoJSON FeatureCollection, one Point each."""
    features = (
        {
            "type": "Feature",
            "id": record["key"],
            "geometry": {"type": "Point", "coordinates": [record["lon"], record["lat"]]},
            "properties": {name: record[name] for name in GEO_PROPERTIES},
        }
        for page in pages
        for record in json_records(page.dropna(subset=["lat", "lon"]))
    )
    return _object_with_list({"type": "FeatureCollection", **head}, "features", features)


# --- the data package ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One column of a CSV resource, as a Table Schema field."""

    name: str
    type: str
    description: str
    choices: tuple[str, ...] = ()

    def descriptor(self) -> dict[str, Any]:
        """The field as Table Schema writes it."""
        found: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        if self.choices:
            found["constraints"] = {"enum": list(self.choices)}
        return found


INDICATOR_FIELDS = [
    Field("code", "string", "The indicator's stable code."),
    Field("label", "string", "The indicator as the newsletter names it."),
    Field("unit", "string", "What its figures count."),
    Field("cumulative", "boolean", "Whether its figures only grow."),
    Field("definition", "string", "What it counts, with the caveats of its source."),
    Field("latest_as_of", "date", "The date of its latest figure."),
    Field("sources", "string", "The sources of its current figures, joined with '; '."),
    Field("provider", "string", "Who provides its figures."),
    Field(
        "cadence_months",
        "integer",
        "How often a figure is expected, in months; empty: no regular cadence.",
    ),
    Field("last_as_of", "date", "The date of its last figure, from which the next is due."),
    Field("next_due", "date", "When its next figure is due: one cadence after the last."),
    Field(
        "state",
        "string",
        "On the day the data was made: fresh; due (in the cadence's last tenth before the next "
        "due date); overdue (past it); unscheduled (no cadence); missing (no figure yet).",
        choices=tuple(freshness.STATES),
    ),
    Field("target_value", "integer", "Its target, if it has one."),
    Field("target_date", "date", "The date the target is to be met by."),
    Field("target_source", "string", "The decision or document that set the target."),
    Field("target_source_url", "string", "Where that source is published, if online."),
]
NOTE_FIELDS = [
    Field("key", "string", "The note's stable key."),
    Field("date", "date", "The date of the event it notes."),
    Field("text", "string", "What happened."),
    Field("source", "string", "The document that states it."),
    Field("source_url", "string", "Where the source is published, if online."),
    Field("indicator", "string", "The indicator it is about (indicators.csv); empty: the Compact."),
]
OBSERVATION_FIELDS = [
    Field("indicator", "string", "The indicator's code (indicators.csv)."),
    Field("label", "string", "The indicator's label."),
    Field("as_of", "date", "The date the figure is of."),
    Field("as_of_inferred", "boolean", "Whether the date was inferred from the period reported."),
    Field("value", "integer", "The figure."),
    Field("revision", "integer", "Its revision: a correction is a new revision, never an edit."),
    Field("source", "string", "The document the figure comes from."),
    Field("source_url", "string", "Where the source is published, if online."),
    Field("note", "string", "A note on the figure, if any."),
]
ACTIVITY_FIELDS = [
    Field("key", "string", "The activity's stable key."),
    Field("title", "string", "The activity as its source names it."),
    Field("kind", "string", "assessment, training, workshop, meeting, mission, exercise, …"),
    Field("start_date", "date", "The first day."),
    Field("end_date", "date", "The last day."),
    Field("entities", "string", "The Compact entities that took part, joined with '; '."),
    Field("country_iso3", "string", "The country's ISO 3166-1 alpha-3 code, if in one."),
    Field("country", "string", "The country's name."),
    Field("city", "string", "The city, if named."),
    Field("region", "string", "The region, for a regional activity."),
    Field("lat", "number", "Latitude of the place it is drawn at (WGS 84)."),
    Field("lon", "number", "Longitude of the place it is drawn at (WGS 84)."),
    Field("location_precision", "string", "city, country or region: what the place is."),
    Field("place_basis", "string", "How the place was found."),
    Field("working_group", "string", "The Compact working group, if any."),
    Field("online", "boolean", "Whether it was held online."),
    Field("internal", "boolean", "Always false here: internal activities are not published."),
    Field("section", "string", "The newsletter's section it is listed in."),
    Field("source", "string", "The document the activity comes from."),
    Field("source_url", "string", "Where the source is published, if online."),
    Field("source_line", "integer", "The line of the source that names it."),
    Field("url", "string", "A page about the activity, if any."),
]


def datapackage(
    sources: list[dict[str, Any]], *, data_version: int, synthetic: bool
) -> dict[str, Any]:
    """The Frictionless Data Package of the four CSV resources, beside it as relative paths."""
    title = "Counter-Terrorism Compact in Numbers"
    description = (
        "The headline figures of the UN Global Counter-Terrorism Coordination Compact and its "
        f"dated activities around the world, data version {data_version}."
    )
    if synthetic:
        title += " (synthetic data)"
        description = "Synthetic figures and activities made for a demonstration: not real. "
    return {
        "profile": "data-package",
        "name": "ctdash",
        "title": title,
        "description": description,
        "version": str(data_version),
        "licenses": LICENSES,
        "sources": sources,
        "resources": [
            _resource("indicators", "The eight headline indicators.", INDICATOR_FIELDS, ["code"]),
            _resource(
                "observations",
                "The current figure of each indicator at each date.",
                OBSERVATION_FIELDS,
                ["indicator", "as_of"],
                foreign=("indicator", "indicators", "code"),
            ),
            _resource(
                "activities",
                "The dated public activities, earliest first.",
                ACTIVITY_FIELDS,
                ["key"],
            ),
            _resource(
                "notes",
                "Dated notes on the trends (events such as the Compact's signing), with sources.",
                NOTE_FIELDS,
                ["key"],
                foreign=("indicator", "indicators", "code"),
            ),
        ],
    }


def _resource(
    name: str,
    description: str,
    fields: list[Field],
    key: list[str],
    *,
    foreign: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [f.descriptor() for f in fields],
        "primaryKey": key,
        "missingValues": [""],
    }
    if foreign is not None:
        column, resource, target = foreign
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": resource, "fields": [target]}}
        ]
    return {
        "name": name,
        "path": f"{name}.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": CSV_ENCODING,
        "description": description,
        "schema": schema,
        "licenses": LICENSES,
    }


def package_sources(engine: Engine) -> list[dict[str, Any]]:
    """The sources of the current figures, as a data package lists them."""
    observations = queries.observations(engine)
    pairs = dict(zip(observations["source"], observations["source_url"], strict=True))
    return [
        {"title": title, **({"path": url} if isinstance(url, str) and url else {})}
        for title, url in pairs.items()
    ]


README = """Counter-Terrorism Compact in Numbers: open data

indicators.csv   the headline indicators (code, label, unit, definition, sources), who
                 provides each, when its next figure is due and its state on {today}, and
                 its target if it has one
observations.csv the current figure of each indicator at each date, with its source
activities.csv   the dated public activities, with place, entities and source
notes.csv        dated notes on the trends (events), each with its source
datapackage.json the Frictionless Data Package describing the four files

Every figure names its source. A correction is a new revision: observations.csv holds the
current one; /api/v1/observations.csv?revisions=all lists every revision. Data version {version}.
"""


def data_zip(engine: Engine, *, data_version: int, synthetic: bool, today: date) -> Iterator[bytes]:
    """data.zip: the four CSVs, the data package and a README, written to a temporary file
    (on disk beyond a few megabytes) and read back in chunks; the indicators' state is that
    of `today`."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", README.format(version=data_version, today=today))
            package = datapackage(
                package_sources(engine), data_version=data_version, synthetic=synthetic
            )
            archive.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False))
            archive.writestr(
                "indicators.csv", export.to_csv_bytes(indicators_table(engine, today=today))
            )
            archive.writestr(
                "observations.csv",
                export.to_csv_bytes(observations_table(engine, {})),
            )
            archive.writestr("notes.csv", export.to_csv_bytes(notes_table(engine)))
            with archive.open("activities.csv", "w") as out:
                pages = activity_pages(engine, queries.ActivityFilter())
                for chunk in csv_chunks(pages, activity_columns()):
                    out.write(chunk)
        spool.seek(0)
        while chunk := spool.read(1 << 16):
            yield chunk
