"""How ctdash is served and browsed offline, shared by the browser tests and the benchmark.

Plain functions, no pytest: the benchmark (`bench/servers.py`, `bench/chromium.py`) starts servers
and Chromium the same way.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Schemes that never leave the browser (data:, blob:, about:) are not requests to judge.
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})
# Without the background-networking flags Chromium calls Google's hosts at start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
# How long a server (Streamlit, the OpenID provider) may take to answer after it starts.
START_TIMEOUT = 120.0
# The Map's caption once its points are read: "9,045 of 9,556 matching activities have a place".
MAP_CAPTION = re.compile(r"([\d,]+) of ([\d,]+) matching activities have a place")


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bytes | None:
    """The body of a successful GET of `url`, or None while nothing (good) answers there."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bytes(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def healthy(port: int) -> bool:
    """Whether a Streamlit server on this port says it is ready."""
    body = answers(f"http://127.0.0.1:{port}/_stcore/health")
    return body is not None and body.decode().strip() == "ok"


def streamlit_command(script: str | Path, port: int, *extra_args: str) -> list[str]:
    """`streamlit run script` on `port`, headless, serving the code as it started."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        # A watched file that changes while the server runs makes the next rerun re-import
        # ctdash.models, which fails ("Table 'indicator' is already defined") until a restart.
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process started in its own session, and its children: politely, then not."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


class ProcessError(Exception):
    """A background process ended, or did not get ready in time; the message holds its log."""


@contextlib.contextmanager
def background_process(
    command: Sequence[str],
    *,
    name: str,
    log_path: Path,
    ready: Callable[[], bool],
    waiting_for: str,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command` in its own process group, wait until `ready()`, stop the group at exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            list(command),
            cwd=PROJECT_ROOT,
            env=dict(env) if env is not None else None,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown ends its children too
        )
    try:
        deadline = time.monotonic() + timeout
        while not ready():
            if process.poll() is not None:
                raise ProcessError(
                    f"{name} exited with code {process.returncode} before it was ready;"
                    f" its log:\n{log_path.read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                raise ProcessError(
                    f"{name} did not answer {waiting_for} within {timeout:.0f} s;"
                    f" its log:\n{log_path.read_text(errors='replace')}"
                )
            # Waiting on the process, not sleeping: a process that dies is noticed at once.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def serving(
    script: str | Path,
    log_path: Path,
    *extra_args: str,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """`streamlit run script` on a free port (or `port`) until exit; its base URL."""
    port = port or free_port()
    with background_process(
        streamlit_command(script, port, *extra_args),
        name="streamlit",
        log_path=log_path,
        ready=lambda: healthy(port),
        waiting_for="/_stcore/health",
        env=env,
    ):
        yield f"http://localhost:{port}"


def find_chromium() -> str | None:
    """CTDASH_CHROMIUM if set (a path, or a name on PATH), else Debian's chromium on PATH."""
    override = os.environ.get("CTDASH_CHROMIUM")
    if override:
        return shutil.which(override)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def is_external(url: str) -> bool:
    """True for a network URL whose host is not this machine."""
    parts = urlsplit(url)
    return parts.scheme in NETWORK_SCHEMES and parts.hostname not in LOCAL_HOSTS
