"""What the data desk shows: its tables and sentences, built from reviews without Streamlit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from ctdash import desk, queries, store
from ctdash.desk import Change, NewsletterReview, Review
from ctdash.desk_tables import (
    activities_preview,
    changes_anything,
    committed,
    content_tag,
    entry_file,
    entry_table,
    figures_preview,
    history_table,
    moved_places,
    newsletter_activities,
    newsletter_figures,
    plural,
    preview_counts,
    problem_table,
    undo_choices,
)
from ctdash.ingest import ActivityRecord, Problem

APRIL = date(2023, 4, 30)


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """A table's rows as a user reads them, missing values as None."""
    return [
        {k: None if pd.api.types.is_scalar(v) and pd.isna(v) else v for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (0, "problem", "0 problems"),
        (1, "problem", "1 problem"),
        (2, "problem", "2 problems"),
        (1, "activity", "1 activity"),
        (25, "activity", "25 activities"),
        (3, "more note", "3 more notes"),
    ],
)
def test_plural(count: int, word: str, expected: str) -> None:
    assert plural(count, word) == expected


@pytest.mark.parametrize(
    ("result", "file_name", "expected"),
    [
        (
            store.CommitResult(12, 2, 0),
            "q3.csv",
            "Committed write 12: 2 figures and 0 activities from q3.csv.",
        ),
        (
            store.CommitResult(13, 1, 1),
            "mixed.xlsx",
            "Committed write 13: 1 figure and 1 activity from mixed.xlsx.",
        ),
        (
            store.CommitResult(14, 8, 25),
            "2023-09-10.txt",
            "Committed write 14: 8 figures and 25 activities from 2023-09-10.txt.",
        ),
        (
            # Committed by someone else between the check and the click: nothing added.
            store.CommitResult(None, 0, 0, duplicate_of=9),
            "2023-09-10.txt",
            "This file was committed before (write 9); nothing added.",
        ),
    ],
)
def test_what_a_commit_says(result: store.CommitResult, file_name: str, expected: str) -> None:
    assert committed(result, file_name) == expected


def test_a_file_is_tagged_by_its_content_not_its_name() -> None:
    assert content_tag(b"date,indicator,value\n") == content_tag(b"date,indicator,value\n")
    assert content_tag(b"a") != content_tag(b"b")
    assert len(content_tag(b"a")) == 16


@pytest.mark.parametrize(
    ("problems", "expected"),
    [
        ([], []),
        (
            [
                Problem(2, "indicator", "'Member Sates' is not an indicator"),
                Problem(3, None, "the row has more cells than the header"),
                Problem(None, None, "the file is empty"),
            ],
            [
                {"Row": 2, "Column": "indicator", "Problem": "'Member Sates' is not an indicator"},
                {"Row": 3, "Column": "", "Problem": "the row has more cells than the header"},
                {"Row": None, "Column": "", "Problem": "the file is empty"},
            ],
        ),
    ],
)
def test_problems_are_listed_by_row_and_column(
    problems: list[Problem], expected: list[dict[str, object]]
) -> None:
    table = problem_table(problems)
    assert list(table.columns) == ["Row", "Column", "Problem"]
    assert str(table["Row"].dtype) == "Int64"  # rows shown as 2, not 2.0, beside empty ones
    assert records(table) == expected


def change(row: int, label: str, old: int | None, new: int, status: desk.Status) -> Change:
    return Change(row, label.lower().replace(" ", "_"), label, APRIL, old, new, status)


FIGURES = [
    change(2, "Member States", None, 140, "new"),
    change(3, "Virtual visits to the CT Platform", 245_000, 250_000, "changed"),
    change(4, "Documents shared", 3_511, 3_511, "unchanged"),
]


def test_the_figures_preview_sets_each_figure_beside_the_current_one() -> None:
    review = Review("q3.csv", b"", changes=FIGURES, warnings=[Problem(3, "value", "jumps")])
    assert records(figures_preview(review)) == [
        {
            "Row": 2,
            "Indicator": "Member States",
            "As of": APRIL,
            "Current": "—",
            "New": "140",
            "Change": "new",
            "Warning": "",
        },
        {
            "Row": 3,
            "Indicator": "Virtual visits to the CT Platform",
            "As of": APRIL,
            "Current": "245,000",
            "New": "250,000",
            "Change": "changed",
            "Warning": "see below",
        },
        {
            "Row": 4,
            "Indicator": "Documents shared",
            "As of": APRIL,
            "Current": "3,511",
            "New": "3,511",
            "Change": "unchanged",
            "Warning": "",
        },
    ]


@pytest.mark.parametrize(
    ("changes", "counts", "anything"),
    [
        (FIGURES, "1 new, 1 changed, 1 unchanged.", True),
        (FIGURES[:1], "1 new, 0 changed, 0 unchanged.", True),
        (FIGURES[1:2], "0 new, 1 changed, 0 unchanged.", True),
        (FIGURES[2:] * 2, "0 new, 0 changed, 2 unchanged.", False),
        ([], "0 new, 0 changed, 0 unchanged.", False),
    ],
)
def test_the_preview_counts_what_a_commit_would_change(
    changes: list[Change], counts: str, anything: bool
) -> None:
    assert preview_counts(changes) == counts
    assert changes_anything(changes) is anything


