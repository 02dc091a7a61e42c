"""Several replicas behind HAProxy, started by deploy/local.sh on a PostgreSQL database of this
module's own, as an operator starts them.

These tests need HAProxy, PostgreSQL (CTDASH_TEST_POSTGRES_URL) and, for most, Chromium. Without
them they skip, unless CTDASH_REQUIRE_PROXY=1 (CTDASH_REQUIRE_POSTGRES=1, CTDASH_REQUIRE_BROWSER=1),
as CI (`.ci/run`) sets them, which makes them fail.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.local_deploy import PROXY_LINE, READY_LINE, LocalSh, start, stop
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.conftest import external_requests, new_context, traffic
from tests.e2e.launch import free_port

# The browser tests' fixtures serve here as they are: the session's Chromium (tests/conftest.py)
# in contexts that may only talk to this machine.
__all__ = ["external_requests", "new_context", "traffic"]

DEPLOY_DIR = Path(__file__).resolve().parent
REPLICAS = 2
# local.sh migrates a new database, then starts every replica and the proxy.
START_TIMEOUT = 240.0

# What local.sh prints, beside the lines bench/local_deploy.py reads.
STOPPED_LINE = re.compile(r"^stopped: nothing this run started is left running$")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here drives servers (and most a browser): marked as the browser tests are."""
    for item in items:
        if DEPLOY_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


def find_haproxy() -> str | None:
    """HAProxy on PATH, or where Debian's package puts it (/usr/sbin is not on every PATH)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")


def require_proxy() -> None:
    """Skip for want of HAProxy, or fail when CTDASH_REQUIRE_PROXY is set."""
    if find_haproxy() is not None:
        return
    message = "HAProxy is not installed (apt-get install haproxy)."
    if os.environ.get("CTDASH_REQUIRE_PROXY", "").strip() not in ("", "0"):
        pytest.fail(f"CTDASH_REQUIRE_PROXY is set: the deploy tests must run. {message}")
    pytest.skip(message)


# --- local.sh, driven by bench/local_deploy.py --------------------------------------------


@dataclass(kw_only=True)
class Deployment(LocalSh):
    """deploy/local.sh running: the proxy's URL, the store, and what the script has said; a
    line it does not print in time fails the test."""

    url: str
    database_url: str

    def wait_for(
        self, pattern: re.Pattern[str], *, after: int = 0, timeout: float = 60.0
    ) -> re.Match[str]:
        found = self.output.wait_for(pattern, after=after, timeout=timeout)
        if found is None:
            wanted = f"/{pattern.pattern}/ within {timeout:.0f} s"
            pytest.fail(f"local.sh did not print {wanted}.\n{self.log()}")
        return found

    def proxy_pid(self) -> int:
        return int(self.wait_for(PROXY_LINE).group(2))

    def server_status(self, number: int) -> str:
        """What the proxy says of a replica now: UP, DOWN, MAINT, DRAIN..."""
        status = super().server_status(number)
        if status is None:
            raise AssertionError(f"the proxy has no replica{number}")
        return status

    def log(self) -> str:
        """local.sh's output and the tail of every log in its run folder, for a failure."""
        parts = ["local.sh:", *self.output.lines]
        for path in sorted(self.run_dir.glob("*.log")):
            parts += [f"--- {path.name}:", *path.read_text(errors="replace").splitlines()[-30:]]
        return "\n".join(parts)


@pytest.fixture(scope="module")
def deployment(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """`deploy/local.sh --replicas 2` on a new PostgreSQL database and a free port, until the
    module ends; every process it started is stopped then, whatever the tests did."""
    require_proxy()
    run_dir = tmp_path_factory.mktemp("deploy") / "run"
    port = free_port()
    database_url = create_postgres_database(postgres_server)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(drop_postgres_database, postgres_server, database_url)
        process = start(database_url, run_dir, port=port, replicas=REPLICAS)
        deployment = Deployment(
            process, run_dir, url=f"http://localhost:{port}", database_url=database_url
        )
        deployment.follow()
        cleanup.callback(stop, deployment)
        deployment.wait_for(READY_LINE, timeout=START_TIMEOUT)
        yield deployment


# --- what the tests measured, in the run's summary --------------------------------------------

MEASURED: list[str] = []


@pytest.fixture
def measured() -> Callable[[str], None]:
    """Record a figure measured (a failover time), printed in the summary of the run."""

    def record(line: str) -> None:
        print(line)
        MEASURED.append(line)

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURED:
        terminalreporter.section("deploy: measured through the proxy")
        for line in MEASURED:
            terminalreporter.write_line(line)
