"""The SQLite store read-only, locked by a long import, killed mid-import and out of disk."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import tables_checksum
from tests.e2e.launch import MAP_CAPTION
from tests.faults.conftest import (
    CTDASH,
    UNAVAILABLE,
    read_only_mount,
    run_ctdash,
    serving,
    small_disk,
)

CITIES = [
    ("Kenya", "Nairobi"),
    ("Nigeria", "Abuja"),
    ("Jordan", "Amman"),
    ("Indonesia", "Jakarta"),
    ("Peru", "Lima"),
    ("Senegal", "Dakar"),
]


def activities_file(path: Path, rows: int) -> Path:
    """An activities upload of `rows` real-looking rows, in the desk's template."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Title", "Kind", "Start", "End", "Country", "City", "Entities"])
        for number in range(rows):
            country, city = CITIES[number % len(CITIES)]
            start = f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}"
            title = f"Workshop {number} on border security and the sharing of information"
            writer.writerow([title, "workshop", start, "", country, city, "UNOCT; UNODC"])
    return path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def initialised(folder: Path) -> Path:
    """A store made and seeded by `ctdash init` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "ctdash.db"
    done = run_ctdash("init", env={"CTDASH_DATABASE_URL": sqlite_url(store)})
    assert done.returncode == 0, done.stderr
    return store


def integrity(store: Path) -> str:
    with closing(sqlite3.connect(store)) as connection:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])


def activity_count(store: Path) -> int:
    with closing(sqlite3.connect(store)) as connection:
        return int(connection.execute("SELECT count(*) FROM activity").fetchone()[0])


def every_page_shows_the_store(page: Page, url: str) -> None:
    """Each page's own content, and never the message that the store is unavailable."""
    page.goto(url)
    expect(page.get_by_text("Member States").filter(visible=True).first).to_be_visible()
    page.goto(f"{url}/trends")
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    page.goto(f"{url}/map")
    expect(page.get_by_text(MAP_CAPTION)).to_be_visible()
    page.goto(f"{url}/activities")
    expect(page.get_by_text("activities match")).to_be_visible()
    expect(page.get_by_text(UNAVAILABLE)).to_have_count(0)


def test_a_read_only_store_shows_every_page_and_exports(page: Page, tmp_path: Path) -> None:
    source = initialised(tmp_path / "source")
    upload = activities_file(tmp_path / "late.csv", 3)
    with read_only_mount(source.parent, tmp_path / "mounted") as mounted:
        store = mounted / source.name
        url_env = {"CTDASH_DATABASE_URL": sqlite_url(store)}
        with serving(tmp_path / "server", sqlite_url(store)) as url:
            every_page_shows_the_store(page, url)
            page.goto(f"{url}/desk")
            expect(page.get_by_text("Writing is unavailable")).to_be_visible()
            page.goto(f"{url}/account")
            expect(page.get_by_text("Signing in is unavailable")).to_be_visible()

            exported = run_ctdash("export", "indicators", env=url_env)
            assert exported.returncode == 0, exported.stderr
            assert "member_states" in exported.stdout
            refused = run_ctdash("import", str(upload), env=url_env)
            assert refused.returncode == 3
            assert refused.stderr.strip().splitlines()[-1] == (
                "error: The store is read-only; nothing was written."
            )

            # Made writable again, the same server lets editors sign in, with no restart.
            subprocess.run(["mount", "-o", "remount,bind,rw", str(mounted)], check=True)
            page.goto(f"{url}/account")
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            page.goto(f"{url}/desk")
            expect(page.get_by_text("This page is for an editor")).to_be_visible()


