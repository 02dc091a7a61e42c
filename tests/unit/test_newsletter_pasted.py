"""The newsletter as it really arrives: copied out of its PDF, from the web page, saved by
Notepad. Normalised, unwrapped, then read exactly as the clean text is."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from ctdash.ingest.newsletter import join_lines, normalize, parse_newsletter
from tests.conftest import PROJECT_ROOT
from tests.fixtures.realworld.pasted import pasted_from_pdf

SEED = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
SYNTHETIC = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"


def reading(text: str, **kwargs):
    result = parse_newsletter(text, **kwargs)
    figures = [(f.code, f.value, f.as_of) for f in result.indicators]
    placed = Counter((a.country_iso3, a.start_date) for a in result.activities if a.country_iso3)
    kinds = Counter((a.kind, a.start_date, a.end_date) for a in result.activities)
    return result, figures, placed, kinds


@pytest.mark.parametrize("path", [SEED, SYNTHETIC], ids=["shipped", "synthetic"])
@pytest.mark.parametrize(
    ("seed", "width", "blank_lines"),
    [(0, 76, True), (1, 72, True), (2, 80, False), (3, 70, False), (5, 78, True)],
)
def test_pasted_from_the_pdf_it_reads_as_the_clean_text(path, seed, width, blank_lines) -> None:
    clean = path.read_text(encoding="utf-8")
    pasted = pasted_from_pdf(clean, seed=seed, width=width, blank_lines=blank_lines)
    assert pasted != clean and "ﬁ" in pasted and "–" in pasted
    expected, figures, placed, kinds = reading(clean)
    got, got_figures, got_placed, got_kinds = reading(pasted)
    assert got.errors == []
    assert len(got_figures) == 8 and got_figures == figures
    assert sum(placed.values()) >= 20 if path == SEED else 10
    assert got_placed == placed
    assert got_kinds == kinds
    assert len(got.activities) == len(expected.activities)


def test_a_pasted_title_is_the_clean_one_but_for_its_typography() -> None:
    clean = SEED.read_text(encoding="utf-8")
    plain = {a.title for a in parse_newsletter(clean).activities}
    plain = {straight(title) for title in plain}
    for activity in parse_newsletter(pasted_from_pdf(clean, seed=3)).activities:
        assert straight(activity.title) in plain, activity.title


def straight(text: str) -> str:
    return text.replace("’", "'").replace("“", '"').replace("”", '"')


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("• UNODC training (6–9 Mar)", "- UNODC training (6-9 Mar)"),
        ("▪ CTED visit (13—17 Mar)", "- CTED visit (13-17 Mar)"),
        ("◦ Workshop (30 March–2 April)", "- Workshop (30 March-2 April)"),
        ("● Event (1 Mar)", "- Event (1 Mar)"),
        ("\uf0b7\tWord's Symbol bullet (2 Mar)", "- Word's Symbol bullet (2 Mar)"),
        ("o\tWord's second level (3 Mar)", "- Word's second level (3 Mar)"),
        ("* Markdown item", "- Markdown item"),
        ("→ Arrow item", "- Arrow item"),
        ("Eﬀorts to ﬁght ﬂows", "Efforts to fight flows"),
        ("200\u00a0062 and 1\u202f000", "200 062 and 1 000"),
        ("9th GCTF — Counter‑Terrorism", "9th GCTF – Counter-Terrorism"),
        ("UNOCT–UNODC", "UNOCT-UNODC"),
        ("„Quoted“ and «guillemets»", "“Quoted“ and “guillemets”"),
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("## Key high-level events", "KEY HIGH-LEVEL EVENTS"),
        ("| 45 | Compact entities |", "45  Compact entities"),
        ("|---|---|", ""),
        ("> quoted line", "quoted line"),
    ],
)
def test_lines_are_normalised(line: str, expected: str) -> None:
    assert normalize(line) == [expected]


def test_line_breaks_of_every_kind_keep_their_lines() -> None:
    assert normalize("a\r\nb\rc\u2028d\x0be\nf") == ["a", "b", "c", "d", "e", "f"]


VOCABULARY = ({"counter-terrorism", "high-level"}, {"assessment", "coordination"})


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("conducted assess-", "ment visits", "conducted assessment visits"),
        ("the Counter-", "Terrorism Committee", "the Counter-Terrorism Committee"),
        ("a counter-", "terrorism approach", "a counter-terrorism approach"),
        ("UNOCT-", "UNODC training", "UNOCT-UNODC training"),
        ("co-", "ordination", "coordination"),
        ("a self-", "assessment", "a self-assessment"),
        ("(13-", "17 Mar)", "(13-17 Mar)"),
        ("visits to", "Jordan", "visits to Jordan"),
    ],
)
def test_wrapped_lines_are_joined(left: str, right: str, joined: str) -> None:
    assert join_lines(left, right, VOCABULARY) == joined


FIGURES = (
    "45 Compact entities\n136 Member States\n13 International/regional organizations\n"
    "1,000 Total focal points\n3,279 Documents shared\n200,062 Virtual visits to the CT "
    "Platform\n705 CTED TA recommendations\n24 CTED country assessments\n"
)
ITEMS = "\nREGIONAL FOCUS\n\nUNODC training, Malawi (6-10 Mar)\nUNODC event (28 Apr)\n"
SEED_VALUES = [45, 136, 13, 1000, 3279, 200062, 705, 24]


@pytest.mark.parametrize(
    "figures",
    [
        FIGURES,
        "Compact entities: 45\nMember States: 136\nInternational/regional organizations: 13\n"
        "Total focal points: 1,000\nDocuments shared: 3,279\nVirtual visits to the CT Platform:"
        " 200,062\nCTED TA recommendations: 705\nCTED country assessments: 24\n",
        "45\t136\t13\t1,000\nCompact entities Member States International/regional organizations "
        "Total focal points\n3,279\t200,062\t705\t24\nDocuments shared Virtual visits to the CT "
        "Platform CTED TA recommendations CTED country assessments\n",
        "- **45** Compact entities\n- **136** Member States\n- **13** International/regional "
        "organizations\n- **1,000** Total focal points\n- **3,279** Documents shared\n- "
        "**200,062** Virtual visits to the CT Platform\n- **705** CTED TA recommendations\n- "
        "**24** CTED country assessments\n",
        "| 45 | Compact entities |\n|---|---|\n| 136 | Member States |\n| 13 | International/"
        "regional organizations |\n| 1,000 | Total focal points |\n| 3,279 | Documents shared |\n"
        "| 200,062 | Virtual visits to the CT Platform |\n| 705 | CTED TA recommendations |\n| 24 "
        "| CTED country assessments |\n",
    ],
    ids=["number-label", "label-number", "numbers-then-labels", "markdown", "table"],
)  # fmt: skip
def test_figures_laid_out_as_pages_and_pdfs_give_them(figures: str) -> None:
    result = parse_newsletter(f"COMPACT IN NUMBERS\n\n{figures}{ITEMS}", year=2023)
    assert result.errors == []
    assert [f.value for f in result.indicators] == SEED_VALUES
    assert {f.as_of for f in result.indicators} == {date(2023, 4, 30)}


def test_a_bracket_of_one_word_is_not_a_month() -> None:
    text = (
        "REGIONAL FOCUS\n\nUNOCT (OCT) workshop on border security (Marrakech) (12 Mar)\n"
        "CTED briefing (DEC) for partners (20 Mar)\nUNODC report (Apr)\n"
    )
    result = parse_newsletter(f"IN NUMBERS\n\n{FIGURES}{text}", year=2023)
    dates = [(a.start_date, a.end_date) for a in result.activities]
    assert dates == [
        (date(2023, 3, 12), date(2023, 3, 12)),
        (date(2023, 3, 20), date(2023, 3, 20)),
        (date(2023, 4, 1), date(2023, 4, 30)),
    ]
    assert (result.activities[0].country_iso3, result.activities[0].city) == ("MAR", "Marrakech")
    assert {f.as_of for f in result.indicators} == {date(2023, 4, 30)}


def test_an_em_dash_range_is_a_range() -> None:
    [visit] = parse_newsletter(
        "REGIONAL FOCUS\n\nCTED visit to Benin (13—17 Mar)\n", year=2023
    ).activities
    assert (visit.start_date, visit.end_date, visit.country_iso3) == (
        date(2023, 3, 13), date(2023, 3, 17), "BEN"
    )  # fmt: skip


DECEMBER = "UNOCT workshop, Nairobi (4-6 Dec)\nUNODC training, Malawi (15-17 Jan)\n"


@pytest.mark.parametrize(
    ("head", "year"),
    [
        ("NEWSLETTER\nDecember 2023 – January 2024\n\n", None),
        ("NEWSLETTER\nDec 2023/Jan 2024\n\n", None),
        ("", 2023),  # the year of the issue's first month, given
    ],
)
def test_an_issue_over_a_new_year_puts_each_month_in_its_own_year(head, year) -> None:
    result = parse_newsletter(
        f"{head}IN NUMBERS\n\n{FIGURES}\nREGIONAL FOCUS\n\n{DECEMBER}", year=year
    )
    assert result.errors == []
    assert [a.start_date for a in result.activities] == [date(2023, 12, 4), date(2024, 1, 15)]
    assert {f.as_of for f in result.indicators} == {date(2024, 1, 31)}


def test_the_years_its_items_name_say_which_years_an_issue_spans() -> None:
    items = "UNOCT Annual Report 2023 launched (4 Dec)\nCT Week 2024 planning (15 Jan)\n"
    items += "Strategy 2024 consultation (20 Jan)\nReview of 2023 (6 Dec)\n"
    result = parse_newsletter(f"REGIONAL FOCUS\n\n{items}")
    assert [a.start_date.year for a in result.activities] == [2023, 2024, 2024, 2023]


def test_an_issue_over_a_new_year_that_names_one_year_asks_for_it() -> None:
    items = "Report 2023 launch (4 Dec)\nReview of 2023 (6 Dec)\nUNODC training (15 Jan)\n"
    result = parse_newsletter(f"REGIONAL FOCUS\n\n{items}")
    assert result.activities == []
    assert [p.column for p in result.errors] == ["year"]
    assert "give the year of the issue's first month with --year" in result.errors[0].message


def test_an_item_far_outside_the_issues_period_is_asked_about() -> None:
    text = "March–April 2023\n\nREGIONAL FOCUS\n\nUNODC training (6 Mar)\nUNODC report (Oct)\n"
    result = parse_newsletter(text)
    assert [a.start_date for a in result.activities] == [date(2023, 3, 6), date(2022, 10, 1)]
    [warning] = [p for p in result.warnings if p.column]
    assert (warning.row, warning.column) == (6, "date")
    assert "October 2022 is outside the issue's period (March 2023 – April 2023)" in (
        warning.message
    )


@pytest.mark.parametrize(
    ("item", "iso3"),
    [
        ("UNODC follow-up mission to the Lao PDR (6-9 Mar)", "LAO"),
        ("CTED assessment visit to Côte d'Ivoire (2-5 Mar)", "CIV"),
        ("UNOCT workshop in the Syrian Arab Republic (7 Mar)", "SYR"),
        ("UNODC training in the Republic of Korea (8 Mar)", "KOR"),
        ("UNDP workshop in Türkiye (9 Mar)", "TUR"),
        ("UNOCT consultation, Geneva (10 Mar)", "CHE"),
    ],
)
def test_the_uns_own_names_are_placed_right(item: str, iso3: str) -> None:
    [activity] = parse_newsletter(f"REGIONAL FOCUS\n\n{item}\n", year=2023).activities
    assert activity.country_iso3 == iso3


@pytest.mark.parametrize("city", ["San José", "Valencia", "Victoria", "Tripoli"])
def test_a_city_of_several_countries_is_held_unplaced(city: str) -> None:
    result = parse_newsletter(
        f"REGIONAL FOCUS\n\nUNODC training for judges in {city} (6 Mar)\n", year=2023
    )
    [activity] = result.activities
    assert (activity.country_iso3, activity.lat, activity.city) == (None, None, city)
    [warning] = [p for p in result.warnings if p.column == "place"]
    assert warning.row == 3
    assert warning.message.startswith(f"'{city}' is a city in several countries (")
    assert warning.message.endswith("): not placed; give its country in review")


def test_a_page_break_inside_an_item_does_not_split_it() -> None:
    text = (
        "REGIONAL FOCUS\n\nUNODC training for judges and prosecutors on handling\n\n"
        "Page 2 of 4\nCOMPACT NEWSLETTER | NOVEMBER – DECEMBER 2023\n\n"
        "terrorism cases, Côte d'Ivoire (12-14 Dec)\n"
    )
    [activity] = parse_newsletter(text, year=2023).activities
    assert activity.title == (
        "UNODC training for judges and prosecutors on handling terrorism cases, Côte d'Ivoire"
    )
    assert (activity.country_iso3, activity.row) == ("CIV", 3)


def test_a_markdown_table_of_figures_with_a_header_row() -> None:
    table = "| Figure | |\n|---|---|\n" + "".join(
        f"| {value:,} | {label} |\n"
        for value, label in zip(SEED_VALUES, FIGURES_LABELS, strict=True)
    )
    result = parse_newsletter(f"## Compact in numbers\n\n{table}{ITEMS}", year=2023)
    assert result.errors == []
    assert [f.value for f in result.indicators] == SEED_VALUES


FIGURES_LABELS = [
    "Compact entities",
    "Member States",
    "International/regional organizations",
    "Total focal points",
    "Documents shared",
    "Virtual visits to the CT Platform",
    "CTED TA recommendations",
    "CTED country assessments",
]
