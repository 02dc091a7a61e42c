"""Accessibility in a real browser: axe-core on every page and desk tab, and the keyboard.

axe-core (the npm package, its axe.min.js) is injected into each settled page; any violation
of impact "serious" or "critical" fails the test with the rule, its targets and its help.
The script is found at CTDASH_AXE_JS, else at .cache/axe (where .ci/run installs it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, JSHandle, Locator, Page, expect

from tests.conftest import skip_unless_required
from tests.e2e.conftest import (
    ADMIN,
    DESK_TABS,
    EDITOR,
    PASSWORD,
    PROJECT_ROOT,
    navigation_link,
    run_ctdash,
    settle,
    sign_in,
    store_url,
)
from tests.e2e.launch import MAP_CAPTION

AXE_VERSION = "4.14.1"
DEFAULT_AXE_JS = PROJECT_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


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


def title(page: Page, text: str) -> Locator:
    return page.get_by_role("heading", level=1, name=text)


def sparkline(page: Page) -> Locator:
    """The Compact entities tile's sparkline, found by the text alternative it states."""
    return page.get_by_role("img", name=re.compile(r"^Compact entities, \d+ snapshots from "))


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
            sparkline(p),
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
# The Overview set against an earlier snapshot: the comparison table and both periods, one of
# them without activities.
COMPARED = Screen(
    "Overview compared",
    "/?compare=2022-04-30",
    lambda p: (
        title(p, "Counter-Terrorism Compact in Numbers"),
        p.get_by_role("heading", name="Compared with 2022-04-30"),
        p.get_by_text("No activities are recorded for this period."),
        sparkline(p),
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


def run_axe(page: Page, axe_js: Path) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now; no rule is excluded anywhere."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=axe_js)
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await window.axe.run(document, {resultTypes: ["violations"]})).violations"""
    )
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
        # What an expander holds is checked too: open every closed one, and wait for what an
        # expander drawn only when opened (the Overview's and Trends' tables) has its script draw.
        closed = self.page.locator("[data-testid=stExpander] details:not([open]) > summary")
        for _ in range(closed.count()):
            closed.first.click()
            settle(self.page)
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
    first, *listed = (*DASHBOARD, SIGN_IN)
    audit.open(first, accounts_app_url, by_link=False)
    for screen in listed:
        audit.open(screen, accounts_app_url, by_link=True)
    # Not listed in the navigation while signed out: typed in, they refuse.
    for screen in (refused("/desk", "an editor"), refused("/admin", "an administrator")):
        audit.open(screen, accounts_app_url, by_link=False)
    audit.open(COMPARED, accounts_app_url, by_link=False)
    # The as-of and comparison selectors, drawn once their popover is opened.
    audit.page.get_by_role("button", name=re.compile(r"compared with 2022-04-30")).click()
    audit.check(
        "/?compare=2022-04-30, selectors open",
        audit.page.get_by_role("combobox", name="Compare with"),
    )
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


# --- the keyboard -------------------------------------------------------------------------------

# Each stop that must be reached with Tab, as FOCUSED describes it.
MAP_STOPS = {
    "date From": "spinbutton:year, From",
    "date To": "spinbutton:year, To",
    "kind": "combobox:Kind",
    "entity": "combobox:Entity",
    "country": "combobox:Country",
    "region": "combobox:Region",
    "view switch": "radio:Map view",
    "share link": "link:Share this view",
}
# The focused element, as "role:name": its own label, its group's label, or its text less icons.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "";
    const tag = el.tagName.toLowerCase();
    const role = el.getAttribute("role") || (tag === "a" ? "link" : tag);
    const group = el.closest("[role=radiogroup]")?.getAttribute("aria-label");
    const words = el.cloneNode(true);
    words.querySelectorAll("[data-testid=stIconMaterial], [role=img]").forEach((i) => i.remove());
    const name = el.getAttribute("aria-label") || group || words.textContent;
    return `${role}:${name.trim()}`;
}"""
# How an element and the boxes around it look: outline, box-shadow, border and background.
# Focus is visible when the look with focus differs from the look without it. Buttons, links and
# the view switch get a ring (box-shadow); Streamlit's inputs show focus on the box around them,
# its border (text, date, multiselect) or the focused date part's background.
LOOK = """(el) => {
    const looks = [];
    for (let box = el, depth = 0; box && depth < 7; depth += 1, box = box.parentElement) {
        const s = getComputedStyle(box);
        const outline = s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0
            ? "none" : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`;
        looks.push({outline, "box-shadow": s.boxShadow,
            border: `${s.borderTopWidth} ${s.borderTopColor}`, background: s.backgroundColor});
    }
    return looks;
}"""


def focus_changes(focused: list[dict[str, str]], at_rest: list[dict[str, str]]) -> list[str]:
    """What focus changes in the look: e.g. "box-shadow of the element: none -> ..."."""
    changes = []
    for depth, (with_focus, without) in enumerate(zip(focused, at_rest, strict=False)):
        where = "the element" if depth == 0 else f"its box {depth} up"
        changes += [
            f"{name} of {where}: {without[name]} -> {with_focus[name]}"
            for name in with_focus
            if with_focus[name] != without[name]
        ]
    return changes


@dataclass
class Keyboard:
    """Moves focus with the keyboard alone and notes how each stop looks with focus."""

    page: Page
    seen: list[str] = field(default_factory=list)
    looks: dict[str, tuple[JSHandle, list[dict[str, str]]]] = field(default_factory=dict)

    def tab_to(self, stop: str, *, key: str = "Tab", limit: int = 60) -> None:
        """Press Tab (or `key`) until `stop` ("role:name") has focus; fail if it is not reached."""
        for _ in range(limit):
            self.page.keyboard.press(key)
            focused = self.page.evaluate(FOCUSED)
            self.seen.append(focused)
            if focused == stop:
                element = self.page.evaluate_handle("() => document.activeElement")
                self.looks[stop] = (element, element.evaluate(LOOK))
                return
        pytest.fail(f"{key} did not reach {stop} in {limit} presses; focus went to:\n{self.seen}")

    def focus_not_shown(self) -> list[str]:
        """The stops reached whose look did not change with focus; call it with them still drawn."""
        self.page.evaluate("() => document.activeElement?.blur()")
        return [
            stop
            for stop, (element, focused) in self.looks.items()
            if not focus_changes(focused, element.evaluate(LOOK))
        ]


def test_the_map_filters_and_share_link_work_with_the_keyboard_alone(
    page: Page, accounts_app_url: str, external_requests: list[str]
) -> None:
    page.goto(f"{accounts_app_url}/map")
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text=MAP_CAPTION)
    settle(page, caption, page.locator("#deckgl-overlay"))
    before = caption.inner_text()

    keyboard = Keyboard(page)
    for stop in MAP_STOPS.values():
        keyboard.tab_to(stop)
    assert keyboard.focus_not_shown() == [], "focus is not visible"

    # Back to the kinds, choose one by typing its name and Enter: the view and its URL follow.
    keyboard.tab_to(MAP_STOPS["kind"], key="Shift+Tab")
    page.keyboard.type("training")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/map\?kind=training$"))
    expect(caption).not_to_have_text(before)
    share = page.get_by_role("link", name="Share this view")
    expect(share).to_have_attribute("href", re.compile(r"/map\?kind=training$"))
    assert page.evaluate(FOCUSED) == MAP_STOPS["kind"], "choosing a kind took focus away"
    assert external_requests == []


