"""Sessions in a real browser: signing out from the sidebar, and the single sign-on cookie secret.

A local editor signs out from the Overview's sidebar and the desk disappears. Single sign-on
works with its cookie secret given only in the environment (STREAMLIT_SERVER_COOKIE_SECRET),
and signs out through st.logout; without any cookie secret every page shows only the error.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import navigation_link, sign_in

SSO_SUBJECT = "alice"
SSO_EMAIL = "alice@example.test"


@pytest.fixture
def oidc_users() -> list[dict[str, str]]:
    return [{"sub": SSO_SUBJECT, "email": SSO_EMAIL}]


def sidebar_sign_out(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")


def write_secrets(folder: Path, auth: dict[str, str]) -> Path:
    """A secrets file with this [auth] section, outside the repository."""
    path = folder / "secrets.toml"
    # JSON strings of plain ASCII are valid TOML basic strings.
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in auth.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


def sso_auth(port: int, oidc_provider: str) -> dict[str, str]:
    """An [auth] section for the local provider, without a cookie secret."""
    return {
        "redirect_uri": f"http://localhost:{port}/oauth2callback",
        "client_id": "ctdash-e2e",
        "client_secret": secrets.token_hex(16),
        "server_metadata_url": f"{oidc_provider}/.well-known/openid-configuration",
    }


def test_a_local_editor_signs_out_from_the_sidebar_and_the_desk_disappears(
    page: Page, editor_app_url: str, external_requests: list[str]
) -> None:
    sign_in(page, editor_app_url, "ana")
    expect(navigation_link(page, "Data desk")).to_be_visible()
    # A local sign-in lives in the browser session: move by the app's own links.
    navigation_link(page, "Overview").click()
    expect(page).to_have_url(f"{editor_app_url}/")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("Signed in: ana (editor)", exact=True)).to_be_visible()
    sidebar_sign_out(page).click()

    expect(page.get_by_text("Signed out.", exact=True)).to_be_visible()
    expect(navigation_link(page, "Data desk")).to_have_count(0)
    expect(sidebar_sign_out(page)).to_have_count(0)
    expect(navigation_link(page, "Sign in")).to_be_visible()
    # Still the same browser session: the Account page now offers to sign in.
    navigation_link(page, "Sign in").click()
    expect(page.get_by_test_id("stForm").get_by_role("button", name="Sign in")).to_be_visible()
    assert external_requests == []


def test_single_sign_on_with_the_cookie_secret_in_the_environment_signs_in_and_out(
    page: Page,
    tmp_path: Path,
    oidc_provider: str,
    free_port: Callable[[], int],
    ctdash_cli: Callable[..., str],
    start_app: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    secrets_file = write_secrets(tmp_path, sso_auth(port, oidc_provider))
    assert "cookie_secret" not in secrets_file.read_text()
    ctdash_cli(tmp_path, "users", "set-role", SSO_EMAIL, "--role", "editor")
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32))
    app_url = start_app(tmp_path, "--secrets.files", str(secrets_file), port=port)

    page.goto(f"{app_url}/account")
    page.get_by_role("button", name="Sign in with single sign-on").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_provider)}/oauth2/authorize\?"))
    page.get_by_placeholder("sub").fill(SSO_SUBJECT)
    page.get_by_role("button", name="Authorize", exact=True).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(app_url)}/"))
    expect(navigation_link(page, "Data desk")).to_be_visible()
    expect(
        page.get_by_test_id("stSidebar").get_by_text(f"Signed in: {SSO_EMAIL} (editor)", exact=True)
    ).to_be_visible()

    # Signing out goes through st.logout: the identity cookie is deleted and the provider
    # is asked to end its session too, after which it sends the browser back.
    sidebar_sign_out(page).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(oidc_provider)}/oauth2/end_session\?"))
    page.get_by_role("button", name="End session").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(app_url)}/"))
    expect(navigation_link(page, "Sign in")).to_be_visible()
    expect(navigation_link(page, "Data desk")).to_have_count(0)
    page.goto(f"{app_url}/desk")
    expect(page.get_by_text("This page is for an editor. You are not signed in.")).to_be_visible()
    assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]


@pytest.mark.parametrize("path", ["/", "/desk", "/account"])
def test_single_sign_on_without_a_cookie_secret_shows_only_the_error(
    page: Page,
    tmp_path: Path,
    oidc_provider: str,
    free_port: Callable[[], int],
    start_app: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    external_requests: list[str],
    path: str,
) -> None:
    monkeypatch.delenv("STREAMLIT_SERVER_COOKIE_SECRET", raising=False)
    port = free_port()
    secrets_file = write_secrets(tmp_path, sso_auth(port, oidc_provider))
    app_url = start_app(tmp_path, "--secrets.files", str(secrets_file), port=port)

    page.goto(f"{app_url}{path}")
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("Single sign-on is configured but has no secret to sign")
    expect(error).to_contain_text("cookie_secret")
    expect(error).to_contain_text("STREAMLIT_SERVER_COOKIE_SECRET")
    expect(page.get_by_test_id("stAlert")).to_have_count(1)
    expect(page.get_by_role("heading")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Sign in"))).to_have_count(0)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    assert external_requests == []
