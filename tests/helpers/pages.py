"""What each page shows once drawn, for browser tests that open them signed out."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page


def heading(page: Page, text: str) -> Locator:
    """The page's title."""
    return page.get_by_role("heading", level=1, name=text)


# Each page signed out, with what shows it has drawn (charts and map included).
SIGNED_OUT: dict[str, Callable[[Page], tuple[Locator, ...]]] = {
    "/": lambda p: (
        heading(p, "Counter-Terrorism Compact in Numbers"),
        p.get_by_role("img", name=re.compile(r"^Compact entities, \d+ snapshots from ")),
    ),
    "/trends": lambda p: (heading(p, "Trends"), p.locator(".js-plotly-plot").first),
    "/map": lambda p: (heading(p, "Where the Compact worked"), p.locator("#deckgl-overlay")),
    "/activities": lambda p: (heading(p, "Activities"), p.get_by_test_id("stDataFrame").first),
    "/account": lambda p: (heading(p, "Account"), p.get_by_test_id("stForm")),
    "/desk": lambda p: (p.get_by_text("This page is for an editor."),),
    "/admin": lambda p: (p.get_by_text("This page is for an administrator."),),
}
