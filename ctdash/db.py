"""Engine, sessions, SQLite pragmas, and the store's schema, which Alembic migrations own."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text, update
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel, create_engine

from ctdash import auth, models  # noqa: F401  (registers the tables on SQLModel.metadata)
from ctdash.config import EXAMPLES, ConfigError, check_database_url, get_settings, shown

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

# A store that `SQLModel.metadata.create_all` made before migrations existed is stamped with
# the newest revision whose columns it has: c2d6e8b's models, or the data desk's (6ddd914 on).
INITIAL = "0001_initial"
DATA_DESK = "0002_data_desk"

# Any number, the same in every process: PostgreSQL serialises concurrent upgrades on it.
_PG_LOCK = 0x63746461


class SchemaError(Exception):
    """A store whose schema ctdash cannot bring up to date; the message says why."""


def make_engine(url: str | None = None, *, pooled: bool = True) -> Engine:
    """An engine for the given SQLAlchemy URL, or for CTDASH_DATABASE_URL, with its timeouts.

    Raises ConfigError, naming the problem, for a URL ctdash cannot use. A SQLite file that
    cannot be written (a read-only file, folder or mount) is opened for reading only. An
    engine not `pooled` opens a new connection for each use (health checks).
    """
    settings = get_settings()
    url = url or settings.database_url
    try:
        check_database_url(url)
    except ValueError as error:
        raise ConfigError(
            f"database URL {shown(url)} {error}; for example {EXAMPLES['database_url']}"
        ) from None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, busy_seconds=settings.db_statement_timeout, pooled=pooled)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        from ctdash import postgres
    except ImportError:
        raise ConfigError(
            "database URL names PostgreSQL, whose driver is not installed: "
            "pip install -c constraints.txt -e ."
        ) from None
    return postgres.engine(
        parsed,
        connect_seconds=settings.db_connect_timeout,
        statement_seconds=settings.db_statement_timeout,
        pooled=pooled,
    )


def _sqlite_engine(url: URL, *, busy_seconds: float, pooled: bool) -> Engine:
    path = _sqlite_file(url)
    if path is not None and _read_only(path):
        url = url.set(database=_read_only_uri(path), query={"uri": "true"})
    read_only = _opens_read_only(url)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False},
        **({} if pooled else {"poolclass": NullPool}),
    )

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not read_only:
            # WAL lets readers (several app sessions) proceed while one writer commits.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    return engine


def store_access(url: str | None = None) -> str:
    """How a SQLite store's file can be opened now, "read-only" or "read-write"; "" for any
    other store (in memory, a URI of its own, PostgreSQL)."""
    path = _sqlite_file(_parsed(url or get_settings().database_url))
    if path is None:
        return ""
    return "read-only" if _read_only(path) else "read-write"


@lru_cache(maxsize=8)
def _parsed(url: str) -> URL:
    return make_url(url)


def _sqlite_file(url: URL) -> str | None:
    """The path of a SQLite store's file; None for any other store, or one in memory or given
    as a URI (which says itself how to open it)."""
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or path in ("", ":memory:") or path.startswith("file:"):
        return None
    return path


def _read_only(path: str) -> bool:
    """Whether a SQLite file (or the folder it would be made in) cannot be written here."""
    file = Path(path)
    if file.exists():
        return not os.access(file, os.W_OK) or not os.access(file.parent, os.W_OK)
    return False


def _read_only_uri(path: str) -> str:
    """A read-only SQLite URI for a file: `mode=ro`, or `immutable=1` where SQLite cannot make
    the files a WAL store needs beside it (a read-only mount), so nothing may change it."""
    uri = f"file:{quote(path)}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as probe:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError:
        return f"file:{quote(path)}?immutable=1"
    return uri


def is_read_only(engine: Engine) -> bool:
    """Whether the store was opened for reading only (make_engine), so nothing can be written."""
    return engine.dialect.name == "sqlite" and _opens_read_only(engine.url)


def _opens_read_only(url: URL) -> bool:
    # The options of a SQLite URI, in the file name (as made above) or in the URL's query.
    options = (url.database or "").partition("?")[2].split("&")
    options += [f"{name}={value}" for name, value in url.query.items()]
    return "mode=ro" in options or "immutable=1" in options


def create_schema(engine: Engine) -> None:
    """Upgrade the store to the latest migration; a store already there is only read.

    A store made by `create_all` before migrations existed is stamped with the revision its
    columns match, then upgraded; an empty database is built from the first migration.
    """
    if schema_revision(engine) == head_revision():
        return
    with migration_transaction(engine) as connection:
        # Read again under the lock: another process may have upgraded it meanwhile.
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head_revision():
            return
        if current is not None and current not in {s.revision for s in _script().walk_revisions()}:
            raise SchemaError(
                f"The store is at schema revision {current!r}, which this version of ctdash "
                "does not know: it was written by a newer version."
            )
        if current is None:
            _stamp_legacy(connection)
        command.upgrade(alembic_config(connection), "head")
        logger.info("store schema upgraded from %s to %s", current, head_revision())


def schema_revision(engine: Engine) -> str | None:
    """The migration the store is at; None for an empty or never-migrated database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The latest migration, which `create_schema` brings every store to."""
    head = _script().get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def is_newer_revision(revision: str | None) -> bool:
    """Whether a store's revision is one this version does not know: a newer version migrated
    it. Migrations only add to the schema, so this version still serves such a store
    (docs/deploy.md, "Upgrades")."""
    known = {script.revision for script in _script().walk_revisions()}
    return revision is not None and revision not in known


@contextmanager
def migration_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that a schema change can run in, all or nothing.

    SQLite: foreign keys are off while tables are rebuilt (dropping a table that others
    refer to would fail) and checked before the commit; the driver's own transaction
    handling, which commits before DDL, is switched off, and BEGIN IMMEDIATE makes a second
    process wait for the first. PostgreSQL: an advisory lock does the same.
    """
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK}
                    )
                yield connection
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        isolation_level = driver.isolation_level
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        driver.isolation_level = None
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise SchemaError(f"The schema change would break references: {broken[:5]}")
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            driver.isolation_level = isolation_level
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for a command run on this connection, in its transaction."""
    # The cookbook's shared connection: env.py migrates on it and leaves the commit to us.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _stamp_legacy(connection: Connection) -> None:
    """Record which migration a store without migration history already matches."""
    ours = set(inspect(connection).get_table_names()) & set(SQLModel.metadata.tables)
    if not ours:
        return  # no table of ours yet: the migrations build everything
    found = {t: _columns(connection, t) for t in ours}
    for revision in [script.revision for script in _script().walk_revisions()]:  # newest first
        expected = _columns_at(revision)
        if all(found.get(table) == columns for table, columns in expected.items()):
            break
    else:
        raise SchemaError(
            "The store has tables but no migration history, and they match no migration: "
            + "; ".join(_differences(found, _columns_at(head_revision())))
        )
    # Tables that `create_all` of a later version added to an initial store come again with
    # the migrations that define them: keep their rows aside meanwhile.
    kept = {t: _drop_keeping_rows(connection, t) for t in sorted(found) if t not in expected}
    if revision == DATA_DESK:
        _add_one_undo_per_write(connection)
    logger.warning("store without migration history: stamped %s", revision)
    command.stamp(alembic_config(connection), revision)
    if kept:
        command.upgrade(alembic_config(connection), "head")
        for table, rows in kept.items():
            if rows:
                connection.execute(SQLModel.metadata.tables[table].insert(), rows)


def _add_one_undo_per_write(connection: Connection) -> None:
    """Add the one part of 0002 that no column shows, which stores made by `create_all`
    from 6ddd914 until d45bc01 lack: at most one undo per write."""
    uniques = inspect(connection).get_unique_constraints("batch")
    if any(unique["column_names"] == ["undoes_batch_id"] for unique in uniques):
        return
    operations = Operations(MigrationContext.configure(connection))
    with operations.batch_alter_table("batch") as batch_op:
        batch_op.create_unique_constraint("uq_batch_undoes_batch_id", ["undoes_batch_id"])


def _drop_keeping_rows(connection: Connection, table: str) -> list[dict[str, Any]]:
    known = SQLModel.metadata.tables.get(table)
    if known is None or _columns(connection, table) != _columns_at(head_revision()).get(table):
        raise SchemaError(f"The store has a table {table!r} that no migration creates as it is.")
    rows = [dict(row) for row in connection.execute(known.select()).mappings()]
    connection.execute(text(f'DROP TABLE "{table}"'))
    return rows


def _differences(
    found: dict[str, frozenset[str]], expected: dict[str, frozenset[str]]
) -> list[str]:
    out = []
    for table, columns in sorted(expected.items()):
        if table not in found:
            out.append(f"no table {table}")
        elif missing := columns - found[table]:
            out.append(f"{table} lacks {', '.join(sorted(missing))}")
    return out


def _columns(connection: Connection, table: str) -> frozenset[str]:
    return frozenset(c["name"] for c in inspect(connection).get_columns(table))


@cache
def _columns_at(revision: str) -> dict[str, frozenset[str]]:
    """Each table's columns at a revision, read from a scratch in-memory database built by it."""
    scratch = make_engine("sqlite://")
    try:
        with migration_transaction(scratch) as connection:
            command.upgrade(alembic_config(connection), revision)
            tables = inspect(connection).get_table_names()
            return {t: _columns(connection, t) for t in tables if t != "alembic_version"}
    finally:
        scratch.dispose()


@cache
def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def commit_write(session: Session, *, figures: bool = True) -> None:
    """Commit a write of data, moving the store's data version on in the same transaction;
    `figures`: it wrote figures or activities (not only a schedule, a target or a note).

    The counter is updated last, just before the commit, so versions follow the order in
    which writes commit, not the order in which they started.
    """
    move_data_version(session, figures=figures)
    session.commit()


def move_data_version(connection: Session | Connection, *, figures: bool = True) -> None:
    """Add one to the data version, in the transaction of the write about to commit; for a
    write of figures or activities, its figures version becomes that new version."""
    columns = models.DataVersion.__table__.c  # type: ignore[attr-defined]
    moved: dict[Any, Any] = {columns.version: columns.version + 1}
    if figures:
        moved[columns.figures_version] = columns.version + 1
    connection.execute(update(models.DataVersion).values(moved))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