def tile(code: str, label: str, value: int | None, as_of: date | None) -> queries.Tile:
    return queries.Tile(code, label, "", "", value, as_of, False, None, None, None, None)


def test_the_entry_table_starts_each_new_value_at_the_latest_one() -> None:
    table = entry_table(
        [
            tile("member_states", "Member States", 136, APRIL),
            tile("focal_points", "Total focal points", None, None),
        ]
    )
    assert records(table) == [
        {
            "Indicator": "Member States",
            "Code": "member_states",
            "Latest": 136,
            "Latest as of": APRIL,
            "New value": 136,
        },
        {
            "Indicator": "Total focal points",
            "Code": "focal_points",
            "Latest": None,
            "Latest as of": None,
            "New value": None,
        },
    ]


@pytest.mark.parametrize(
    ("new_values", "csv"),
    [
        (
            [140, 1010],
            "date,indicator,value\n2023-10-31,member_states,140\n2023-10-31,focal_points,1010",
        ),
        ([140, None], "date,indicator,value\n2023-10-31,member_states,140"),
        ([None, None], "date,indicator,value"),
    ],
)
def test_the_entry_is_the_file_it_stands_for(new_values: list[int | None], csv: str) -> None:
    edited = entry_table(
        [
            tile("member_states", "Member States", 136, APRIL),
            tile("focal_points", "Total focal points", 1000, APRIL),
        ]
    )
    edited["New value"] = pd.array(new_values, dtype="Int64")
    name, data = entry_file(edited, as_of=date(2023, 10, 31), user="ana")
    assert name == "manual entry as of 2023-10-31 by ana"
    assert data.decode() == csv


def test_an_entry_is_checked_and_previewed_like_an_upload(store) -> None:
    today = date(2026, 1, 1)
    latest = queries.build_tiles(queries.indicators(store), queries.observations(store), today)
    edited = entry_table(latest)
    edited.loc[edited["Code"] == "member_states", "New value"] = 140
    edited.loc[edited["Code"] == "focal_points", "New value"] = pd.NA
    name, data = entry_file(edited, as_of=date(2023, 10, 31), user="ana")
    review = desk.review_indicators(store, file_name=name, data=data, today=today)
    preview = figures_preview(review)
    assert review.errors == [] and len(preview) == len(latest) - 1
    assert "Total focal points" not in preview["Indicator"].tolist()
    shown = preview.set_index("Indicator")
    assert shown.loc["Member States", ["Current", "New", "Change"]].tolist() == ["—", "140", "new"]
    assert preview_counts(review.changes) == f"{len(latest) - 1} new, 0 changed, 0 unchanged."


def activity(row: int, title: str, **place: Any) -> ActivityRecord:
    return ActivityRecord(row, title, "workshop", date(2023, 5, 2), date(2023, 5, 4), **place)


def test_the_activities_preview_flags_each_row_with_its_warnings() -> None:
    review = Review(
        "acts.csv",
        b"",
        activities=[
            activity(
                2,
                "Border workshop",
                country_iso3="KEN",
                city="Nairobi",
                lat=-1.28,
                lon=36.82,
                location_precision="city",
                place_basis="city in the gazetteer",
            ),
            activity(3, "Port workshop", city="Victoria", internal=True),
        ],
        warnings=[
            Problem(3, "city", "Victoria names places in several countries"),
            Problem(3, "end", "no end date; the start is used"),
        ],
    )
    assert records(activities_preview(review)) == [
        {
            "Row": 2,
            "Title": "Border workshop",
            "Kind": "workshop",
            "Start": date(2023, 5, 2),
            "End": date(2023, 5, 4),
            "Country": "KEN",
            "City": "Nairobi",
            "Placed at": "city",
            "Placed by": "city in the gazetteer",
            "Latitude": -1.28,
            "Longitude": 36.82,
            "Internal": False,
            "Flag": "",
        },
        {
            "Row": 3,
            "Title": "Port workshop",
            "Kind": "workshop",
            "Start": date(2023, 5, 2),
            "End": date(2023, 5, 4),
            "Country": "",
            "City": "Victoria",
            "Placed at": "none",
            "Placed by": "",
            "Latitude": None,
            "Longitude": None,
            "Internal": True,
            "Flag": "Victoria names places in several countries; no end date; the start is used",
        },
    ]


def newsletter(activities: list[ActivityRecord]) -> NewsletterReview:
    lines = [
        "Compact in Numbers",
        "  138  ",
        "Member States",
        "UNOCT held a border workshop",
        "in Nairobi, Kenya.",
    ]
    figures = Review("n.txt", b"", changes=[change(2, "Member States", 136, 138, "changed")])
    return NewsletterReview(
        "n.txt", b"", lines, figures, activities, [], [], APRIL, last_lines={4: 5}
    )


