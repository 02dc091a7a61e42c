"""Backups of the store as one SQLite file, from SQLite or PostgreSQL, and restores into either."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import Column, Connection, MetaData, Table, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import SQLModel

from ctdash.db import (
    SchemaError,
    alembic_config,
    create_schema,
    make_engine,
    migration_transaction,
    move_data_version,
)
from ctdash.models import DataVersion

# Every ctdash store, from the first migration on, has these; a file without them is no backup.
REQUIRED_TABLES = ("indicator", "source", "batch", "observation", "activity", "activityentity")

# One row saying when, from where and at which schema revision a backup was taken.
INFO_TABLE = "ctdash_backup"

SQLITE_HEADER = b"SQLite format 3\x00"

# A store that cannot be reached, busy or out of disk: not the backup's fault.
UNREACHABLE = (OperationalError, InterfaceError)

# Rows read and written at a time, so a large store never sits in memory whole.
CHUNK = 1000


def _data_tables() -> list[Table]:
    """The tables a backup carries: all of the store's but its data version, which belongs to
    the store a backup is restored into."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name != DataVersion.__tablename__]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, for the operator."""


@dataclass(frozen=True)
class BackupInfo:
    """What a backup file holds: its schema revision, when and where it was taken, its rows."""

    path: Path
    revision: str | None
    taken_at: datetime | None
    taken_from: str | None
    counts: dict[str, int]


@dataclass(frozen=True)
class RestoreReport:
    """What a restore did: the file restored, the rows written, the backup of what it replaced."""

    restored: BackupInfo
    revision: str | None
    counts: dict[str, int]
    replaced: BackupInfo | None


def backup(engine: Engine, path: Path) -> BackupInfo:
    """Write a consistent copy of the store to a new SQLite file while others keep writing.

    SQLite is copied with its online backup API; any other database is read table by table in
    one repeatable-read transaction into a SQLite file built by the migrations at the store's
    revision. Either restores into either. An existing file is never overwritten.
    """
    store_file = _store_file(engine)
    if store_file is not None and not store_file.is_file():  # connecting would create it
        raise BackupError(f"There is no store at {store_file}: nothing to back up.")
    taken_at = datetime.now(UTC)
    with _new_file(path) as partial:
        try:
            if engine.dialect.name == "sqlite":
                with engine.connect() as connection:
                    _write_backup(connection, partial)
            else:
                options: dict[str, object] = {"isolation_level": "REPEATABLE READ"}
                if engine.dialect.name == "postgresql":
                    options["postgresql_readonly"] = True
                with (
                    engine.connect().execution_options(**options) as connection,
                    connection.begin(),
                ):
                    _write_backup(connection, partial)
            _label(partial, taken_at=taken_at, taken_from=_where(engine))
        except UNREACHABLE:
            raise  # the store, not the backup: the command says so and exits 3
        except SQLAlchemyError as error:
            raise BackupError(f"The store could not be read: {_reason(error)}") from error
        except sqlite3.Error as error:
            raise BackupError(f"The backup failed: {error}. Nothing was written.") from error
        except OSError as error:
            raise BackupError(f"{path} could not be written: {error}") from error
    return describe(path)


def describe(path: Path) -> BackupInfo:
    """Read what a backup file says about itself, without changing it."""
    with closing(_open_read_only(path)) as connection:
        tables = _sqlite_tables(connection)
        revision = None
        if "alembic_version" in tables:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        taken_at = taken_from = None
        if INFO_TABLE in tables:
            found = connection.execute(f"SELECT taken_at, taken_from FROM {INFO_TABLE}").fetchone()
            if found:
                taken_at = _moment(found[0])
                taken_from = str(found[1])
        counts = {
            table.name: connection.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
            for table in _data_tables()
            if table.name in tables
        }
    return BackupInfo(path, revision, taken_at, taken_from, counts)


def restore(engine: Engine, path: Path, *, replace: bool = False) -> RestoreReport:
    """Restore a backup file into the store, keeping every primary key.

    A store that holds any row is refused unless `replace`; then a backup of it is written
    beside it first, in the same transaction that replaces its rows, so nothing between the
    two is lost. A backup from an older schema revision is upgraded on a temporary copy first.
    """
    with _prepared(path) as (copy, restored):
        try:
            # Checked before the schema is touched, and again under the write lock below.
            if not replace and any((current := _counts_in(engine)).values()):
                raise BackupError(_not_empty(current))
            create_schema(engine)
            source = make_engine(f"sqlite:///{copy}")
            try:
                with source.connect() as reader:
                    counts, replaced = _replace_rows(engine, reader, path, replace=replace)
            finally:
                source.dispose()
            with engine.connect() as connection:
                revision = MigrationContext.configure(connection).get_current_revision()
        except SchemaError as error:
            raise BackupError(f"The store's schema cannot take the backup: {error}") from error
        except UNREACHABLE:
            raise
        except SQLAlchemyError as error:
            raise BackupError(
                f"The restore failed and nothing was written: {_reason(error)}"
            ) from error
    return RestoreReport(restored, revision, counts, replaced)


