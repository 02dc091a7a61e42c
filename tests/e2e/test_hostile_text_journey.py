"""Hostile text in a real browser: payloads imported by `ctdash import` never run or render.

A dedicated server's store gets activities whose title, city, entities and working group
are payloads (`<script>`, `<img onerror>`, `javascript:` and Markdown image links, an HTML
entity, a right-to-left override, control characters, a 5,000-character string), from a
file whose name is a payload, recorded as a user whose name is one; the administrator who
signs in has a payload for a name too. Every page is opened: no dialog fires, no element
from a payload exists, the payloads show as text, and nothing is fetched from another host
(the Markdown image's http://example.com/x.png above all).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import PASSWORD, navigation_link, sign_in

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_LINK = "[click](javascript:alert(1))"
MD_IMAGE = "![x](http://example.com/x.png)"
PAYLOADS = {
    "script": SCRIPT,
    "img": IMG,
    "link": JS_LINK,
    "image": MD_IMAGE,
    "entity": "&lt;b&gt;",
    "rtl": "abc\u202edcba.exe",
    "control": "tab\tff\fdel\x7fcsi\x9b31mnel\x85zw\u200bend",
}
LONG = "L" * 5000
IMPORT_USER = f"{SCRIPT} {JS_LINK}"
ADMIN_NAME = f"{IMG} {MD_IMAGE}"
FILE_NAME = f"{IMG}{JS_LINK}.csv"


def activities_csv() -> bytes:
    """One activity per payload, which fills its title, city, entities and working group."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["title", "kind", "start", "end", "country", "city", "entities", "working group"]
    writer.writerow([*header, "url"])
    for day, (name, value) in enumerate(PAYLOADS.items(), start=1):
        kind = "assessment" if day % 2 else "workshop"
        start = f"2023-05-{day:02d}"
        writer.writerow([f"{value} {name}", kind, start, "", "Kenya", value, value, value, ""])
    # Titles stop at 500 characters; the other fields take the 5,000-character string.
    long_title = "long " + "A" * 400
    writer.writerow([long_title, "workshop", "2023-06-01", "", "Kenya", LONG, LONG, LONG, ""])
    return buffer.getvalue().encode()


@pytest.fixture
def hostile_app_url(
    tmp_path: Path, ctdash_cli: Callable[..., str], start_app: Callable[..., str]
) -> str:
    """A server whose store holds the payload activities and an admin with a payload name."""
    ctdash_cli(tmp_path, "init")
    ctdash_cli(tmp_path, "users", "add", ADMIN_NAME, "--role", "admin", password=PASSWORD)
    upload = tmp_path / "upload"
    upload.mkdir()
    path = upload / FILE_NAME
    path.write_bytes(activities_csv())
    done = ctdash_cli(tmp_path, "import", str(path), "--accept-warnings", "--user", IMPORT_USER)
    assert "wrote 0 figures and 8 activities" in done, done
    return start_app(tmp_path)


def nothing_from_a_payload(page: Page) -> None:
    """No element a payload could have made exists in the page."""
    expect(page.locator('img[src="x"]')).to_have_count(0)
    expect(page.locator("[onerror]")).to_have_count(0)
    expect(page.locator("script", has_text="alert(1)")).to_have_count(0)
    expect(page.locator('a[href^="javascript" i]')).to_have_count(0)
    expect(page.locator('img[src*="example.com"]')).to_have_count(0)
    expect(page.locator("b", has_text="entity")).to_have_count(0)


def recorded_dialogs(page: Page) -> list[str]:
    """Every alert, confirm or prompt the page opens from now on (a payload that ran)."""
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return dialogs


def test_payloads_never_run_and_show_as_text_on_the_public_pages(
    page: Page, hostile_app_url: str, external_requests: list[str]
) -> None:
    dialogs = recorded_dialogs(page)
    page.goto(f"{hostile_app_url}/map")
    expect(page.get_by_role("heading", name="Where the Compact worked")).to_be_visible()
    expect(page.get_by_test_id("stDeckGlJsonChart")).to_be_visible()
    nothing_from_a_payload(page)

    # Searching for the payloads' "alert(1)" keeps the three activities that hold one.
    page.goto(f"{hostile_app_url}/activities?q=alert%281%29")
    expect(page.get_by_role("heading", name="Activities")).to_be_visible()
    expect(page.get_by_text("3 activities match.")).to_be_visible()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible()
    # The glide grid keeps an accessible table of its cells beside the canvas: as typed.
    for title in (f"{IMG} img", f"{SCRIPT} script", f"{JS_LINK} link"):
        cell = grid.locator("td", has_text=re.compile(rf"^{re.escape(title)}$"))
        expect(cell).to_have_count(1)
    nothing_from_a_payload(page)

    page.goto(f"{hostile_app_url}/")
    expect(page.get_by_role("heading", name="Counter-Terrorism Compact in Numbers")).to_be_visible()
    nothing_from_a_payload(page)
    assert dialogs == []
    assert external_requests == []


def test_payloads_never_run_and_show_as_text_on_the_desk_and_administration(
    page: Page, hostile_app_url: str, external_requests: list[str]
) -> None:
    dialogs = recorded_dialogs(page)
    # Signed in as the administrator whose name is a payload: the desk and the admin page.
    sign_in(page, hostile_app_url, ADMIN_NAME)
    # The name is shown as typed, as text.
    expect(page.get_by_text(f"Signed in as {ADMIN_NAME} (admin).")).to_be_visible()
    nothing_from_a_payload(page)

    navigation_link(page, "Data desk").click()
    expect(page.get_by_role("heading", name="Data desk")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {ADMIN_NAME} (admin).", exact=False)).to_be_visible()
    nothing_from_a_payload(page)
    page.get_by_role("tab", name="History and undo").click()
    expect(page.get_by_text("Undo a write")).to_be_visible()
    # The write to undo is named by its file and its user, both payloads, shown as text.
    chosen = page.get_by_test_id("stSelectbox").filter(has_text="Write").locator("input")
    expect(chosen).to_have_value(re.compile(re.escape(f": {FILE_NAME} by {IMPORT_USER}, ")))
    nothing_from_a_payload(page)

    navigation_link(page, "Administration").click()
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    nothing_from_a_payload(page)

    assert dialogs == []
    assert external_requests == []
