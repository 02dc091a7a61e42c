"""Accounts and password sign-in against a real SQLite store, with an injected clock."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ctdash import auth
from ctdash.auth import SignIn
from ctdash.db import session_scope

PASSWORD = "correct horse battery"
WRONG = "Wrong name or password."
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
LOCKED = "Too many failed attempts: the account is locked until 10:15 UTC."


@pytest.fixture
def alice(store: Engine) -> Engine:
    """The store with one editor, alice, who signs in with PASSWORD."""
    with session_scope(store) as session:
        auth.add_user(session, name="alice", role="editor", password=PASSWORD)
    return store


def sign_in(engine: Engine, password: str, at: datetime, name: str = "alice") -> SignIn:
    """One attempt, in its own transaction, as the app makes it."""
    with session_scope(engine) as session:
        return auth.authenticate(session, name=name, password=password, now=at)


def counter(engine: Engine, name: str = "alice") -> tuple[int, datetime | None]:
    with Session(engine) as session:
        user = auth.find_user(session, name=name)
        assert user is not None
        return user.failed_attempts, user.locked_until


def fail(engine: Engine, times: int, start: datetime) -> list[SignIn]:
    return [sign_in(engine, "not the password", start + timedelta(seconds=i)) for i in range(times)]


def test_the_right_password_signs_in(alice: Engine) -> None:
    result = sign_in(alice, PASSWORD, T0)
    assert result.ok
    assert result.user is not None and result.user.role == "editor"
    assert result.message == "Signed in as alice."


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(alice: Engine) -> None:
    four = fail(alice, 4, T0 - timedelta(seconds=4))
    assert [r.message for r in four] == [WRONG] * 4
    assert counter(alice) == (4, None)

    fifth = sign_in(alice, "not the password", T0)
    assert not fifth.ok
    assert fifth.message == LOCKED
    assert fifth.locked_until == T0 + timedelta(minutes=15)

    sixth = sign_in(alice, PASSWORD, T0 + timedelta(seconds=1))
    assert (sixth.ok, sixth.message, sixth.user) == (False, LOCKED, None)

    still = sign_in(alice, PASSWORD, T0 + timedelta(minutes=14, seconds=59))
    assert (still.ok, still.message) == (False, LOCKED)
    assert counter(alice)[1] == T0 + timedelta(minutes=15), "attempts while locked extended it"

    after = sign_in(alice, PASSWORD, T0 + timedelta(minutes=15))
    assert after.ok, after.message
    assert counter(alice) == (0, None)


def test_attempts_while_locked_are_not_counted_and_do_not_extend_the_lock(alice: Engine) -> None:
    fail(alice, 5, T0 - timedelta(seconds=4))
    fail(alice, 3, T0 + timedelta(minutes=10))
    assert counter(alice) == (5, T0 + timedelta(minutes=15))


def test_a_wrong_password_after_the_lock_ends_starts_a_new_count(alice: Engine) -> None:
    fail(alice, 5, T0 - timedelta(seconds=4))
    later = T0 + timedelta(minutes=16)
    assert sign_in(alice, "not the password", later).message == WRONG
    assert counter(alice) == (1, None)
    fail(alice, 4, later + timedelta(seconds=1))
    assert counter(alice) == (5, later + timedelta(seconds=4, minutes=15))


def test_a_success_in_between_resets_the_count(alice: Engine) -> None:
    fail(alice, 4, T0)
    assert sign_in(alice, PASSWORD, T0 + timedelta(minutes=1)).ok
    assert counter(alice) == (0, None)
    results = fail(alice, 4, T0 + timedelta(minutes=2))
    assert [r.message for r in results] == [WRONG] * 4
    assert sign_in(alice, PASSWORD, T0 + timedelta(minutes=3)).ok


def test_unknown_name_and_wrong_password_read_the_same(alice: Engine) -> None:
    unknown = sign_in(alice, PASSWORD, T0, name="mallory")
    wrong = sign_in(alice, "not the password", T0)
    assert unknown == wrong == SignIn(user=None, ok=False, message=WRONG, locked_until=None)


def test_a_single_sign_on_user_cannot_sign_in_with_a_password(store: Engine) -> None:
    with session_scope(store) as session:
        auth.set_role(session, name_or_email="Bea@Example.org", role="admin")
    result = sign_in(store, "", T0, name="bea@example.org")
    assert result.message == WRONG


@pytest.mark.parametrize(
    ("locked_until", "shown"),
    [
        (datetime(2026, 11, 20, 10, 15, tzinfo=UTC), "10:15"),
        (datetime(2026, 11, 20, 10, 15, 0, 1, tzinfo=UTC), "10:16"),
        (datetime(2026, 11, 20, 23, 59, 30, tzinfo=UTC), "00:00"),
        (datetime(2026, 11, 20, 11, 15, tzinfo=UTC).astimezone(), "11:15"),
    ],
)
def test_the_lock_message_shows_the_first_minute_after_the_lock(
    locked_until: datetime, shown: str
) -> None:
    assert auth.lock_message(locked_until) == (
        f"Too many failed attempts: the account is locked until {shown} UTC."
    )


def test_the_stored_hash_is_argon2id_and_the_password_is_nowhere(
    alice: Engine, db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fail(alice, 5, T0)
    sign_in(alice, PASSWORD, T0 + timedelta(hours=1))
    with session_scope(alice) as session:
        auth.set_password(session, name="alice", password=PASSWORD + " 2")
        assert PASSWORD not in repr(auth.list_users(session))
    with sqlite3.connect(db_path) as connection:
        (stored,) = connection.execute("SELECT password_hash FROM appuser").fetchone()
    assert stored.startswith("$argon2id$")
    alice.dispose()
    files = list(db_path.parent.glob(f"{db_path.name}*"))
    assert files
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path.name
    assert PASSWORD not in caplog.text
    assert "alice" in caplog.text, "the lock is logged"


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(alice: Engine, db_path: Path) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE appuser SET password_hash = ?", (old,))
    assert sign_in(alice, PASSWORD, T0).ok
    with sqlite3.connect(db_path) as connection:
        (stored,) = connection.execute("SELECT password_hash FROM appuser").fetchone()
    assert stored != old
    assert not PasswordHasher().check_needs_rehash(stored)
    assert sign_in(alice, PASSWORD, T0).ok


def test_set_password_and_unlock_end_a_lock(alice: Engine) -> None:
    fail(alice, 5, T0)
    with session_scope(alice) as session:
        auth.unlock(session, name="alice")
    assert sign_in(alice, PASSWORD, T0 + timedelta(minutes=1)).ok
    fail(alice, 5, T0)
    with session_scope(alice) as session:
        auth.set_password(session, name="alice", password="a new passphrase")
    assert sign_in(alice, "a new passphrase", T0 + timedelta(minutes=1)).ok
    assert not sign_in(alice, PASSWORD, T0 + timedelta(minutes=1)).ok


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  ", "role": "viewer"}, "A user name cannot be empty."),
        ({"name": "x" * 101, "role": "viewer"}, "A user name has at most 100 characters."),
        ({"name": "a\nb", "role": "viewer"}, "A user name cannot contain control characters."),
        (
            {"name": "bob", "role": "owner"},
            "Unknown role 'owner': choose one of viewer, editor, admin.",
        ),
        ({"name": "bob", "role": "viewer", "password": "short"}, "at least 10 characters"),
        ({"name": "alice", "role": "viewer"}, "There is already a user named 'alice'."),
        ({"name": "bob", "role": "viewer", "email": "no-at-sign"}, "is not an e-mail address"),
        ({"name": "bob", "role": "viewer", "password": None}, "give an e-mail"),
    ],
)
def test_add_user_refuses_bad_input(alice: Engine, kwargs: dict[str, str], message: str) -> None:
    arguments = {"password": "long enough password", **kwargs}
    with session_scope(alice) as session, pytest.raises(auth.AuthError, match=message):
        auth.add_user(session, **arguments)


def test_an_e_mail_belongs_to_one_user(alice: Engine) -> None:
    with session_scope(alice) as session:
        auth.add_user(session, name="carl", role="viewer", password=None, email="carl@example.org")
    with session_scope(alice) as session, pytest.raises(auth.AuthError, match="already used"):
        auth.add_user(session, name="carl2", role="viewer", password=None, email="CARL@example.org")


def test_single_sign_on_roles_are_assigned_by_e_mail(alice: Engine) -> None:
    with session_scope(alice) as session:
        assert auth.role_for_email(session, email="dana@example.org") is None
        created = auth.set_role(session, name_or_email="Dana@Example.org", role="editor")
        assert (created.name, created.email, created.password_hash) == (
            "dana@example.org",
            "dana@example.org",
            None,
        )
    with session_scope(alice) as session:
        assert auth.role_for_email(session, email=" DANA@example.org ") == "editor"
        auth.set_role(session, name_or_email="dana@example.org", role="admin")
        auth.set_role(session, name_or_email="alice", role="viewer")
    with session_scope(alice) as session:
        assert auth.role_for_email(session, email="dana@example.org") == "admin"
        assert [(u.name, u.role) for u in auth.list_users(session)] == [
            ("alice", "viewer"),
            ("dana@example.org", "admin"),
        ]
        with pytest.raises(auth.AuthError, match=r"There is no user named 'zed'\."):
            auth.set_role(session, name_or_email="zed", role="admin")


def test_remove_user(alice: Engine) -> None:
    with session_scope(alice) as session:
        auth.remove_user(session, name="alice")
    with session_scope(alice) as session:
        assert auth.list_users(session) == []


@pytest.mark.parametrize(
    ("role", "require_login", "view", "edit", "admin"),
    [
        (None, False, True, False, False),
        (None, True, False, False, False),
        ("viewer", True, True, False, False),
        ("editor", True, True, True, False),
        ("admin", True, True, True, True),
        ("owner", False, False, False, False),
    ],
)
def test_what_each_role_may_do(
    role: str | None, require_login: bool, view: bool, edit: bool, admin: bool
) -> None:
    assert [
        auth.can(role, "view", require_login=require_login),
        auth.can(role, "edit", require_login=require_login),
        auth.can(role, "admin", require_login=require_login),
    ] == [view, edit, admin]


def test_a_naive_clock_is_a_programming_error(alice: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_in(alice, PASSWORD, datetime(2026, 11, 20, 10, 0))


def test_a_lock_set_while_the_password_is_checked_still_holds(
    alice: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    verify = auth._verify

    def verify_while_another_process_locks(password_hash: str, password: str) -> bool:
        # Another app process locks alice between this attempt's read and its write.
        with session_scope(alice) as other:
            user = auth.find_user(other, name="alice")
            assert user is not None
            user.failed_attempts, user.locked_until = 5, T0 + timedelta(minutes=15)
        return verify(password_hash, password)

    monkeypatch.setattr(auth, "_verify", verify_while_another_process_locks)
    result = sign_in(alice, PASSWORD, T0)
    assert (result.ok, result.message) == (False, LOCKED)
    monkeypatch.setattr(auth, "_verify", verify)
    assert counter(alice) == (5, T0 + timedelta(minutes=15))
