"""Sessions through AppTest: signing out from any page, idle sign-out, the cookie secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth
from ctdash.config import get_settings
from ctdash.db import make_engine
from ctdash.seed import seed
from ctdash.web import signin
from tests.helpers.apptest import APP, page_file

PASSWORD = "correct horse battery"
PAGES = (
    "pages/overview.py",
    "pages/trends.py",
    "pages/map.py",
    "pages/activities.py",
    "pages/desk.py",
    "pages/admin.py",
    "pages/account.py",
)
SSO_EMAIL = "alice@example.test"
SSO_USER = {"is_logged_in": True, "email": SSO_EMAIL, "sub": "alice", "iat": 1_790_000_000}


def sso_auth(**changes: str | None) -> dict[str, str]:
    """An [auth] section as a deployer writes it; a change to None leaves that key out."""
    section: dict[str, str | None] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "0123456789abcdef" * 4,
        "client_id": "ctdash",
        "client_secret": "not-a-real-client-secret",
        "server_metadata_url": "http://localhost:9400/.well-known/openid-configuration",
        **changes,
    }
    return {key: value for key, value in section.items() if value is not None}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(signin, "clock", fake)
    return fake


@pytest.fixture
def app_db(app_database: Path) -> Path:
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name="ana", role="editor", password=PASSWORD)
        auth.add_user(session, name="root", role="admin", password=PASSWORD)
        auth.set_role(session, name_or_email=SSO_EMAIL, role="editor")
        session.commit()
    engine.dispose()
    return app_database


def signed_in(name: str, page: str = "pages/overview.py") -> AppTest:
    """A local account signed in through the Account page's form, then on `page`."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page_file("pages/account.py")).run()
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.form_submit_button[0].click().run()
    assert any(f"Signed in as {name}" in s.value for s in at.success)
    return at.switch_page(page_file(page)).run()


def sso(page: str = "pages/overview.py", **auth_changes: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets = {"auth": sso_auth(**auth_changes)}
    at.user = dict(SSO_USER)
    at.run()
    return at.switch_page(page_file(page)).run()


def expect_signed_out(at: AppTest) -> None:
    """The sidebar no longer offers to sign out and the desk refuses (the browser journey
    checks that the navigation hides it: AppTest runs a switched-to page without app.py)."""
    assert not [b for b in at.button if b.key == "sidebar:sign-out"]
    at.switch_page(page_file("pages/desk.py")).run()
    assert not at.exception
    assert "You are not signed in" in at.error[0].value
    assert not at.file_uploader


# --- signing out from any page --------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_a_signed_in_admin_can_sign_out_from_the_sidebar_of_every_page(
    app_db: Path, page: str
) -> None:
    at = signed_in("root", page)
    assert not at.exception
    assert "Signed in: root (admin)" in [c.value for c in at.sidebar.caption]
    at.button(key="sidebar:sign-out").click().run()
    assert not at.exception
    assert [i.value for i in at.info][:1] == ["Signed out."]
    assert signin.USER_KEY not in at.session_state
    expect_signed_out(at)


def test_the_account_page_signs_out_too(app_db: Path) -> None:
    at = signed_in("ana", "pages/account.py")
    at.button(key="account:sign-out").click().run()
    assert [i.value for i in at.info][:1] == ["Signed out."]
    assert at.form_submit_button[0].label == "Sign in"
    expect_signed_out(at)


