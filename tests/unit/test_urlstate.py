"""URL parameters: tables of links, old, mangled and invalid ones included."""

from __future__ import annotations

from datetime import date

import pytest

from ctdash import urlstate

CHOICES = {
    "kind": ("assessment", "training", "workshop", "meeting"),
    "entity": ("CTED", "UNODC", "UN Women"),
    "country": ("NGA", "KEN", "JOR", "ESP"),
    "region": ("Africa", "Caribbean", "Europe"),
    "view": ("points", "countries"),
    "ind": ("compact_entities", "member_states"),
    "mode": ("absolute", "indexed"),
}


@pytest.mark.parametrize(
    ("page", "params", "expected"),
    [
        ("map", {}, {"kind": (), "from": None, "to": None, "view": "points"}),
        ("map", {"kind": "training~workshop"}, {"kind": ("training", "workshop")}),
        ("map", {"kind": "Training~WORKSHOP~training"}, {"kind": ("training", "workshop")}),
        ("map", {"kind": "training,workshop"}, {"kind": ("training", "workshop")}),
        (
            "map",
            {"from": "2023-03-01", "to": "2023-04-30"},
            {"from": date(2023, 3, 1), "to": date(2023, 4, 30)},
        ),
        ("map", {"country": "nga~ken"}, {"country": ("NGA", "KEN")}),
        ("map", {"countries": "JOR"}, {"country": ("JOR",)}),
        ("map", {"start": "2023-03-05"}, {"from": date(2023, 3, 5)}),
        ("map", {"view": "countries"}, {"view": "countries"}),
        ("map", {"entity": "un women"}, {"entity": ("UN Women",)}),
        ("map", {"region": "caribbean"}, {"region": ("Caribbean",)}),
        ("activities", {"q": "  Nairobi "}, {"q": "Nairobi"}),
        ("activities", {"search": "x" * 500}, {"q": "x" * 200}),
        ("overview", {"asof": "2023-04-30"}, {"asof": date(2023, 4, 30)}),
        ("overview", {"as_of": "2022-04-30"}, {"asof": date(2022, 4, 30)}),
        (
            "trends",
            {"ind": "member_states~compact_entities", "mode": "indexed"},
            {"ind": ("member_states", "compact_entities"), "mode": "indexed"},
        ),
        ("map", {"kind": ["meeting", "training"]}, {"kind": ("training",)}),
    ],
)
def test_decode_valid_links(page: str, params: dict, expected: dict) -> None:
    decoded = urlstate.decode(params, page, CHOICES)
    assert decoded.notices == []
    for name, value in expected.items():
        assert decoded.values[name] == value


@pytest.mark.parametrize(
    ("page", "params", "name", "fallback", "notice"),
    [
        ("map", {"from": "yesterday"}, "from", None, "'yesterday' is not a date"),
        ("map", {"to": "2023-02-30"}, "to", None, "'2023-02-30' is not a date"),
        ("map", {"from": "1899-12-31"}, "from", None, "1899-12-31 is outside the dates"),
        ("map", {"to": "2101-01-01"}, "to", None, "2101-01-01 is outside the dates"),
        ("map", {"country": "XXX"}, "country", (), "'XXX' is not a known country"),
        ("map", {"country": "NGA~ZZZ"}, "country", ("NGA",), "'ZZZ' is not a known country"),
        ("map", {"kind": "seminar"}, "kind", (), "'seminar' is not a known kind"),
        ("map", {"entity": "SPECTRE"}, "entity", (), "'SPECTRE' is not a known entity"),
        ("map", {"region": "Atlantis"}, "region", (), "'Atlantis' is not a known region"),
        ("map", {"view": "satellite"}, "view", "points", "'satellite' is not a known map view"),
        ("trends", {"mode": "log"}, "mode", "absolute", "'log' is not a known scale"),
        ("trends", {"ind": "gdp"}, "ind", (), "'gdp' is not a known indicator"),
        ("overview", {"asof": "latest"}, "asof", None, "'latest' is not a date"),
        ("map", {"from": "2023-05-01", "to": "2023-03-01"}, "from", None, "is after the end"),
        ("map", {"zoom": "12"}, "kind", (), "parameter 'zoom' is not used"),
        ("map", {"kind": "<script>alert(1)</script>" * 3}, "kind", (), "…"),
    ],
)
def test_decode_invalid_links_fall_back_with_a_notice(
    page: str, params: dict, name: str, fallback: object, notice: str
) -> None:
    decoded = urlstate.decode(params, page, CHOICES)
    assert decoded.values[name] == fallback
    assert any(notice in text for text in decoded.notices), decoded.notices


