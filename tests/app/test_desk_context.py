"""The data desk's checklist and its notes on the trends, through AppTest against a real seeded
store: what is overdue and who provides it; notes added, refused, corrected, removed and undone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ctdash import context
from ctdash.db import make_engine
from ctdash.models import Note
from tests.conftest import row_counts, tables_checksum
from tests.helpers.apptest import seed_with_users
from tests.helpers.desk_notes import (
    desk,
    errors,
    fill,
    plain,
    save,
    successes,
    table,
    widget,
    written,
)

MEETING = "note-2021-10-08-6th-meeting"
MEETING_TEXT = "6th meeting of the Coordination Committee; the Compact has 43 entities."
RETREAT = "note-2025-06-25-retreat"
UNOCT = "UNOCT (Compact Secretariat, PKMCB)"


@pytest.fixture
def app_db(app_database: Path) -> Path:
    return seed_with_users(app_database, ana="editor")


def on_day(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Make `day` today for everything that asks ctdash.freshness.clock."""
    monkeypatch.setattr("ctdash.freshness.clock", lambda: day)


def choose(at: AppTest, key: str) -> AppTest:
    at.selectbox(key="desk:note-choice").set_value(key).run()
    return at


def undo_latest(at: AppTest, write: int) -> AppTest:
    """Undo a write from History and undo (the latest write is chosen first)."""
    assert at.selectbox(key="desk:undo-write").value == write
    at.checkbox(key=f"desk:undo-confirm-{write}").check().run()
    at.button(key="desk:undo").click().run()
    assert any(f"Write {write} undone" in s for s in successes(at)), successes(at)
    return at


# --- the checklist ------------------------------------------------------------------------------


