"""Fixtures shared by every test: a real, seeded SQLite store in a temporary folder."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from ctdash.config import get_settings
from ctdash.db import make_engine
from ctdash.seed import seed

PROJECT_ROOT = Path(__file__).resolve().parent.parent

TABLES = (
    "indicator",
    "source",
    "sourcefile",
    "batch",
    "observation",
    "activity",
    "activityentity",
)


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file, read with the standard library."""
    with sqlite3.connect(path) as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def tables_checksum(path: Path) -> str:
    """A SHA-256 over every row of every table, to prove that nothing was written."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as connection:
        for table in TABLES:
            for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's own SQLite store lives."""
    return tmp_path / "ctdash.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Engine]:
    """A store created and seeded from data/ in a temporary folder."""
    engine = make_engine(f"sqlite:///{db_path}")
    seed(engine)
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
