"""Reviewing a newsletter before commit: figures beside their lines, corrections re-placed.

The reviews that compare the figures with the store's run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ctdash import desk
from tests.conftest import PROJECT_ROOT

SECOND = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"


@pytest.mark.both_backends
def test_figures_sit_beside_their_lines_and_are_checked_like_an_upload(store) -> None:
    review = desk.review_newsletter(
        store, file_name=SECOND.name, data=SECOND.read_bytes(), today=date(2026, 1, 1)
    )
    assert not review.errors
    changes = {c.code: c for c in review.figures.changes}
    assert len(changes) == 8
    member_states = changes["member_states"]
    assert (member_states.new, member_states.status) == (138, "new")
    assert review.line(member_states.row) == "138"
    assert review.as_of is not None and review.as_of.year == 2023


@pytest.mark.both_backends
def test_the_reviewer_can_give_the_figures_their_date(store) -> None:
    review = desk.review_newsletter(
        store,
        file_name=SECOND.name,
        data=SECOND.read_bytes(),
        today=date(2026, 1, 1),
        as_of=date(2023, 10, 15),
    )
    assert {o.as_of for o in review.figures.observations} == {date(2023, 10, 15)}


def test_a_corrected_place_is_placed_again_by_the_gazetteer(store) -> None:
    review = desk.review_newsletter(
        store, file_name=SECOND.name, data=SECOND.read_bytes(), today=date(2026, 1, 1)
    )
    records = review.activities
    table = pd.DataFrame(
        [
            {
                "Kind": a.kind,
                "Start": a.start_date,
                "End": a.end_date,
                "Country": a.country_iso3 or "",
                "City": a.city or "",
            }
            for a in records
        ]
    )
    unplaced = next(i for i, a in enumerate(records) if a.location_precision == "none")
    table.loc[unplaced, ["Country", "City"]] = ["KEN", "Nairobi"]
    table.loc[0, "Kind"] = "training"
    edited = desk.with_activity_edits(records, table)
    assert (edited[unplaced].country_iso3, edited[unplaced].city) == ("KEN", "Nairobi")
    assert edited[unplaced].location_precision == "city"
    assert edited[unplaced].place_basis == "corrected in the data desk's review"
    assert edited[0].kind == "training"
    untouched = [e for i, e in enumerate(edited) if i not in (0, unplaced)]
    assert untouched == [r for i, r in enumerate(records) if i not in (0, unplaced)]


def test_text_saved_by_notepad_on_windows_is_read(store) -> None:
    text = SECOND.read_text(encoding="utf-8").replace("→", "-")
    text = text.replace("Santo Domingo", "Santo Domingo – “Sud”")
    for encoding, name in (("cp1252", "cp1252"), ("utf-16", "utf-16")):
        review = desk.review_newsletter(
            store, file_name="n.txt", data=text.encode(encoding), today=date(2026, 1, 1)
        )
        assert (review.errors, review.encoding) == ([], name)
        assert len(review.figures.observations) == 8
        assert any("“Sud”" in a.title for a in review.activities)


def test_a_file_that_is_not_text_is_refused(store) -> None:
    review = desk.review_newsletter(
        store, file_name="n.pdf", data=b"%PDF-1.7\n", today=date.today()
    )
    assert review.errors[0].message.startswith("'n.pdf' is not a text file")


def test_a_country_given_in_the_preview_settles_a_city_of_several_countries(store) -> None:
    data = (
        b"title,kind,start,city\nJudicial workshop,workshop,2023-05-08,San Jos\xc3\xa9\n"
        b"Port workshop,workshop,2023-05-15,Victoria\nTraining,training,2023-05-22,Valencia\n"
    )
    review = desk.review_activities(store, file_name="a.csv", data=data, today=date(2026, 1, 1))
    assert [w.row for w in review.warnings] == [2, 3, 4]
    edited = pd.DataFrame(
        [
            {"Row": 2, "Country": "Costa Rica", "Latitude": None, "Longitude": None},
            {"Row": 3, "Country": "SYC", "Latitude": None, "Longitude": None},
            {"Row": 4, "Country": "", "Latitude": 39.47, "Longitude": -0.38},
        ]
    )
    settled = desk.with_coordinates(review, edited)
    assert settled.warnings == []
    placed = [
        (a.country_iso3, a.city, a.location_precision, a.place_basis) for a in settled.activities
    ]
    assert placed == [
        ("CRI", "San José", "city", "country chosen in the data desk"),
        ("SYC", "Victoria", "city", "country chosen in the data desk"),
        (None, "Valencia", "city", "latitude and longitude typed in the data desk"),
    ]
    assert settled.activities[0].lat == pytest.approx(9.93, abs=0.05)


def test_a_country_that_is_not_one_leaves_the_flag(store) -> None:
    data = b"title,kind,start,city\nWorkshop,workshop,2023-05-08,Valencia\n"
    review = desk.review_activities(store, file_name="a.csv", data=data, today=date(2026, 1, 1))
    edited = pd.DataFrame([{"Row": 2, "Country": "Narnia", "Latitude": None, "Longitude": None}])
    assert [w.row for w in desk.with_coordinates(review, edited).warnings] == [2]


def test_an_activity_stored_under_another_title_is_held_with_a_question(store) -> None:
    # The shipped newsletter's CTED visit to Jordan (6-9 March 2023), worded as another file
    # words it: the same kind, days and country, another title.
    data = (
        b"title,kind,start,end,country\n"
        b"CTED conducted an assessment visit to Jordan,assessment,2023-03-06,2023-03-09,Jordan\n"
        b"CTED assessment visit to Jordan,assessment,2023-05-06,2023-05-09,Jordan\n"
    )
    review = desk.review_activities(store, file_name="a.csv", data=data, today=date(2026, 1, 1))
    assert not review.errors
    (warning,) = review.warnings
    assert (warning.row, warning.column) == (2, "title")
    assert "in the store as 'CTED assessment visit to Jordan on behalf of the Security" in str(
        warning
    )
    assert "accept the warnings to add it" in warning.message
