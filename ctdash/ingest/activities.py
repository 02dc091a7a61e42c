"""Activities uploaded as CSV or XLSX: bytes -> (records, errors, warnings), placed offline."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date

from ctdash import geo
from ctdash.ingest import MAX_UPLOAD_BYTES, ActivityRecord, Problem
from ctdash.ingest.sheet import (
    Cell,
    Row,
    Sheet,
    bad_date,
    cell_text,
    find_columns,
    parse_date,
    read_sheet,
)
from ctdash.models import ACTIVITY_KINDS

# The header a template writes, in order; `ACTIVITY_COLUMNS` lists what else each accepts.
ACTIVITY_HEADER = (
    "title",
    "kind",
    "start",
    "end",
    "country",
    "city",
    "region",
    "entities",
    "working group",
    "online",
    "url",
    "lat",
    "lon",
    "internal",
)
ACTIVITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "kind": ("kind",),
    "start": ("start", "startdate", "date"),
    "end": ("end", "enddate"),
    "country": ("country", "countryiso3", "iso3"),
    "city": ("city",),
    "region": ("region",),
    "entities": ("entities", "entity"),
    "working group": ("workinggroup",),
    "online": ("online",),
    "url": ("url", "link"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "internal": ("internal",),
}
REQUIRED = ("title", "kind", "start")
MAX_TITLE = 500
_TRUE = ("yes", "y", "true", "1")
_FALSE = ("no", "n", "false", "0", "")
# error(column name, message) or warn(column name, message) for the row being read.
_Report = Callable[[str, str], None]


def parse_activity_file(
    *, file_name: str, data: bytes, today: date, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[list[ActivityRecord], list[Problem], list[Problem]]:
    """Read activities from CSV or XLSX bytes: (records, errors, warnings); errors block a write."""
    sheet, errors = read_sheet(file_name=file_name, data=data, max_bytes=max_bytes)
    if sheet is None:
        return [], errors, []
    columns, errors = find_columns(sheet, ACTIVITY_COLUMNS)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        errors.append(
            Problem(
                sheet.header_row,
                None,
                f"The header has no {names} column; the columns read are: "
                f"{', '.join(ACTIVITY_HEADER)} (title, kind and start are required).",
            )
        )
        return [], errors, []
    warnings = _unread_columns(sheet, columns)
    records: list[ActivityRecord] = []
    first_row: dict[tuple[str, date], int] = {}
    for row in sheet.rows:
        record = _read_row(row, sheet, columns, today, errors, warnings)
        if record is None:
            continue
        key = (record.title.casefold(), record.start_date)
        if key in first_row:
            message = f"the same title and start date as row {first_row[key]}"
            warnings.append(Problem(row.number, sheet.header[columns["title"]], message))
        else:
            first_row[key] = row.number
        records.append(record)
    errors.sort(key=lambda problem: problem.row or 0)
    warnings.sort(key=lambda problem: problem.row or 0)
    return records, errors, warnings


def _unread_columns(sheet: Sheet, columns: dict[str, int]) -> list[Problem]:
    used = set(columns.values())
    return [
        Problem(
            sheet.header_row,
            text,
            f"this column is not read; the columns read are: {', '.join(ACTIVITY_HEADER)}",
        )
        for index, text in enumerate(sheet.header)
        if text and index not in used
    ]


def _read_row(
    row: Row,
    sheet: Sheet,
    columns: dict[str, int],
    today: date,
    errors: list[Problem],
    warnings: list[Problem],
) -> ActivityRecord | None:
    found = len(errors)

    def text(name: str) -> str:
        return cell_text(row.get(columns.get(name)))

    def error(name: str, message: str) -> None:
        errors.append(Problem(row.number, sheet.header[columns[name]], message))

    def warn(name: str, message: str) -> None:
        warnings.append(Problem(row.number, sheet.header[columns[name]], message))

    title = " ".join(text("title").split())
    if not title:
        error("title", "the title is empty")
    elif len(title) > MAX_TITLE:
        error("title", f"the title is {len(title)} characters long; the limit is {MAX_TITLE}")

    kind = text("kind").casefold()
    if kind not in ACTIVITY_KINDS:
        shown = f"unknown kind '{text('kind')}'" if kind else "the kind is empty"
        error("kind", f"{shown}; use one of: {', '.join(ACTIVITY_KINDS)}")

    start = _date(row.get(columns["start"]), "start", error)
    if start and start > today:
        warn("start", f"{start.isoformat()} is in the future (today is {today.isoformat()})")
    end = start
    if "end" in columns and text("end"):
        end = _date(row.get(columns["end"]), "end", error)
        if start and end and end < start:
            error("end", f"the end {end.isoformat()} is before the start {start.isoformat()}")

    country = text("country")
    iso3 = geo.country_iso3(country) if country else None
    if country and iso3 is None:
        hint = "; put a region in the region column" if geo.countries_in_region(country) else ""
        error("country", f"unknown country '{country}'{hint}")
    region = " ".join(text("region").split()) or None
    if region and geo.region_centre(region) is None:
        warn("region", f"the gazetteer does not know the region '{region}'; it is kept as written")

    online = _flag(text("online"))
    if online is None:
        error("online", f"'{text('online')}' is not yes or no")
    internal = _flag(text("internal"))
    if internal is None:
        error("internal", f"'{text('internal')}' is not yes or no")

    url = text("url") or None
    if url and not re.fullmatch(r"https?://\S+", url, flags=re.IGNORECASE):
        error("url", f"'{url}' is not a web address; it must start with http:// or https://")

    point = _point(row, columns, error)
    if len(errors) > found or not (title and kind and start and end):
        return None
    city = " ".join(text("city").split()) or None
    place, basis = _place(
        city=city, country=country, iso3=iso3, region=region, point=point, warn=warn
    )
    if place.precision == "none" and not online:
        message = "no place is given, and it is not online: it will not be on the map"
        warnings.append(Problem(row.number, None, message))
    return ActivityRecord(
        row=row.number,
        title=title,
        kind=kind,
        start_date=start,
        end_date=end,
        country_iso3=place.iso3,
        city=city,
        region=region,
        lat=place.lat,
        lon=place.lon,
        location_precision=place.precision,
        entities=_entities(text("entities")),
        working_group=" ".join(text("working group").split()) or None,
        online=bool(online),
        url=url,
        place_basis=basis,
        internal=bool(internal),
    )


def _date(cell: Cell, name: str, error: _Report) -> date | None:
    if not cell_text(cell):
        error(name, f"the {name} date is empty")
        return None
    found = parse_date(cell)
    if found is None:
        error(name, bad_date(cell))
    return found


def _flag(text: str) -> bool | None:
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return None


def _entities(text: str) -> tuple[str, ...]:
    # "UNODC; UN Women" or "UNODC, UN Women"; with a ';' present, a ',' stays in the name.
    separator = ";" if ";" in text else ","
    names = (" ".join(name.split()) for name in text.split(separator))
    return tuple(dict.fromkeys(name for name in names if name))


def _point(row: Row, columns: dict[str, int], error: _Report) -> tuple[float, float] | None:
    values: dict[str, float | None] = {}
    for name, limit in (("lat", 90.0), ("lon", 180.0)):
        cell = row.get(columns.get(name))
        values[name] = None
        if not cell_text(cell):
            continue
        number = _number(cell)
        if number is None:
            error(name, f"'{cell_text(cell)}' is not a number")
        elif not -limit <= number <= limit:
            error(name, f"{cell_text(cell)} is outside -{limit:g} to {limit:g}")
        else:
            values[name] = number
    given = {name for name in ("lat", "lon") if cell_text(row.get(columns.get(name)))}
    if len(given) == 1:
        other = "lon" if "lat" in given else "lat"
        name = other if other in columns else given.pop()
        error(name, "give both latitude and longitude, or neither")
        return None
    lat, lon = values["lat"], values["lon"]
    return (lat, lon) if lat is not None and lon is not None else None


def _number(cell: Cell) -> float | None:
    if isinstance(cell, int | float):
        number = float(cell)
    else:
        text = cell_text(cell)
        # A semicolon CSV from a European locale writes 9,0765.
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    return number if math.isfinite(number) else None


def _place(
    *,
    city: str | None,
    country: str,
    iso3: str | None,
    region: str | None,
    point: tuple[float, float] | None,
    warn: _Report,
) -> tuple[geo.Place, str | None]:
    words = ", ".join(part for part in (city, country, region) if part) or None
    if point:
        given = "latitude and longitude given in the file"
        precision = "city" if city else "country"
        return (
            geo.Place(point[0], point[1], iso3, city, precision),
            f"{words}; {given}" if words else given,
        )
    place = geo.locate(city=city, country=iso3, region=region)
    if city and place.precision != "city":
        where = f" in {geo.country_name(iso3)}" if iso3 else ""
        fallback = {
            "country": "it will be placed at the country's centre",
            "region": "it will be placed at the region's centre",
        }.get(place.precision, "it will not be placed on the map")
        warn(
            "city",
            f"the gazetteer does not know '{city}'{where}; give latitude and longitude, "
            f"or {fallback}",
        )
    return place, words if place.precision != "none" else None
