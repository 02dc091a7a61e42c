"""Writes after seeding: commit, revisions, a file uploaded twice, undo, history, audit.

Each test runs on SQLite and on PostgreSQL; a locked store is locked in each one's own way."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from ctdash import desk, queries
from ctdash import store as writes
from ctdash.db import make_engine
from ctdash.ingest import ActivityRecord, ObservationRecord
from tests.conftest import row_counts, tables_checksum

AS_OF = date(2023, 9, 30)

pytestmark = pytest.mark.both_backends


def figures(*pairs: tuple[str, int], as_of: date = AS_OF) -> list[ObservationRecord]:
    return [
        ObservationRecord(row=n + 2, code=c, as_of=as_of, value=v) for n, (c, v) in enumerate(pairs)
    ]


def current(engine, code: str, as_of: date) -> int | None:
    obs = queries.observations(engine)
    rows = obs[(obs["indicator_code"] == code) & (obs["as_of"] == as_of)]
    return None if rows.empty else int(rows["value"].iloc[0])


def test_preview_says_new_changed_unchanged(store) -> None:
    records = figures(("member_states", 136), ("focal_points", 1100), as_of=date(2023, 4, 30))
    records += figures(("documents_shared", 3500))
    changes = {(c.code, c.status, c.old, c.new) for c in store_preview(store, records)}
    assert changes == {
        ("member_states", "unchanged", 136, 136),
        ("focal_points", "changed", 1000, 1100),
        ("documents_shared", "new", None, 3500),
    }


def store_preview(engine, records):
    return desk.preview_observations(engine, records)


def test_commit_adds_figures_and_keeps_the_file(store) -> None:
    data = b"date,indicator,value\n2023-09-30,member_states,140\n"
    result = writes.commit(
        store,
        file_name="q3.csv",
        data=data,
        user="ana",
        observations=figures(("member_states", 140)),
    )
    assert result.observations == 1 and result.batch_id is not None
    assert current(store, "member_states", AS_OF) == 140
    log = queries.audit_log(store)
    top = log.iloc[0]
    assert (top["recorded_by"], top["kind"], top["file"], top["figures"]) == (
        "ana",
        "upload",
        "q3.csv",
        1,
    )
    assert top["sha256"] == writes.sha256_hex(data)
    source_id = source_id_of(store, top["sha256"])
    assert queries.source_file(store, source_id=source_id) == data


def source_id_of(engine: Engine, digest: str) -> int:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM source WHERE sha256 = :digest"), {"digest": digest}
        )
        return int(found.scalar_one())


def test_the_same_file_twice_adds_nothing(store) -> None:
    data = b"date,indicator,value\n2023-09-30,member_states,140\n"
    first = writes.commit(
        store,
        file_name="a.csv",
        data=data,
        user="ana",
        observations=figures(("member_states", 140)),
    )
    counts, checksum = row_counts(store), tables_checksum(store)
    again = writes.commit(
        store,
        file_name="renamed.csv",
        data=data,
        user="ben",
        observations=figures(("member_states", 140)),
    )
    assert again.written == 0 and again.duplicate_of == first.batch_id
    assert row_counts(store) == counts and tables_checksum(store) == checksum


def test_a_correction_is_a_new_revision_and_undo_restores_the_earlier_value(store) -> None:
    engine = store
    first = store_commit(engine, b"1", [("focal_points", 1000)], as_of=date(2023, 4, 30))
    assert first.written == 0  # equal to the shipped figure: nothing to write
    fix = store_commit(engine, b"2", [("focal_points", 1010)], as_of=date(2023, 4, 30))
    assert current(engine, "focal_points", date(2023, 4, 30)) == 1010
    history = queries.history(engine, code="focal_points")
    assert history["value"].tolist() == [1000, 1010]
    assert history["revision"].tolist() == [1, 2]
    counts = row_counts(engine)
    writes.undo(engine, batch_id=fix.batch_id, user="ana")
    assert current(engine, "focal_points", date(2023, 4, 30)) == 1000
    after = row_counts(engine)
    assert after["observation"] == counts["observation"]  # nothing deleted
    assert after["batch"] == counts["batch"] + 1
    history = queries.history(engine, code="focal_points")
    assert history["superseded_by"].notna().tolist() == [False, True]
    with pytest.raises(writes.StoreError, match="already undone"):
        writes.undo(engine, batch_id=fix.batch_id, user="ana")
    # A new correction after the undo takes the next revision number.
    again = store_commit(engine, b"3", [("focal_points", 1020)], as_of=date(2023, 4, 30))
    assert again.written == 1
    assert queries.history(engine, code="focal_points")["revision"].tolist() == [1, 2, 3]


def test_undoing_a_new_figure_removes_it_from_view(store) -> None:
    result = store_commit(store, b"x", [("member_states", 150)])
    writes.undo(store, batch_id=result.batch_id, user="ana")
    assert current(store, "member_states", AS_OF) is None
    assert desk.preview_observations(store, figures(("member_states", 150)))[0].status == "new"


def test_the_seed_cannot_be_undone(store) -> None:
    with pytest.raises(writes.StoreError, match="cannot be undone"):
        writes.undo(store, batch_id=1, user="ana")


def test_activities_upload_and_undo(store) -> None:
    record = ActivityRecord(
        row=2,
        title="Workshop on X",
        kind="workshop",
        start_date=date(2023, 5, 2),
        end_date=date(2023, 5, 3),
        country_iso3="KEN",
        city="Nairobi",
        lat=-1.28,
        lon=36.82,
        location_precision="city",
        entities=("UNOCT", "UNODC"),
    )
    result = writes.commit(
        store, file_name="acts.csv", data=b"acts", user="ana", activities=[record]
    )
    acts = queries.activities(store)
    added = acts[acts["title"] == "Workshop on X"]
    assert added["entities"].tolist() == ["UNOCT; UNODC"]
    writes.undo(store, batch_id=result.batch_id, user="ana")
    assert "Workshop on X" not in set(queries.activities(store)["title"])


def shipped_activity_again(store) -> ActivityRecord:
    """A shipped activity as a file read from another source (a newsletter pasted from its PDF)
    would give it: the same activity, another row."""
    first = queries.activities(store).iloc[0]

    def text(name: str) -> str | None:
        return None if first[name] is None or first[name] != first[name] else str(first[name])

    return ActivityRecord(
        row=40,
        title=str(first["title"]),
        kind=str(first["kind"]),
        start_date=first["start_date"],
        end_date=first["end_date"],
        country_iso3=text("country_iso3"),
        city=text("city"),
        region=text("region"),
        working_group=text("working_group"),
        online=bool(first["online"]),
    )


def test_an_activity_the_store_holds_already_is_not_added_again(store) -> None:
    before = len(queries.activities(store))
    again = shipped_activity_again(store)
    other = ActivityRecord(
        row=41,
        title="Workshop on Y",
        kind="workshop",
        start_date=date(2023, 6, 2),
        end_date=date(2023, 6, 2),
        country_iso3="KEN",
    )
    result = writes.commit(
        store, file_name="pasted.txt", data=b"pasted", user="ana", activities=[again, other]
    )
    assert (result.activities, result.already_stored) == (1, 1)
    assert len(queries.activities(store)) == before + 1
    assert result.already_stored_text() == (
        "; 1 activity was in the store already and not added again"
    )
    # Undoing the write takes away what it added, and only that.
    writes.undo(store, batch_id=result.batch_id, user="ana")
    assert len(queries.activities(store)) == before


def test_the_same_title_typed_with_other_quotes_or_spaces_is_the_same_activity(store) -> None:
    def activity(title: str) -> ActivityRecord:
        day = date(2023, 3, 8)
        return ActivityRecord(row=2, title=title, kind="other", start_date=day, end_date=day)

    typed = writes.commit(
        store,
        file_name="typed.csv",
        data=b"typed",
        user="ana",
        activities=[activity("Women's day")],
    )
    pasted = writes.commit(
        store,
        file_name="pasted.txt",
        data=b"pasted",
        user="ana",
        activities=[activity("Women\u2019s  Day"), activity("Women's night")],
    )
    assert (typed.activities, pasted.activities, pasted.already_stored) == (1, 1, 1)


def test_a_file_whose_every_row_is_stored_writes_nothing(store) -> None:
    checksum = tables_checksum(store)
    result = writes.commit(
        store,
        file_name="pasted.txt",
        data=b"pasted again",
        user="ana",
        activities=[shipped_activity_again(store)],
    )
    assert (result.batch_id, result.written, result.already_stored) == (None, 0, 1)
    assert tables_checksum(store) == checksum


def test_the_store_names_what_it_holds_under_another_title_at_the_same_days_and_place(
    store,
) -> None:
    again = shipped_activity_again(store)
    reworded = replace(again, row=41, title=f"Reworded: {again.title}")
    other_days = replace(reworded, row=42, start_date=date(2021, 1, 4), end_date=date(2021, 1, 4))
    found = writes.stored_under_another_title(store, [again, reworded, other_days])
    assert found == [(reworded, again.title)]


def test_warnings_know_the_indicators(store) -> None:
    records = figures(
        ("ct_platform_visits", 150000), ("member_states", 300), ("focal_points", 1100)
    )
    warnings = desk.indicator_warnings(
        records, queries.observations(store), queries.indicators(store)
    )
    text = [str(w) for w in warnings]
    assert any(
        "Row 2, column 'value': Virtual visits to the CT Platform is a running total but goes down"
        in t
        for t in text
    )
    assert any(t.startswith("Row 3") and "moves by +121%" in t for t in text)
    assert not any(t.startswith("Row 4") for t in text)


def store_commit(engine, data: bytes, pairs, as_of: date = AS_OF):
    return writes.commit(
        engine, file_name="f.csv", data=data, user="ana", observations=figures(*pairs, as_of=as_of)
    )


def test_two_imports_at_the_same_moment_never_leave_partial_data(database_url: str, store) -> None:
    outcomes: list[object] = []
    start = threading.Barrier(2)

    def upload(value: int) -> None:
        engine = make_engine(database_url)
        start.wait()
        try:
            outcomes.append(
                writes.commit(
                    engine,
                    file_name=f"{value}.csv",
                    data=str(value).encode(),
                    user=f"u{value}",
                    observations=figures(
                        *[
                            (code, value)
                            for code in ("member_states", "focal_points", "documents_shared")
                        ]
                    ),
                )
            )
        except writes.StoreError as error:
            outcomes.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=upload, args=(v,)) for v in (500, 600)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    written = [o for o in outcomes if isinstance(o, writes.CommitResult)]
    failed = [o for o in outcomes if isinstance(o, writes.StoreError)]
    assert written, outcomes
    for error in failed:
        assert "Nothing was written" in str(error)
    # Each upload's three figures are all there or all absent; revisions never collide.
    history = queries.history(store, code=None)
    mine = history[history["as_of"] == AS_OF]
    per_write = mine.groupby("write").size()
    assert set(per_write) == {3}
    assert len(per_write) == len(written)


def test_a_file_can_be_committed_again_after_its_upload_was_undone(store) -> None:
    data = b"date,indicator,value\n2023-09-30,member_states,140\n"
    first = writes.commit(
        store,
        file_name="a.csv",
        data=data,
        user="ana",
        observations=figures(("member_states", 140)),
    )
    writes.undo(store, batch_id=first.batch_id, user="ana")
    assert writes.known_upload(store, data) is None
    again = writes.commit(
        store,
        file_name="a.csv",
        data=data,
        user="ana",
        observations=figures(("member_states", 140)),
    )
    assert again.observations == 1 and again.duplicate_of is None
    assert writes.known_upload(store, data) == again.batch_id
    assert current(store, "member_states", AS_OF) == 140


@contextmanager
def locked(database_url: str) -> Iterator[Engine]:
    """An engine that waits a tenth of a second for a lock, while another connection holds the
    whole store: SQLite's exclusive lock, PostgreSQL's on the table of writes."""
    engine = make_engine(database_url)
    blocker = make_engine(database_url)
    sqlite = database_url.startswith("sqlite")

    @event.listens_for(engine, "connect")
    def _short_wait(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=100" if sqlite else "SET lock_timeout = 100")
        cursor.close()

    try:
        with blocker.connect() as connection:
            if sqlite:
                connection.exec_driver_sql("BEGIN EXCLUSIVE")
            else:
                connection.execute(text("LOCK TABLE batch IN ACCESS EXCLUSIVE MODE"))
            try:
                yield engine
            finally:
                connection.rollback()
    finally:
        engine.dispose()
        blocker.dispose()


def test_a_locked_store_refuses_the_write_with_a_clear_message(database_url: str, store) -> None:
    checksum = tables_checksum(store)
    with (
        locked(database_url) as engine,
        pytest.raises(writes.StoreUnavailable) as refused,
    ):
        writes.commit(
            engine,
            file_name="late.csv",
            data=b"late",
            user="ana",
            observations=figures(("member_states", 150)),
        )
    # One line, naming neither the statement nor the store's host or file.
    assert str(refused.value) == "The store is busy; nothing was written; try again."
    assert tables_checksum(store) == checksum


def test_a_locked_store_refuses_an_undo_with_a_clear_message(database_url: str, store) -> None:
    done = store_commit(store, b"x", [("member_states", 150)])
    assert done.batch_id is not None
    checksum = tables_checksum(store)
    with (
        locked(database_url) as engine,
        pytest.raises(writes.StoreUnavailable) as refused,
    ):
        writes.undo(engine, batch_id=done.batch_id, user="ana")
    assert str(refused.value) == "The store is busy; nothing was undone; try again."
    assert tables_checksum(store) == checksum


def test_the_shipped_newsletter_imported_again_adds_nothing(store) -> None:
    from tests.conftest import PROJECT_ROOT

    data = (PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt").read_bytes()
    checksum = tables_checksum(store)
    result = writes.commit(
        store,
        file_name="newsletter.txt",
        data=data,
        user="ana",
        kind="ingest",
        observations=figures(("member_states", 999)),
    )
    assert result.written == 0 and result.duplicate_of == 1
    assert tables_checksum(store) == checksum