def test_signing_in_works_with_the_keyboard_alone(
    page: Page, accounts_app_url: str, external_requests: list[str]
) -> None:
    page.goto(f"{accounts_app_url}/account")
    settle(page, page.get_by_test_id("stForm"))
    keyboard = Keyboard(page)
    keyboard.tab_to("input:Name")
    page.keyboard.type(EDITOR)
    keyboard.tab_to("input:Password")
    page.keyboard.type(PASSWORD)
    keyboard.tab_to("button:Sign in")
    assert keyboard.focus_not_shown() == [], "focus is not visible"
    # Checking the look took focus away: back to the button, and press it.
    keyboard.tab_to("button:Sign in")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"Signed in as {EDITOR} (editor)."
    )
    assert external_requests == []


def test_the_activities_table_in_pages_passes_axe_and_turns_its_page_by_keyboard(
    page: Page,
    start_app: Callable[..., str],
    tmp_path: Path,
    axe_js: Path,
    external_requests: list[str],
) -> None:
    run_ctdash(
        tmp_path, "demo", "--db", store_url(tmp_path), "--activities", "2500", "--years", "1"
    )
    base_url = start_app(tmp_path)
    page.goto(f"{base_url}/activities")
    rows = page.get_by_text(re.compile(r"^Rows 1–1,000 of [\d,]+\.$"))
    audit = Audit(page, axe_js, [])
    audit.check("/activities in pages", rows)
    audit.verdict()
    pager = page.get_by_role("spinbutton", name=re.compile(r"^Page, of \d+$"))
    pager.focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"^Rows 1,001–2,000 of [\d,]+\.$"))).to_be_visible()
    expect(pager).to_have_value("2")
    assert external_requests == []
