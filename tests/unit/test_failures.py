"""What a failure says: the causes drivers give, read into plain words; settings checked at start;
a store that cannot be written is read, never written, when it lacks nothing."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ctdash import failures, queries
from ctdash.config import ConfigError, Settings, get_settings
from ctdash.db import is_read_only, make_engine
from ctdash.seed import seed
from tests.conftest import tables_checksum


def driver_error(message: str) -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception(message))


@pytest.mark.parametrize(
    ("message", "cause"),
    [
        ("database is locked", "the store is busy"),
        ("attempt to write a readonly database", "the store is read-only"),
        ("database or disk is full", "the disk is full"),
        ("unable to open database file", "the store's file cannot be opened"),
        (
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
            "Connection refused\n\tIs the server running on that host?",
            "the store refused the connection (is it running?)",
        ),
        ("connection timeout expired", "the store did not answer in time"),
        ('FATAL:  password authentication failed for user "ana"', "the store refused the login"),
        ('FATAL:  database "ctdash" does not exist', "the database does not exist"),
        ("server closed the connection unexpectedly", "the connection to the store was lost"),
        ("canceling statement due to lock timeout", "the store is busy"),
        ("something no one has seen", "the store failed (Exception)"),
    ],
)
def test_a_driver_error_is_told_in_words_naming_no_host_user_or_path(
    message: str, cause: str
) -> None:
    error = driver_error(message)
    assert failures.cause(error) == cause
    line = failures.log_line(error)
    assert line.startswith(f"store unavailable: {cause} (")
    assert "\n" not in line


def test_a_refused_write_says_whether_trying_again_may_help() -> None:
    assert failures.refusal(driver_error("database is locked")) == (
        "The store is busy; nothing was written; try again."
    )
    assert failures.refusal(driver_error("attempt to write a readonly database")) == (
        "The store is read-only; nothing was written."
    )
    assert failures.refusal(driver_error("database or disk is full"), undone=True) == (
        "The disk is full; nothing was undone."
    )


def refusal_of(monkeypatch: pytest.MonkeyPatch, **environment: str) -> str:
    """What reading the settings says with these variables set."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigError) as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    return str(refused.value)


def test_a_bad_setting_is_one_line_naming_the_variable_and_a_good_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    said = refusal_of(
        monkeypatch,
        CTDASH_DATABASE_URL="postgresql://ana:s3cret@db/ctdash?x=1",
        CTDASH_IDLE_MINUTES="soon",
    )
    # A plain postgresql:// URL is fine (psycopg is used); the idle minutes are not.
    assert said == (
        "CTDASH_IDLE_MINUTES=soon: Input should be a valid integer, unable to parse string as "
        "an integer; for example CTDASH_IDLE_MINUTES=30"
    )


def test_a_password_in_a_bad_url_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    said = refusal_of(monkeypatch, CTDASH_DATABASE_URL="mysql://ana:s3cret@db/ctdash")
    assert "s3cret" not in said
    assert said.startswith("CTDASH_DATABASE_URL=mysql://ana:***@db/ctdash: ")


def test_the_timeouts_have_defaults_and_take_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings()
    assert (settings.db_connect_timeout, settings.db_statement_timeout) == (5, 15)
    monkeypatch.setenv("CTDASH_DB_STATEMENT_TIMEOUT", "2.5")
    assert Settings().db_statement_timeout == 2.5


def read_only_engine(path: Path):
    return make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def test_opening_a_store_that_lacks_nothing_writes_nothing(
    seeded_sqlite: Path, tmp_path: Path
) -> None:
    store = tmp_path / "ctdash.db"
    shutil.copyfile(seeded_sqlite, store)
    engine = read_only_engine(store)
    try:
        assert is_read_only(engine)
        before = queries.data_version(engine)
        assert seed(engine).total == 0  # a write would fail: the connection cannot write
        assert queries.data_version(engine) == before
        assert len(queries.activities(engine)) == 56
    finally:
        engine.dispose()


def test_a_read_only_store_that_lacks_shipped_rows_is_shown_as_it_is(
    seeded_sqlite: Path, tmp_path: Path
) -> None:
    store = tmp_path / "ctdash.db"
    shutil.copyfile(seeded_sqlite, store)
    with closing(sqlite3.connect(store)) as connection:
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("DELETE FROM activityentity")
        connection.execute("DELETE FROM activity WHERE key LIKE '%'")
        connection.commit()
    checksum = tables_checksum(store)
    engine = read_only_engine(store)
    try:
        assert seed(engine).total == 0
        assert queries.activities(engine).empty
        with pytest.raises(OperationalError, match="readonly"), engine.begin() as connection:
            connection.execute(text("DELETE FROM source"))
    finally:
        engine.dispose()
    assert tables_checksum(store) == checksum