def _replace_rows(
    engine: Engine, reader: Connection, path: Path, *, replace: bool
) -> tuple[dict[str, int], BackupInfo | None]:
    """In one transaction: check the store, keep a backup of it, empty it, write the rows."""
    kept: Path | None = None
    try:
        with migration_transaction(engine) as writer:
            _lock_tables(writer)
            current = _counts(writer)
            replaced = None
            if any(current.values()):
                if not replace:
                    raise BackupError(_not_empty(current))
                kept = _beside(engine, path)
                with _new_file(kept) as partial:
                    _write_backup(writer, partial)
                    _label(partial, taken_at=datetime.now(UTC), taken_from=_where(engine))
                replaced = describe(kept)
                for table in reversed(_data_tables()):
                    writer.execute(table.delete())
            counts = _copy_rows(reader, writer)
            _reset_sequences(writer)
            # The store's own counter goes on from where it was: a restored store is a new
            # version to every process, never one they saw before.
            move_data_version(writer)
    except BaseException:
        if kept is not None:
            kept.unlink(missing_ok=True)  # the store is as it was: this copy of it is not needed
        raise
    return counts, replaced


@contextmanager
def _prepared(path: Path) -> Iterator[tuple[Path, BackupInfo]]:
    """A checked temporary copy of a backup file, upgraded to the latest schema revision."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file. Nothing was written.")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(
                f"{path} is not a ctdash backup: it is not a SQLite file. Nothing was written."
            )
    try:
        restored = describe(path)
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{path} is a damaged SQLite file ({error}). Nothing was written."
        ) from error
    with tempfile.TemporaryDirectory(prefix="ctdash-restore-") as folder:
        copy = Path(folder) / "backup.db"
        try:
            with (
                closing(_open_read_only(path)) as source,
                closing(sqlite3.connect(copy)) as target,
            ):
                source.backup(target)
                tables = _sqlite_tables(target)
                damage = target.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"{path} is a damaged SQLite file ({error}). Nothing was written."
            ) from error
        if damage != [("ok",)]:
            raise BackupError(
                f"{path} is a damaged SQLite file ({damage[0][0]}). Nothing was written."
            )
        if missing := [t for t in REQUIRED_TABLES if t not in tables]:
            raise BackupError(
                f"{path} is not a ctdash backup: it has no table {', '.join(missing)}. "
                "Nothing was written."
            )
        scratch = make_engine(f"sqlite:///{copy}")
        try:
            create_schema(scratch)
        except (SchemaError, CommandError, SQLAlchemyError) as error:
            raise BackupError(
                f"{path} cannot be brought to this version's schema: {error}. Nothing was written."
            ) from error
        finally:
            scratch.dispose()
        yield copy, restored


def _write_backup(connection: Connection, target: Path) -> None:
    """Copy what the connection sees of the store into an empty SQLite file."""
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        with closing(sqlite3.connect(target)) as copy:
            if driver.in_transaction:
                # SQLite copies nothing from a connection in a write transaction: another
                # connection reads the committed state, which this one's write lock holds still.
                store_file = _store_file(connection.engine)
                if store_file is None:
                    raise BackupError("An in-memory store cannot be copied while it is written.")
                with closing(_open_read_only(store_file)) as reader:
                    reader.backup(copy)
            else:
                # One step (pages=-1): the whole file is read in one read transaction.
                driver.backup(copy)
            missing = [t for t in REQUIRED_TABLES if t not in _sqlite_tables(copy)]
        if missing:
            raise BackupError("The store has no ctdash tables yet: nothing to back up.")
        return
    revision = MigrationContext.configure(connection).get_current_revision()
    if revision is None:
        raise BackupError(
            "The store has no schema revision (run `ctdash init` first): nothing to back up."
        )
    scratch = make_engine(f"sqlite:///{target}")
    try:
        with migration_transaction(scratch) as copy:
            try:
                command.upgrade(alembic_config(copy), revision)
            except CommandError as error:
                raise BackupError(
                    f"The store is at schema revision {revision!r}, which this version of "
                    "ctdash does not know: back it up with the version that wrote it."
                ) from error
            _copy_rows(connection, copy)
    finally:
        scratch.dispose()


def _copy_rows(source: Connection, target: Connection) -> dict[str, int]:
    """Copy every row of our tables, primary keys kept, in the columns both sides have."""
    counts = {}
    present = set(inspect(target).get_table_names())
    for model in _data_tables():
        if model.name not in present:
            continue
        names = {c["name"] for c in inspect(target).get_columns(model.name)}
        # Types from the models, defaults left out: values pass through exactly as stored.
        table = Table(
            model.name,
            MetaData(),
            *(
                Column(c.name, c.type, primary_key=c.primary_key)
                for c in model.columns
                if c.name in names
            ),
        )
        # Primary key order: an undo's batch comes after the batch it points at.
        rows = source.execute(
            select(table).order_by(*table.primary_key.columns).execution_options(yield_per=CHUNK)
        )
        counts[model.name] = 0
        for chunk in rows.mappings().partitions():
            target.execute(table.insert(), [dict(row) for row in chunk])
            counts[model.name] += len(chunk)
    return counts


def _lock_tables(connection: Connection) -> None:
    """Keep other writers out until the restore commits; SQLite's BEGIN IMMEDIATE already does."""
    if connection.dialect.name != "postgresql":
        return
    names = ", ".join(f'"{t.name}"' for t in _data_tables())
    connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def _reset_sequences(connection: Connection) -> None:
    """Make PostgreSQL number new rows after the restored ones."""
    if connection.dialect.name != "postgresql":
        return
    for table in _data_tables():
        if "id" not in table.c or list(table.primary_key.columns) != [table.c.id]:
            continue
        connection.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(table.name, "id"),
                    func.coalesce(func.max(table.c.id), 0) + 1,
                    False,
                )
            ).select_from(table)
        )


