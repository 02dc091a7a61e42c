"""Dates as people write them, and the day/month order a file settles, or asks about."""

from __future__ import annotations

from datetime import date

import pytest

from ctdash.ingest.dates import decide, evidence, parse_date, parse_range

MARCH_31 = date(2023, 3, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-03-31", MARCH_31),
        ("2023-03-31 00:00:00", MARCH_31),
        ("2023/03/31", MARCH_31),
        ("20230331", MARCH_31),
        ("31 March 2023", MARCH_31),
        ("31-Mar-2023", MARCH_31),
        ("31-Mar-23", MARCH_31),  # Excel's d-mmm-yy
        ("31 Mar. 2023", MARCH_31),
        ("31st March 2023", MARCH_31),
        ("March 31, 2023", MARCH_31),
        ("Mar 31 2023", MARCH_31),
        ("Friday, March 31, 2023", MARCH_31),
        ("Fri 31 Mar 2023", MARCH_31),
        ("31 mars 2023", MARCH_31),
        ("1er avril 2023", date(2023, 4, 1)),
        ("31 de marzo de 2023", MARCH_31),
        ("31 марта 2023", MARCH_31),
        ("2023年3月31日", MARCH_31),
        ("31/03/2023", MARCH_31),  # 31 is no month: day first
        ("3/31/2023", MARCH_31),  # 31 is no day of a month: month first
        ("3/31/2023 0:00", MARCH_31),
        ("31.03.2023", MARCH_31),
        ("03.06.2023", date(2023, 6, 3)),  # dots: only day-first countries write them
        ("3/3/2023", date(2023, 3, 3)),  # the same both ways
    ],
)
def test_dates_read_without_an_order(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3/6/2023",  # 3 June or 6 March: the file must say
        "3/6/23",
        "30/6/45",
        "31/02/2023",
        "Monday, March 31, 2023",  # 31 March 2023 was a Friday
        "Smarch 31, 2023",
        "Q1 2023",
        "2023",
        "",
    ],
)
def test_not_read_without_an_order(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("3/6/2023", "dmy", date(2023, 6, 3)),
        ("3/6/2023", "mdy", date(2023, 3, 6)),
        ("14/3/2023", "mdy", None),  # a chosen order does not bend to fit
        ("3/14/2023", "mdy", date(2023, 3, 14)),
        ("3/6/23", "dmy", date(2023, 6, 3)),  # 00 to 29: this century, as Excel reads them
        ("3/6/45", "dmy", None),  # a year in two digits past 29 is not guessed
    ],
)
def test_dates_read_in_a_given_order(text: str, order, expected) -> None:
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2023", "dmy"),
        ("12/31/2023", "mdy"),
        ("1.2.2023", "dmy"),
        ("1/2/2023", "either"),
        ("2/2/2023", None),
        ("2023-12-31", None),
        ("13/13/2023", None),
    ],
)
def test_what_a_date_says_of_the_order(text: str, expected) -> None:
    assert evidence(text) == expected


def test_a_file_settles_its_order_from_one_date() -> None:
    decision = decide([(2, "3/6/2023"), (3, "3/9/2023"), (4, "3/14/2023")])
    assert (decision.order, decision.basis) == ("mdy", "row 4 writes 3/14/2023")


def test_a_file_whose_dates_all_read_both_ways_is_asked() -> None:
    decision = decide([(2, "03/06/2023"), (3, "04/05/2023"), (4, "2023-07-01")])
    assert decision.order is None
    assert decision.ambiguous == ((2, "03/06/2023"), (3, "04/05/2023"))


def test_a_file_that_mixes_orders_names_the_rows() -> None:
    decision = decide([(2, "30/06/2023"), (3, "1/2/2023"), (4, "8/31/2023")])
    assert decision.order is None
    assert decision.mixed == ((2, "30/06/2023", "dmy"), (4, "8/31/2023", "mdy"))


def test_the_persons_choice_wins() -> None:
    assert decide([(2, "03/06/2023")], "dmy").order == "dmy"


def test_no_order_is_needed_without_dates_in_numbers() -> None:
    assert decide([(2, "2023-06-30"), (3, "30 June 2023")]).order is None
    assert decide([(2, "2023-06-30")]).ambiguous == ()


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("6–9 March 2023", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("6-9 March 2023", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("March 6-9, 2023", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("30 March–2 April 2023", None, (date(2023, 3, 30), date(2023, 4, 2))),
        ("6 March 2023 - 9 March 2023", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("2023-03-06/2023-03-09", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("6 au 9 mars 2023", None, (date(2023, 3, 6), date(2023, 3, 9))),
        ("3/6/2023–3/9/2023", "mdy", (date(2023, 3, 6), date(2023, 3, 9))),
        ("3/6/2023–3/9/2023", None, None),
        ("2023-03-06", None, (date(2023, 3, 6), date(2023, 3, 6))),
        ("soon", None, None),
    ],
)
def test_ranges_in_one_cell(text: str, order, expected) -> None:
    assert parse_range(text, order) == expected
