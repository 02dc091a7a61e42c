"""The `ctdash users` commands, run as an operator runs them, on a real SQLite file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ctdash import auth
from ctdash.cli_users import Role, users_app
from ctdash.db import make_engine, session_scope

PASSWORD = "correct horse battery"

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_password_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTDASH_PASSWORD", raising=False)


def users(
    db_path: Path, *args: str, password: str | None = None, input: str | None = None
) -> Result:
    """Run `ctdash users ARGS` against the test's store."""
    env = {"CTDASH_DATABASE_URL": f"sqlite:///{db_path}"}
    if password is not None:
        env["CTDASH_PASSWORD"] = password
    return runner.invoke(users_app, list(args), env=env, input=input)


def table(db_path: Path) -> list[tuple[str, str | None, str, bool]]:
    with sqlite3.connect(db_path) as connection:
        return connection.execute(
            "SELECT name, email, role, password_hash IS NOT NULL FROM appuser ORDER BY name"
        ).fetchall()


def test_add_reads_the_password_from_the_environment(db_path: Path) -> None:
    result = users(db_path, "add", "alice", "--role", "editor", password=PASSWORD)
    assert result.exit_code == 0, result.output
    assert result.stdout == "added alice as editor\n"
    assert table(db_path) == [("alice", None, "editor", 1)]
    with session_scope(make_engine(f"sqlite:///{db_path}")) as session:
        signed_in = auth.authenticate(session, name="alice", password=PASSWORD)
    assert signed_in.ok


def test_add_asks_for_the_password_twice_without_echo(db_path: Path) -> None:
    typed = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = users(db_path, "add", "bob", "--role", "viewer", input=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output
    assert table(db_path) == [("bob", None, "viewer", 1)]


def test_list_shows_roles_and_locks_but_never_the_hash(db_path: Path) -> None:
    users(
        db_path,
        "add",
        "alice",
        "--role",
        "admin",
        "--email",
        "alice@example.org",
        password=PASSWORD,
    )
    users(
        db_path, "add", "carl@example.org", "--role", "viewer", "--no-password", password=PASSWORD
    )
    engine = make_engine(f"sqlite:///{db_path}")
    now = datetime.now(UTC)
    for _ in range(auth.MAX_FAILED):
        with session_scope(engine) as session:
            auth.authenticate(session, name="alice", password="not the password", now=now)
    engine.dispose()

    result = users(db_path, "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "email", "role", "sign-in", "locked", "until"]
    locked_until = now + timedelta(minutes=auth.LOCK_MINUTES)
    assert lines[1].split() == [
        "alice",
        "alice@example.org",
        "admin",
        "password",
        f"{locked_until:%Y-%m-%d}",
        f"{locked_until:%H:%M:%S}",
        "UTC",
    ]
    assert lines[2].split() == [
        "carl@example.org",
        "carl@example.org",
        "viewer",
        "single",
        "sign-on",
        "-",
    ]
    assert "$argon2" not in result.output
    assert PASSWORD not in result.output

    unlocked = users(db_path, "unlock", "alice")
    assert unlocked.exit_code == 0, unlocked.output
    assert users(db_path, "list").stdout.splitlines()[1].split()[-1] == "-"


def test_set_role_by_e_mail_adds_or_updates_a_single_sign_on_user(db_path: Path) -> None:
    first = users(db_path, "set-role", "Dana@Example.org", "--role", "editor")
    assert first.exit_code == 0, first.output
    assert first.stdout == "dana@example.org is now editor\n"
    second = users(db_path, "set-role", "dana@example.org", "--role", "admin")
    assert second.exit_code == 0, second.output
    assert table(db_path) == [("dana@example.org", "dana@example.org", "admin", 0)]


def test_set_password(db_path: Path) -> None:
    users(db_path, "add", "alice", "--role", "editor", password=PASSWORD)
    result = users(db_path, "set-password", "alice", password="a new passphrase")
    assert result.exit_code == 0, result.output
    with session_scope(make_engine(f"sqlite:///{db_path}")) as session:
        assert auth.authenticate(session, name="alice", password="a new passphrase").ok


def test_set_password_of_an_unknown_user_fails_before_asking(db_path: Path) -> None:
    result = users(db_path, "set-password", "nobody")
    assert result.exit_code == 1
    assert result.stderr == "There is no user named 'nobody'.\n"
    assert "Password" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ("add", "alice", "--role", "owner"),
        ("add", "alice"),
        ("set-role", "alice@example.org", "--role", "root"),
        ("add", "--role", "viewer"),
    ],
)
def test_usage_errors_exit_2(db_path: Path, args: tuple[str, ...]) -> None:
    result = users(db_path, *args, password=PASSWORD)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr


def test_a_duplicate_name_exits_1_with_the_reason(db_path: Path) -> None:
    assert users(db_path, "add", "alice", "--role", "editor", password=PASSWORD).exit_code == 0
    again = users(db_path, "add", "alice", "--role", "admin", password=PASSWORD)
    assert again.exit_code == 1
    assert again.stderr == "There is already a user named 'alice'.\n"
    assert table(db_path) == [("alice", None, "editor", 1)]


def test_a_short_password_exits_1(db_path: Path) -> None:
    result = users(db_path, "add", "alice", "--role", "editor", password="short")
    assert result.exit_code == 1
    assert result.stderr == "A password needs at least 10 characters.\n"


def test_remove_asks_unless_told_yes(db_path: Path) -> None:
    users(db_path, "add", "alice", "--role", "editor", password=PASSWORD)
    refused = users(db_path, "remove", "alice", input="n\n")
    assert refused.exit_code == 1
    assert len(table(db_path)) == 1
    assert users(db_path, "remove", "alice", "--yes").exit_code == 0
    assert table(db_path) == []


def test_the_role_choices_are_the_roles() -> None:
    assert tuple(Role) == auth.ROLES
