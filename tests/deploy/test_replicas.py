"""Two replicas behind HAProxy on PostgreSQL, as deploy/local.sh runs them: every page through
the proxy, a figure imported by the command seen from either replica, a rolling restart with no
failed page load, one replica killed (pages load, an open page reconnects to the other and
shows the same view), and Ctrl+C leaving nothing running.

The tests share one deployment and run in this order; the last two end replicas for good.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, WebSocket, expect

from bench.local_deploy import running
from tests.deploy.conftest import STOPPED_LINE, Deployment
from tests.e2e.conftest import settle

CTDASH = str(Path(sys.executable).with_name("ctdash"))
COOKIE = "CTDASH_REPLICA"
# The Map's caption once its points are read: "12 of 20 matching activities have a place".
MAP_CAPTION = re.compile(r"^[\d,]+ of [\d,]+ matching activities have a place")
# Every activity of the shipped data: the caption of a map that is not filtered.
UNFILTERED = " of 56 matching activities"
# A page load must come back within this, even while a replica dies or restarts.
LOAD_TIMEOUT = 30
FAILOVER_LIMIT = 15.0


def title(page: Page, text: str) -> Locator:
    return page.get_by_role("heading", level=1, name=text)


def tile_value(page: Page, code: str) -> Locator:
    return page.locator(f".st-key-tile-{code}").get_by_test_id("stMetricValue")


def map_caption(page: Page) -> Locator:
    return page.get_by_test_id("stCaptionContainer").filter(has_text=MAP_CAPTION)


def chosen_kinds(page: Page) -> Locator:
    """The tags chosen in the sidebar's Kind filter."""
    widget = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stMultiSelect")
        .filter(has=page.get_by_role("combobox", name="Kind", exact=True))
    )
    return widget.get_by_role("group", name="Selected values").locator("[data-tag]")


def pinned(context: BrowserContext, deployment: Deployment, replica: int) -> BrowserContext:
    """A browser context whose pages the proxy sends to one replica, by its stickiness cookie."""
    context.add_cookies([{"name": COOKIE, "value": f"replica{replica}", "url": deployment.url}])
    return context


def replica_of(context: BrowserContext) -> int:
    """The replica the proxy keeps this context's pages on."""
    (value,) = [c["value"] for c in context.cookies() if c["name"] == COOKIE]
    return int(value.removeprefix("replica"))


# --- page loads in a loop, beside what a test does -------------------------------------------


@dataclass
class Loads:
    """Page loads made over and over: how many, and each one that failed, with its time."""

    count: int = 0
    failures: list[tuple[float, str, str]] = field(default_factory=list)
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, problem: str | None) -> None:
        with self.lock:
            self.count += 1
            self.last = time.monotonic()
            if problem is not None:
                self.failures.append((self.last, path, problem))


def load(url: str) -> str | None:
    """GET a URL through the proxy; what went wrong, or None when it answered 200."""
    try:
        with urllib.request.urlopen(url, timeout=LOAD_TIMEOUT) as response:
            response.read()
            return None if response.status == 200 else f"status {response.status}"
    except urllib.error.HTTPError as error:
        return f"status {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return repr(error)


@contextlib.contextmanager
def page_loads(base_url: str, paths: tuple[str, ...]) -> Iterator[Loads]:
    """GETs of each path in turn, in a thread, for as long as the block runs."""
    loads, stop = Loads(), threading.Event()

    def run() -> None:
        while not stop.is_set():
            for path in paths:
                loads.record(path, load(base_url + path))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield loads
    finally:
        stop.set()
        thread.join(LOAD_TIMEOUT * len(paths))


@contextlib.contextmanager
def marked_down(deployment: Deployment, number: int) -> Iterator[list[float]]:
    """When the proxy first says a replica is DOWN, watched in a thread while the block runs."""
    seen: list[float] = []
    stop = threading.Event()

    def run() -> None:
        while not seen and not stop.wait(0.05):
            with contextlib.suppress(OSError):
                if deployment.server_status(number).startswith("DOWN"):
                    seen.append(time.monotonic())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(10)


# --- the tests, in the order they run ---------------------------------------------------------

