"""Privacy in a real browser: no page asks anything of a host other than the app's own.

Every page is opened signed out, and the data desk (each tab) and administration signed in;
the guard in conftest.py aborts and records each request to another host, so fonts, map
tiles, scripts from a CDN and usage statistics would all show up here. Usage statistics are
left to .streamlit/config.toml (tests/unit/test_project.py checks it says false).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import (
    ADMIN,
    DESK_TABS,
    EDITOR,
    Traffic,
    navigation_link,
    settle,
    sign_in,
)
from tests.e2e.launch import LOCAL_HOSTS
from tests.helpers.pages import SIGNED_OUT, heading

FONT = re.compile(r"\.(woff2?|ttf|otf)(\?|$)")


def expect_only_local(traffic: Traffic, where: str) -> None:
    """No request so far left this machine; else fail on the first one."""
    assert not traffic.external, f"{where} asked another host for {traffic.external[0]}"


def test_no_page_signed_out_asks_another_host(
    page: Page, accounts_app_url: str, traffic: Traffic
) -> None:
    for path, ready in SIGNED_OUT.items():
        page.goto(accounts_app_url + path)
        settle(page, *ready(page))
        expect_only_local(traffic, path)
    # Streamlit's fonts are its own files, served by the app: the text was drawn with them.
    fonts = [url for url in traffic.requests if FONT.search(urlsplit(url).path)]
    assert fonts, "no font was loaded"
    assert {urlsplit(url).hostname for url in fonts} <= LOCAL_HOSTS, fonts


def test_the_desk_and_administration_signed_in_ask_no_other_host(
    new_context: Callable[[], BrowserContext], accounts_app_url: str, traffic: Traffic
) -> None:
    editor = new_context().new_page()
    sign_in(editor, accounts_app_url, EDITOR)
    expect(editor.get_by_test_id("stAlertContentSuccess")).to_be_visible()
    navigation_link(editor, "Data desk").click()
    settle(editor, heading(editor, "Data desk"))
    for tab in DESK_TABS:
        editor.get_by_role("tab", name=tab, exact=True).click()
        settle(editor, editor.get_by_role("tabpanel").first)
        expect_only_local(traffic, f"the desk's tab {tab}")

    admin = new_context().new_page()
    sign_in(admin, accounts_app_url, ADMIN)
    expect(admin.get_by_test_id("stAlertContentSuccess")).to_be_visible()
    navigation_link(admin, "Administration").click()
    settle(admin, heading(admin, "Administration"), admin.get_by_test_id("stDataFrame").first)
    expect_only_local(traffic, "/admin")
