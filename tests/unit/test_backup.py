"""ctdash backup and ctdash restore: consistent copies while the store is written, restored row
for row into SQLite or PostgreSQL, and nothing ever overwritten or lost."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from typer.testing import CliRunner

from ctdash import auth
from ctdash import store as writes
from ctdash.backup import INFO_TABLE
from ctdash.cli import app
from ctdash.db import (
    DATA_DESK,
    alembic_config,
    head_revision,
    make_engine,
    migration_transaction,
    schema_revision,
    session_scope,
)
from ctdash.ingest import ObservationRecord
from ctdash.seed import seed
from tests.conftest import create_postgres_database, drop_postgres_database, tables_checksum

runner = CliRunner()

PASSWORD = "a long enough password"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def all_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table a backup carries (all of the models' but the store's own data
    version), read through the models' types, by primary key."""
    rows = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "data_version":
                continue
            keys = [column.name for column in table.primary_key.columns]
            found = connection.execute(select(table)).mappings().all()
            ordered = sorted(found, key=lambda row: tuple(row[k] for k in keys))
            rows[table.name] = [tuple(row.values()) for row in ordered]
    return rows


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def file_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """`all_rows` of a SQLite file opened read-only, so reading it changes nothing."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        return all_rows(engine)
    finally:
        engine.dispose()


def upload(engine: Engine, number: int) -> writes.CommitResult:
    """One upload with its file and one figure, as the data desk commits it."""
    record = ObservationRecord(
        row=2,
        code="documents_shared",
        as_of=date(2024, 1, 1) + timedelta(days=number),
        value=number,
    )
    return writes.commit(
        engine,
        file_name=f"figures-{number}.csv",
        data=f"indicator,as_of,value\ndocuments_shared,{record.as_of},{number}\n".encode(),
        user="ana",
        observations=[record],
    )


def fill(engine: Engine) -> None:
    """A seeded store with what every table can hold: accounts, kept files, an undo."""
    seed(engine)
    with session_scope(engine) as session:
        auth.add_user(session, name="ana", role="editor", password=PASSWORD)
        auth.add_user(session, name="bo@example.org", role="viewer", password=None)
        locked = auth.find_user(session, name="ana")
        assert locked is not None
        locked.failed_attempts = 5
        locked.locked_until = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        session.add(locked)
    upload(engine, 1)
    undone = upload(engine, 2)
    assert undone.batch_id is not None
    writes.undo(engine, batch_id=undone.batch_id, user="ana")
    upload(engine, 3)


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(sqlite_url(tmp_path / "filled.db"))
    fill(engine)
    yield engine
    engine.dispose()


def run(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def counts(output: str) -> dict[str, int]:
    """The rows per table that a command printed, one indented line each."""
    found = {}
    for line in output.splitlines():
        if line.startswith("  "):
            table, rows = line.split()
            found[table] = int(rows)
    return found


def test_backup_and_restore_keep_every_row(filled: Engine, tmp_path: Path) -> None:
    file = tmp_path / "backup.db"
    done = run("backup", file, "--database-url", filled.url)
    assert done.exit_code == 0, done.output
    assert f"wrote {file}" in done.stdout
    assert f"schema revision {head_revision()}" in done.stdout
    assert counts(done.stdout) == {t: len(rows) for t, rows in all_rows(filled).items()}
    assert counts(done.stdout)["sourcefile"] == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == [
        "backup.db"
    ]  # one self-contained file, no journal beside it
    with closing(sqlite3.connect(file)) as connection:
        taken_at, taken_from, revision = connection.execute(
            f"SELECT taken_at, taken_from, revision FROM {INFO_TABLE}"
        ).fetchone()
    assert revision == head_revision()
    assert taken_from == str(filled.url)
    assert datetime.now(UTC) - datetime.fromisoformat(taken_at) < timedelta(minutes=1)

    target = tmp_path / "restored.db"
    restored = run("restore", file, "--database-url", sqlite_url(target))
    assert restored.exit_code == 0, restored.output
    assert f"restored {file}" in restored.stdout
    assert counts(restored.stdout) == counts(done.stdout)
    engine = make_engine(sqlite_url(target))
    try:
        assert all_rows(engine) == all_rows(filled)
        assert schema_revision(engine) == head_revision()
        with session_scope(engine) as session:
            assert auth.authenticate(session, name="ana", password=PASSWORD).locked_until
        assert upload(engine, 4).batch_id == 6  # new rows are numbered after the restored ones
    finally:
        engine.dispose()


def test_backup_does_not_wait_for_an_open_write_nor_copy_it(filled: Engine, tmp_path: Path) -> None:
    before = all_rows(filled)
    database = filled.url.database
    assert database is not None
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO appuser (name, role, failed_attempts, created_at) "
            "VALUES ('uncommitted', 'viewer', 0, '2025-01-01 00:00:00.000000')"
        )
        started = datetime.now(UTC)
        done = run("backup", tmp_path / "backup.db", "--database-url", filled.url)
        assert done.exit_code == 0, done.output
        assert datetime.now(UTC) - started < timedelta(seconds=4)  # not the 5 s busy timeout
        writer.execute("COMMIT")
    assert file_rows(tmp_path / "backup.db") == before
    assert len(all_rows(filled)["appuser"]) == 3


def test_backups_taken_while_uploads_commit_are_each_consistent(
    filled: Engine, tmp_path: Path
) -> None:
    backups_while_uploading(filled, tmp_path)


def backups_while_uploading(filled: Engine, tmp_path: Path) -> None:
    """Back up a store four times while a thread keeps committing uploads to it; check each."""
    stop = threading.Event()
    committed: list[int] = []

    def keep_uploading() -> None:
        number = 100
        while not stop.is_set():
            number += 1
            try:
                upload(filled, number)
                committed.append(number)
            except writes.StoreError:
                continue  # busy: the next one will do

    writer = threading.Thread(target=keep_uploading)
    writer.start()
    files = []
    try:
        for n in range(4):
            while len(committed) < 3 * (n + 1):
                assert writer.is_alive()
                stop.wait(0.01)
            file = tmp_path / f"backup-{n}.db"
            done = run("backup", file, "--database-url", url_of(filled))
            assert done.exit_code == 0, done.output
            files.append(file)
    finally:
        stop.set()
        writer.join()

    uploads = []
    for file in files:
        with closing(sqlite3.connect(file)) as connection:
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            # Every upload in a backup came whole: its source, its file and its figure.
            whole = connection.execute(
                "SELECT count(*) FROM batch b JOIN source s ON s.id = b.source_id "
                "JOIN sourcefile f ON f.source_id = s.id "
                "JOIN observation o ON o.batch_id = b.id WHERE b.kind = 'upload'"
            ).fetchone()[0]
            batches = connection.execute(
                "SELECT count(*) FROM batch WHERE kind = 'upload'"
            ).fetchone()[0]
            files_kept = connection.execute("SELECT count(*) FROM sourcefile").fetchone()[0]
        assert whole == batches == files_kept
        uploads.append(batches)
    assert uploads == sorted(uploads) and uploads[-1] > uploads[0]

    target = make_engine(sqlite_url(tmp_path / "restored.db"))
    try:
        restored = run("restore", files[-1], "--database-url", target.url)
        assert restored.exit_code == 0, restored.output
        assert all_rows(target) == file_rows(files[-1])
    finally:
        target.dispose()


def test_restore_refuses_a_store_that_holds_data(
    filled: Engine, store: Engine, db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "backup.db"
    assert run("backup", file, "--database-url", filled.url).exit_code == 0
    before = tables_checksum(db_path)
    listing = sorted(p.name for p in tmp_path.iterdir())

    refused = run("restore", file, "--database-url", store.url)

    assert refused.exit_code == 1
    assert "already holds data (8 indicator, 4 source" in refused.stderr
    assert "--replace" in refused.stderr
    assert tables_checksum(db_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_replace_keeps_a_backup_of_what_was_replaced(
    filled: Engine, store: Engine, db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "backup.db"
    assert run("backup", file, "--database-url", filled.url).exit_code == 0
    replaced_rows = all_rows(store)

    done = run("restore", file, "--replace", "--database-url", store.url)

    assert done.exit_code == 0, done.output
    kept = [p for p in db_path.parent.iterdir() if p.name.startswith("ctdash-replaced-")]
    assert len(kept) == 1
    assert f"kept what was replaced in {kept[0]}" in done.stdout
    assert file_rows(kept[0]) == replaced_rows
    assert all_rows(store) == all_rows(filled)

    again = run("restore", kept[0], "--replace", "--database-url", store.url)
    assert again.exit_code == 0, again.output
    assert all_rows(store) == replaced_rows
    assert len([p for p in db_path.parent.iterdir() if "-replaced-" in p.name]) == 2


def not_sqlite(path: Path) -> None:
    path.write_text("indicator,as_of,value\nmember_states,2023-04-30,136\n")


def other_sqlite(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE indicator (code TEXT)")


def truncated(path: Path) -> None:
    engine = make_engine(sqlite_url(path.with_name("whole.db")))
    fill(engine)
    engine.dispose()
    assert (
        run("backup", path.with_name("whole-backup.db"), "--database-url", engine.url).exit_code
        == 0
    )
    path.write_bytes(path.with_name("whole-backup.db").read_bytes()[:8192])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (not_sqlite, "is not a ctdash backup: it is not a SQLite file"),
        (other_sqlite, "is not a ctdash backup: it has no table source, batch, observation"),
        (truncated, "is a damaged SQLite file"),
        (None, "is not a file"),
    ],
)
def test_a_file_that_is_not_a_backup_is_refused(
    make: Any, message: str, store: Engine, db_path: Path, tmp_path: Path
) -> None:
    file = tmp_path / "suspect.db"
    if make is not None:
        make(file)
    before = tables_checksum(db_path)
    fresh = tmp_path / "fresh.db"

    for target, extra in ((store.url, ["--replace"]), (sqlite_url(fresh), [])):
        refused = run("restore", file, *extra, "--database-url", target)
        assert refused.exit_code == 1
        assert f"error: {file} {message}" in refused.stderr
        assert "Nothing was written." in refused.stderr

    assert tables_checksum(db_path) == before
    assert not fresh.exists()
    assert not [p for p in tmp_path.iterdir() if "-replaced-" in p.name]


def test_backup_never_overwrites_a_file(filled: Engine, tmp_path: Path) -> None:
    file = tmp_path / "backup.db"
    file.write_bytes(b"keep me")
    refused = run("backup", file, "--database-url", filled.url)
    assert refused.exit_code == 1
    assert "already exists" in refused.stderr
    assert file.read_bytes() == b"keep me"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_backup_of_a_store_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    refused = run("backup", tmp_path / "backup.db", "--database-url", sqlite_url(missing))
    assert refused.exit_code == 1
    assert f"There is no store at {missing}" in refused.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_backup_from_an_older_revision_is_upgraded(filled: Engine, tmp_path: Path) -> None:
    expected = all_rows(filled)
    with migration_transaction(filled) as connection:
        command.downgrade(alembic_config(connection), DATA_DESK)
    file = tmp_path / "old.db"
    done = run("backup", file, "--database-url", filled.url)
    assert done.exit_code == 0, done.output
    assert f"schema revision {DATA_DESK}" in done.stdout

    target = make_engine(sqlite_url(tmp_path / "restored.db"))
    try:
        restored = run("restore", file, "--database-url", target.url)
        assert restored.exit_code == 0, restored.output
        assert schema_revision(target) == head_revision()
        restored_rows = all_rows(target)
        # The schedules and notes came after that revision: the downgrade dropped them, and
        # they come back empty (the next start seeds the shipped ones again).
        assert restored_rows["schedule"] == restored_rows["note"] == []
        newer = {"schedule", "note"}
        assert {t: rows for t, rows in restored_rows.items() if t not in newer} == {
            t: rows for t, rows in expected.items() if t not in newer
        }
    finally:
        target.dispose()
    with closing(sqlite3.connect(file)) as connection:  # the file itself is left as it was
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == (
            DATA_DESK,
        )


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def postgres(postgres_server: str) -> Iterator[Any]:
    """A factory of new, empty PostgreSQL databases, each dropped after the test."""
    made: list[tuple[str, Engine]] = []

    def new_store() -> Engine:
        url = create_postgres_database(postgres_server)
        engine = make_engine(url)
        made.append((url, engine))
        return engine

    yield new_store
    for url, engine in made:
        engine.dispose()
        drop_postgres_database(postgres_server, url)


def test_postgres_to_sqlite_and_back_row_for_row(
    filled: Engine, postgres: Any, tmp_path: Path
) -> None:
    first, second = postgres(), postgres()
    from_sqlite = tmp_path / "from-sqlite.db"
    assert run("backup", from_sqlite, "--database-url", filled.url).exit_code == 0
    into_pg = run("restore", from_sqlite, "--database-url", url_of(first))
    assert into_pg.exit_code == 0, into_pg.output
    assert all_rows(first) == all_rows(filled)
    assert upload(first, 4).batch_id == 6  # sequences continue after the restored ids
    expected = all_rows(first)

    from_pg = tmp_path / "from-postgres.db"
    done = run("backup", from_pg, "--database-url", url_of(first))
    assert done.exit_code == 0, done.output
    assert counts(done.stdout)["batch"] == 6
    lite = make_engine(sqlite_url(tmp_path / "restored.db"))
    try:
        assert run("restore", from_pg, "--database-url", lite.url).exit_code == 0
        assert all_rows(lite) == expected
        back = tmp_path / "back.db"
        assert run("backup", back, "--database-url", lite.url).exit_code == 0
    finally:
        lite.dispose()
    again = run("restore", back, "--database-url", url_of(second))
    assert again.exit_code == 0, again.output
    assert all_rows(second) == expected
    assert schema_revision(second) == head_revision()


def filled_postgres(filled: Engine, engine: Engine, tmp_path: Path) -> Engine:
    """`engine`, an empty PostgreSQL database, holding `filled`'s rows by backup and restore."""
    file = tmp_path / "first.db"
    assert run("backup", file, "--database-url", filled.url).exit_code == 0
    assert run("restore", file, "--database-url", url_of(engine)).exit_code == 0
    return engine