# Each page, and what shows that it is drawn with its content.
PAGES: tuple[tuple[str, Callable[[Page], tuple[Locator, ...]]], ...] = (
    (
        "/",
        lambda p: (
            title(p, "Counter-Terrorism Compact in Numbers"),
            tile_value(p, "compact_entities"),
            p.get_by_test_id("stMetric").nth(7),
        ),
    ),
    ("/trends", lambda p: (title(p, "Trends"), p.locator(".js-plotly-plot").first)),
    ("/map", lambda p: (title(p, "Where the Compact worked"), map_caption(p))),
    ("/activities", lambda p: (title(p, "Activities"), p.get_by_test_id("stDataFrame").first)),
    ("/account", lambda p: (title(p, "Account"), p.get_by_test_id("stForm"))),
    # Not for a visitor who is not signed in: typed in, they refuse.
    ("/desk", lambda p: (p.get_by_text("This page is for an editor."),)),
    ("/admin", lambda p: (p.get_by_text("This page is for an administrator."),)),
)


def test_every_page_opens_through_the_proxy_from_either_replica(
    deployment: Deployment,
    new_context: Callable[[], BrowserContext],
    external_requests: list[str],
) -> None:
    visitors = [pinned(new_context(), deployment, n).new_page() for n in (1, 2)]
    for number, (path, drawn) in enumerate(PAGES):
        page = visitors[number % 2]
        page.goto(deployment.url + path)
        settle(page, *drawn(page))
    assert [replica_of(v.context) for v in visitors] == [1, 2]
    assert external_requests == []


