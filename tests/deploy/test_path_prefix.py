"""The app served under a path (/ctdash/) by a proxy that takes the path off before passing each
request on, as an operator puts it beside other sites: every page connects at once, without
asking first whether it is itself the app's root, and its links stay under the path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.deploy.conftest import find_haproxy, require_proxy
from tests.e2e.conftest import running_app, settle
from tests.e2e.launch import answers, background_process, free_port

PREFIX = "/ctdash"
CONFIG = """\
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend site
  bind 127.0.0.1:{port}
  http-request deny if !{{ path_beg {prefix}/ }}
  http-request replace-path ^{prefix}/(.*) /\\1
  default_backend app
backend app
  server app 127.0.0.1:{app_port}
"""


@pytest.fixture(scope="module")
def prefixed_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app's root as the browser sees it through the proxy: http://localhost:N/ctdash."""
    require_proxy()
    folder = tmp_path_factory.mktemp("prefixed")
    with running_app(folder) as app:
        port = free_port()
        config = folder / "haproxy.cfg"
        config.write_text(CONFIG.format(port=port, prefix=PREFIX, app_port=urlsplit(app).port))
        url = f"http://localhost:{port}{PREFIX}"
        with background_process(
            [str(find_haproxy()), "-db", "-f", str(config)],
            name="haproxy",
            log_path=folder / "haproxy.log",
            ready=lambda: answers(f"{url}/_stcore/health") == b"ok",
            waiting_for=f"{PREFIX}/_stcore/health",
        ):
            yield url


def test_each_page_under_the_path_connects_at_once_and_its_links_stay_under_it(
    new_context: Callable[[], BrowserContext], prefixed_url: str
) -> None:
    page = new_context().new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    page.goto(f"{prefixed_url}/map?kind=training")
    settle(page, page.get_by_text("5 of 5 matching activities have a place"))
    health = [path for path in asked if path.endswith("/_stcore/health")]
    assert health == [f"{PREFIX}/_stcore/health"], health
    assert urlsplit(page.url).path == f"{PREFIX}/map"

    navigation = page.get_by_test_id("stSidebar").get_by_role("navigation")
    navigation.get_by_role("link", name="Trends", exact=True).click()
    expect(page).to_have_url(f"{prefixed_url}/trends")
    settle(page, page.get_by_role("heading", name="Trends"))
    navigation.get_by_role("link", name="Overview", exact=True).click()
    expect(page).to_have_url(f"{prefixed_url}/")
    settle(page, page.get_by_role("heading", name="Counter-Terrorism Compact in Numbers"))