def test_the_checklist_lists_what_is_overdue_first_with_its_provider_and_due_date(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = desk()
    # Member States comes in on 10 July, focal points on 31 August.
    figures = b"date,indicator,value\n2023-07-10,member_states,137\n2023-08-31,focal_points,1010\n"
    at.file_uploader[0].set_value(("july.csv", figures, "text/csv")).run()
    at.button(key="desk:figures-commit").click().run()
    assert any("2 figures" in s for s in successes(at))
    on_day(monkeypatch, date(2023, 9, 5))
    at = desk()
    rows = table(at, "Indicator")
    assert list(rows[0]) == [
        "Indicator",
        "Provided by",
        "Last figure",
        "As of",
        "Cadence",
        "Next due",
        "State",
    ]
    # Overdue first, then due, then fresh; the newsletter's order within each.
    assert [(r["Indicator"], r["State"]) for r in rows] == [
        ("Compact entities", "Overdue (since 2023-06-30)"),
        ("International/regional organizations", "Overdue (since 2023-06-30)"),
        ("Documents shared", "Overdue (since 2023-06-30)"),
        ("Virtual visits to the CT Platform", "Overdue (since 2023-06-30)"),
        ("CTED TA recommendations", "Overdue (since 2023-06-30)"),
        ("CTED country assessments", "Overdue (since 2023-06-30)"),
        ("Member States", "Due (by 2023-09-10)"),
        ("Total focal points", "Fresh"),
    ]
    assessments = rows[5]
    assert assessments == {
        "Indicator": "CTED country assessments",
        "Provided by": "CTED",
        "Last figure": "24",
        "As of": "2023-04-30",
        "Cadence": "every 2 months",
        "Next due": "2023-06-30",
        "State": "Overdue (since 2023-06-30)",
    }
    assert rows[7]["Next due"] == "2023-10-31"
    summary = next(plain(m.value) for m in at.markdown if "figures are overdue" in m.value)
    assert summary == (
        ":material/error: 6 of 8 figures are overdue; the longest overdue is Compact entities, "
        f"from {UNOCT}, due since 2023-06-30. 1 more due by 2023-09-10."
    )


def test_the_checklist_says_when_all_figures_are_fresh(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_day(monkeypatch, date(2023, 5, 1))
    at = desk()
    assert {r["State"] for r in table(at, "Indicator")} == {"Fresh"}
    assert any(
        plain(m.value)
        == f":material/check_circle: All figures are fresh; the next is Compact entities, "
        f"from {UNOCT}, due on 2023-06-30."
        for m in at.markdown
    )


# --- notes: refused -----------------------------------------------------------------------------


def test_a_bad_note_is_refused_naming_each_field_and_nothing_is_written(app_db: Path) -> None:
    before = tables_checksum(app_db)
    at = desk()
    # A date past today cannot be chosen: Streamlit drops it, so the form has no date.
    fill(at, "add", date=date(2099, 1, 1), text="   ", source="UNOCT")
    fill(at, "add", link="javascript:alert(1)")
    save(at, "add")
    said = errors(at)
    assert "The note was not saved; nothing was written." in said
    assert "Date: is empty; it is required." in said
    assert "Text: is empty; it is required." in said
    assert "Link: 'javascript:alert(1)' is not a web address" in said
    assert "Source:" not in said
    assert not at.success
    assert tables_checksum(app_db) == before


def test_a_note_dated_after_today_is_refused_naming_the_date(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the clock set back before a note's date, correcting it is refused for its date."""
    on_day(monkeypatch, date(2023, 7, 15))
    counts = row_counts(app_db)
    at = choose(desk(), RETREAT)
    fill(at, f"fix-{RETREAT}", text="First annual retreat of the Compact.")
    save(at, f"fix-{RETREAT}")
    assert "Date: 2025-06-25 is in the future (today is 2023-07-15)." in errors(at)
    assert row_counts(app_db) == counts


def test_a_locked_store_refuses_the_note_in_one_sentence(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ctdash.config import get_settings

    monkeypatch.setenv("CTDASH_DB_STATEMENT_TIMEOUT", "1")
    get_settings.cache_clear()
    at = desk()
    before = tables_checksum(app_db)
    fill(at, "add", date=date(2022, 4, 30), text="Entities join.", source="UNOCT")
    blocker = make_engine(f"sqlite:///{app_db}")
    try:
        with blocker.connect() as connection:
            connection.exec_driver_sql("BEGIN EXCLUSIVE")
            save(at, "add")
            connection.rollback()
    finally:
        blocker.dispose()
    assert [plain(e.value) for e in at.error] == [
        "The store is busy; nothing was written; try again."
    ]
    assert tables_checksum(app_db) == before


# --- notes: added, corrected, removed, undone -----------------------------------------------------


def test_a_note_added_is_listed_with_its_source_and_kept_as_a_revision(app_db: Path) -> None:
    counts = row_counts(app_db)
    at = desk()
    fill(
        at,
        "add",
        date=date(2022, 4, 30),
        text="Four more entities join the Compact.",
        source="UNOCT press release",
        link="https://www.un.org/counterterrorism/",
        indicator="compact_entities",
    )
    write = written(save(at, "add"), "added")
    assert row_counts(app_db)["note"] == counts["note"] + 1
    assert row_counts(app_db)["batch"] == counts["batch"] + 1
    listed = table(at, "Date")
    assert {
        "Date": "2022-04-30",
        "Note": "Four more entities join the Compact.",
        "About": "Compact entities",
        "Source": "[UNOCT press release](<https://www.un.org/counterterrorism/>)",
    } in listed
    assert "7 notes on the trends, oldest first." in [c.value for c in at.caption]
    # The form is empty again for the next note.
    assert widget(at.text_area, "desk:note-add-").value == ""
    stored = context.revisions(make_engine(f"sqlite:///{app_db}"), Note)
    added = stored[stored["batch_id"] == write]
    assert list(added["recorded_by"]) == ["ana"]
    assert list(added["text"]) == ["Four more entities join the Compact."]


def test_correcting_makes_a_revision_and_undo_brings_the_earlier_one_back(app_db: Path) -> None:
    at = choose(desk(), MEETING)
    assert widget(at.text_area, f"desk:note-fix-{MEETING}-").value == MEETING_TEXT
    fill(at, f"fix-{MEETING}", text="6th meeting of the Coordination Committee (corrected).")
    write = written(save(at, f"fix-{MEETING}"), "corrected")
    revisions = table(at, "Revision")
    assert [(r["Revision"], r["What changed"], r["Current"], r["By"]) for r in revisions] == [
        ("2", "text", "yes", "ana"),
        ("1", "added", "no", "ctdash seed"),
    ]
    assert revisions[0]["Note"] == "6th meeting of the Coordination Committee (corrected)."
    listed = {r["Date"]: r["Note"] for r in table(at, "Date")}
    assert listed["2021-10-08"] == "6th meeting of the Coordination Committee (corrected)."

    at = undo_latest(at, write)
    listed = {r["Date"]: r["Note"] for r in table(at, "Date")}
    assert listed["2021-10-08"] == MEETING_TEXT
    revisions = table(at, "Revision")
    assert [(r["Revision"], r["Current"]) for r in revisions] == [
        ("2", "no, undone"),
        ("1", "yes"),
    ]


def test_saving_a_note_unchanged_writes_nothing(app_db: Path) -> None:
    before = tables_checksum(app_db)
    at = save(choose(desk(), MEETING), f"fix-{MEETING}")
    assert any("Nothing changed" in i.value for i in at.info)
    assert tables_checksum(app_db) == before


def test_a_note_is_removed_only_once_confirmed_and_undo_brings_it_back(app_db: Path) -> None:
    at = choose(desk(), MEETING)
    assert at.button(key="desk:note-remove").disabled
    widget(at.checkbox, f"desk:note-remove-confirm-{MEETING}-").check().run()
    at.button(key="desk:note-remove").click().run()
    write = written(at, "removed")
    assert "2021-10-08" not in {r["Date"] for r in table(at, "Date")}
    at = undo_latest(at, write)
    assert MEETING_TEXT in {r["Note"] for r in table(at, "Date")}


def test_undoing_an_added_note_takes_it_off_the_trends(app_db: Path) -> None:
    at = desk()
    fill(at, "add", date=date(2022, 4, 30), text="Added by mistake.", source="nowhere")
    write = written(save(at, "add"), "added")
    assert "Added by mistake." in {r["Note"] for r in table(at, "Date")}
    undo = at.selectbox(key="desk:undo-write")
    assert "note of 2022-04-30 added: Added by mistake." in undo.options[0]
    at = undo_latest(at, write)
    assert "Added by mistake." not in {r["Note"] for r in table(at, "Date")}
    assert "6 notes on the trends, oldest first." in [c.value for c in at.caption]


def test_an_editor_is_not_offered_the_undo_of_an_administrators_target(app_db: Path) -> None:
    engine = make_engine(f"sqlite:///{app_db}")
    setting = context.set_target(
        engine, code="member_states", value=150, due=date(2027, 12, 31), source="x", user="root"
    )
    noted = context.add_note(
        engine,
        context.NoteInput(date(2023, 3, 1), "A meeting", "UNOCT"),
        user="ana",
        today=date(2026, 11, 29),
    )
    engine.dispose()
    offered = desk().selectbox(key="desk:undo-write").options
    # The administrator's write (the target) is not among those the editor may undo.
    assert [int(option.split(":")[0]) for option in offered] == [noted.write]
    assert noted.write == setting + 1