@contextmanager
def holding_the_write_lock(store: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process in the middle of a long write: it holds SQLite's write lock."""
    script = (
        "import sqlite3, sys\n"
        f"c = sqlite3.connect({str(store)!r}, isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE')\n"
        'c.execute("INSERT INTO batch (kind, recorded_at, recorded_by) '
        "VALUES ('upload', '2026-01-01', 'long import')\")\n"
        "print('holding', flush=True)\n"
        "sys.stdin.read()\n"
        "c.execute('ROLLBACK')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_store_locked_by_a_long_import_serves_pages_and_refuses_a_second_write(
    page: Page, tmp_path: Path
) -> None:
    store = initialised(tmp_path / "store")
    upload = activities_file(tmp_path / "second.csv", 3)
    env = {"CTDASH_DATABASE_URL": sqlite_url(store), "CTDASH_DB_STATEMENT_TIMEOUT": "2"}
    before = tables_checksum(store)
    with holding_the_write_lock(store):
        # A replica started now opens the store and serves it: opening only reads.
        with serving(tmp_path / "server", sqlite_url(store)) as url:
            every_page_shows_the_store(page, url)
        exported = run_ctdash("export", "activities", env=env)
        assert exported.returncode == 0, exported.stderr

        started = time.monotonic()
        second = run_ctdash("import", str(upload), env=env)
        waited = time.monotonic() - started
        assert second.returncode == 3
        assert second.stderr.strip().splitlines()[-1] == (
            "error: The store is busy; nothing was written; try again."
        )
        assert waited >= 2  # it waited for the busy timeout before giving up
    assert tables_checksum(store) == before
    again = run_ctdash("import", str(upload), env=env)
    assert again.returncode == 0, again.stderr


def test_an_import_killed_midway_leaves_the_store_whole_and_the_file_imports_again(
    tmp_path: Path,
) -> None:
    store = initialised(tmp_path / "store")
    upload = activities_file(tmp_path / "long.csv", 6_000)
    before, count = tables_checksum(store), activity_count(store)
    wal = store.with_name(store.name + "-wal")
    importing = subprocess.Popen(
        [CTDASH, "import", str(upload)],
        env={**os.environ, "CTDASH_DATABASE_URL": sqlite_url(store)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Killed once it is writing: its uncommitted pages reach the write-ahead log.
    deadline = time.monotonic() + 120
    while not (wal.exists() and wal.stat().st_size > 1_000_000):
        assert importing.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.05)
    importing.send_signal(signal.SIGKILL)
    importing.wait(timeout=30)

    assert integrity(store) == "ok"
    assert tables_checksum(store) == before  # all or nothing: nothing
    assert activity_count(store) == count
    again = run_ctdash("import", str(upload), env={"CTDASH_DATABASE_URL": sqlite_url(store)})
    assert again.returncode == 0, again.stderr
    assert activity_count(store) == count + 6_000


def test_a_full_disk_refuses_the_import_in_one_line_and_keeps_the_store(tmp_path: Path) -> None:
    made = initialised(tmp_path / "made")
    upload = activities_file(tmp_path / "big.csv", 3_000)
    size = made.stat().st_size
    # Room for the store and a little more: the import's rows do not fit.
    with small_disk(tmp_path / "disk", size=f"{size // 1024 + 600}k") as disk:
        store = disk / made.name
        shutil.copyfile(made, store)
        before = tables_checksum(store)
        env = {"CTDASH_DATABASE_URL": sqlite_url(store)}

        refused = run_ctdash("import", str(upload), env=env)
        assert refused.returncode == 3
        assert refused.stderr.strip().splitlines()[-1] == (
            "error: The disk is full; nothing was written."
        )
        assert "Traceback" not in refused.stderr
        assert integrity(store) == "ok"
        assert tables_checksum(store) == before

        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        again = run_ctdash("import", str(upload), env=env)
        assert again.returncode == 0, again.stderr
        assert activity_count(store) == activity_count(made) + 3_000


@pytest.fixture(autouse=True)
def _no_unavailable_in_logs(tmp_path: Path) -> Iterator[None]:
    yield
    log = tmp_path / "server" / "streamlit.log"
    if log.exists():
        assert "Traceback" not in log.read_text(errors="replace")
