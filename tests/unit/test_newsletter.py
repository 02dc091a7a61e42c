"""The newsletter parser and `ctdash ingest`, on the seed newsletter and on a second one.

`tests/fixtures/newsletters/2023-09-10.txt` is a SYNTHETIC fixture: an invented
September-October 2023 issue in the seed's layout, written for these tests only (its
figures, events, places and people are made up). It exercises forms the seed lacks: a range
across months, a city then its country, a hybrid event, a sub-region, partner chains.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ctdash.cli_ingest import ingest_command
from ctdash.ingest.newsletter import infer_year, parse_date_text, parse_newsletter
from tests.conftest import PROJECT_ROOT, row_counts, tables_checksum

# The seed newsletter, shipped with the data as the source of its figures.
SEED = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
SYNTHETIC = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"
# The hand reading of the seed, made independently of the parser (data/activities.md).
CURATED = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-03-04-hand-reading.csv"


def parse(path: Path, **kwargs):
    return parse_newsletter(path.read_text(encoding="utf-8"), **kwargs)


def one(text: str, year: int = 2023):
    """The activities of a one-item newsletter under a section heading."""
    result = parse_newsletter(f"REGIONAL FOCUS\n\n{text}\n", year=year)
    assert not result.errors, result.errors
    return result.activities


# --- dates -------------------------------------------------------------------------------

DATES = [
    ("6-9 Mar", (date(2023, 3, 6), date(2023, 3, 9), False)),
    ("27 Sep-7 Oct", (date(2023, 9, 27), date(2023, 10, 7), False)),
    ("24 Mar/online", (date(2023, 3, 24), date(2023, 3, 24), True)),
    ("12 Oct/hybrid", (date(2023, 10, 12), date(2023, 10, 12), True)),
    ("Apr", (date(2023, 4, 1), date(2023, 4, 30), False)),
    ("Feb", (date(2023, 2, 1), date(2023, 2, 28), False)),
    ("16 Mar", (date(2023, 3, 16), date(2023, 3, 16), False)),
    ("28 April", (date(2023, 4, 28), date(2023, 4, 28), False)),
    ("3 Sept", (date(2023, 9, 3), date(2023, 9, 3), False)),
    ("18 Dec-12 Jan", (date(2023, 12, 18), date(2024, 1, 12), False)),
    ("5-6 Oct 2022", (date(2022, 10, 5), date(2022, 10, 6), False)),
    ("2017", None),
    ("2023-2027", None),
    ("ETCIP", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_date_forms(text, expected):
    assert parse_date_text(text, 2023) == expected


def test_impossible_date_is_an_error_on_its_line():
    result = parse_newsletter("REGIONAL FOCUS\n\nUNODC training, Malawi (31 Feb)\n", year=2023)
    assert [(p.row, p.column) for p in result.errors] == [(3, "date")]
    assert result.activities == []


def test_leading_date_of_a_working_group_line():
    [meeting] = one("3 March **NARS WG** discussed the Strategy \\(2023-2027\\)")
    assert (meeting.kind, meeting.working_group, meeting.start_date, meeting.end_date) == (
        "meeting",
        "NARS",
        date(2023, 3, 3),
        date(2023, 3, 3),
    )
    assert meeting.title == "NARS WG discussed the Strategy (2023-2027)"
    assert meeting.country_iso3 is None


YEARS = [
    ("Global Terrorism Index 2023 (Mar)\nIWD2023 (8 Mar)\n", 2023),
    ("Programme 2024-27 (16 Mar)\nCT Week 2024 (Apr)\n", 2024),
    ("Report of the 2022 conference (Apr)\n", None),  # one mention does not decide
    ("2021 (Mar)\n2022 (Apr)\n", None),  # a tie does not decide
    ("Nothing dated mentions a year 2023\n2023\n", None),
]


@pytest.mark.parametrize(("text", "expected"), YEARS)
def test_year_inferred_from_dated_lines(text, expected):
    assert infer_year(text)[0] == expected


def test_no_year_is_an_error_asking_for_it():
    result = parse_newsletter("REGIONAL FOCUS\n\nUNODC training, Malawi (6-10 Mar)\n")
    assert [p.column for p in result.errors] == ["year"]
    assert "--year" in result.errors[0].message


# --- places ------------------------------------------------------------------------------

# (item, (iso3, city, region, precision), place_basis)
PLACES = [
    (
        "UNODC workshop on ICSANT in Nairobi (14-15 Mar)",
        ("KEN", "Nairobi", None, "city"),
        "in Nairobi",
    ),
    ("UNODC training in Ghana (7-9 Mar)", ("GHA", None, None, "country"), "in Ghana"),
    ("Workshop on detection, Paris (14-16 Mar)", ("FRA", "Paris", None, "city"), ", Paris"),
    (
        "UNCCT-OPCW workshop, Netherlands (27-28 Mar)",
        ("NLD", None, None, "country"),
        ", Netherlands",
    ),
    (
        "INTERPOL-UNOCT training, Port of Spain, Trinidad, and Tobago (28 Mar)",
        ("TTO", "Port of Spain", None, "city"),
        ", Port of Spain, Trinidad, and Tobago",
    ),
    (
        "UNDP workshop, Kampala, Uganda (24-26 Oct)",
        ("UGA", "Kampala", None, "city"),
        ", Kampala, Uganda",
    ),
    (
        "UNICRI [first scoping mission to Togo](#) on crime (20-21 Mar)",
        ("TGO", None, None, "country"),
        "to Togo",
    ),
    (
        "UNOCT national consultation for [Pakistan](#) (20-21 Mar)",
        ("PAK", None, None, "country"),
        "for Pakistan",
    ),
    (
        "UNOCT-UNODC [Turkmenistan training](#) on firearms (13-17 Mar)",
        ("TKM", None, None, "country"),
        "Turkmenistan training",
    ),
    (
        "UNCCT-CTED [workshop](#) for the Caribbean on guidelines (7-9 Mar)",
        (None, None, "Caribbean", "region"),
        "for the Caribbean",
    ),
    (
        "UNOCT-UNDP-EU workshop in South-East Asia, Bangkok (3-6 Apr)",
        ("THA", "Bangkok", None, "city"),
        ", Bangkok",
    ),
]


@pytest.mark.parametrize(("text", "expected", "basis"), PLACES)
def test_place_forms(text, expected, basis):
    [activity] = one(text)
    got = (activity.country_iso3, activity.city, activity.region, activity.location_precision)
    assert got == expected
    assert activity.place_basis == basis
    if activity.location_precision != "none":
        assert activity.lat is not None and activity.lon is not None


NOT_PLACES = [
    "UNODC-EU-Mozambique launched a new joint project (14 Mar)",
    "UNOCT-GCTF-Canada Second Consultations discussed gender (15-16 Mar)",
    "UNOCT-USA held expert-level briefing on targets (28 Mar)",
    "UNDP-Belgium-EU CSW67 side event (17 Mar)",
    "Side event hosted by UNOCT and the Permanent Mission of Italy (12 Oct/hybrid)",
    "The meeting discussed violent extremism in parts of Africa (28 April)",
    "GCTF consultation on CT/PCVE in Africa (21 Mar)",
    "CTED insight briefing on technology-driven counter-terrorism (27 Mar)",
]


@pytest.mark.parametrize("text", NOT_PLACES)
def test_partners_and_topics_are_not_places(text):
    [activity] = one(text)
    assert (activity.country_iso3, activity.region, activity.place_basis) == (None, None, None)
    assert activity.location_precision == "none"


def test_a_partner_country_is_named_in_a_note():
    result = parse_newsletter(
        "ENGAGEMENT\n\nUNODC-EU-Mozambique launched a project (14 Mar)\n", year=2023
    )
    [warning] = [p for p in result.notes if p.column == "place"]
    assert warning.row == 3
    assert "Mozambique named only as a partner" in warning.message


MULTI = [
    (
        "CTED conducted assessment visits to [Jordan](#) (6-9 Mar), [Benin](#) (13-17 Mar) "
        "& [Spain](#) (24-28 April)",
        [("JOR", "2023-03-06", "2023-03-09"), ("BEN", "2023-03-13", "2023-03-17"),
         ("ESP", "2023-04-24", "2023-04-28")],
        ["assessment"] * 3,
    ),
    (
        "UNOCT-ICAO API-PNR national consultation for [Pakistan](#) (20-21 Mar) & workshop "
        "for [Djibouti](#) (28-29 Mar)",
        [("PAK", "2023-03-20", "2023-03-21"), ("DJI", "2023-03-28", "2023-03-29")],
        ["meeting", "workshop"],
    ),
    (
        "UNODC training in Ghana (7-9 Mar); and UNODC-UNFPA training on SGBV in Nigeria "
        "(27-29 Mar)",
        [("GHA", "2023-03-07", "2023-03-09"), ("NGA", "2023-03-27", "2023-03-29")],
        ["training", "training"],
    ),
    (
        "The RMME WG and EU held two expert workshops for entities (24 Mar/online) & for "
        "[Member States](#), Rabat (26-27 Apr)",
        [(None, "2023-03-24", "2023-03-24"), ("MAR", "2023-04-26", "2023-04-27")],
        ["workshop", "workshop"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected", "kinds"), MULTI)
def test_one_activity_per_dated_place(text, expected, kinds):
    activities = one(text)
    got = [(a.country_iso3, a.start_date.isoformat(), a.end_date.isoformat()) for a in activities]
    assert got == expected
    assert [a.kind for a in activities] == kinds


def test_split_items_keep_their_own_actors_and_titles():
    ghana, nigeria = one(
        "UNODC training in Ghana (7-9 Mar); and UNODC-UNFPA training on SGBV in Nigeria (27-29 Mar)"
    )
    assert (ghana.entities, nigeria.entities) == (("UNODC",), ("UNODC", "UNFPA"))
    assert nigeria.title == "UNODC-UNFPA training on SGBV in Nigeria"
    _pakistan, djibouti = one(
        "UNOCT-ICAO API-PNR national consultation for [Pakistan](#) (20-21 Mar) & workshop "
        "for [Djibouti](#) (28-29 Mar)"
    )
    assert djibouti.title == "UNOCT-ICAO API-PNR workshop for Djibouti"
    assert djibouti.entities == ("UNOCT", "ICAO")


def test_items_without_date_are_noted_and_without_place_kept():
    result = parse_newsletter(
        "WHAT IS NEW\n\n- **Ms. Daly** (INTERPOL) is the new Chair\n"
        "- UNODC [report](#) on prisons (Apr)\n",
        year=2023,
    )
    assert [(p.row, p.message[:30]) for p in result.notes if p.row] == [
        (3, "no date: not an activity: Ms. ")
    ]
    assert [p.row for p in result.warnings] == [None]  # no figures: no 'IN NUMBERS'
    [kept] = result.activities
    assert (kept.row, kept.location_precision, kept.country_iso3) == (4, "none", None)
    assert kept.title == "UNODC report on prisons"


# --- figures -----------------------------------------------------------------------------

SEED_FIGURES = {
    "compact_entities": 45,
    "member_states": 136,
    "intl_regional_orgs": 13,
    "focal_points": 1000,
    "documents_shared": 3279,
    "ct_platform_visits": 200062,
    "cted_ta_recommendations": 705,
    "cted_country_assessments": 24,
}

LABELS = [
    ("International/\nregional\norganizations", "intl_regional_orgs"),
    ("Virtual visits to the\nCT Platform", "ct_platform_visits"),
    ("Total\nfocal\npoints", "focal_points"),
    ("CTED TA\nrecommendations", "cted_ta_recommendations"),
    ("Documents\nshared", "documents_shared"),
]


@pytest.mark.parametrize(("label", "code"), LABELS)
def test_labels_broken_over_lines(label, code):
    text = f"COMPACT IN NUMBERS\n\n1,234\n\n{label}\n\nREGIONAL FOCUS\n\nUNODC event (16 Mar)\n"
    result = parse_newsletter(text, year=2023)
    assert [(f.code, f.value, f.as_of) for f in result.indicators] == [
        (code, 1234, date(2023, 3, 31))
    ]


def test_unknown_label_is_an_error_on_its_line():
    text = "IN NUMBERS\n\n12\n\nSatellite\noffices\n\nREGIONAL FOCUS\n\nUNODC event (16 Mar)\n"
    result = parse_newsletter(text, year=2023)
    assert [(p.row, p.column) for p in result.errors] == [(3, "label")]
    assert "'Satellite offices' is not a known figure" in result.errors[0].message


def test_seed_figures_exact_with_inferred_date():
    result = parse(SEED)
    assert result.errors == []
    assert {f.code: f.value for f in result.indicators} == SEED_FIGURES
    assert {f.as_of for f in result.indicators} == {date(2023, 4, 30)}
    [as_of] = [p for p in result.notes if p.column == "as_of"]
    assert "2023-04-30 is taken" in as_of.message and "April 2023" in as_of.message
    assert [(o.code, o.value, o.row) for o in result.observations][:2] == [
        ("compact_entities", 45, 9),
        ("member_states", 136, 13),
    ]


# --- the seed newsletter against the hand-curated reading ------------------------------

# Where the parser and data/activities.csv disagree, and why.
KNOWN_DISAGREEMENTS = {
    # The text says only "UNODC-EU-Mozambique launched a new joint project": a partner name,
    # no venue. The hand reading placed it in MOZ by inference; the parser leaves it unplaced
    # and warns, and the review kept the parser's reading (data/activities.md).
    "nl-2023-03-04-15": {"country": ("MOZ", "")},
}


def curated_rows() -> list[dict[str, str]]:
    with CURATED.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_seed_activities_agree_with_the_curated_reading():
    activities = list(parse(SEED).activities)
    rows = curated_rows()
    assert len(activities) == len(rows) == 56
    disagreements: dict[str, dict[str, tuple[str, str]]] = {}
    for row in rows:
        matches = [
            a
            for a in activities
            if a.row == int(row["source_line"]) and a.start_date.isoformat() == row["start_date"]
        ]
        assert matches, f"{row['id']} (line {row['source_line']}) not found"
        got = matches[0]
        activities.remove(got)
        values = {
            "kind": got.kind,
            "start_date": got.start_date.isoformat(),
            "end_date": got.end_date.isoformat(),
            "country": got.country_iso3 or "",
            "city": got.city or "",
            "region": got.region or "",
            "working_group": got.working_group or "",
            "online": str(got.online).lower(),
        }
        differ = {k: (row[k], v) for k, v in values.items() if row[k] != v}
        if differ:
            disagreements[row["id"]] = differ
    assert activities == []
    assert disagreements == KNOWN_DISAGREEMENTS


def test_seed_entities_agree_with_the_curated_reading():
    activities = parse(SEED).activities
    rows = curated_rows()
    got = [(a.row, ";".join(a.entities)) for a in activities]
    want = [(int(row["source_line"]), row["entities"]) for row in rows]
    assert got == want


SEED_WG_MEETINGS = [
    ("NARS", "2023-03-03", 111),
    ("CJLR-CFT", "2023-03-16", 113),
    ("ETCIP", "2023-03-22", 115),
    ("Gender", "2023-03-27", 117),
    ("RMME", "2023-03-28", 119),
    ("HRRoL-VOT", "2023-03-31", 121),
]


def test_seed_working_group_meetings():
    meetings = [
        (a.working_group, a.start_date.isoformat(), a.row)
        for a in parse(SEED).activities
        if a.kind == "meeting" and a.working_group and not a.entities
    ]
    assert meetings == SEED_WG_MEETINGS
    others = {(a.working_group, a.row) for a in parse(SEED).activities if a.row > 123}
    assert ("ETCIP", 182) in others and ("RMME", 186) in others


@pytest.mark.parametrize("path", [SEED, SYNTHETIC])
def test_no_activity_placed_in_a_country_its_line_does_not_name(path):
    from ctdash import geo

    lines = path.read_text(encoding="utf-8").splitlines()
    for activity in parse(path).activities:
        if activity.country_iso3 is None:
            continue
        line = lines[activity.row - 1].replace("](#)", "]")
        assert activity.place_basis and activity.place_basis.replace("[", "").replace(
            "]", ""
        ) in line.replace("[", "").replace("]", "")
        named = activity.city or geo.country_name(activity.country_iso3)
        words = activity.place_basis
        assert named.split()[0] in words or activity.country_iso3 == geo.country_iso3(
            words.split(maxsplit=1)[-1].strip(", []")
        ), activity


# --- the synthetic newsletter ----------------------------------------------------------

SYNTHETIC_ACTIVITIES = [
    # (line, kind, start, end, iso3, city, region, working group, online)
    (53, "meeting", "2023-10-12", "2023-10-12", None, None, None, None, True),
    (55, "launch", "2023-09-18", "2023-09-18", None, None, None, None, False),
    (61, "statement", "2023-09-21", "2023-09-21", None, None, None, None, False),
    (63, "statement", "2023-10-03", "2023-10-03", None, None, None, None, False),
    (69, "assessment", "2023-09-04", "2023-09-06", "UZB", None, None, None, False),
    (69, "assessment", "2023-09-11", "2023-09-13", "KAZ", None, None, None, False),
    (69, "assessment", "2023-10-02", "2023-10-05", "PHL", None, None, None, False),
    (71, "meeting", "2023-09-20", "2023-09-20", None, None, None, None, False),
    (73, "mission", "2023-10-09", "2023-10-11", "IRQ", None, None, None, False),
    (81, "meeting", "2023-09-05", "2023-09-05", None, None, None, "Gender", False),
    (83, "meeting", "2023-09-19", "2023-09-19", None, None, None, "NARS", False),
    (85, "meeting", "2023-10-10", "2023-10-10", None, None, None, "RMME", False),
    (90, "launch", "2023-09-26", "2023-09-26", "QAT", "Doha", None, None, False),
    (96, "publication", "2023-10-01", "2023-10-31", None, None, None, None, False),
    (98, "publication", "2023-09-15", "2023-09-15", None, None, None, None, False),
    (106, "training", "2023-09-27", "2023-10-07", "DOM", "Santo Domingo", None, None, False),
    (108, "workshop", "2023-10-17", "2023-10-19", None, None, "Central Asia", None, False),
    (110, "workshop", "2023-10-24", "2023-10-26", "UGA", "Kampala", None, "NARS", False),
    (112, "exercise", "2023-10-16", "2023-10-18", "UZB", "Tashkent", None, None, False),
    (116, "training", "2023-09-11", "2023-09-13", "KEN", None, None, None, False),
    (116, "training", "2023-09-25", "2023-09-27", "SOM", None, None, None, False),
    (118, "meeting", "2023-10-05", "2023-10-06", "GHA", None, None, None, False),
    (118, "workshop", "2023-10-24", "2023-10-25", "TGO", None, None, None, False),
    (120, "meeting", "2023-10-19", "2023-10-19", None, None, None, None, True),
    (122, "meeting", "2023-10-30", "2023-10-31", "PHL", "Manila", None, None, False),
]


def test_synthetic_newsletter():
    result = parse(SYNTHETIC)
    assert result.errors == []
    assert result.year == 2023
    assert [(f.code, f.value) for f in result.indicators] == [
        ("compact_entities", 46),
        ("member_states", 138),
        ("intl_regional_orgs", 14),
        ("focal_points", 1042),
        ("documents_shared", 3511),
        ("ct_platform_visits", 214730),
        ("cted_ta_recommendations", 731),
        ("cted_country_assessments", 27),
    ]
    assert {f.as_of for f in result.indicators} == {date(2023, 10, 31)}
    got = [
        (
            a.row,
            a.kind,
            a.start_date.isoformat(),
            a.end_date.isoformat(),
            a.country_iso3,
            a.city,
            a.region,
            a.working_group,
            a.online,
        )
        for a in result.activities
    ]
    assert got == SYNTHETIC_ACTIVITIES
    undated = [p.row for p in result.notes if p.message.startswith("no date")]
    assert undated == [89, 128]


def test_synthetic_year_can_be_given():
    result = parse(SYNTHETIC, year=2024)
    assert result.year == 2024
    assert result.activities[0].start_date == date(2024, 10, 12)
    assert not any(p.column == "year" for p in result.warnings)


# --- the command -------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("ingest")(ingest_command)
    app.command("noop")(lambda: None)  # two commands, so "ingest" is named as in ctdash
    return app


def run(cli, database_url: str, file: Path, *args: str):
    result = runner.invoke(
        cli, ["ingest", str(file), "--json", "--database-url", database_url, *args]
    )
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


def test_json_shape(cli, tmp_path):
    result, outcome = run(cli, f"sqlite:///{tmp_path / 'ctdash.db'}", SYNTHETIC, "--dry-run")
    assert result.exit_code == 0
    assert list(outcome) == [
        "status", "ok", "read_as", "errors", "warnings", "notes", "indicators", "activities"
    ]  # fmt: skip
    assert (outcome["status"], outcome["ok"]) == ("ready", True)
    assert outcome["read_as"] == {
        "encoding": "utf-8", "year": 2023, "period": None, "as_of": "2023-10-31"
    }  # fmt: skip
    assert outcome["indicators"][0] == {
        "code": "compact_entities",
        "label": "Compact entities",
        "value": 46,
        "as_of": "2023-10-31",
        "source_line": 7,
    }
    assert list(outcome["activities"][0]) == [
        "title", "kind", "start_date", "end_date", "country_iso3", "city", "lat", "lon",
        "location_precision", "place_basis", "entities", "working_group", "online",
        "source_line",
    ]  # fmt: skip
    santo_domingo = next(a for a in outcome["activities"] if a["source_line"] == 106)
    assert santo_domingo["city"] == "Santo Domingo"
    assert santo_domingo["location_precision"] == "city"
    assert santo_domingo["entities"] == ["UNOCT", "UNODC", "INTERPOL"]


@pytest.mark.both_backends
def test_dry_run_writes_nothing(cli, store, database_url):
    before = tables_checksum(store)
    result, outcome = run(cli, database_url, SYNTHETIC, "--dry-run")
    assert result.exit_code == 0 and outcome["ok"]
    assert tables_checksum(store) == before


@pytest.mark.both_backends
def test_twice_adds_nothing(cli, store, database_url):
    before = row_counts(store)
    first = runner.invoke(cli, ["ingest", str(SYNTHETIC), "--database-url", database_url])
    assert first.exit_code == 0, first.output
    after = row_counts(store)
    assert after["activity"] == before["activity"] + 25
    assert after["observation"] == before["observation"] + 8
    assert after["sourcefile"] == before["sourcefile"] + 1
    second = runner.invoke(cli, ["ingest", str(SYNTHETIC), "--database-url", database_url])
    assert second.exit_code == 0
    assert "was imported before" in second.output
    assert row_counts(store) == after


def test_no_year_exits_1_with_the_message(cli, store, database_url, tmp_path):
    file = tmp_path / "undated.txt"
    file.write_text("REGIONAL FOCUS\n\nUNODC training, Malawi (6-10 Mar)\n", encoding="utf-8")
    before = tables_checksum(store)
    result, outcome = run(cli, database_url, file)
    assert result.exit_code == 1
    assert outcome["ok"] is False
    assert outcome["errors"][0]["column"] == "year"
    assert "give it with --year" in outcome["errors"][0]["message"]
    assert tables_checksum(store) == before
    with_year, outcome = run(cli, database_url, file, "--year", "2023", "--dry-run")
    assert with_year.exit_code == 0
    assert outcome["activities"][0]["country_iso3"] == "MWI"


def test_missing_file_is_a_usage_error(cli, tmp_path):
    result = runner.invoke(cli, ["ingest", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2


def test_the_shipped_activities_are_the_parser_output_plus_recorded_corrections() -> None:
    from scripts.build_activities import build

    shipped = (PROJECT_ROOT / "data" / "activities.csv").read_text(encoding="utf-8")
    assert build() == shipped


@pytest.mark.both_backends
def test_ingest_holds_figures_that_fall_until_accepted(cli, store, database_url, tmp_path):
    # The checks the data desk and `ctdash import` apply: here, running totals that fall and
    # counts of Member States and entities that drop, as a mistyped issue would give.
    text = SYNTHETIC.read_text(encoding="utf-8")
    for printed, typo in (("3,511", "2,511"), ("214,730", "14,730"), ("\n138\n", "\n40\n"),
                          ("\n46\n", "\n30\n")):  # fmt: skip
        assert printed in text
        text = text.replace(printed, typo, 1)
    file = tmp_path / "typo.txt"
    file.write_text(text, encoding="utf-8")
    before, counts = tables_checksum(store), row_counts(store)
    result, outcome = run(cli, database_url, file)
    assert result.exit_code == 1
    assert outcome["status"] == "held"
    messages = [w["message"] for w in outcome["warnings"]]
    assert any(m.startswith("Documents shared is a running total but goes down") for m in messages)
    assert any(
        m.startswith("Virtual visits to the CT Platform is a running total") for m in messages
    )
    assert any(m.startswith("Member States goes down from 136") for m in messages)
    assert any(m.startswith("Compact entities goes down from 45") for m in messages)
    assert "--accept-warnings" in outcome["errors"][-1]["message"]
    assert tables_checksum(store) == before
    accepted, outcome = run(cli, database_url, file, "--accept-warnings")
    assert accepted.exit_code == 0, accepted.output
    assert outcome["status"] == "written"
    assert row_counts(store)["observation"] == counts["observation"] + 8
