"""Sessions without Streamlit: idleness, the idle limit setting, and where cookie secrets live."""

from __future__ import annotations

import subprocess
import tomllib
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from ctdash import auth
from ctdash.config import Settings
from tests.conftest import PROJECT_ROOT

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STRONG = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("last_active", "minutes", "idle"),
    [
        (None, 30, False),
        (NOW, 30, False),
        (NOW - timedelta(minutes=29, seconds=59), 30, False),
        (NOW - timedelta(minutes=30), 30, False),
        (NOW - timedelta(minutes=30, seconds=1), 30, True),
        (NOW - timedelta(days=2), 30, True),
        (NOW - timedelta(minutes=2), 1, True),
        (NOW + timedelta(minutes=5), 1, False),
    ],
)
def test_idle_means_longer_than_the_limit(
    last_active: datetime | None, minutes: int, idle: bool
) -> None:
    assert auth.is_idle(last_active, now=NOW, minutes=minutes) is idle


@pytest.mark.parametrize(
    ("minutes", "notice"),
    [
        (30, "Signed out after 30 minutes without activity."),
        (1, "Signed out after 1 minute without activity."),
    ],
)
def test_the_idle_notice(minutes: int, notice: str) -> None:
    assert auth.idle_notice(minutes) == notice


@pytest.mark.parametrize(
    ("section", "from_environment", "problem"),
    [
        ({"cookie_secret": STRONG}, None, None),
        ({}, STRONG, None),
        ({"cookie_secret": STRONG}, "short", None),  # Streamlit signs with [auth]'s
        ({}, None, "has no secret to sign its cookies with"),
        ({}, "", "has no secret to sign its cookies with"),
        ({"cookie_secret": "x" * 31}, None, "(`cookie_secret` in `[auth]`) is too short: 31"),
        ({"cookie_secret": " " * 40}, STRONG, "is too short: 0 characters"),
        ({"cookie_secret": ""}, STRONG, "is too short: 0 characters"),
        ({}, "y" * 12, "(`STREAMLIT_SERVER_COOKIE_SECRET`) is too short: 12"),
    ],
)
def test_a_cookie_secret_problem_names_what_is_missing_and_where_to_set_it(
    section: dict[str, str], from_environment: str | None, problem: str | None
) -> None:
    found = auth.cookie_secret_problem(section, from_environment=from_environment)
    if problem is None:
        assert found is None
        return
    assert found is not None
    assert problem in found
    assert "`cookie_secret` in the `[auth]` section" in found
    assert "`STREAMLIT_SERVER_COOKIE_SECRET`" in found
    assert "at least 32 characters" in found
    for secret in (*section.values(), from_environment):
        if secret and secret.strip():
            assert secret not in found


def test_the_idle_limit_is_30_minutes_unless_ctdash_idle_minutes_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CTDASH_IDLE_MINUTES", raising=False)
    assert Settings().idle_minutes == 30
    monkeypatch.setenv("CTDASH_IDLE_MINUTES", "5")
    assert Settings().idle_minutes == 5


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_an_idle_limit_that_is_not_a_positive_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CTDASH_IDLE_MINUTES", value)
    with pytest.raises(ValidationError, match="idle_minutes"):
        Settings()


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    )
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_no_tracked_file_holds_a_cookie_secret() -> None:
    """Secrets files stay out of git; the config of the repository sets no cookie secret."""
    tracked = tracked_files()
    assert tracked, "git ls-files listed nothing"
    assert not [name for name in tracked if name.endswith("secrets.toml")]
    for name in tracked:
        if not name.endswith(".toml"):
            continue
        path = PROJECT_ROOT / name
        if not path.is_file():
            continue
        config = tomllib.loads(path.read_text(encoding="utf-8"))
        assert "cookie_secret" not in config.get("auth", {}), name
        assert "cookieSecret" not in config.get("server", {}), name


def test_the_local_secrets_file_is_ignored_by_git() -> None:
    checked = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", ".streamlit/secrets.toml"],
        cwd=PROJECT_ROOT,
        check=False,
    )
    assert checked.returncode == 0