def test_nobody_signed_in_sees_no_sign_out_button(app_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not [b for b in at.button if b.key == "sidebar:sign-out"]
    assert not at.sidebar.caption


def test_single_sign_on_signs_out_with_st_logout(app_db: Path, clock: Clock) -> None:
    at = sso("pages/desk.py")
    assert at.get("title")[0].value == "Data desk"
    at.button(key="sidebar:sign-out").click().run()
    assert not at.exception
    assert at.user["is_logged_in"] is False
    expect_signed_out(at)


# --- idle sign-out ---------------------------------------------------------------------------


def test_an_editor_idle_longer_than_the_limit_is_signed_out_with_a_notice(
    app_db: Path, clock: Clock
) -> None:
    at = signed_in("ana", "pages/desk.py")
    clock.advance(29)
    at.run()
    assert at.file_uploader, "29 minutes is within the 30-minute default"
    clock.advance(29)
    at.run()
    assert at.file_uploader, "each run is activity: the clock restarted at the last one"
    clock.advance(30.5)
    at.run()
    assert not at.exception
    assert [i.value for i in at.info][:1] == ["Signed out after 30 minutes without activity."]
    assert "You are not signed in" in at.error[0].value
    assert not at.file_uploader
    expect_signed_out(at)


def test_the_limit_is_the_setting_ctdash_idle_minutes(
    app_db: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTDASH_IDLE_MINUTES", "5")
    get_settings.cache_clear()
    at = signed_in("ana", "pages/desk.py")
    clock.advance(5)
    at.run()
    assert at.file_uploader, "exactly the limit is not longer than it"
    clock.advance(5.1)
    at.run()
    assert [i.value for i in at.info][:1] == ["Signed out after 5 minutes without activity."]
    assert not at.file_uploader


def test_the_idle_notice_is_shown_once(app_db: Path, clock: Clock) -> None:
    at = signed_in("ana")
    clock.advance(31)
    at.run()
    assert any("without activity" in i.value for i in at.info)
    at.run()
    assert not any("without activity" in i.value for i in at.info)


def test_an_idle_single_sign_on_editor_is_signed_out_until_acknowledged(
    app_db: Path, clock: Clock
) -> None:
    at = sso("pages/desk.py")
    assert at.file_uploader
    clock.advance(31)
    at.run()
    assert not at.exception
    assert at.warning[0].value == "Signed out after 30 minutes without activity."
    assert "You are not signed in" in at.error[0].value
    assert not at.file_uploader
    # A reload is a new session with the same identity cookie: still signed out.
    again = sso("pages/desk.py")
    assert again.warning[0].value == "Signed out after 30 minutes without activity."
    assert not again.file_uploader
    # OK ends it for good with st.logout, which deletes the cookie.
    at.button(key="idle-notice:ok").click().run()
    assert at.user["is_logged_in"] is False
    assert not at.warning
    expect_signed_out(at)


def test_a_new_single_sign_on_sign_in_starts_a_new_clock(app_db: Path, clock: Clock) -> None:
    sso()
    clock.advance(31)
    assert sso("pages/desk.py").warning
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets = {"auth": sso_auth()}
    at.user = {**SSO_USER, "iat": SSO_USER["iat"] + 3600}
    at.run()
    at.switch_page(page_file("pages/desk.py")).run()
    assert not at.warning
    assert at.file_uploader


# --- the cookie secret -----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_single_sign_on_without_a_cookie_secret_shows_only_the_error_on_every_page(
    app_db: Path, page: str
) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets = {"auth": sso_auth(cookie_secret=None)}
    at.run()
    at.switch_page(page_file(page)).run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("Single sign-on is configured but has no secret to sign")
    assert "`cookie_secret` in the `[auth]` section" in error.value
    assert "`STREAMLIT_SERVER_COOKIE_SECRET`" in error.value
    assert list(at.main.children.values()) == [error]
    assert not at.sidebar.children


def test_a_short_cookie_secret_is_refused_by_name(app_db: Path) -> None:
    at = sso(cookie_secret="too-short-secret")
    (error,) = at.error
    assert "its cookie secret (`cookie_secret` in `[auth]`) is too short" in error.value
    assert "16 characters, at least 32 needed" in error.value
    assert "too-short-secret" not in error.value
    assert not at.title


def test_a_cookie_secret_from_the_environment_is_handed_to_st_login(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_environment = "f" * 64
    monkeypatch.setattr(signin, "_deployer_cookie_secret", lambda: from_environment)
    at = sso(cookie_secret=None)
    assert not at.error
    assert at.get("title")
    assert at.secrets["auth"]["cookie_secret"] == from_environment
    assert at.secrets["auth"]["client_id"] == "ctdash"


def test_a_short_cookie_secret_from_the_environment_is_refused(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signin, "_deployer_cookie_secret", lambda: "short")
    at = sso(cookie_secret=None)
    (error,) = at.error
    assert "(`STREAMLIT_SERVER_COOKIE_SECRET`) is too short: 5 characters" in error.value


def test_local_accounts_need_no_cookie_secret(app_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.error
    assert at.get("title")
