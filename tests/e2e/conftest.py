"""Browser tests: a real `streamlit run` on a free port, driven by Debian's Chromium, offline.

Every request the browser makes to a host other than this machine is aborted and recorded,
so a test can assert that the dashboard works, and asks for nothing, without the internet.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    WebSocketRoute,
    expect,
    sync_playwright,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent

SERVER_START_TIMEOUT = 60.0
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# Schemes that never leave the browser (data:, blob:, about:) are not requests to judge.
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss"})
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
# The first run of a page imports and seeds; a busy CI machine needs more than the 5 s default.
EXPECT_TIMEOUT_MS = 20_000
# Wide enough that Streamlit keeps the sidebar (and so the filters) open.
VIEWPORT = {"width": 1400, "height": 900}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as a browser test; tests on a fresh server run first."""
    ours = [item for item in items if E2E_DIR in item.path.parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    fresh = [item for item in ours if "fresh_app_url" in getattr(item, "fixturenames", ())]
    if fresh:
        items[:] = fresh + [item for item in items if item not in fresh]


# --- the app under test --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bytes | None:
    """The body of a successful GET of `url`, or None while nothing (good) answers there."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _healthy(port: int) -> bool:
    body = _answers(f"http://127.0.0.1:{port}/_stcore/health")
    return body is not None and body.decode().strip() == "ok"


def store_url(folder: Path) -> str:
    """The SQLAlchemy URL of the store (ctdash.db) that a server started on `folder` uses."""
    return f"sqlite:///{folder / 'ctdash.db'}"


@contextlib.contextmanager
def background_process(
    command: Sequence[str],
    *,
    name: str,
    log_path: Path,
    ready: Callable[[], bool],
    waiting_for: str,
    env: Mapping[str, str] | None = None,
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
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not ready():
            if process.poll() is not None:
                pytest.fail(
                    f"{name} exited with code {process.returncode} before it was ready;"
                    f" its log:\n{log_path.read_text(errors='replace')}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{name} did not answer {waiting_for} within {SERVER_START_TIMEOUT:.0f} s;"
                    f" its log:\n{log_path.read_text(errors='replace')}"
                )
            # Waiting on the process, not sleeping: a process that dies is noticed at once.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def running_app(folder: Path, *extra_args: str, port: int | None = None) -> Iterator[str]:
    """`streamlit run app.py` on a free port (or `port`) with its own store in `folder`.

    The store is fresh unless something (e.g. the `ctdash` command) already made it.
    `extra_args` are further `streamlit run` options, such as `--secrets.files`.
    Usage statistics are left to .streamlit/config.toml (off), so that the guard against
    requests to other hosts checks the setting the app ships with.
    """
    port = port or _free_port()
    env = {**os.environ, "CTDASH_DATABASE_URL": store_url(folder)}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        # Otherwise a headless server asks a web service for its external IP on start.
        "--browser.serverAddress",
        "localhost",
        # The app's own files are being edited while tests run: a watched file that changes
        # makes the next rerun re-import ctdash.models, which fails ("Table 'indicator' is
        # already defined") on that server until it restarts. Serve the code as it started.
        "--server.fileWatcherType",
        "none",
        *extra_args,
    ]
    with background_process(
        command,
        name="streamlit",
        log_path=folder / "streamlit.log",
        ready=lambda: _healthy(port),
        waiting_for="/_stcore/health",
        env=env,
    ):
        yield f"http://localhost:{port}"


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def e2e_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the shared server's store (ctdash.db) and log."""
    return tmp_path_factory.mktemp("e2e-app")


@pytest.fixture(scope="session")
def e2e_database_url(e2e_store: Path) -> str:
    """The SQLAlchemy URL of the store the shared server reads, for tests that query it too."""
    return store_url(e2e_store)


@pytest.fixture(scope="session")
def app_url(e2e_store: Path) -> Iterator[str]:
    """Base URL of one app server shared by the tests that do not need a fresh one."""
    with running_app(e2e_store) as url:
        yield url


@pytest.fixture
def fresh_app_url(tmp_path: Path) -> Iterator[str]:
    """Base URL of a server that has served no page yet; such tests are moved to the front."""
    with running_app(tmp_path) as url:
        yield url


@pytest.fixture
def start_app() -> Iterator[Callable[..., str]]:
    """Start dedicated servers: `start_app(folder, *streamlit_args, port=None)` gives a URL.

    For a test that prepares the store first (accounts, roles) or needs its own options
    (secrets); every server started is stopped, with its process group, at teardown.
    """
    with contextlib.ExitStack() as servers:

        def start(folder: Path, *extra_args: str, port: int | None = None) -> str:
            return servers.enter_context(running_app(folder, *extra_args, port=port))

        yield start


@pytest.fixture
def free_port() -> Callable[[], int]:
    """A port nothing listens on now, for a server whose URL must be known before it starts."""
    return _free_port


CLI_TIMEOUT = 60.0


def run_ctdash(folder: Path, *args: str, password: str | None = None) -> str:
    """Run `ctdash ARGS` on the store in `folder`; a failing command fails the test."""
    env = {**os.environ, "CTDASH_DATABASE_URL": store_url(folder)}
    env.pop("CTDASH_PASSWORD", None)
    if password is not None:
        env["CTDASH_PASSWORD"] = password
    done = subprocess.run(
        [sys.executable, "-m", "ctdash.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"`ctdash {' '.join(args)}` exited with code {done.returncode}:\n"
            f"{done.stdout}{done.stderr}"
        )
    return done.stdout


@pytest.fixture
def ctdash_cli() -> Callable[..., str]:
    """Run `ctdash ARGS` on the store in a folder: `ctdash_cli(folder, *args, password=None)`.

    The store is the one `start_app(folder)` serves; `password` goes in CTDASH_PASSWORD.
    A failing command fails the test with its output. Returns what it printed.
    """
    return run_ctdash


# --- a local OpenID Connect provider ---------------------------------------------------------


@pytest.fixture
def oidc_users() -> list[dict[str, str]]:
    """The users the local provider knows, as claims with a `sub`; override it in a module."""
    return []


@pytest.fixture
def oidc_provider(
    tmp_path_factory: pytest.TempPathFactory, oidc_users: list[dict[str, str]]
) -> Iterator[str]:
    """Base URL of the PyPI package oidc-provider-mock running on a free port of this machine.

    Its discovery document is at `<url>/.well-known/openid-configuration`. It accepts any
    client id and secret (no registration). Its authorization page asks for a subject
    (`sub`): one of `oidc_users` gets that user's claims, any other subject gets only
    `email` = the subject. That page links a stylesheet on cdn.jsdelivr.net (aborted here).
    """
    folder = tmp_path_factory.mktemp("oidc")
    port = _free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in oidc_users:
        command += ["--user-claims", json.dumps(user)]
    metadata = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    with background_process(
        command,
        name="oidc_provider_mock",
        log_path=folder / "oidc.log",
        ready=lambda: _answers(metadata) is not None,
        waiting_for="/.well-known/openid-configuration",
        env={**os.environ, "NO_COLOR": "1"},
    ):
        yield f"http://localhost:{port}"


# --- the browser ---------------------------------------------------------------------------


def find_chromium() -> str | None:
    """CTDASH_CHROMIUM if set (a path, or a name on PATH), else Debian's chromium on PATH."""
    override = os.environ.get("CTDASH_CHROMIUM")
    if override:
        return shutil.which(override)
    return shutil.which("chromium") or shutil.which("chromium-browser")


def skip_unless_required(message: str) -> NoReturn:
    """Skip a browser test for want of a tool, or fail it when CTDASH_REQUIRE_BROWSER is set."""
    if os.environ.get("CTDASH_REQUIRE_BROWSER", "").strip() not in ("", "0"):
        pytest.fail(f"CTDASH_REQUIRE_BROWSER is set: browser tests must run. {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; missing, it skips the test, or fails it in CI."""
    executable = find_chromium()
    if executable is None:
        wanted = os.environ.get("CTDASH_CHROMIUM") or "chromium (or chromium-browser) on PATH"
        message = (
            f"No Chromium found ({wanted}). Install it with `apt-get install -y chromium`; "
            "`playwright install` cannot download browsers here."
        )
        skip_unless_required(message)
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Traffic:
    """What the browser asked for: every request URL, and those aborted as not local."""

    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def is_external(url: str) -> bool:
    """True for a network URL whose host is not this machine."""
    parts = urlsplit(url)
    return parts.scheme in NETWORK_SCHEMES and parts.hostname not in LOCAL_HOSTS


@pytest.fixture
def traffic() -> Traffic:
    """The requests of every browser context this test opens."""
    return Traffic()


@pytest.fixture
def external_requests(traffic: Traffic) -> list[str]:
    """The URLs this test's pages tried to fetch from other hosts (all aborted); want it empty."""
    return traffic.external


def guarded_context(browser: Browser, traffic: Traffic) -> BrowserContext:
    """A browser context (fresh cookies and storage) that may only talk to this machine.

    Every request is recorded in `traffic.requests`; one to another host is aborted and
    recorded in `traffic.external` too.
    """

    def route_request(route: Route) -> None:
        url = route.request.url
        if is_external(url):
            traffic.external.append(url)
            route.abort()
        else:
            route.continue_()

    def route_websocket(websocket: WebSocketRoute) -> None:
        traffic.external.append(websocket.url)
        websocket.close()

    context = browser.new_context(viewport=VIEWPORT)
    context.on("request", lambda request: traffic.requests.append(request.url))
    context.route("**/*", route_request)
    # Only external sockets are routed; Streamlit's own socket connects as usual.
    context.route_web_socket(is_external, route_websocket)
    return context


@pytest.fixture
def new_context(browser: Browser, traffic: Traffic) -> Iterator[Callable[[], BrowserContext]]:
    """Open browser contexts (fresh cookies and storage) that may only talk to this machine."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        context = guarded_context(browser, traffic)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context: Callable[[], BrowserContext]) -> Page:
    """A page in a fresh, offline-guarded browser context."""
    return new_context().new_page()


def settle(page: Page, *ready: Locator) -> None:
    """Wait until the script has run and the main content and every `ready` element are drawn."""
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(idle).to_have_count(1)
    expect(page.get_by_test_id("stMain")).to_be_visible()
    for element in ready:
        expect(element).to_be_visible()
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)
    expect(page.get_by_test_id("stStatusWidget").get_by_text("Running")).to_have_count(0)
    # A page reruns once on a session's first visit: idle again after drawing, or still idle.
    expect(idle).to_have_count(1)


PASSWORD = "correct horse battery"


def sign_in(page: Page, base_url: str, name: str) -> None:
    """Sign in with a local account through the Account page's form."""
    page.goto(f"{base_url}/account")
    form = page.get_by_test_id("stForm")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()


@pytest.fixture
def editor_app_url(
    tmp_path: Path,
    ctdash_cli: Callable[..., str],
    start_app: Callable[..., str],
) -> str:
    """A server of its own (the test changes the store) whose store has the editor ana."""
    ctdash_cli(tmp_path, "init")
    added = ctdash_cli(tmp_path, "users", "add", "ana", "--role", "editor", password=PASSWORD)
    assert "added ana as editor" in added
    return start_app(tmp_path)


EDITOR = "ana"
ADMIN = "ada"
# The data desk's tabs, in order.
DESK_TABS = (
    "Upload figures",
    "Enter figures",
    "Upload activities",
    "Import the newsletter",
    "History and undo",
)


@pytest.fixture(scope="session")
def accounts_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server shared by tests that only read, whose store has the editor ana and admin ada.

    Signing in is all these tests may change; a test that writes needs a server of its own.
    """
    folder = tmp_path_factory.mktemp("e2e-accounts")
    run_ctdash(folder, "init")
    run_ctdash(folder, "users", "add", EDITOR, "--role", "editor", password=PASSWORD)
    run_ctdash(folder, "users", "add", ADMIN, "--role", "admin", password=PASSWORD)
    with running_app(folder) as url:
        yield url
