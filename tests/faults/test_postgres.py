"""PostgreSQL stopped, hung and restarted under a running server, and the commands meanwhile."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from ctdash.api import TAGS_SECONDS
from tests.faults.conftest import UNAVAILABLE, Cluster, log_of, run_ctdash, serving

# A figure the Overview shows once the store answers (the newsletter's Member States). Its label is
# in the page twice, the Markdown drawn first and the metric that hides it: the visible one counts.
TILE = "Member States"
# The page tries again every 5 s (ctdash.web.engine.RETRY_SECONDS); a reconnect may take a few more.
RECOVERY_MS = 30_000


def readyz(url: str) -> tuple[int, dict[str, object], float]:
    """GET /readyz: its status, its JSON, and how long it took in seconds."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body), time.monotonic() - started


def healthz(url: str) -> int:
    with urllib.request.urlopen(f"{url}/healthz", timeout=30) as response:
        return int(response.status)


def shows_only_the_plain_message(page: Page, cluster: Cluster) -> None:
    """The page says the figures are unavailable, and nothing of a traceback, host or port."""
    expect(page.get_by_text(UNAVAILABLE)).to_be_visible(timeout=RECOVERY_MS)
    text = page.locator("body").inner_text()
    for leak in ("Traceback", "127.0.0.1", str(cluster.port), "psycopg", "sqlalchemy", "/tmp"):
        assert leak not in text, f"{leak!r} shown to a viewer"


def test_postgresql_stopped_then_started_under_a_running_server(
    cluster: Cluster, page: Page, tmp_path: Path
) -> None:
    with serving(tmp_path / "server", cluster.url) as url:
        assert readyz(url)[:2] == (200, {"ready": True})
        page.goto(url)
        expect(page.get_by_text(TILE).filter(visible=True).first).to_be_visible()

        cluster.stop()
        try:
            status, body, took = readyz(url)
            assert (status, body["ready"]) == (503, False)
            assert body["reason"] == "the store refused the connection (is it running?)"
            assert took < 2 + 1  # the connect timeout, and a second of slack
            assert healthz(url) == 200  # the process serves: only readiness fails
            page.goto(f"{url}/trends")
            shows_only_the_plain_message(page, cluster)

            done = run_ctdash("export", "indicators", env={"CTDASH_DATABASE_URL": cluster.url})
            assert done.returncode == 3
            assert done.stderr.strip().splitlines() == [
                "error: store unavailable: the store refused the connection (is it running?); "
                "nothing was written"
            ]
        finally:
            cluster.start()

        # The same page recovers by itself, with no reload and no restart of the server.
        expect(page.get_by_text(UNAVAILABLE)).to_have_count(0, timeout=RECOVERY_MS)
        expect(page.get_by_role("heading", name="Trends")).to_be_visible()
        assert readyz(url)[:2] == (200, {"ready": True})
    log = log_of(tmp_path / "server")
    assert "store unavailable: the store refused the connection" in log
    assert "Traceback" not in log


def test_postgresql_hung_gives_the_message_within_seconds_and_recovers(
    cluster: Cluster, page: Page, tmp_path: Path
) -> None:
    with serving(tmp_path / "server", cluster.url) as url:
        page.goto(url)
        expect(page.get_by_text(TILE).filter(visible=True).first).to_be_visible()

        cluster.freeze()
        try:
            status, body, took = readyz(url)
            assert (status, body) == (
                503,
                {"ready": False, "reason": "the store did not answer in time"},
            )
            assert took < 2 + 1.5
            # The page's HTML waits for its link preview 2 s at most (api.TAGS_SECONDS).
            started = time.monotonic()
            with urllib.request.urlopen(f"{url}/activities?kind=training", timeout=30) as answer:
                html = answer.read().decode()
            assert time.monotonic() - started < TAGS_SECONDS + 1.5
            assert '<div id="root"' in html and "og:title" not in html
            started = time.monotonic()
            page.goto(f"{url}/activities")
            shows_only_the_plain_message(page, cluster)
            # The preview's 2 s, then the page's run: a ping (the connect timeout, 2 s), a new
            # connection's 2 s; the statement timeout (3 s) is not waited for.
            assert time.monotonic() - started < 12
        finally:
            cluster.thaw()

        expect(page.get_by_text(UNAVAILABLE)).to_have_count(0, timeout=RECOVERY_MS)
        expect(page.get_by_text("activities match")).to_be_visible()
        assert readyz(url)[:2] == (200, {"ready": True})
    assert "Traceback" not in log_of(tmp_path / "server")


def test_a_server_started_while_postgresql_is_down_serves_once_it_is_up(
    cluster: Cluster, page: Page, tmp_path: Path
) -> None:
    cluster.stop()
    try:
        with serving(tmp_path / "server", cluster.url) as url:
            assert readyz(url)[0] == 503
            page.goto(url)
            shows_only_the_plain_message(page, cluster)
            cluster.start()
            expect(page.get_by_text(TILE).filter(visible=True).first).to_be_visible(
                timeout=RECOVERY_MS
            )
            assert readyz(url)[:2] == (200, {"ready": True})
    finally:
        if not (cluster.data / "postmaster.pid").exists():
            cluster.start()
