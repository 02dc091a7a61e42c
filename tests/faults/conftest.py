"""The store failing under a real server: PostgreSQL stopped, hung and restarted, SQLite read-only,
locked, killed and out of disk, bad settings.

These tests need root (mounts), PostgreSQL's binaries and Chromium. Without them they skip,
unless CTDASH_REQUIRE_FAULTS=1 (for Chromium, CTDASH_REQUIRE_BROWSER=1), both set by CI, which
makes them fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e import launch
from tests.e2e.launch import PROJECT_ROOT, VIEWPORT

FAULTS_DIR = Path(__file__).resolve().parent
CTDASH = str(Path(sys.executable).with_name("ctdash"))
# What every page says while the store fails (ctdash.failures.VIEWER_MESSAGE, first sentence).
UNAVAILABLE = "The figures are unavailable right now"
# Short timeouts, so that each fault shows within seconds.
TIMEOUTS = {"CTDASH_DB_CONNECT_TIMEOUT": "2", "CTDASH_DB_STATEMENT_TIMEOUT": "3"}


def missing(what: str) -> None:
    """Skip a test for want of `what`, or fail it when CI requires every fault to be tried."""
    if os.environ.get("CTDASH_REQUIRE_FAULTS") == "1":
        pytest.fail(f"CTDASH_REQUIRE_FAULTS=1 but {what}")
    pytest.skip(what)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives a browser or a server: mark them as the browser tests are."""
    for item in items:
        if FAULTS_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- processes -----------------------------------------------------------------------------------


def run_ctdash(*args: str, env: Mapping[str, str] | None = None, timeout: float = 120):
    """The `ctdash` command as an operator runs it; its exit code, stdout and stderr."""
    return subprocess.run(
        [CTDASH, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextlib.contextmanager
def serving(folder: Path, database_url: str, **settings: str) -> Iterator[str]:
    """`streamlit run serve.py` on the given store, with the short timeouts; its base URL."""
    env = {**os.environ, **TIMEOUTS, "CTDASH_DATABASE_URL": database_url, **settings}
    folder.mkdir(parents=True, exist_ok=True)
    with launch.serving("serve.py", folder / "streamlit.log", env=env) as url:
        yield url


def log_of(folder: Path) -> str:
    """What a server started by `serving(folder, ...)` has logged."""
    return (folder / "streamlit.log").read_text(errors="replace")


# --- the browser (the session's Chromium: tests/conftest.py) --------------------------------------


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser page for one test."""
    context = browser.new_context(viewport=VIEWPORT)
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


# --- PostgreSQL, a cluster of the test's own -----------------------------------------------------


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster that a test may stop, start, freeze and thaw."""

    bin_dir: Path
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args])

    def start(self) -> None:
        options = f"-k /tmp -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-l", str(self.data / "server.log"), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def _processes(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def freeze(self) -> None:
        """Stop every process of the cluster (SIGSTOP): connections open, nothing answers."""
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._processes():
            os.kill(pid, signal.SIGCONT)


def _as_postgres(command: list[str]) -> None:
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this module's own, on a free port, removed afterwards."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        missing("PostgreSQL's binaries are not installed")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        missing("runuser is not available to run PostgreSQL as its own user")
    bin_dir = found[-1].parent
    # Not under pytest's temporary folder, which only its owner may enter.
    data = Path(tempfile.mkdtemp(prefix="ctdash-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    _as_postgres(
        [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    )
    made = Cluster(bin_dir, data, launch.free_port())
    made.start()
    try:
        yield made
    finally:
        with contextlib.suppress(Exception):
            made.thaw()
        with contextlib.suppress(Exception):
            made.stop()
        shutil.rmtree(data, ignore_errors=True)


# --- mounts --------------------------------------------------------------------------------------


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def read_only_mount(source: Path, target: Path) -> Iterator[Path]:
    """`source` seen read-only at `target` (a read-only bind mount), unmounted afterwards."""
    if not _can_mount():
        missing("a read-only bind mount needs root")
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(source), str(target)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        yield target
    finally:
        _unmount(target)


@contextlib.contextmanager
def small_disk(target: Path, *, size: str) -> Iterator[Path]:
    """A tmpfs of `size` at `target`, unmounted afterwards."""
    if not _can_mount():
        missing("a small tmpfs needs root")
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)], check=True)
    try:
        yield target
    finally:
        _unmount(target)


def _unmount(target: Path) -> None:
    for _ in range(50):
        if (
            subprocess.run(["umount", str(target)], capture_output=True, check=False).returncode
            == 0
        ):
            return
        time.sleep(0.2)  # a server stopping may still hold a file open
    subprocess.run(["umount", "-l", str(target)], check=False)