def test_an_invalid_parameter_leaves_the_others_alone() -> None:
    decoded = urlstate.decode({"from": "yesterday", "kind": "training"}, "map", CHOICES)
    assert decoded.values["kind"] == ("training",)
    assert len(decoded.notices) == 1


def test_streamlit_own_parameters_are_not_reported() -> None:
    assert urlstate.decode({"embed": "true"}, "map", CHOICES).notices == []


@pytest.mark.parametrize(
    ("page", "values", "expected"),
    [
        ("map", {}, {}),
        (
            "map",
            {"kind": ("training", "workshop"), "view": "points"},
            {"kind": "training~workshop"},
        ),
        (
            "map",
            {"from": date(2023, 3, 1), "country": ("NGA",), "view": "countries"},
            {"from": "2023-03-01", "country": "NGA", "view": "countries"},
        ),
        ("activities", {"q": ""}, {}),
        ("activities", {"q": "Nairobi"}, {"q": "Nairobi"}),
        ("trends", {"mode": "absolute", "ind": ()}, {}),
        ("overview", {"asof": date(2022, 4, 30)}, {"asof": "2022-04-30"}),
    ],
)
def test_encode_leaves_defaults_out(page: str, values: dict, expected: dict) -> None:
    assert urlstate.encode(values, page) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "training~workshop", "from": "2023-03-01", "to": "2023-04-30", "country": "NGA"},
        {"entity": "UN Women~CTED", "region": "Africa", "view": "countries"},
        {},
    ],
)
def test_map_links_round_trip(params: dict) -> None:
    decoded = urlstate.decode(params, "map", CHOICES)
    assert urlstate.encode(decoded.values, "map") == params


def test_query_string_keeps_the_list_separator_readable() -> None:
    text = urlstate.query_string({"kind": "training~workshop", "entity": "UN Women"})
    assert text == "kind=training~workshop&entity=UN+Women"


SNAPSHOTS = (date(2023, 4, 30), date(2022, 4, 30))


@pytest.mark.parametrize(
    ("page", "params", "name", "expected", "notice"),
    [
        ("overview", {}, "asof", date(2023, 4, 30), None),
        ("overview", {"asof": "2022-04-30"}, "asof", date(2022, 4, 30), None),
        (
            "overview",
            {"asof": "2020-01-01"},
            "asof",
            date(2023, 4, 30),
            "There is no as-of date 2020-01-01; showing 2023-04-30 instead.",
        ),
        ("overview", {"asof": "soon"}, "asof", date(2023, 4, 30), "showing 2023-04-30 instead"),
        ("trends", {}, "ind", ("compact_entities",), None),
        ("trends", {"ind": "gdp"}, "ind", ("compact_entities",), "'gdp' is not a known indicator"),
    ],
)
def test_defaults_that_depend_on_the_data(
    page: str, params: dict, name: str, expected: object, notice: str | None
) -> None:
    defaults = {"asof": SNAPSHOTS[0], "ind": ("compact_entities",)}
    choices = {**CHOICES, "asof": SNAPSHOTS}
    decoded = urlstate.decode(params, page, choices, defaults)
    assert decoded.values[name] == expected
    if notice is None:
        assert decoded.notices == []
    else:
        assert any(notice in text for text in decoded.notices), decoded.notices
    assert urlstate.encode(decoded.values, page, defaults) == {
        k: v for k, v in params.items() if not decoded.notices
    }


def test_the_display_parameter_is_every_pages_and_a_wrong_one_says_so() -> None:
    assert urlstate.decode({"display": "embed"}, "map").notices == []
    wrong = urlstate.decode({"display": "poster", "kind": "x"}, "map", {"kind": ("training",)})
    assert wrong.problems() == [
        ("display", "'poster' is not a known display; showing the full page instead."),
        ("kind", "'x' is not a known kind; it is left out."),
    ]
