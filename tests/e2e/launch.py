"""How ctdash is served and browsed offline, shared by the browser tests and the benchmark.

Plain functions, no pytest: `bench/run.py` starts servers and Chromium the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
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
        # Otherwise a headless server asks a web service for its external IP on start.
        "--browser.serverAddress",
        "localhost",
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
