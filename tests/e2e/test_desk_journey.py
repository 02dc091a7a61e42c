"""The data desk in a real browser: who may open it, an upload journey, single sign-on.

A local editor signs in, uploads figures, commits them, and the overview shows the new
figure. An editor whose role is given by e-mail signs in through a local OpenID Connect
provider (oidc-provider-mock) and reaches the desk. Nothing is fetched from the internet.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import navigation_link, sign_in

FIGURES = b"date,indicator,value\n2023-09-30,Member States,140\n"
COMMITTED = re.compile(r"^Committed write \d+: 1 figures? and 0 activit(y|ies) from q3\.csv")
SSO_SUBJECT = "alice"
SSO_EMAIL = "alice@example.test"
# The mock provider's authorization page links this stylesheet; the guard aborts it.
MOCK_STYLESHEET_HOST = "cdn.jsdelivr.net"


@pytest.fixture
def oidc_users() -> list[dict[str, str]]:
    """The provider's user: its subject is not its e-mail, so the app must use the e-mail."""
    return [{"sub": SSO_SUBJECT, "email": SSO_EMAIL}]


def figures_uploader(page: Page) -> Locator:
    return page.get_by_test_id("stFileUploader").filter(
        has_text="Spreadsheet of figures (CSV or XLSX)"
    )


def expect_signed_in(page: Page, who: str, role: str) -> None:
    """The account page's confirmation; names are Markdown-escaped, so shown as typed."""
    expect(
        page.get_by_test_id("stAlertContentSuccess").filter(
            has_text=f"Signed in as {who} ({role})."
        )
    ).to_be_visible()


# --- refused when signed out ------------------------------------------------------------------


def test_the_desk_typed_in_while_signed_out_is_refused(
    page: Page, app_url: str, external_requests: list[str]
) -> None:
    page.goto(f"{app_url}/desk")
    expect(page.get_by_text("This page is for an editor. You are not signed in.")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    expect(page.get_by_test_id("stFileUploader")).to_have_count(0)
    expect(page.get_by_role("heading", name="Data desk")).to_have_count(0)
    # Hidden from the navigation too.
    expect(navigation_link(page, "Overview")).to_be_visible()
    expect(navigation_link(page, "Data desk")).to_have_count(0)
    assert external_requests == []


# --- a local editor uploads figures -----------------------------------------------------------


def test_an_editor_signs_in_uploads_figures_and_the_overview_shows_them(
    page: Page, editor_app_url: str, external_requests: list[str]
) -> None:
    sign_in(page, editor_app_url, "ana")
    expect_signed_in(page, "ana", "editor")

    navigation_link(page, "Data desk").click()
    expect(page).to_have_url(f"{editor_app_url}/desk")
    expect(page.get_by_role("heading", name="Data desk")).to_be_visible()
    figures_uploader(page).locator("input[type=file]").set_input_files(
        files=[{"name": "q3.csv", "mimeType": "text/csv", "buffer": FIGURES}]
    )
    # The preview table is a canvas grid; the line above it says what it holds.
    expect(page.get_by_text("Preview: 1 new, 0 changed, 0 unchanged.")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()

    page.get_by_role("button", name="Commit").click()
    expect(page.get_by_text(COMMITTED)).to_be_visible()
    expect(page.get_by_text("Preview:")).to_have_count(0)

    page.goto(f"{editor_app_url}/")
    tile = page.locator(".st-key-tile-member_states")
    expect(tile.get_by_test_id("stMetricLabel")).to_have_text("Member States")
    expect(tile.get_by_test_id("stMetricValue")).to_have_text("140")
    expect(tile.get_by_test_id("stMetricDelta")).to_have_text(re.compile(r"\+4\b"))
    assert external_requests == []


# --- single sign-on ----------------------------------------------------------------------------


@pytest.fixture
def sso_app_url(
    tmp_path: Path,
    oidc_provider: str,
    free_port: Callable[[], int],
    ctdash_cli: Callable[..., str],
    start_app: Callable[..., str],
) -> str:
    """A server of its own that signs in through the local provider; SSO_EMAIL is an editor."""
    port = free_port()
    auth = {
        "redirect_uri": f"http://localhost:{port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": "ctdash-e2e",
        "client_secret": secrets.token_hex(16),
        "server_metadata_url": f"{oidc_provider}/.well-known/openid-configuration",
    }
    secrets_file = tmp_path / "secrets.toml"
    # JSON strings of plain ASCII are valid TOML basic strings.
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in auth.items())]
    secrets_file.write_text("\n".join(lines) + "\n")
    given = ctdash_cli(tmp_path, "users", "set-role", SSO_EMAIL, "--role", "editor")
    assert f"{SSO_EMAIL} is now editor" in given
    return start_app(tmp_path, "--secrets.files", str(secrets_file), port=port)


def test_an_editor_signs_in_with_single_sign_on_and_reaches_the_desk(
    page: Page, sso_app_url: str, oidc_provider: str, external_requests: list[str]
) -> None:
    page.goto(f"{sso_app_url}/account")
    expect(page.get_by_text("Sign in with your organisation's account.")).to_be_visible()
    expect(page.get_by_test_id("stForm")).to_have_count(0)
    page.get_by_role("button", name="Sign in with single sign-on").click()

    # The provider's own page: it asks for the subject to sign in as.
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_provider)}/oauth2/authorize\?"))
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill(SSO_SUBJECT)
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(sso_app_url)}/"))
    expect(navigation_link(page, "Data desk")).to_be_visible()
    page.goto(f"{sso_app_url}/account")
    expect_signed_in(page, SSO_EMAIL, "editor")
    expect(navigation_link(page, "Data desk")).to_be_visible()

    page.goto(f"{sso_app_url}/desk")
    expect(page.get_by_role("heading", name="Data desk")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {SSO_EMAIL} (editor).")).to_be_visible()
    expect(figures_uploader(page)).to_be_visible()

    # Only the provider page's stylesheet tried to leave (and was aborted); the app asked nothing.
    assert {urlsplit(url).hostname for url in external_requests} <= {MOCK_STYLESHEET_HOST}, (
        external_requests
    )