def _counts(connection: Connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    return {
        t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
        for t in _data_tables()
        if t.name in present
    }


def _counts_in(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return _counts(connection)


def _not_empty(counts: dict[str, int]) -> str:
    held = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
    return (
        f"The store already holds data ({held}): nothing was restored. Run again with "
        "--replace to replace it; a backup of it is written first."
    )


def _beside(engine: Engine, path: Path) -> Path:
    """A new file name for the backup of a store about to be replaced.

    Beside the store's own file for SQLite, else beside the file being restored.
    """
    store_file = _store_file(engine)
    if store_file is not None:
        folder, stem = store_file.parent, store_file.stem
    else:
        folder, stem = path.parent, engine.url.database or engine.dialect.name
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate = folder / f"{stem}-replaced-{stamp}.db"
    number = 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-replaced-{stamp}-{number}.db"
    return candidate


@contextmanager
def _new_file(path: Path) -> Iterator[Path]:
    """A temporary file beside `path` to write, put in its place only when complete.

    The name is claimed first, so an existing file is never overwritten, and a failed write
    leaves nothing behind.
    """
    try:
        path.open("xb").close()
    except FileExistsError:
        raise BackupError(
            f"{path} already exists: choose a new name. Nothing was written."
        ) from None
    except OSError as error:
        raise BackupError(f"{path} cannot be written: {error.strerror}.") from error
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)


def _label(path: Path, *, taken_at: datetime, taken_from: str) -> None:
    """Record when and from where the backup was taken, and make it one self-contained file."""
    with closing(sqlite3.connect(path)) as connection:
        # A copy of a WAL store is in WAL mode too; one file is what a backup should be.
        connection.execute("PRAGMA journal_mode=DELETE")
        revision = None
        if "alembic_version" in _sqlite_tables(connection):
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        with connection:
            connection.execute(f"DROP TABLE IF EXISTS {INFO_TABLE}")
            connection.execute(
                f"CREATE TABLE {INFO_TABLE} "
                "(taken_at TEXT NOT NULL, taken_from TEXT NOT NULL, revision TEXT)"
            )
            connection.execute(
                f"INSERT INTO {INFO_TABLE} VALUES (?, ?, ?)",
                (taken_at.isoformat(), taken_from, revision),
            )


def _moment(stored: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stored))
    except ValueError:
        return None


def _store_file(engine: Engine) -> Path | None:
    """The file of a SQLite store; None for an in-memory store or another database."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _sqlite_tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None)
    return str(original or error).strip().splitlines()[0]
