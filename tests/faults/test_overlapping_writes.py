"""Two writes overlapping, a long one started first, seen by two server processes: after every
commit both show every committed activity on their next run, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from ctdash import desk, store
from ctdash.db import make_engine
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.faults.conftest import Cluster, run_ctdash, serving

COUNT = re.compile(r"([\d,]+) activities match")


def upload(rows: int, name: str) -> bytes:
    lines = ["Title,Kind,Start,Country,City"]
    lines += [
        f"{name} meeting {n},meeting,2024-05-{1 + n % 28:02d},Kenya,Nairobi" for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store made by `ctdash init`: a SQLite file, or a database on the test's cluster."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ctdash.db'}"
        made = None
    else:
        cluster: Cluster = request.getfixturevalue("cluster")
        url = made = create_postgres_database(cluster.url)
    assert run_ctdash("init", env={"CTDASH_DATABASE_URL": url}).returncode == 0
    yield url
    if made is not None:
        drop_postgres_database(request.getfixturevalue("cluster").url, made)


def test_a_long_write_committed_after_a_short_later_one_is_seen_by_both_processes(
    database_url: str, browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    long_file, short_file = upload(400, "Long"), upload(7, "Short")
    reviews = {
        name: desk.review_activities(engine, file_name=name, data=data, today=date(2026, 1, 1))
        for name, data in (("long.csv", long_file), ("short.csv", short_file))
    }

    # The long write stops just before its commit until the test lets it go on.
    reached, go_on = threading.Event(), threading.Event()
    commit_write = store.commit_write

    def held_before_commit(session) -> None:  # type: ignore[no-untyped-def]
        if threading.current_thread().name == "long":
            reached.set()
            assert go_on.wait(60)
        commit_write(session)

    monkeypatch.setattr(store, "commit_write", held_before_commit)

    def writer(name: str, data: bytes) -> threading.Thread:
        thread = threading.Thread(
            name=name.removesuffix(".csv"),
            target=store.commit,
            args=(engine,),
            kwargs={
                "file_name": name,
                "data": data,
                "user": "test",
                "activities": reviews[name].activities,
            },
        )
        thread.start()
        return thread

    with two_servers(database_url, tmp_path, browser) as (first, second):
        start = first()
        assert second() == start

        long = writer("long.csv", long_file)
        assert reached.wait(60)
        short = writer("short.csv", short_file)
        if postgres:
            # PostgreSQL lets the short write commit while the long one is still open.
            short.join(60)
            assert not short.is_alive()
            assert first() == second() == start + 7
        go_on.set()
        long.join(60)
        short.join(60)

        # Every commit is a new version: neither process keeps the count of before.
        assert first() == second() == start + 7 + 400
    engine.dispose()


@contextlib.contextmanager
def two_servers(
    database_url: str, tmp_path: Path, browser: Browser
) -> Iterator[tuple[Callable[[], int], Callable[[], int]]]:
    """Two server processes on one store, each with a way to read its Activities count anew."""
    with (
        serving(tmp_path / "one", database_url) as one,
        serving(tmp_path / "two", database_url) as two,
    ):
        context = browser.new_context()
        try:
            yield reader(context, one), reader(context, two)
        finally:
            context.close()


def reader(context: BrowserContext, url: str) -> Callable[[], int]:
    """Open the server's Activities page afresh (a new run) and read how many match."""

    def count() -> int:
        page = context.new_page()
        try:
            page.goto(f"{url}/activities")
            caption = page.get_by_text(COUNT)
            expect(caption).to_be_visible()
            found = COUNT.search(caption.inner_text())
            assert found is not None
            return int(found.group(1).replace(",", ""))
        finally:
            page.close()

    return count