def test_a_figure_imported_by_the_command_shows_on_the_next_load_from_either_replica(
    deployment: Deployment,
    new_context: Callable[[], BrowserContext],
    tmp_path: Path,
    external_requests: list[str],
) -> None:
    visitors = [pinned(new_context(), deployment, n).new_page() for n in (1, 2)]
    for page in visitors:
        page.goto(deployment.url)
        expect(tile_value(page, "compact_entities")).to_have_text("45")

    figures = tmp_path / "june.csv"
    figures.write_text("code,as_of,value,source\ncompact_entities,2023-06-30,46,June count\n")
    done = subprocess.run(
        [CTDASH, "import", str(figures), "--database-url", deployment.database_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    for page in visitors:
        page.reload()
        expect(tile_value(page, "compact_entities")).to_have_text("46")
    assert [replica_of(v.context) for v in visitors] == [1, 2]
    assert external_requests == []


def test_a_rolling_restart_of_both_replicas_fails_no_page_load(
    deployment: Deployment, measured: Callable[[str], None]
) -> None:
    before = deployment.replicas()
    mark = deployment.mark()
    with page_loads(deployment.url, ("/", "/trends", "/api/v1/indicators.json")) as loads:
        started = time.monotonic()
        os.kill(deployment.process.pid, signal.SIGHUP)
        deployment.wait_for(re.compile(r"^restart: done$"), after=mark, timeout=240)
        took = time.monotonic() - started
        # The loads go on past the restart: the replica put back last serves too.
        done_at = loads.count
        deadline = time.monotonic() + 10
        while loads.count < done_at + 6 and time.monotonic() < deadline:
            time.sleep(0.1)

    after = deployment.replicas()
    restarted = "\n".join(deployment.output.lines[mark:])
    for number in (1, 2):
        assert f"restart: replica {number}: out of the proxy" in restarted, deployment.log()
        assert f"restart: replica {number}: back in the proxy" in restarted, deployment.log()
        assert after[number].pid != before[number].pid
        assert after[number].port == before[number].port
        assert running(after[number].pid)
        assert not running(before[number].pid)
        assert deployment.server_status(number) == "UP"
    assert loads.failures == [], deployment.log()
    assert loads.count >= 30, loads.count
    measured(
        f"rolling restart of 2 replicas: {took:.1f} s; {loads.count} page loads meanwhile, "
        f"{len(loads.failures)} failed"
    )


def test_one_replica_killed_pages_still_load_and_an_open_page_reconnects_to_the_same_view(
    deployment: Deployment,
    new_context: Callable[[], BrowserContext],
    measured: Callable[[str], None],
    external_requests: list[str],
) -> None:
    # An open page on a filtered view; the WebSockets it opens, and the frames each receives.
    context = new_context()
    page = context.new_page()
    sockets: list[tuple[float, WebSocket]] = []
    frames: list[tuple[WebSocket, float, bytes]] = []

    def on_socket(websocket: WebSocket) -> None:
        sockets.append((time.monotonic(), websocket))

        def on_frame(payload: str | bytes) -> None:
            data = payload if isinstance(payload, bytes) else payload.encode()
            frames.append((websocket, time.monotonic(), data))

        websocket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(f"{deployment.url}/map?kind=training")
    settle(page, map_caption(page))
    expect(chosen_kinds(page)).to_have_text(["training"])
    found = MAP_CAPTION.search(map_caption(page).inner_text())
    assert found is not None and UNFILTERED not in found.group(0)
    view = found.group(0)
    holder = replica_of(context)
    other = 3 - holder
    victim = deployment.replicas()[holder]
    mark = deployment.mark()

    with (
        page_loads(deployment.url, ("/", "/_stcore/health")) as loads,
        marked_down(deployment, holder) as down,
    ):
        killed = time.monotonic()
        os.kill(victim.pid, signal.SIGKILL)

        # The page's WebSocket is cut; it opens another, which the proxy sends to the other
        # replica, and the page goes on showing its view, with no word from the viewer.
        while not (opened := [(t, ws) for t, ws in sockets if t > killed]):
            assert time.monotonic() < killed + FAILOVER_LIMIT, "the page did not reconnect"
            page.wait_for_timeout(100)
        reconnected, reopened = opened[0][0] - killed, opened[0][1]
        expect(page.get_by_test_id("stConnectionStatus")).to_have_count(0)
        assert not reopened.is_closed()
        expect(map_caption(page)).to_have_text(re.compile(rf"^{re.escape(view)}"))
        expect(chosen_kinds(page)).to_have_text(["training"])
        expect(page).to_have_url(re.compile(r"/map\?kind=training$"))
        assert replica_of(context) == other

        # That view is the other replica's own, from the URL: its next run (R reruns) draws it.
        rerun = time.monotonic()
        page.get_by_role("heading", level=1).click()
        page.keyboard.press("r")
        while not any(ws is reopened and t > rerun and view.encode() in f for ws, t, f in frames):
            assert time.monotonic() < rerun + 30, "the other replica did not draw the view"
            page.wait_for_timeout(100)
        settle(page, map_caption(page))
        expect(chosen_kinds(page)).to_have_text(["training"])

        # A new visitor's page load.
        visitor = new_context().new_page()
        started = time.monotonic()
        visitor.goto(deployment.url)
        expect(visitor.get_by_test_id("stMetric").first).to_be_visible()
        first_tile = time.monotonic() - started

        # The proxy has taken the replica out of rotation; page loads go on a little longer.
        while not down:
            assert time.monotonic() < killed + FAILOVER_LIMIT, deployment.server_status(holder)
            page.wait_for_timeout(100)
        page.wait_for_timeout(2000)

    failed_until = max((t for t, _, _ in loads.failures), default=killed) - killed
    taken_out = down[0] - killed
    assert failed_until < FAILOVER_LIMIT, loads.failures
    assert loads.last - killed > max(failed_until, taken_out)
    deployment.wait_for(
        re.compile(rf"^replica {holder}: exited \(pid {victim.pid}, killed by signal 9\)"),
        after=mark,
        timeout=10,
    )
    assert external_requests == []
    measured(
        f"replica killed (SIGKILL): page loads failing for {failed_until:.1f} s "
        f"({len(loads.failures)} of {loads.count} failed); the proxy marked it down after "
        f"{taken_out:.1f} s; the open page reconnected to the other replica after "
        f"{reconnected:.1f} s; a new visitor's first tile in {first_tile:.1f} s"
    )


def process_group(pgid: int) -> list[int]:
    """The processes of a process group, zombies left out."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


def test_ctrl_c_stops_every_process_local_sh_started(deployment: Deployment) -> None:
    started = [r.pid for r in deployment.replicas().values()] + [deployment.proxy_pid()]
    mark = deployment.mark()
    # Ctrl+C in a terminal signals its whole foreground process group.
    os.killpg(deployment.process.pid, signal.SIGINT)
    deployment.process.wait(timeout=60)
    deployment.wait_for(STOPPED_LINE, after=mark, timeout=5)
    assert [pid for pid in started if running(pid)] == []
    assert process_group(deployment.process.pid) == []