def test_postgres_backups_taken_while_uploads_commit_are_each_consistent(
    filled: Engine, postgres: Any, tmp_path: Path
) -> None:
    engine = filled_postgres(filled, postgres(), tmp_path)
    backups_while_uploading(engine, tmp_path)


def test_postgres_backup_is_a_snapshot_that_does_not_wait(
    filled: Engine, postgres: Any, tmp_path: Path
) -> None:
    engine = filled_postgres(filled, postgres(), tmp_path)
    before = all_rows(engine)
    with engine.connect() as writer:
        writer.execute(
            text(
                "INSERT INTO appuser (name, role, failed_attempts, created_at) "
                "VALUES ('uncommitted', 'viewer', 0, now())"
            )
        )
        done = run("backup", tmp_path / "snapshot.db", "--database-url", url_of(engine))
        assert done.exit_code == 0, done.output
        writer.commit()
    assert file_rows(tmp_path / "snapshot.db") == before
    assert len(all_rows(engine)["appuser"]) == 3


def test_postgres_restore_refuses_data_and_keeps_what_it_replaces(
    filled: Engine, postgres: Any, tmp_path: Path
) -> None:
    engine = postgres()
    seed(engine)
    seeded = all_rows(engine)
    file = tmp_path / "backup.db"
    assert run("backup", file, "--database-url", filled.url).exit_code == 0

    refused = run("restore", file, "--database-url", url_of(engine))
    assert refused.exit_code == 1
    assert "already holds data" in refused.stderr
    assert all_rows(engine) == seeded

    done = run("restore", file, "--replace", "--database-url", url_of(engine))
    assert done.exit_code == 0, done.output
    kept = [p for p in tmp_path.iterdir() if "-replaced-" in p.name]
    assert len(kept) == 1 and kept[0].name.startswith(f"{engine.url.database}-replaced-")
    assert f"kept what was replaced in {kept[0]}" in done.stdout
    assert file_rows(kept[0]) == seeded
    assert all_rows(engine) == all_rows(filled)
