"""Fixtures shared by every test: a real, seeded store, in SQLite and, where a test is marked
`both_backends`, in PostgreSQL too (a server named by CTDASH_TEST_POSTGRES_URL)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from bench.local_deploy import create_database, drop_database
from ctdash.config import get_settings
from ctdash.db import make_engine
from ctdash.seed import seed
from tests.e2e.launch import CHROMIUM_ARGS, find_chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BACKENDS = ("sqlite", "postgres")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_backends: a test of the store that runs once on SQLite and once on PostgreSQL "
        "(skipped unless CTDASH_TEST_POSTGRES_URL is set; CTDASH_REQUIRE_POSTGRES=1 fails it)",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only: a test of SQLite itself (its file, WAL, locks, old SQLite stores), "
        "never run on PostgreSQL even in a both_backends module",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that uses `database_url` (or `store`) runs on SQLite; one marked both_backends,
    and not sqlite_only, runs on PostgreSQL too."""
    if "database_url" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker
    if marked("both_backends") and not marked("sqlite_only"):
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


# --- reading a store, whatever its backend ------------------------------------------------------


@contextmanager
def _connected(store: Engine | str | Path) -> Iterator[Connection]:
    """A connection to an engine, a URL, or a SQLite file opened read-only."""
    if isinstance(store, Engine):
        with store.connect() as connection:
            yield connection
        return
    url = f"sqlite:///file:{store}?mode=ro&uri=true" if isinstance(store, Path) else store
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def row_counts(store: Engine | str | Path) -> dict[str, int]:
    """Rows per table of the models, in a store given as engine, URL or SQLite file."""
    with _connected(store) as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def tables_checksum(store: Engine | str | Path) -> str:
    """A SHA-256 over every row of every table of the models, by primary key, to prove that
    nothing was written."""
    digest = hashlib.sha256()
    with _connected(store) as connection:
        for table in SQLModel.metadata.sorted_tables:
            digest.update(table.name.encode())
            ordered = select(table).order_by(*table.primary_key.columns)
            for row in connection.execute(ordered):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A PostgreSQL server URL the tests may create databases on (CTDASH_TEST_POSTGRES_URL)."""
    url = os.environ.get("CTDASH_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CTDASH_REQUIRE_POSTGRES") == "1":
            pytest.fail("CTDASH_REQUIRE_POSTGRES=1 but CTDASH_TEST_POSTGRES_URL is not set")
        pytest.skip("CTDASH_TEST_POSTGRES_URL is not set")
    return url


def create_postgres_database(server: str, *, template: str | None = None) -> str:
    """A new database on the server (a copy of `template` if given); returns its URL."""
    return create_database(server, prefix="ctdash_test_", template=template)


def drop_postgres_database(server: str, url: str) -> None:
    """Drop a database that create_postgres_database made, closing what still uses it."""
    drop_database(server, url)


@pytest.fixture(scope="session")
def seeded_postgres(postgres_server: str) -> Iterator[str]:
    """The name of a PostgreSQL database migrated and seeded once, which stores are copied from."""
    url = create_postgres_database(postgres_server)
    engine = make_engine(url)
    seed(engine)
    engine.dispose()  # a template must have no connections
    yield str(make_url(url).database)
    drop_postgres_database(postgres_server, url)


# --- the fixtures tests use ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated and seeded once, which stores are copied from."""
    path = tmp_path_factory.mktemp("seeded") / "ctdash.db"
    engine = make_engine(f"sqlite:///{path}")
    seed(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's own SQLite store lives."""
    return tmp_path / "ctdash.db"


@pytest.fixture
def database_url(request: pytest.FixtureRequest, db_path: Path) -> Iterator[str]:
    """The URL of a database of this test's own: the SQLite file at `db_path`, or a new
    PostgreSQL database dropped after the test. Empty, unless the test uses `store`: then a
    PostgreSQL database starts as a copy of the seeded one (a SQLite file is copied by `store`)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{db_path}"
        return
    server = request.getfixturevalue("postgres_server")
    if "store" in request.fixturenames:
        url = create_postgres_database(server, template=request.getfixturevalue("seeded_postgres"))
    else:
        url = create_postgres_database(server)
    yield url
    drop_postgres_database(server, url)


@pytest.fixture
def store(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    """The store at `database_url`, created and seeded from data/."""
    if database_url.startswith("sqlite"):
        database = make_url(database_url).database
        assert database is not None
        shutil.copyfile(request.getfixturevalue("seeded_sqlite"), database)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_database(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the app at a fresh SQLite file for this test, with no cached store or reads."""
    import streamlit as st

    path = tmp_path_factory.mktemp("app") / "ctdash.db"
    monkeypatch.setenv("CTDASH_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def demo_app(app_database: Path) -> Path:
    """The app's store filled with 3,000 generated activities (some internal) over two years."""
    from ctdash import demo

    engine = make_engine(f"sqlite:///{app_database}")
    demo.fill(engine, activities=3_000, years=2, today=date(2026, 11, 28))
    engine.dispose()
    return app_database


# --- the browser, shared by tests/e2e and tests/faults: one Playwright per session ---------------

# The first run of a page imports and seeds; a busy CI machine needs more than the 5 s default.
EXPECT_TIMEOUT_MS = 20_000


def skip_unless_required(message: str) -> NoReturn:
    """Skip a browser test for want of a tool, or fail it when CTDASH_REQUIRE_BROWSER is set."""
    if os.environ.get("CTDASH_REQUIRE_BROWSER", "").strip() not in ("", "0"):
        pytest.fail(f"CTDASH_REQUIRE_BROWSER is set: browser tests must run. {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; missing, it skips the test, or fails it in CI."""
    executable = find_chromium()
    if executable is None:
        wanted = os.environ.get("CTDASH_CHROMIUM") or "chromium (or chromium-browser) on PATH"
        message = (
            f"No Chromium found ({wanted}). Install it with `apt-get install -y chromium`; "
            "`playwright install` cannot download browsers here."
        )
        skip_unless_required(message)
    # Imported here: the unit tests run without Playwright's driver starting.
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
