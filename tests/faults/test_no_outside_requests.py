"""Offline on the server side: the running dashboard tries to reach no machine but this one.

The server is started as the README starts it, with `audit/sitecustomize.py` on its
PYTHONPATH: an audit hook that writes a line for every connect, sendto or name lookup aimed
away from this machine (loopback and Unix sockets aside). Every page is opened in Chromium and
the health checks are asked; after the server has stopped, the file must be empty. Two controls
show that the hook records such attempts, Streamlit's own lookup of its network address
included, so an empty file means none was made.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

from tests.e2e import launch
from tests.e2e.conftest import (
    Traffic,
    guarded_context,
    settle,
)
from tests.e2e.launch import PROJECT_ROOT, answers
from tests.helpers.pages import SIGNED_OUT

AUDIT_DIR = Path(__file__).resolve().parent / "audit"
SUBPROCESS_TIMEOUT = 60.0


def audited_env(log: Path, **extra: str) -> dict[str, str]:
    """This process's environment with the audit hook on PYTHONPATH, writing to `log`."""
    paths = [str(AUDIT_DIR), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(path for path in paths if path),
        "CTDASH_AUDIT_LOG": str(log),
        **extra,
    }


def attempts(log: Path) -> list[str]:
    """The lines the hook wrote: one `event<TAB>host<TAB>port` per attempt to leave."""
    assert log.is_file(), f"the audit hook was not installed: {log} was never created"
    return log.read_text(encoding="utf-8").splitlines()


def run_audited(code: str, log: Path) -> None:
    """Run `python -c code` under the audit hook; a failing run fails the test."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=audited_env(log),
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# Each attempt sends nothing: the socket is closed first, so the call fails at once with EBADF,
# and a lookup is of a numeric address or made with AI_NUMERICHOST, which never asks a DNS
# server. The audit event is raised before either fails.
ATTEMPTS = """
import contextlib, socket
def reach(family, method, *args):
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.close()
    with contextlib.suppress(OSError):
        getattr(sock, method)(*args)
def lookup(host, port):
    with contextlib.suppress(OSError):
        socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
lookup("example.org", 80)
reach(socket.AF_INET, "connect", ("8.8.8.8", 1))
reach(socket.AF_INET, "connect_ex", ("192.0.2.1", 53))
reach(socket.AF_INET6, "sendto", b"", ("2001:db8::1", 53))
socket.gethostbyname("192.0.2.1")
for host in ("localhost", "127.0.0.1", "::1", "::ffff:127.0.0.1", None, ""):
    lookup(host, 80)
reach(socket.AF_INET, "connect", ("127.0.0.2", 1))
reach(socket.AF_INET, "sendto", b"", ("localhost", 1))
reach(socket.AF_INET6, "connect", ("::1", 1))
reach(socket.AF_UNIX, "connect", "/run/ctdash.sock")
"""


def test_the_hook_records_attempts_to_leave_and_nothing_local(tmp_path: Path) -> None:
    """A lookup of a public name and connects to public addresses are each written down;
    lookups and connects of localhost and loopback addresses, and a Unix socket, are not."""
    log = tmp_path / "audit.log"
    run_audited(ATTEMPTS, log)
    assert attempts(log) == [
        "socket.getaddrinfo\texample.org\t80",
        "socket.connect\t8.8.8.8\t1",
        "socket.connect\t192.0.2.1\t53",
        "socket.sendto\t2001:db8::1\t53",
        "socket.gethostbyname\t192.0.2.1\tNone",
    ]


def test_the_hook_records_streamlits_own_network_address_lookup(tmp_path: Path) -> None:
    """Streamlit finds its "Network URL" by a connect to 8.8.8.8 unless browser.serverAddress
    is set: the hook records it, so a server that made it would fail the test below."""
    log = tmp_path / "audit.log"
    run_audited("from streamlit import net_util; net_util.get_internal_ip()", log)
    assert attempts(log) == ["socket.connect\t8.8.8.8\t1"]


def open_every_page(browser: Browser, url: str) -> None:
    """Open each page in a Chromium context that may only talk to this machine, until drawn."""
    context = guarded_context(browser, Traffic())
    try:
        page = context.new_page()
        for path, ready in SIGNED_OUT.items():
            page.goto(url + path)
            settle(page, *ready(page))
    finally:
        context.close()


@pytest.mark.browser
def test_the_served_dashboard_tries_to_reach_no_other_machine(
    browser: Browser, tmp_path: Path
) -> None:
    """From its start to its stop, while a viewer opens every page and the health checks are
    asked, the server looks up no outside name and connects to no outside address: it works
    on a machine with no internet, and tells no one it runs."""
    log = tmp_path / "audit.log"
    env = audited_env(log, CTDASH_DATABASE_URL=f"sqlite:///{tmp_path / 'ctdash.db'}")
    with launch.serving("serve.py", tmp_path / "streamlit.log", env=env) as url:
        open_every_page(browser, url)
        # A page of another origin opening the app's WebSocket is refused, without a lookup.
        assert websocket_handshake(url, origin="http://elsewhere.example") == 403
        assert websocket_handshake(url, origin=url) == 101
        assert json.loads(answers(f"{url}/healthz") or b"null") == {"ok": True}
        assert json.loads(answers(f"{url}/readyz") or b"null") == {"ready": True}
        # The open data, a figure card and a link preview are made here too.
        for path in OPEN_DATA:
            with urllib.request.urlopen(url + path, timeout=SUBPROCESS_TIMEOUT) as answer:
                assert answer.status == 200 and answer.read(), path
    made = attempts(log)
    assert not made, "the server tried to reach another machine:\n" + "\n".join(made)


OPEN_DATA = [
    "/api/v1/observations.csv",
    "/api/v1/activities.geojson?kind=training",
    "/api/v1/datapackage.json",
    "/api/v1/data.zip",
    "/embed/tile/member_states.png",
    "/preview/map.png?kind=training",
    "/map?kind=training",
]


def websocket_handshake(url: str, *, origin: str) -> int:
    """The HTTP status of a WebSocket handshake on the app's stream sent with this Origin."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    request = (
        "GET /_stcore/stream HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: streamlit\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(request.encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


BRIEFS = """
import sys
from ctdash.cli import app
for args in (["-o", "{out}/brief.pdf"], ["-o", "{out}/brief.png"],
             ["-o", "{out}/map.pdf", "--view", "https://un.example/map?kind=training"]):
    try:
        app(["brief", *args, "--database-url", "sqlite:///{out}/ctdash.db"])
    except SystemExit as done:
        assert done.code == 0, done.code
"""


def test_the_brief_is_made_with_no_outside_request(tmp_path: Path) -> None:
    """The PDF, the PNG and a view's PDF are typeset and drawn with nothing fetched: the fonts,
    the outlines of the map and the typesetter are all on this machine."""
    log = tmp_path / "audit.log"
    run_audited(BRIEFS.replace("{out}", str(tmp_path)), log)
    assert attempts(log) == []
    assert (tmp_path / "brief.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "brief.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF-")
