"""deploy/local.sh as an operator runs it: started on a database and a port, its output read
line by line as it comes, and stopped with everything it started; and the PostgreSQL database
of its own it runs on. The `replicas` part (bench/replicas.py) and the deploy tests
(tests/deploy/conftest.py) both drive local.sh through this module, each waiting on its lines
in its own way; the tests make their PostgreSQL databases with it too (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_SH = PROJECT_ROOT / "deploy" / "local.sh"
# How long local.sh has to stop what it started after SIGTERM, before the rest is killed.
STOP_TIMEOUT = 60.0

# What local.sh prints, one line each.
REPLICA_LINE = re.compile(r"^replica (\d+): http://127\.0\.0\.1:(\d+) pid (\d+)$")
PROXY_LINE = re.compile(r"^proxy: http://localhost:(\d+) pid (\d+)$")
READY_LINE = re.compile(r"^ready: ")


# --- the database ----------------------------------------------------------------------------


def _on_server(server: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


def create_database(server: str, *, prefix: str, template: str | None = None) -> str:
    """A new database on the PostgreSQL server, named `prefix` and a random part (a copy of
    `template` if given); its URL."""
    return create_named_database(server, f"{prefix}{uuid.uuid4().hex[:12]}", template=template)


def create_named_database(server: str, name: str, *, template: str | None = None) -> str:
    """A new database called `name` on the PostgreSQL server (a copy of `template` if
    given); its URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    _on_server(server, f'CREATE DATABASE "{name}"{copy}')
    return database_url(server, name)


def database_url(server: str, name: str) -> str:
    """The URL of the database called `name` on the PostgreSQL server."""
    from sqlalchemy import make_url

    return make_url(server).set(database=name).render_as_string(hide_password=False)


def database_exists(server: str, name: str) -> bool:
    """Whether the PostgreSQL server holds a database called `name`."""
    from sqlalchemy import create_engine, text

    admin = create_engine(server)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found.first() is not None
    finally:
        admin.dispose()


def drop_database(server: str, url: str) -> None:
    """Drop a database that create_database made, closing what still uses it."""
    from sqlalchemy import make_url

    _on_server(server, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


# --- local.sh, and what it says --------------------------------------------------------------


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
        self, *patterns: re.Pattern[str], after: int = 0, timeout: float
    ) -> re.Match[str] | None:
        """The first line from index `after` on that matches one of the patterns; None after
        `timeout`, or once the process has closed its output without printing it."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    for pattern in patterns:
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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def announced_replicas(lines: list[str]) -> dict[int, Replica]:
    """Each replica's port and process id from local.sh's lines; a restart's later
    announcement of a replica replaces the earlier one."""
    found: dict[int, Replica] = {}
    for line in lines:
        if match := REPLICA_LINE.match(line):
            number, port, pid = map(int, match.groups())
            found[number] = Replica(port, pid)
    return found


@dataclass
class LocalSh:
    """deploy/local.sh running: its process, its run folder, and the lines it has printed."""

    process: subprocess.Popen[str]
    run_dir: Path
    output: Output = field(default_factory=Output)

    def follow(self) -> None:
        """Read local.sh's output into self.output, as it comes, in a thread of its own."""
        assert self.process.stdout is not None
        stream = self.process.stdout
        threading.Thread(target=self.output.follow, args=(stream,), daemon=True).start()

    def mark(self) -> int:
        """Where the output is now, for waiting on a line printed after it."""
        with self.output.changed:
            return len(self.output.lines)

    def replicas(self) -> dict[int, Replica]:
        """Each replica's port and process id, as local.sh last announced them."""
        with self.output.changed:
            return announced_replicas(self.output.lines)

    def announced_pids(self) -> set[int]:
        """The processes local.sh last announced: each replica's and the proxy's."""
        with self.output.changed:
            pids = {replica.pid for replica in announced_replicas(self.output.lines).values()}
            lines = self.output.lines
            return pids | {int(m.group(2)) for line in lines if (m := PROXY_LINE.match(line))}

    def proxy_command(self, command: str) -> str:
        """A command on HAProxy's admin socket, as an operator types it; its answer."""
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.run_dir / "admin.sock"))
            sock.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer.decode()

    def server_status(self, number: int) -> str | None:
        """What the proxy says of a replica now (UP, DOWN, MAINT, DRAIN...); None if it has no
        such replica."""
        header, *rows = self.proxy_command("show stat").splitlines()
        columns = header.lstrip("# ").split(",")
        for row in rows:
            values = dict(zip(columns, row.split(","), strict=False))
            if values.get("pxname") == "replicas" and values.get("svname") == f"replica{number}":
                return values["status"]
        return None

    def tail(self, count: int = 30) -> str:
        """local.sh's last lines, for an error."""
        with self.output.changed:
            return "\n".join(self.output.lines[-count:])


def start(database_url: str, run_dir: Path, *, port: int, replicas: int) -> subprocess.Popen[str]:
    """`deploy/local.sh --replicas N` on the database and port, in a process group of its own
    (so that stop() reaches everything it starts), printing to a pipe; it makes the replicas'
    one cookie secret, as none is passed on."""
    env = {k: v for k, v in os.environ.items() if k != "STREAMLIT_SERVER_COOKIE_SECRET"}
    command = [str(LOCAL_SH), "--replicas", str(replicas), "--port", str(port)]
    command += ["--database-url", database_url, "--run-dir", str(run_dir)]
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )


def running(pid: int) -> bool:
    """Whether a process runs (a zombie no longer counts)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def stop(local_sh: LocalSh, *, timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM to local.sh, which stops what it started; then whatever is left, by force: its
    process group (it starts nothing in a session of its own) and each process it announced."""
    process = local_sh.process
    pids = local_sh.announced_pids()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in pids:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