def test_the_newsletter_s_figures_sit_beside_the_line_they_were_read_from() -> None:
    assert records(newsletter_figures(newsletter([]))) == [
        {
            "Line": 2,
            "Indicator": "Member States",
            "Value": "138",
            "Current": "136",
            "Change": "changed",
            "As written": "138",
        }
    ]


def test_the_newsletter_s_activities_sit_beside_their_paragraph() -> None:
    read = [activity(4, "UNOCT held a border workshop", city="Nairobi"), activity(9, "Beyond")]
    assert records(newsletter_activities(newsletter(read))) == [
        {
            "Line": 4,
            "As written": "UNOCT held a border workshop in Nairobi, Kenya.",
            "Title": "UNOCT held a border workshop",
            "Kind": "workshop",
            "Start": date(2023, 5, 2),
            "End": date(2023, 5, 4),
            "Country": "",
            "City": "Nairobi",
            "Placed at": "none",
            "Placed by": "",
        },
        {
            "Line": 9,
            "As written": "",
            "Title": "Beyond",
            "Kind": "workshop",
            "Start": date(2023, 5, 2),
            "End": date(2023, 5, 4),
            "Country": "",
            "City": "",
            "Placed at": "none",
            "Placed by": "",
        },
    ]


LONG_TITLE = "UNODC-EU-Nigeria steering committee meeting reviewed the joint project on the rule"


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        (activity(7, "Meeting"), activity(7, "Meeting"), []),
        (
            activity(7, "Meeting"),
            activity(7, "Meeting", country_iso3="NGA", city="Abuja", location_precision="city"),
            ["Line 7, Meeting: now Abuja NGA, placed at city level."],
        ),
        (
            activity(7, LONG_TITLE, city="Victoria"),
            activity(7, LONG_TITLE, country_iso3="SYC", location_precision="country"),
            [f"Line 7, {LONG_TITLE[:60]}: now SYC, placed at country level."],
        ),
        (
            activity(7, "Meeting", country_iso3="KEN", location_precision="country"),
            activity(7, "Meeting"),
            ["Line 7, Meeting: now no place, placed at none level."],
        ),
        (  # a kind or a date corrected moves nothing
            activity(7, "Meeting", country_iso3="KEN"),
            ActivityRecord(7, "Meeting", "training", APRIL, APRIL, country_iso3="KEN"),
            [],
        ),
    ],
)
def test_each_moved_place_is_said(
    before: ActivityRecord, after: ActivityRecord, said: list[str]
) -> None:
    assert moved_places([before], [after]) == said


def test_the_history_marks_the_current_revision() -> None:
    when = datetime(2023, 10, 1, 9, 30)
    revisions = pd.DataFrame(
        [
            ("focal_points", APRIL, 1, 1000, 5, 1, "seed", when, "newsletter"),
            ("focal_points", APRIL, 2, 1010, None, 5, "ana", when, "fix.csv"),
        ],
        columns=[
            "indicator",
            "as_of",
            "revision",
            "value",
            "superseded_by",
            "write",
            "recorded_by",
            "recorded_at",
            "source",
        ],
    )
    table = history_table(revisions)
    assert list(table.columns) == [
        "as_of",
        "revision",
        "value",
        "current",
        "recorded_by",
        "recorded_at",
        "source",
        "write",
    ]
    assert table[["revision", "value", "current"]].values.tolist() == [
        [1, 1000, False],
        [2, 1010, True],
    ]


def test_only_uploads_entries_and_imports_not_undone_can_be_undone() -> None:
    when = datetime(2023, 10, 1, 9, 30)
    log = pd.DataFrame(
        [
            (9, when, "ana", "undo", "", 0, 0, None),
            (8, when, "ana", "ingest", "2023-09-10.txt", 8, 25, None),
            (7, when, "ana", "manual", "manual entry as of 2023-10-31 by ana", 8, 0, None),
            (6, when, "ana", "upload", "q3.csv", 2, 0, 9),
            (5, when, "bo", "upload", "acts.csv", 0, 1, None),
            (1, when, "seed", "seed", "", 8, 40, None),
        ],
        columns=[
            "write",
            "recorded_at",
            "recorded_by",
            "kind",
            "file",
            "figures",
            "activities",
            "undone_by",
        ],
    )
    assert undo_choices(log) == {
        8: "8: 2023-09-10.txt by ana, 2023-10-01 09:30 UTC — 8 figures, 25 activities",
        7: "7: manual entry as of 2023-10-31 by ana by ana, 2023-10-01 09:30 UTC — 8 figures, "
        "0 activities",
        5: "5: acts.csv by bo, 2023-10-01 09:30 UTC — 0 figures, 1 activities",
    }
    assert undo_choices(log[log["kind"] == "seed"]) == {}
