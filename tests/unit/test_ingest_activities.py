"""Activity uploads: tables of rows in, placed records, errors and warnings (row, column) out."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ctdash import geo
from ctdash.ingest import ActivityRecord, Problem
from ctdash.ingest.activities import ACTIVITY_HEADER, parse_activity_file
from ctdash.ingest.templates import activity_template
from ctdash.models import ACTIVITY_KINDS

UPLOADS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "uploads"
TODAY = date(2024, 6, 30)
HEADER = "title,kind,start,end,country,city,region,entities,working group,online,url,lat,lon"
KINDS = ", ".join(ACTIVITY_KINDS)
DATE_HINT = "write it as YYYY-MM-DD"


def parse(
    data: bytes, *, name: str = "activities.csv", max_bytes: int | None = None
) -> tuple[list[ActivityRecord], list[Problem], list[Problem]]:
    extra = {} if max_bytes is None else {"max_bytes": max_bytes}
    parsed = parse_activity_file(file_name=name, data=data, today=TODAY, **extra)
    assert parsed.questions == [], parsed.questions
    return parsed.records, parsed.errors, parsed.warnings


def one_row(**cells: str) -> bytes:
    """A CSV with the full header and one row; cells not given are empty."""
    names = HEADER.split(",")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    row = {"title": "Workshop", "kind": "workshop", "start": "2023-03-06", **cells}
    writer.writerow([row.get(name.replace(" ", "_"), "") for name in names])
    return buffer.getvalue().encode()


def problems_of(problems: list[Problem]) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in problems]


def test_committed_file() -> None:
    records, errors, warnings = parse((UPLOADS / "activities.csv").read_bytes())
    assert errors == []
    assert warnings == []
    by_row = {record.row: record for record in records}
    assert sorted(by_row) == [2, 3, 4, 5]

    djibouti = by_row[2]
    assert (djibouti.title, djibouti.kind) == ("National workshop on API-PNR", "workshop")
    assert (djibouti.start_date, djibouti.end_date) == (date(2023, 3, 28), date(2023, 3, 29))
    assert (djibouti.country_iso3, djibouti.city, djibouti.location_precision) == (
        "DJI",
        "Djibouti",
        "city",
    )
    assert djibouti.entities == ("UNOCT", "UNODC")
    assert djibouti.url == "https://www.un.org/counterterrorism/"
    assert djibouti.place_basis == "Djibouti, Djibouti"
    assert djibouti.online is False

    online = by_row[3]
    assert (online.online, online.working_group, online.location_precision) == (
        True,
        "RMME",
        "none",
    )
    assert online.end_date == online.start_date == date(2023, 3, 24)
    assert (online.lat, online.lon, online.place_basis) == (None, None, None)

    nairobi = by_row[4]
    assert (nairobi.country_iso3, nairobi.location_precision) == ("KEN", "city")
    assert nairobi.entities == ("UNODC", "UN Women")
    assert nairobi.lat == pytest.approx(-1.28, abs=0.05)

    caribbean = by_row[5]
    assert (caribbean.region, caribbean.location_precision) == ("Caribbean", "region")
    assert (caribbean.lat, caribbean.lon) == geo.region_centre("Caribbean")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({"kind": "Workshop"}, {"kind": "workshop"}, id="kind-any-case"),
        pytest.param({"kind": " TRAINING "}, {"kind": "training"}, id="kind-spaces"),
        pytest.param({"start": "30/09/2023"}, {"start_date": date(2023, 9, 30)}, id="day-first"),
        pytest.param({"start": "03/30/2023"}, {"start_date": date(2023, 3, 30)}, id="month-first"),
        pytest.param(
            {"start": "6–9 March 2023"},
            {"start_date": date(2023, 3, 6), "end_date": date(2023, 3, 9)},
            id="range-in-one-cell",
        ),
        pytest.param(
            {"start": "30 March–2 April 2023"},
            {"start_date": date(2023, 3, 30), "end_date": date(2023, 4, 2)},
            id="range-over-two-months",
        ),
        pytest.param(
            {"start": "March 31, 2023", "end": "Friday, 31 March 2023"},
            {"start_date": date(2023, 3, 31), "end_date": date(2023, 3, 31)},
            id="dates-in-words",
        ),
        pytest.param({"kind": "Trainings"}, {"kind": "training"}, id="kind-plural"),
        pytest.param(
            {"city": "Nairobi, Kenya"},
            {"country_iso3": "KEN", "city": "Nairobi", "location_precision": "city"},
            id="city-and-country-in-one-cell",
        ),
        pytest.param(
            {"city": "Dakar - Senegal"},
            {"country_iso3": "SEN", "city": "Dakar", "location_precision": "city"},
            id="city-dash-country",
        ),
        pytest.param(
            {"city": "Dushanbe (Tajikistan)"},
            {"country_iso3": "TJK", "city": "Dushanbe", "location_precision": "city"},
            id="country-in-brackets-after-the-city",
        ),
        pytest.param({"kind": "Assessment visit"}, {"kind": "assessment"}, id="kind-visit"),
        pytest.param(
            {"start": "6.3.2023", "end": "9.3.2023"},
            {"start_date": date(2023, 3, 6), "end_date": date(2023, 3, 9)},
            id="dotted-dates",
        ),
        pytest.param({"end": ""}, {"end_date": date(2023, 3, 6)}, id="end-defaults-to-start"),
        pytest.param(
            {"country": "Nigeria"},
            {"country_iso3": "NGA", "location_precision": "country", "place_basis": "Nigeria"},
            id="country-name",
        ),
        pytest.param(
            {"country": "jor"}, {"country_iso3": "JOR", "location_precision": "country"}, id="iso3"
        ),
        pytest.param(
            {"country": "Nigeria", "city": "Abuja"},
            {"country_iso3": "NGA", "city": "Abuja", "location_precision": "city"},
            id="city",
        ),
        pytest.param(
            {"city": "Nairobi"},
            {"country_iso3": "KEN", "location_precision": "city"},
            id="city-without-country",
        ),
        pytest.param(
            {"entities": "UNODC; UN Women ;;CTED"},
            {"entities": ("UNODC", "UN Women", "CTED")},
            id="entities-semicolons",
        ),
        pytest.param(
            {"entities": "CTED, UNOCT,CTED"}, {"entities": ("CTED", "UNOCT")}, id="entities-commas"
        ),
        pytest.param(
            {"entities": "UNODC; Ministry of Justice, Kenya"},
            {"entities": ("UNODC", "Ministry of Justice, Kenya")},
            id="entities-semicolon-keeps-comma",
        ),
        pytest.param({"entities": ""}, {"entities": ()}, id="no-entities"),
        pytest.param({"working_group": " NARS "}, {"working_group": "NARS"}, id="working-group"),
        pytest.param(
            {"url": "HTTPS://www.un.org/x"}, {"url": "HTTPS://www.un.org/x"}, id="url-https"
        ),
        pytest.param({"url": "http://un.org"}, {"url": "http://un.org"}, id="url-http"),
        pytest.param(
            {"title": "  A   long\nday "}, {"title": "A long day"}, id="title-whitespace-collapsed"
        ),
        pytest.param({"title": "x" * 500}, {"title": "x" * 500}, id="title-at-the-limit"),
    ],
)
def test_good_rows(cells: dict[str, str], expected: dict[str, object]) -> None:
    records, errors, _ = parse(one_row(**cells))
    assert errors == []
    assert [record.row for record in records] == [2]
    for name, value in expected.items():
        assert getattr(records[0], name) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        ("y", True),
        ("TRUE", True),
        ("true", True),
        ("1", True),
        ("no", False),
        ("N", False),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        ("", False),
    ],
)
def test_online(text: str, expected: bool) -> None:
    records, errors, _ = parse(one_row(online=text, country="KEN"))
    assert errors == []
    assert records[0].online is expected


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param(
            {"lat": "-1.2921", "lon": "36.8219", "country": "KEN", "city": "Kisumu Ndogo"},
            (-1.2921, 36.8219, "KEN", "city"),
            id="city-point",
        ),
        pytest.param(
            {"lat": "9", "lon": "-10.5", "country": "Guinea"},
            (9.0, -10.5, "GIN", "country"),
            id="country-point",
        ),
        pytest.param(
            {"lat": "9,0765", "lon": "7,3986", "country": "NGA"},
            (9.0765, 7.3986, "NGA", "country"),
            id="decimal-comma",
        ),
        pytest.param({"lat": "90", "lon": "-180"}, (90.0, -180.0, None, "country"), id="limits"),
    ],
)
def test_latitude_and_longitude_given(cells: dict[str, str], expected: tuple) -> None:
    records, errors, warnings = parse(one_row(**cells))
    assert errors == []
    assert warnings == []
    record = records[0]
    assert (record.lat, record.lon, record.country_iso3, record.location_precision) == expected
    assert record.place_basis is not None
    assert record.place_basis.endswith("latitude and longitude given in the file")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({"title": ""}, [(2, "title", "the title is empty")], id="empty-title"),
        pytest.param(
            {"title": "x" * 501},
            [(2, "title", "the title is 501 characters long; the limit is 500")],
            id="long-title",
        ),
        pytest.param(
            {"kind": "dance"},
            [(2, "kind", f"unknown kind 'dance'; use one of: {KINDS}")],
            id="unknown-kind",
        ),
        pytest.param(
            {"kind": ""}, [(2, "kind", f"the kind is empty; use one of: {KINDS}")], id="empty-kind"
        ),
        pytest.param({"start": ""}, [(2, "start", "the start date is empty")], id="empty-start"),
        pytest.param(
            {"start": "31/02/2023"},
            [(2, "start", f"'31/02/2023' is not a valid date; {DATE_HINT}")],
            id="impossible-start",
        ),
        pytest.param(
            {"end": "soon"},
            [(2, "end", f"'soon' is not a valid date; {DATE_HINT}")],
            id="bad-end",
        ),
        pytest.param(
            {"start": "2023-03-09", "end": "2023-03-06"},
            [(2, "end", "the end 2023-03-06 is before the start 2023-03-09")],
            id="end-before-start",
        ),
        pytest.param(
            {"country": "Narnia"},
            [(2, "country", "unknown country 'Narnia'")],
            id="unknown-country",
        ),
        pytest.param(
            {"country": "West Africa"},
            [(2, "country", "unknown country 'West Africa'; put a region in the region column")],
            id="region-in-country-column",
        ),
        pytest.param(
            {"online": "maybe"}, [(2, "online", "'maybe' is not yes or no")], id="online-maybe"
        ),
        pytest.param(
            {"url": "www.un.org"},
            [
                (
                    2,
                    "url",
                    "'www.un.org' is not a web address; it must start with http:// or https://",
                )
            ],
            id="url-without-scheme",
        ),
        pytest.param(
            {"url": "javascript:alert(1)"},
            [
                (
                    2,
                    "url",
                    "'javascript:alert(1)' is not a web address; it must start with http:// or "
                    "https://",
                )
            ],
            id="url-script",
        ),
        pytest.param(
            {"url": "https://un.org/a page"},
            [
                (
                    2,
                    "url",
                    "'https://un.org/a page' is not a web address; it must start with http:// "
                    "or https://",
                )
            ],
            id="url-with-space",
        ),
        pytest.param(
            {"lat": "9.1"},
            [(2, "lon", "give both latitude and longitude, or neither")],
            id="lat-without-lon",
        ),
        pytest.param(
            {"lon": "7.4"},
            [(2, "lat", "give both latitude and longitude, or neither")],
            id="lon-without-lat",
        ),
        pytest.param(
            {"lat": "91", "lon": "7"}, [(2, "lat", "91 is outside -90 to 90")], id="lat-range"
        ),
        pytest.param(
            {"lat": "9", "lon": "-180.5"},
            [(2, "lon", "-180.5 is outside -180 to 180")],
            id="lon-range",
        ),
        pytest.param(
            {"lat": "north", "lon": "7"}, [(2, "lat", "'north' is not a number")], id="lat-text"
        ),
        pytest.param(
            {"lat": "nan", "lon": "7"}, [(2, "lat", "'nan' is not a number")], id="lat-nan"
        ),
    ],
)
def test_bad_rows(cells: dict[str, str], expected: list[tuple]) -> None:
    records, errors, _ = parse(one_row(**cells))
    assert problems_of(errors) == expected
    assert records == []


def test_every_error_of_every_row_is_listed_in_row_order() -> None:
    data = (
        HEADER + "\n"
        "Good,meeting,2023-03-01,,KEN,,,,,,,,\n"
        "Bad,dance,2023-03-09,2023-03-01,Narnia,,,,,maybe,ftp://x,,\n"
        ",meeting,yesterday,,,,,,,,,,\n"
    ).encode()
    records, errors, _ = parse(data)
    assert problems_of(errors) == [
        (3, "kind", f"unknown kind 'dance'; use one of: {KINDS}"),
        (3, "end", "the end 2023-03-01 is before the start 2023-03-09"),
        (3, "country", "unknown country 'Narnia'"),
        (3, "online", "'maybe' is not yes or no"),
        (3, "url", "'ftp://x' is not a web address; it must start with http:// or https://"),
        (4, "title", "the title is empty"),
        (4, "start", f"'yesterday' is not a valid date; {DATE_HINT}"),
    ]
    assert [record.row for record in records] == [2]


@pytest.mark.parametrize(
    ("cells", "warning", "placed"),
    [
        pytest.param(
            {"city": "Smallvillezz", "country": "Jordan"},
            "the gazetteer does not know 'Smallvillezz' in Jordan; give latitude and longitude, "
            "or it will be placed at the country's centre",
            ("JOR", "country", geo.country_centre("JOR")),
            id="unknown-city-in-a-country",
        ),
        pytest.param(
            {"city": "Nairobi", "country": "Nigeria"},
            "the gazetteer does not know 'Nairobi' in Nigeria; give latitude and longitude, "
            "or it will be placed at the country's centre",
            ("NGA", "country", geo.country_centre("NGA")),
            id="city-in-another-country",
        ),
        pytest.param(
            {"city": "Smallvillezz", "region": "Caribbean"},
            "the gazetteer does not know 'Smallvillezz'; give latitude and longitude, "
            "or it will be placed at the region's centre",
            (None, "region", geo.region_centre("Caribbean")),
            id="unknown-city-in-a-region",
        ),
        pytest.param(
            {"city": "Smallvillezz"},
            "the gazetteer does not know 'Smallvillezz'; give latitude and longitude, "
            "or it will not be placed on the map",
            (None, "none", None),
            id="unknown-city-alone",
        ),
    ],
)
def test_unknown_city_is_a_warning(
    cells: dict[str, str], warning: str, placed: tuple[str | None, str, tuple | None]
) -> None:
    records, errors, warnings = parse(one_row(online="yes", **cells))
    assert errors == []
    assert problems_of(warnings) == [(2, "city", warning)]
    record = records[0]
    point = (record.lat, record.lon) if record.lat is not None else None
    assert (record.country_iso3, record.location_precision, point) == placed
    assert record.city == cells["city"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            one_row(start="2024-07-01", country="KEN"),
            [(2, "start", "2024-07-01 is in the future (today is 2024-06-30)")],
            id="future-start",
        ),
        pytest.param(
            one_row(country="KEN", region="Atlantis"),
            [
                (
                    2,
                    "region",
                    "the gazetteer does not know the region 'Atlantis'; it is kept as written",
                )
            ],
            id="unknown-region",
        ),
        pytest.param(
            (HEADER + ",source\nA,meeting,2023-03-01,,KEN,,,,,,,,,newsletter\n").encode(),
            [
                (
                    1,
                    "source",
                    "this column is not read; the columns read are: " + ", ".join(ACTIVITY_HEADER),
                )
            ],
            id="column-not-read",
        ),
        pytest.param(
            (HEADER + "\nA,meeting,2023-03-01,,KEN\na,Training,1 March 2023,,JOR\n").encode(),
            [(3, "title", "the same title and start date as row 2")],
            id="repeated-activity",
        ),
    ],
)
def test_warnings(data: bytes, expected: list[tuple]) -> None:
    records, errors, warnings = parse(data)
    assert errors == []
    assert problems_of(warnings) == expected
    assert records


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(
            "name,kind,start",
            (
                1,
                None,
                "The header has no 'title' column; the columns read are: "
                + ", ".join(ACTIVITY_HEADER)
                + " (title, kind and start are required).",
            ),
            id="no-title",
        ),
        pytest.param(
            "title,type,when",
            (
                1,
                None,
                "The header has no 'kind', 'start' column; the columns read are: "
                + ", ".join(ACTIVITY_HEADER)
                + " (title, kind and start are required).",
            ),
            id="no-kind-no-start",
        ),
        pytest.param(
            "title,kind,start,Start date",
            (1, "Start date", "this column and column 'start' are both read as 'start'; keep one"),
            id="start-twice",
        ),
    ],
)
def test_bad_headers(header: str, expected: tuple) -> None:
    records, errors, _ = parse(f"{header}\nA,meeting,2023-03-01,2023-03-01\n".encode())
    assert problems_of(errors)[:1] == [expected]
    if expected[1] is None:
        assert records == []


def test_header_names_are_read_loosely() -> None:
    data = (
        "\ufeffTitle;KIND;Start date;End_Date;Country ISO3;City;Region;Entity;working_group;"
        "Online;Link;Latitude;Longitude\n"
        "A;Meeting;16/03/2023;17/03/2023;KEN;Nairobi;;CTED;NARS;yes;https://un.org;-1,3;36,8\n"
    ).encode()
    records, errors, warnings = parse(data)
    assert (errors, warnings) == ([], [])
    record = records[0]
    assert (record.start_date, record.end_date) == (date(2023, 3, 16), date(2023, 3, 17))
    assert (record.entities, record.working_group, record.online) == (("CTED",), "NARS", True)
    assert (record.url, record.lat, record.lon) == ("https://un.org", -1.3, 36.8)


def test_optional_columns_may_be_left_out() -> None:
    parsed = parse_activity_file(
        file_name="a.csv", data=b"title,kind,start\nA,launch,2023-03-01\n", today=TODAY
    )
    records, errors, warnings = parsed.records, parsed.errors, parsed.warnings
    assert (errors, warnings) == ([], [])
    # Nothing was guessed: the preview says it, and nothing holds the file.
    assert parsed.notes == [
        "Row 2: no place is given, and it is not online: it will not be on the map."
    ]
    record = records[0]
    assert (record.end_date, record.country_iso3, record.entities, record.online) == (
        date(2023, 3, 1),
        None,
        (),
        False,
    )


def test_xlsx_with_date_and_boolean_cells() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(list(ACTIVITY_HEADER))
    workbook.active.append(
        [
            "A",
            "Training",
            datetime(2023, 3, 7),
            datetime(2023, 3, 9),
            "GHA",
            "Accra",
            None,
            "UNODC",
            None,
            False,
            None,
            None,
            None,
        ]
    )
    workbook.active.append(
        [
            "B",
            "meeting",
            datetime(2023, 3, 24),
            None,
            None,
            None,
            None,
            None,
            "RMME",
            True,
            None,
            None,
            None,
        ]
    )
    workbook.active.append(
        ["C", "mission", "2023-03-20", None, "Togo", None, None, None, None, 0, None, 8.5, 1]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    records, errors, warnings = parse(buffer.getvalue(), name="activities.xlsx")
    assert (errors, warnings) == ([], [])
    assert [(r.row, r.kind, r.start_date, r.end_date, r.online) for r in records] == [
        (2, "training", date(2023, 3, 7), date(2023, 3, 9), False),
        (3, "meeting", date(2023, 3, 24), date(2023, 3, 24), True),
        (4, "mission", date(2023, 3, 20), date(2023, 3, 20), False),
    ]
    assert (records[0].country_iso3, records[0].location_precision) == ("GHA", "city")
    assert (records[2].lat, records[2].lon, records[2].location_precision) == (8.5, 1.0, "country")


@pytest.mark.parametrize(
    ("data", "max_bytes", "expected"),
    [
        pytest.param(b"", None, (None, None, "The file is empty."), id="empty"),
        pytest.param(
            HEADER.encode() + b"\r\n",
            None,
            (1, None, "The file has a header but no rows."),
            id="header-only",
        ),
        pytest.param(
            b"%PDF-1.4\n",
            None,
            (
                None,
                None,
                "'activities.csv' is not a CSV or XLSX spreadsheet; save it as .xlsx or as CSV "
                "(UTF-8) and upload it again.",
            ),
            id="pdf",
        ),
        pytest.param(
            b"x" * 3000,
            1000,
            (None, None, "The file is 3 KB; the limit is 1 KB."),
            id="too-large",
        ),
    ],
)
def test_file_checks_shared_with_figures(
    data: bytes, max_bytes: int | None, expected: tuple
) -> None:
    records, errors, warnings = parse(data, max_bytes=max_bytes)
    assert (records, warnings) == ([], [])
    assert problems_of(errors) == [expected]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_is_the_header_and_parses_back_once_filled(fmt: str) -> None:
    template = activity_template(fmt=fmt)  # type: ignore[arg-type]
    records, errors, _ = parse(template, name=f"activities.{fmt}")
    assert problems_of(errors) == [(1, None, "The file has a header but no rows.")]
    row = [
        "A",
        "workshop",
        "28/03/2023",
        "29/03/2023",
        "DJI",
        "Djibouti",
        "",
        "UNOCT; UNODC",
        "",
        "no",
        "https://un.org",
        "",
        "",
    ]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"), newline="")))
        assert rows == [list(ACTIVITY_HEADER)]
        filled = template + (",".join(row) + "\r\n").encode()
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(template))
        assert [cell.value for cell in workbook.active[1]] == list(ACTIVITY_HEADER)
        workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        filled = buffer.getvalue()
    records, errors, warnings = parse(filled, name=f"activities.{fmt}")
    assert (errors, warnings) == ([], [])
    assert [(r.title, r.country_iso3, r.location_precision, r.entities) for r in records] == [
        ("A", "DJI", "city", ("UNOCT", "UNODC"))
    ]


@pytest.mark.parametrize(
    ("city", "read_as"),
    [
        ("Nairobi, Kenya", ("Nairobi", "KEN", "the city Nairobi in Kenya")),
        ("Dushanbe (Tajikistan)", ("Dushanbe", "TJK", "the city Dushanbe in Tajikistan")),
    ],
)
def test_a_city_and_its_country_in_the_city_column_are_read_and_noted(
    city: str, read_as: tuple[str, str, str]
) -> None:
    data = one_row(title="Workshop", kind="workshop", start="2024-03-01", city=city)
    parsed = parse_activity_file(file_name="activities.csv", data=data, today=TODAY)
    assert parsed.errors == [] and parsed.warnings == []
    (record,) = parsed.records
    assert (record.city, record.country_iso3) == read_as[:2]
    assert f"Row 2: '{city}' in the city column is read as {read_as[2]}." in parsed.notes
