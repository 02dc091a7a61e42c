"""Browser tests: a real `streamlit run` on a free port, driven by Debian's Chromium, offline.

Every request the browser makes to a host other than this machine is aborted and recorded,
so a test can assert that the dashboard works, and asks for nothing, without the internet.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    WebSocketRoute,
    expect,
)

from tests.e2e import launch
from tests.e2e.launch import (
    PROJECT_ROOT,
    VIEWPORT,
    answers,
    is_external,
)

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as a browser test; tests on a fresh server run first."""
    ours = [item for item in items if E2E_DIR in item.path.parents]
    for item in ours:
        item.add_marker(pytest.mark.browser)
    fresh = [item for item in ours if "fresh_app_url" in getattr(item, "fixturenames", ())]
    if fresh:
        items[:] = fresh + [item for item in items if item not in fresh]


# --- the app under test --------------------------------------------------------------------


def store_url(folder: Path) -> str:
    """The SQLAlchemy URL of the store (ctdash.db) that a server started on `folder` uses."""
    return f"sqlite:///{folder / 'ctdash.db'}"


@contextlib.contextmanager
def running_app(folder: Path, *extra_args: str, port: int | None = None) -> Iterator[str]:
    """`streamlit run serve.py` on a free port (or `port`) with its own store in `folder`.

    The store is fresh unless something (e.g. the `ctdash` command) already made it.
    `extra_args` are further `streamlit run` options, such as `--secrets.files`.
    Usage statistics are left to .streamlit/config.toml (off), so that the guard against
    requests to other hosts checks the setting the app ships with.
    """
    env = {**os.environ, "CTDASH_DATABASE_URL": store_url(folder)}
    with launch.serving(
        "serve.py", folder / "streamlit.log", *extra_args, env=env, port=port
    ) as url:
        yield url


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
    return launch.free_port


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
    port = launch.free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in oidc_users:
        command += ["--user-claims", json.dumps(user)]
    metadata = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
    with launch.background_process(
        command,
        name="oidc_provider_mock",
        log_path=folder / "oidc.log",
        ready=lambda: answers(metadata) is not None,
        waiting_for="/.well-known/openid-configuration",
        env={**os.environ, "NO_COLOR": "1"},
    ):
        yield f"http://localhost:{port}"


# --- the browser ---------------------------------------------------------------------------


@dataclass
class Traffic:
    """What the browser asked for: every request URL, and those aborted as not local."""

    requests: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


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


def navigation_link(page: Page, name: str) -> Locator:
    """The sidebar navigation's link to a page, by its title."""
    navigation = page.get_by_test_id("stSidebar").get_by_role("navigation")
    return navigation.get_by_role("link", name=name, exact=True)


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
    "Notes on the trends",
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
