"""Activities uploaded as CSV or XLSX: bytes -> activities and problems, placed offline."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import NamedTuple

from ctdash import geo
from ctdash.ingest import MAX_UPLOAD_BYTES, ActivityRecord, Parsed, Problem
from ctdash.ingest import dates as dates_
from ctdash.ingest.indicators import bad_date, decide_order
from ctdash.ingest.sheet import (
    Cell,
    Row,
    Sheet,
    cell_text,
    find_columns,
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
    "start": ("start", "startdate", "date", "dates", "from", "begins"),
    "end": ("end", "enddate", "to", "ends"),
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
    *,
    file_name: str,
    data: bytes,
    today: date,
    max_bytes: int = MAX_UPLOAD_BYTES,
    sheet: str | None = None,
    date_order: dates_.Order | None = None,
) -> Parsed[ActivityRecord]:
    """Read activities from CSV or XLSX bytes; nothing may be written unless errors and
    questions are empty."""
    read = read_sheet(
        file_name=file_name,
        data=data,
        max_bytes=max_bytes,
        is_header=activities_header,
        sheet_name=sheet,
    )
    out = read.start(Parsed[ActivityRecord]())
    if read.sheet is None:
        return out
    table = read.sheet
    columns, problems = find_columns(table, ACTIVITY_COLUMNS)
    out.errors.extend(problems)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        out.errors.append(
            Problem(
                table.header_row,
                None,
                f"The header has no {names} column; the columns read are: "
                f"{', '.join(ACTIVITY_HEADER)} (title, kind and start are required).",
            )
        )
        out.errors.sort(key=lambda problem: problem.row or 0)
        return out
    out.warnings.extend(_unread_columns(table, columns))
    order = decide_order(
        _written_dates(table, columns), date_order, table.header[columns["start"]], out
    )
    first_row: dict[tuple[str, date], int] = {}
    for row in table.rows:
        record = _read_row(row, table, columns, today, order, out)
        if record is None:
            continue
        key = (record.title.casefold(), record.start_date)
        if key in first_row:
            message = f"the same title and start date as row {first_row[key]}"
            out.warnings.append(Problem(row.number, table.header[columns["title"]], message))
        else:
            first_row[key] = row.number
        out.records.append(record)
    out.errors.sort(key=lambda problem: problem.row or 0)
    out.warnings.sort(key=lambda problem: problem.row or 0)
    if out.questions:
        out.records = []
    return out


def activities_header(keys: Sequence[str]) -> bool:
    """Whether a row of header keys is the header of a file of activities."""
    present = set(keys)
    starts = set(ACTIVITY_COLUMNS["start"])
    return "title" in present and ("kind" in present or bool(present & starts))


def _written_dates(table: Sheet, columns: dict[str, int]) -> list[tuple[int, str]]:
    """Each date written as text in the start and end columns, a range split in two."""
    written: list[tuple[int, str]] = []
    for row in table.rows:
        for name in ("start", "end"):
            cell = row.get(columns.get(name))
            if isinstance(cell, str) and cell.strip():
                parts = dates_.range_parts(cell) or (cell,)
                written.extend((row.number, part) for part in parts)
    return written


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
    order: dates_.Order | None,
    out: Parsed[ActivityRecord],
) -> ActivityRecord | None:
    """A row as an activity, or None when it has errors (added to `out`, as are its
    warnings and notes)."""
    found = len(out.errors)

    def text(name: str) -> str:
        return cell_text(row.get(columns.get(name)))

    error = _reporter(row, sheet, columns, out.errors)
    warn = _reporter(row, sheet, columns, out.warnings)
    title = _title(text("title"), error)
    kind = _checked_kind(text("kind"), error)
    start, end = _checked_dates(row, columns, today, order, error=error, warn=warn)
    named = _named_place(text("country"), text("region"), row.number, error, warn, out.notes)
    online = _yes_or_no("online", text("online"), error)
    internal = _yes_or_no("internal", text("internal"), error)
    url = _url(text("url"), error)
    point = _point(row, columns, error)
    if len(out.errors) > found or not (title and kind and start and end):
        return None
    place, basis, city = _placed(
        row.number, text("city"), named, point, bool(online), warn, out.notes
    )
    return ActivityRecord(
        row=row.number,
        title=title,
        kind=kind,
        start_date=start,
        end_date=end,
        country_iso3=place.iso3,
        city=city,
        region=named.region,
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


def _reporter(row: Row, sheet: Sheet, columns: dict[str, int], problems: list[Problem]) -> _Report:
    """A report(column name, message) that adds a problem of this row to `problems`."""

    def report(name: str, message: str) -> None:
        problems.append(Problem(row.number, sheet.header[columns[name]], message))

    return report


def _title(written: str, error: _Report) -> str:
    """The title, its spaces collapsed; an empty or too long one is an error."""
    title = " ".join(written.split())
    if not title:
        error("title", "the title is empty")
    elif len(title) > MAX_TITLE:
        error("title", f"the title is {len(title)} characters long; the limit is {MAX_TITLE}")
    return title


def _checked_kind(written: str, error: _Report) -> str:
    """The kind as `_kind` reads it; an empty or unknown one is an error."""
    kind = _kind(written)
    if kind not in ACTIVITY_KINDS:
        shown = f"unknown kind '{written}'" if kind else "the kind is empty"
        error("kind", f"{shown}; use one of: {', '.join(ACTIVITY_KINDS)}")
    return kind


def _checked_dates(
    row: Row,
    columns: dict[str, int],
    today: date,
    order: dates_.Order | None,
    *,
    error: _Report,
    warn: _Report,
) -> tuple[date | None, date | None]:
    """The start and end; a start in the future is a warning, an end before it an error."""
    start, end = _dates(row, columns, order, error)
    if start and start > today:
        warn("start", f"{start.isoformat()} is in the future (today is {today.isoformat()})")
    if start and end and end < start:
        error("end", f"the end {end.isoformat()} is before the start {start.isoformat()}")
    return start, end


class _Named(NamedTuple):
    """The place a row names in words: its country as written, that country's code, its region."""

    country: str
    iso3: str | None
    region: str | None


