"""The default views' reads are made at start (ctdash.server): a visitor who then opens the
Overview, Trends, the Map or Activities with no filter finds every read of activities made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from ctdash.db import make_engine
from ctdash.seed import seed
from ctdash.web import readers
from tests.helpers.apptest import open_page

PAGES = ["overview", "trends", "map", "activities"]


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process runs meanwhile."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def seeded(app_database: Path) -> Path:
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    engine.dispose()
    return app_database


def activity_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "FROM activity" in s or "JOIN activity" in s]


@pytest.mark.parametrize("page", PAGES)
def test_after_warming_a_default_view_reads_no_activity(seeded: Path, page: str) -> None:
    readers.warm_default_views(date.today())
    with statements() as seen:
        at = open_page(page, None)
    assert not at.exception
    assert activity_reads(seen) == []


def test_without_warming_the_map_reads_activities(seeded: Path) -> None:
    """The check above would see a read: the Map's first visitor reads its places."""
    with statements() as seen:
        at = open_page("map", None)
    assert not at.exception
    assert activity_reads(seen)
