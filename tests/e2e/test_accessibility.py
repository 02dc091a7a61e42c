"""Accessibility in a real browser: axe-core on every page and desk tab, and the keyboard.

axe-core (the npm package, its axe.min.js) is injected into each settled page; any violation
of impact "serious" or "critical" fails the test with the rule, its targets and its help.
The script is found at CTDASH_AXE_JS, else at .cache/axe (where .ci/run installs it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import (
    ADMIN,
    EDITOR,
    PROJECT_ROOT,
    sign_in,
    skip_unless_required,
)

AXE_VERSION = "4.14.1"
DEFAULT_AXE_JS = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
DESK_TABS = (
    "Upload figures",
    "Enter figures",
    "Upload activities",
    "Import the newsletter",
    "History and undo",
)


@pytest.fixture(scope="module")
def axe_js() -> Path:
    """axe.min.js of axe-core; missing, it skips the test, or fails it in CI."""
    path = Path(os.environ.get("CTDASH_AXE_JS") or DEFAULT_AXE_JS)
    if not path.is_file():
        skip_unless_required(
            f"No axe-core at {path}. Install it with `npm install --no-save --prefix .cache/axe "
            f"axe-core@{AXE_VERSION}` or point CTDASH_AXE_JS at an axe.min.js."
        )
    return path


# --- waiting for a page to settle -------------------------------------------------------------


def settle(page: Page, *ready: Locator) -> None:
    """Wait until the script has run, the main content and every `ready` element are drawn."""
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(idle).to_have_count(1)
    expect(page.get_by_test_id("stMain")).to_be_visible()
    for element in ready:
        expect(element).to_be_visible()
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0)
    expect(page.get_by_test_id("stStatusWidget").get_by_text("Running")).to_have_count(0)
    # A page may rerun once on its first visit; it must be idle after the drawing too.
    expect(idle).to_have_count(1)


def title(page: Page, text: str) -> Locator:
    return page.get_by_role("heading", level=1, name=text)


def navigation_link(page: Page, name: str) -> Locator:
    return (
        page.get_by_test_id("stSidebar")
        .get_by_role("navigation")
        .get_by_role("link", name=name, exact=True)
    )


# --- the pages and what each shows once drawn ---------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """A page (by its navigation title and path) and the elements that show it is drawn."""

    name: str
    path: str
    ready: Callable[[Page], tuple[Locator, ...]]


DASHBOARD = (
    Screen(
        "Overview",
        "/",
        lambda p: (
            title(p, "Counter-Terrorism Compact in Numbers"),
            p.get_by_test_id("stMetric").first,
            p.get_by_test_id("stMetric").first.locator("svg").first,
        ),
    ),
    Screen("Trends", "/trends", lambda p: (title(p, "Trends"), p.locator(".js-plotly-plot").first)),
    Screen(
        "Map",
        "/map",
        lambda p: (title(p, "Where the Compact worked"), p.locator("#deckgl-overlay")),
    ),
    Screen(
        "Activities",
        "/activities",
        lambda p: (title(p, "Activities"), p.get_by_test_id("stDataFrame").first),
    ),
)
SIGN_IN = Screen("Sign in", "/account", lambda p: (title(p, "Account"), p.get_by_test_id("stForm")))
ACCOUNT = Screen(
    "Account",
    "/account",
    lambda p: (title(p, "Account"), p.get_by_test_id("stAlertContentSuccess")),
)
DESK = Screen("Data desk", "/desk", lambda p: (title(p, "Data desk"), p.get_by_role("tab").first))
ADMINISTRATION = Screen(
    "Administration",
    "/admin",
    lambda p: (title(p, "Administration"), p.get_by_test_id("stDataFrame").first),
)


def refused(path: str, needed: str) -> Screen:
    return Screen(
        f"{path} refused",
        path,
        lambda p: (p.get_by_text(f"This page is for {needed}."),),
    )


# --- axe ---------------------------------------------------------------------------------------


# One rule off for one element, each outside our code. Streamlit draws st.metric's sparkline
# with Vega, which gives the chart's empty "highlighted points" mark group role="graphics-symbol"
# and no name; st.metric exposes no Vega spec to change that. The Overview lists each tile's
# figures, the sparkline's too, in a table beside the tiles.
OUTSIDE_OUR_CODE = {
    "svg-img-alt": '[data-testid="stMetricChart"] g[class$="_highlighted_points_marks"]',
}
RUN_AXE = """async (outside) => {
    const result = await window.axe.run(document, {resultTypes: ["violations"]});
    const ours = (rule, node) => !(rule in outside && node.target.length === 1
        && document.querySelector(node.target[0])?.matches(outside[rule]));
    return result.violations
        .map((v) => ({...v, nodes: v.nodes.filter((node) => ours(v.id, node))}))
        .filter((v) => v.nodes.length > 0);
}"""


def run_axe(page: Page, axe_js: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, less OUTSIDE_OUR_CODE."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_js)
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, OUTSIDE_OUR_CODE)
    return violations


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    """One paragraph per failing violation: rule, impact, help, and each target selector."""
    lines = []
    for violation in violations:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = "\n".join(
            f"      {' >> '.join(map(str, node['target']))}" for node in violation["nodes"]
        )
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"    {violation['helpUrl']}\n{targets}"
        )
    return lines


@dataclass
class Audit:
    """Runs axe on each screen visited and collects the failures of all of them."""

    page: Page
    axe_js: Path
    failures: list[str]

    def check(self, where: str, *ready: Locator) -> None:
        settle(self.page, *ready)
        # What an expander holds is checked too: open every closed one (opening runs no script).
        closed = self.page.locator("[data-testid=stExpander] details:not([open]) > summary")
        for _ in range(closed.count()):
            closed.first.click()
        self.failures += describe(where, run_axe(self.page, self.axe_js))

    def open(self, screen: Screen, base_url: str, *, by_link: bool) -> None:
        if by_link:
            navigation_link(self.page, screen.name).click()
            expect(self.page).to_have_url(re.compile(rf"{re.escape(base_url + screen.path)}$"))
        else:
            self.page.goto(base_url + screen.path)
        self.check(screen.path, *screen.ready(self.page))

    def verdict(self) -> None:
        assert not self.failures, "axe-core found serious or critical violations:\n" + "\n".join(
            self.failures
        )


def signed_in(context: BrowserContext, base_url: str, name: str) -> Page:
    page = context.new_page()
    sign_in(page, base_url, name)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_be_visible()
    return page


def test_every_page_signed_out_passes_axe(
    new_context: Callable[[], BrowserContext],
    accounts_app_url: str,
    axe_js: Path,
    external_requests: list[str],
) -> None:
    audit = Audit(new_context().new_page(), axe_js, [])
    screens = (
        *DASHBOARD,
        SIGN_IN,
        refused("/desk", "an editor"),
        refused("/admin", "an administrator"),
    )
    for screen in screens:
        audit.open(screen, accounts_app_url, by_link=False)
    audit.verdict()
    assert external_requests == []


def test_every_page_and_desk_tab_signed_in_as_an_editor_passes_axe(
    new_context: Callable[[], BrowserContext],
    accounts_app_url: str,
    axe_js: Path,
    external_requests: list[str],
) -> None:
    page = signed_in(new_context(), accounts_app_url, EDITOR)
    audit = Audit(page, axe_js, [])
    audit.check("/account signed in", *ACCOUNT.ready(page))
    for screen in (*DASHBOARD, DESK):
        audit.open(screen, accounts_app_url, by_link=True)
    for tab in DESK_TABS:
        page.get_by_role("tab", name=tab, exact=True).click()
        expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute(
            "aria-selected", "true"
        )
        audit.check(f"/desk, tab {tab}", page.get_by_role("tabpanel").first)
    audit.verdict()
    assert external_requests == []


def test_administration_signed_in_as_an_admin_passes_axe(
    new_context: Callable[[], BrowserContext],
    accounts_app_url: str,
    axe_js: Path,
    external_requests: list[str],
) -> None:
    page = signed_in(new_context(), accounts_app_url, ADMIN)
    audit = Audit(page, axe_js, [])
    audit.open(ADMINISTRATION, accounts_app_url, by_link=True)
    audit.verdict()
    assert external_requests == []