def _named_place(
    country_text: str,
    region_text: str,
    row_number: int,
    error: _Report,
    warn: _Report,
    notes: list[str],
) -> _Named:
    """The country and region a row names: an unknown country is an error, a name read as
    another country's usual name a note, a region the gazetteer does not know a warning."""
    country = " ".join(country_text.split())
    iso3 = geo.country_iso3(country) if country else None
    if country and iso3 is None:
        hint = "; put a region in the region column" if geo.countries_in_region(country) else ""
        error("country", f"unknown country '{country}'{hint}")
    if country and iso3 and not geo.is_iso3(country.upper()) and len(country) > 3:
        named = geo.country_name(iso3)
        if _plain(named) != _plain(country):
            notes.append(f"Row {row_number}: the country '{country}' is read as {named}.")
    region = " ".join(region_text.split()) or None
    if region and geo.region_centre(region) is None:
        warn("region", f"the gazetteer does not know the region '{region}'; it is kept as written")
    return _Named(country, iso3, region)


def _yes_or_no(name: str, written: str, error: _Report) -> bool | None:
    """A yes or no column's value; None, and an error, for anything else."""
    flag = _flag(written)
    if flag is None:
        error(name, f"'{written}' is not yes or no")
    return flag


def _url(written: str, error: _Report) -> str | None:
    """The web address, or None; one that does not start with http(s):// is an error."""
    url = written or None
    if url and not re.fullmatch(r"https?://\S+", url, flags=re.IGNORECASE):
        error("url", f"'{url}' is not a web address; it must start with http:// or https://")
    return url


def _placed(
    row_number: int,
    city_text: str,
    named: _Named,
    point: tuple[float, float] | None,
    online: bool,
    warn: _Report,
    notes: list[str],
) -> tuple[geo.Place, str | None, str | None]:
    """Where the row's activity took place, what placed it, and its city (a country written
    with it in the city column read as the country)."""
    country, iso3, region = named
    city = " ".join(city_text.split()) or None
    if city and (split := _city_and_country(city, iso3)):
        notes.append(
            f"Row {row_number}: '{city}' in the city column is read as the city {split[0]} in "
            f"{geo.country_name(split[1])}."
        )
        city, iso3 = split
        country = country or geo.country_name(iso3)
    place, basis = _place(
        city=city, country=country, iso3=iso3, region=region, point=point, warn=warn
    )
    if place.precision == "none" and not online and not place.candidates:
        notes.append(
            f"Row {row_number}: no place is given, and it is not online: it will not be on the map."
        )
    return place, basis, city


def _dates(
    row: Row,
    columns: dict[str, int],
    order: dates_.Order | None,
    error: _Report,
) -> tuple[date | None, date | None]:
    """The start and end: from their two columns, or from a range written in the start
    column ('6-9 March 2023') when no end is given."""
    start_cell = row.get(columns["start"])
    end_cell = row.get(columns.get("end"))
    if not cell_text(start_cell):
        error("start", "the start date is empty")
        return None, None
    if not cell_text(end_cell) and isinstance(start_cell, str):
        found = dates_.parse_range(start_cell, order)
        if found is not None:
            return found
    start = _date(start_cell, "start", order, error)
    if not cell_text(end_cell):
        return start, start
    return start, _date(end_cell, "end", order, error)


def _date(cell: Cell, name: str, order: dates_.Order | None, error: _Report) -> date | None:
    found = dates_.parse_date(cell, order)
    # A date that reads both ways is the file's question (or its mix of orders), not a
    # problem of its row.
    if found is None and not (order is None and dates_.evidence(cell_text(cell)) == "either"):
        error(name, bad_date(cell))
    return found


def _city_and_country(text: str, iso3: str | None) -> tuple[str, str] | None:
    """ "Nairobi, Kenya" or "Dushanbe (Tajikistan)" typed in the city column: the city and
    its country, when the country is one and agrees with the country column if it is filled."""
    found = re.fullmatch(r"(.+?)\s*(?:(?:,|\s[-–—]\s)\s*(.+)|\((.+)\))", text)
    if not found:
        return None
    country = geo.country_iso3((found[2] or found[3]).strip())
    if country is None or (iso3 is not None and iso3 != country):
        return None
    return found[1].strip(), country


def _kind(text: str) -> str:
    """A kind as written, in any case, singular or plural ('Trainings', 'Assessment visit')."""
    words = " ".join(text.casefold().split())
    if words in ACTIVITY_KINDS:
        return words
    for word in (
        words.removesuffix("s"),
        words.removesuffix(" visit"),
        words.removesuffix(" visits"),
    ):
        if word in ACTIVITY_KINDS:
            return word
    return words


def _plain(text: str) -> str:
    return re.sub(r"[^a-z]", "", dates_.fold(text))


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
    if place.candidates:
        names = ", ".join(geo.country_name(code) for code in place.candidates)
        warn(
            "city",
            f"'{city}' is a city in several countries ({names}); it is not placed: give "
            "its country in the country column",
        )
        return place, None
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
