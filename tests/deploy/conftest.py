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
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.conftest import Traffic, guarded_context
from tests.e2e.launch import PROJECT_ROOT, free_port

DEPLOY_DIR = Path(__file__).resolve().parent
LOCAL_SH = PROJECT_ROOT / "deploy" / "local.sh"
REPLICAS = 2
# local.sh migrates a new database, then starts every replica and the proxy.
START_TIMEOUT = 240.0
STOP_TIMEOUT = 60.0

# What local.sh prints, one line each.
REPLICA_LINE = re.compile(r"^replica (\d+): http://127\.0\.0\.1:(\d+) pid (\d+)$")
PROXY_LINE = re.compile(r"^proxy: http://localhost:(\d+) pid (\d+)$")
SCRIPT_LINE = re.compile(r"^local\.sh: pid (\d+)")
READY_LINE = re.compile(r"^ready: ")
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


# --- what local.sh says ----------------------------------------------------------------------


@dataclass
class Output:
    """The lines a process prints, read as they come by a thread of their own."""

    lines: list[str] = field(default_factory=list)
    closed: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def follow(self, stream: Iterator[str]) -> None:
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def wait_for(
        self, pattern: re.Pattern[str], *, after: int = 0, timeout: float
    ) -> re.Match[str] | None:
        """The first line from index `after` on that matches; None after `timeout`, or once the
        process has closed its output without printing it."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    if found := pattern.search(line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    return None
                self.changed.wait(min(left, 0.5))


@dataclass(frozen=True)
class Replica:
    port: int
    pid: int


@dataclass
class Deployment:
    """deploy/local.sh running: the proxy's URL, the store, and what the script has said."""

    process: subprocess.Popen[str]
    output: Output
    url: str
    database_url: str
    run_dir: Path

    def wait_for(
        self, pattern: re.Pattern[str], *, after: int = 0, timeout: float = 60.0
    ) -> re.Match[str]:
        found = self.output.wait_for(pattern, after=after, timeout=timeout)
        if found is None:
            wanted = f"/{pattern.pattern}/ within {timeout:.0f} s"
            pytest.fail(f"local.sh did not print {wanted}.\n{self.log()}")
        return found

    def mark(self) -> int:
        """Where the output is now, for waiting on a line printed after it."""
        with self.output.changed:
            return len(self.output.lines)

    def replicas(self) -> dict[int, Replica]:
        """Each replica's port and process id, as local.sh last announced them."""
        found: dict[int, Replica] = {}
        with self.output.changed:
            for line in self.output.lines:
                if match := REPLICA_LINE.match(line):
                    number, port, pid = map(int, match.groups())
                    found[number] = Replica(port, pid)
        return found

    def proxy_pid(self) -> int:
        return int(self.wait_for(PROXY_LINE).group(2))

    def proxy_command(self, command: str) -> str:
        """A command on HAProxy's admin socket, as an operator types it; its answer."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.run_dir / "admin.sock"))
            sock.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer.decode()

    def server_status(self, number: int) -> str:
        """What the proxy says of a replica now: UP, DOWN, MAINT, DRAIN..."""
        header, *rows = self.proxy_command("show stat").splitlines()
        columns = header.lstrip("# ").split(",")
        for row in rows:
            values = dict(zip(columns, row.split(","), strict=False))
            if values["pxname"] == "replicas" and values["svname"] == f"replica{number}":
                return values["status"]
        raise AssertionError(f"the proxy has no replica{number}")

    def log(self) -> str:
        """local.sh's output and the tail of every log in its run folder, for a failure."""
        parts = ["local.sh:", *self.output.lines]
        for path in sorted(self.run_dir.glob("*.log")):
            parts += [f"--- {path.name}:", *path.read_text(errors="replace").splitlines()[-30:]]
        return "\n".join(parts)


def running(pid: int) -> bool:
    """Whether a process runs (a zombie no longer counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state != "Z"


def stop_deployment(deployment: Deployment) -> None:
    """SIGTERM to local.sh, which stops what it started; then anything left, by force."""
    process = deployment.process
    pids = {replica.pid for replica in deployment.replicas().values()}
    pids |= {int(m.group(2)) for line in deployment.output.lines if (m := PROXY_LINE.match(line))}
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    # Its process group holds every process it started (it starts none in a session of its own).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in pids:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def deployment(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """`deploy/local.sh --replicas 2` on a new PostgreSQL database and a free port, until the
    module ends; every process it started is stopped then, whatever the tests did."""
    require_proxy()
    run_dir = tmp_path_factory.mktemp("deploy") / "run"
    port = free_port()
    # local.sh makes the replicas' one cookie secret when none is given.
    env = {k: v for k, v in os.environ.items() if k != "STREAMLIT_SERVER_COOKIE_SECRET"}
    database_url = create_postgres_database(postgres_server)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(drop_postgres_database, postgres_server, database_url)
        command = [str(LOCAL_SH), "--replicas", str(REPLICAS), "--port", str(port)]
        command += ["--database-url", database_url, "--run-dir", str(run_dir)]
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # its own process group, so that teardown reaches everything
        )
        output = Output()
        assert process.stdout is not None
        threading.Thread(target=output.follow, args=(process.stdout,), daemon=True).start()
        deployment = Deployment(process, output, f"http://localhost:{port}", database_url, run_dir)
        cleanup.callback(stop_deployment, deployment)
        deployment.wait_for(READY_LINE, timeout=START_TIMEOUT)
        yield deployment


# --- the browser: the session's Chromium (tests/conftest.py), offline ------------------------


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def external_requests(traffic: Traffic) -> list[str]:
    """The URLs this test's pages tried to fetch from other hosts (all aborted); want it empty."""
    return traffic.external


@pytest.fixture
def new_context(browser: Browser, traffic: Traffic) -> Iterator[Callable[[], BrowserContext]]:
    """Open browser contexts (fresh cookies) that may only talk to this machine."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        context = guarded_context(browser, traffic)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


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
