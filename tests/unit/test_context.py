"""Each figure's context in the store: schedules, targets and notes written as revisions, refused
with the field named and nothing written, undone like uploads, seeded once; when a figure is
due; two snapshots compared."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from ctdash import comparison, context, freshness, queries, store
from ctdash import store as store_module
from ctdash.models import Note
from ctdash.seed import seed
from tests.conftest import row_counts

pytestmark = pytest.mark.both_backends

TODAY = date(2026, 11, 29)
SIGNING = "note-2018-02-23-signing"


def note(**changes: object) -> context.NoteInput:
    given: dict[str, object] = {
        "on_date": date(2019, 5, 1),
        "text": "INTERPOL joins",
        "source": "UNOCT press release",
        "source_url": "https://www.un.org/counterterrorism/x",
        "indicator_code": "compact_entities",
    }
    return context.NoteInput(**{**given, **changes})  # type: ignore[arg-type]


# --- when a figure is due ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2023, 4, 30), 2, date(2023, 6, 30)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 11, 15), 3, date(2024, 2, 15)),
        (date(2023, 2, 28), 2, date(2023, 4, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_the_next_figure_is_due_one_cadence_after_the_last(
    day: date, months: int, expected: date
) -> None:
    assert freshness.next_due(day, months) == expected


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2023, 4, 30), "fresh"),
        (date(2023, 6, 23), "fresh"),
        # The cadence's last tenth: 61 days to 30 June, so from 24 June.
        (date(2023, 6, 24), "due"),
        (date(2023, 6, 30), "due"),
        (date(2023, 7, 1), "overdue"),
    ],
)
def test_a_figure_is_fresh_then_due_then_overdue(today: date, state: str) -> None:
    assert freshness.state_of(date(2023, 4, 30), 2, today) == state


def test_no_cadence_is_never_due_and_no_figure_is_missing() -> None:
    assert freshness.state_of(date(2023, 4, 30), None, TODAY) == "unscheduled"
    assert freshness.state_of(None, 2, TODAY) == "missing"


def test_every_shipped_figure_is_overdue_today_with_its_provider(store: Engine) -> None:
    found = freshness.freshness(
        queries.indicators(store), queries.observations(store), context.schedules(store), TODAY
    )
    assert [f.state for f in found] == ["overdue"] * 8
    first = found[0]
    assert first.label == "Compact entities"
    assert first.provider == "UNOCT (Compact Secretariat, PKMCB)"
    assert first.updated_text() == "updated 2023-04-30 · next due 2023-06-30"
    assert first.status_text() == "Overdue since 2023-06-30"
    assert first.days_overdue == (TODAY - date(2023, 6, 30)).days
    assert {f.provider for f in found} == {
        "UNOCT (Compact Secretariat, PKMCB)",
        "CT Platform",
        "CTED",
    }


def test_the_state_is_named_in_words_with_an_icon() -> None:
    for state, (word, icon) in freshness.STATES.items():
        assert word and icon.startswith(":material/"), state


# --- schedules and targets ----------------------------------------------------------------------


def test_a_schedule_change_is_a_revision_and_undone(store: Engine) -> None:
    write = context.set_schedule(
        store, code="focal_points", cadence_months=6, provider="UNOCT", user="root"
    )
    plans = context.schedules(store).set_index("indicator_code")
    assert (plans.loc["focal_points", "cadence_months"], plans.loc["focal_points", "provider"]) == (
        6,
        "UNOCT",
    )
    store_batch = store_undo(store, write)
    plans = context.schedules(store).set_index("indicator_code")
    assert plans.loc["focal_points", "cadence_months"] == 2
    assert store_batch.undoes_batch_id == write


def store_undo(engine: Engine, write: int):
    return store.undo(engine, batch_id=write, user="root")


@pytest.mark.parametrize(
    ("cadence", "provider", "field"),
    [
        (0, "CTED", "cadence"),
        (61, "CTED", "cadence"),
        (2, "  ", "provider"),
        (2, "x" * 201, "provider"),
    ],
)
def test_a_bad_schedule_names_its_field_and_writes_nothing(
    store: Engine, cadence: int, provider: str, field: str
) -> None:
    before = row_counts(store)
    with pytest.raises(context.Refused) as refused:
        context.set_schedule(
            store, code="focal_points", cadence_months=cadence, provider=provider, user="root"
        )
    assert [p.column for p in refused.value.problems] == [field]
    assert row_counts(store) == before


def test_a_target_is_set_removed_and_its_removal_undone(store: Engine) -> None:
    context.set_target(
        store,
        code="member_states",
        value=150,
        due=date(2027, 12, 31),
        source="Coordination Committee decision",
        user="root",
    )
    assert context.targets(store).to_dict("records") == [
        {
            "indicator_code": "member_states",
            "value": 150,
            "due": date(2027, 12, 31),
            "source": "Coordination Committee decision",
            "source_url": None,
            "revision": 1,
        }
    ]
    removal = context.remove_target(store, code="member_states", user="root")
    assert context.targets(store).empty
    with pytest.raises(context.Refused, match="has no target to remove"):
        context.remove_target(store, code="member_states", user="root")
    store_undo(store, removal)
    assert list(context.targets(store)["value"]) == [150]


def test_an_editor_cannot_undo_an_administrators_target_or_schedule(store: Engine) -> None:
    target = context.set_target(
        store, code="member_states", value=150, due=date(2027, 12, 31), source="x", user="root"
    )
    schedule = context.set_schedule(
        store, code="member_states", cadence_months=3, provider="UNOCT", user="root"
    )
    for write in (target, schedule):
        with pytest.raises(store_module.StoreError, match="by an administrator only"):
            store_module.undo(store, batch_id=write, user="ana", kinds=store_module.EDITOR_UNDOABLE)
    assert list(context.targets(store)["value"]) == [150]
    added = context.add_note(store, note(), user="ana", today=TODAY)
    store_module.undo(store, batch_id=added.write, user="ana", kinds=store_module.EDITOR_UNDOABLE)
    assert added.key not in set(context.notes(store)["key"])


def test_a_bad_target_names_each_field(store: Engine) -> None:
    before = row_counts(store)
    with pytest.raises(context.Refused) as refused:
        context.set_target(
            store,
            code="member_states",
            value=-1,
            due=date(1999, 1, 1),
            source="",
            source_url="ftp://example.org",
            user="root",
        )
    assert [p.column for p in refused.value.problems] == ["value", "date", "source", "link"]
    assert row_counts(store) == before
    with pytest.raises(context.Refused, match="'nope' is not known"):
        context.set_target(store, code="nope", value=1, due=TODAY, source="x", user="root")


# --- notes on the trends ------------------------------------------------------------------------


def test_the_shipped_notes_are_seeded_once_with_their_sources(store: Engine) -> None:
    shipped = context.notes(store)
    assert list(shipped["on_date"])[:1] == [date(2018, 2, 23)]
    assert len(shipped) == 6
    assert shipped["source"].str.len().min() > 0
    assert seed(store).total == 0
    assert len(context.notes(store)) == 6


def test_a_note_is_added_corrected_removed_and_each_step_undone(store: Engine) -> None:
    added = context.add_note(store, note(text="  INTERPOL   joins "), user="ana", today=TODAY)
    key = added.key
    assert context.notes(store).set_index("key").loc[key, "text"] == "INTERPOL joins"
    correction = context.correct_note(store, key, note(text="IPU joins"), user="bo", today=TODAY)
    assert context.notes(store).set_index("key").loc[key, "text"] == "IPU joins"
    removal = context.remove_note(store, key, user="bo")
    assert key not in set(context.notes(store)["key"])

    store_undo(store, removal)
    assert context.notes(store).set_index("key").loc[key, "text"] == "IPU joins"
    store_undo(store, correction)
    assert context.notes(store).set_index("key").loc[key, "text"] == "INTERPOL joins"

    history = context.revisions(store, Note)
    mine = history[history["key"] == key]
    assert list(mine["batch_id"])[-1] == added.write
    assert list(mine["revision"]) == [3, 2, 1]
    assert list(mine["recorded_by"]) == ["bo", "bo", "ana"]
    assert list(mine["current"]) == [False, False, True]


def test_a_removed_shipped_note_is_not_seeded_again(store: Engine) -> None:
    context.remove_note(store, SIGNING, user="ana")
    seed(store)
    assert SIGNING not in set(context.notes(store)["key"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"on_date": None}, "date"),
        ({"on_date": date(2027, 1, 1)}, "date"),
        ({"text": " \n "}, "text"),
        ({"text": "x" * 501}, "text"),
        ({"source": ""}, "source"),
        ({"source_url": "javascript:alert(1)"}, "link"),
        ({"source_url": "https://exa mple.org"}, "link"),
        ({"indicator_code": "bogus"}, "indicator"),
    ],
)
def test_a_bad_note_names_its_field_and_writes_nothing(
    store: Engine, changes: dict[str, object], field: str
) -> None:
    before = row_counts(store)
    with pytest.raises(context.Refused) as refused:
        context.add_note(store, note(**changes), user="ana", today=TODAY)
    assert [p.column for p in refused.value.problems] == [field]
    assert row_counts(store) == before


def test_every_context_write_is_in_the_audit_log(store: Engine) -> None:
    context.add_note(store, note(), user="ana", today=TODAY)
    context.set_target(store, code="focal_points", value=2000, due=TODAY, source="x", user="root")
    log = queries.audit_log(store)
    assert list(log["kind"][:2]) == ["setting", "note"]
    assert list(log["recorded_by"][:2]) == ["root", "ana"]
    assert (log["notes"][1], log["settings"][0]) == (1, 1)
    assert log["note"][1] == "note of 2019-05-01 added: INTERPOL joins"


# --- two snapshots compared ---------------------------------------------------------------------


def test_two_snapshots_side_by_side(store: Engine) -> None:
    indicators, obs = queries.indicators(store), queries.observations(store)
    now = queries.build_tiles(indicators, obs, date(2023, 4, 30))
    then = queries.build_tiles(indicators, obs, date(2021, 10, 8))
    compared = {c.now.code: c for c in comparison.compare(now, then)}
    entities = compared["compact_entities"]
    assert (entities.now.value, entities.then.value) == (45, 43)
    assert (entities.change_text(), entities.percent_text()) == ("+2", "+4.7%")
    visits = compared["ct_platform_visits"]
    assert (visits.then.value, visits.change_text(), visits.percent_text()) == (None, "—", "—")
    assert entities.as_json()["compared_as_of"] == "2021-10-08"
