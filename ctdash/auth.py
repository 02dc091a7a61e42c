"""Accounts, roles, password sign-in with lockout, idle sign-out; single sign-on roles by e-mail."""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, ColumnElement, or_, update
from sqlmodel import Field, Session, SQLModel, col, select

from ctdash.models import utcnow

logger = logging.getLogger(__name__)

ROLES = ("viewer", "editor", "admin")
MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
MAX_NAME = 100
MAX_EMAIL = 254

Action = Literal["view", "edit", "admin"]

WRONG_CREDENTIALS = "Wrong name or password."

# What each role may do; "view" without a role is decided by `can(..., require_login=...)`.
_ALLOWED: dict[str, frozenset[str]] = {
    "viewer": frozenset({"view"}),
    "editor": frozenset({"view", "edit"}),
    "admin": frozenset({"view", "edit", "admin"}),
}

# argon2id with the library's current recommended parameters.
_hasher = PasswordHasher()


class AuthError(Exception):
    """A request about accounts that cannot be done; the message is for the user."""


class User(SQLModel, table=True):
    """An account: local (with a password hash) or single sign-on (no password)."""

    __tablename__ = "appuser"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="appuser_role_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, max_length=MAX_NAME)
    email: str | None = Field(default=None, unique=True, index=True, max_length=MAX_EMAIL)
    role: str = "viewer"
    # Kept out of repr and model_dump so a logged or displayed user never shows it.
    password_hash: str | None = Field(default=None, repr=False, exclude=True)
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password sign-in; `user` is set only when it succeeded."""

    user: User | None
    ok: bool
    message: str
    locked_until: datetime | None = None


def can(role: str | None, action: Action, *, require_login: bool = False) -> bool:
    """Whether someone with this role (None: not signed in) may do the action."""
    if role is None:
        return action == "view" and not require_login
    return action in _ALLOWED.get(role, frozenset())


def lock_message(locked_until: datetime) -> str:
    """What a locked-out user reads; the minute shown is the first one the lock has ended."""
    shown = _ceil_minute(locked_until.astimezone(UTC))
    return f"Too many failed attempts: the account is locked until {shown:%H:%M} UTC."


def is_locked(user: User, *, now: datetime | None = None) -> bool:
    """Whether the account is locked at this moment."""
    return user.locked_until is not None and user.locked_until > _now(now)


def add_user(
    session: Session, *, name: str, role: str, password: str | None, email: str | None = None
) -> User:
    """A new account; without a password it signs in only by single sign-on, by e-mail."""
    name = _checked_name(name)
    _check_role(role)
    if email is None and password is None and "@" in name:
        email = name
    email = _checked_email(email) if email is not None else None
    if password is None and email is None:
        raise AuthError("An account without a password signs in by single sign-on: give an e-mail.")
    if _by_name(session, name) is not None:
        raise AuthError(f"There is already a user named {name!r}.")
    if email is not None and _by_email(session, email) is not None:
        raise AuthError(f"The e-mail {email} is already used by another user.")
    user = User(
        name=name,
        email=email,
        role=role,
        password_hash=_hash(password) if password is not None else None,
    )
    session.add(user)
    session.flush()
    return user


def set_role(session: Session, *, name_or_email: str, role: str) -> User:
    """Give a user a role; an e-mail not known yet becomes a single sign-on user."""
    _check_role(role)
    key = name_or_email.strip()
    user = _by_email(session, key.lower()) if "@" in key else None
    user = user or _by_name(session, key)
    if user is None:
        if "@" not in key:
            raise AuthError(f"There is no user named {key!r}.")
        return add_user(session, name=key.lower(), role=role, password=None, email=key)
    user.role = role
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, *, name: str, password: str) -> User:
    """Replace a user's password; this also ends a lock and clears failed attempts."""
    user = _existing(session, name)
    user.password_hash = _hash(password)
    user.failed_attempts = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return user


def unlock(session: Session, *, name: str) -> User:
    """End a user's lock and clear the failed attempts."""
    user = _existing(session, name)
    user.failed_attempts = 0
    user.locked_until = None
    session.add(user)
    session.flush()
    return user


def remove_user(session: Session, *, name: str) -> None:
    """Delete an account."""
    session.delete(_existing(session, name))
    session.flush()


def find_user(session: Session, *, name: str) -> User | None:
    """The account with this name, or None."""
    return _by_name(session, name.strip())


def list_users(session: Session) -> list[User]:
    """Every account, by name."""
    return list(session.exec(select(User).order_by(col(User.name))).all())


def role_for_email(session: Session, *, email: str) -> str | None:
    """The role assigned to a single sign-on e-mail, or None when none is."""
    user = _by_email(session, email.strip().lower())
    return user.role if user is not None else None


def authenticate(
    session: Session, *, name: str, password: str, now: datetime | None = None
) -> SignIn:
    """Check a name and password, counting failures and locking after MAX_FAILED in a row.

    On success `user` is detached from the session: readable after it ends, not tracked.
    """
    now = _now(now)
    user = _by_name(session, name.strip())
    if user is None or user.password_hash is None or user.id is None:
        # Same work and same answer as a wrong password, so names cannot be probed.
        _verify(_dummy_hash(), password)
        return SignIn(user=None, ok=False, message=WRONG_CREDENTIALS)
    if is_locked(user, now=now):
        # Not counted and not verified: nothing can change the answer until the lock ends.
        return _locked(user)
    if not _verify(user.password_hash, password):
        return _record_failure(session, user, now)
    # Conditional, so a lock set by a concurrent failure since the read above still holds.
    cleared = session.execute(
        update(User)
        .where(col(User.id) == user.id, _not_locked(now))
        .values(failed_attempts=0, locked_until=None)
        .returning(col(User.id))
        .execution_options(synchronize_session=False)
    ).first()
    session.refresh(user)
    if cleared is None:
        return _locked(user)
    if _hasher.check_needs_rehash(user.password_hash):
        # Not _hash(): a password set under older rules must not fail its own sign-in.
        user.password_hash = _hasher.hash(password)
        session.add(user)
        session.flush()
    # Detached, so the caller can read it after its session has committed and closed.
    session.expunge(user)
    return SignIn(user=user, ok=True, message=f"Signed in as {user.name}.")


def _record_failure(session: Session, user: User, now: datetime) -> SignIn:
    # Single UPDATE statements so that concurrent attempts cannot lose a count.
    by_id = col(User.id) == user.id
    locked_until = col(User.locked_until)
    session.execute(  # a lock that has ended starts a fresh series
        update(User)
        .where(by_id, locked_until <= now)
        .values(failed_attempts=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(User)
        .where(by_id)
        .values(failed_attempts=col(User.failed_attempts) + 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(  # attempts while locked never extend the lock
        update(User)
        .where(by_id, col(User.failed_attempts) >= MAX_FAILED, _not_locked(now))
        .values(locked_until=now + timedelta(minutes=LOCK_MINUTES))
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)
    if is_locked(user, now=now):
        logger.warning("account %r locked until %s", user.name, user.locked_until)
        return _locked(user)
    return SignIn(user=None, ok=False, message=WRONG_CREDENTIALS)


def _locked(user: User) -> SignIn:
    assert user.locked_until is not None
    return SignIn(
        user=None, ok=False, message=lock_message(user.locked_until), locked_until=user.locked_until
    )


def _not_locked(now: datetime) -> ColumnElement[bool]:
    locked_until = col(User.locked_until)
    return or_(locked_until.is_(None), locked_until <= now)


def _by_name(session: Session, name: str) -> User | None:
    statement = select(User).where(col(User.name) == name)
    return session.exec(statement.execution_options(populate_existing=True)).first()


def _by_email(session: Session, email: str) -> User | None:
    statement = select(User).where(col(User.email) == email)
    return session.exec(statement.execution_options(populate_existing=True)).first()


def _existing(session: Session, name: str) -> User:
    user = _by_name(session, name.strip())
    if user is None:
        raise AuthError(f"There is no user named {name.strip()!r}.")
    return user


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise AuthError("A user name cannot be empty.")
    if len(name) > MAX_NAME:
        raise AuthError(f"A user name has at most {MAX_NAME} characters.")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise AuthError("A user name cannot contain control characters.")
    return name


def _checked_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if not (at and local and domain) or any(c.isspace() for c in email):
        raise AuthError(f"{email!r} is not an e-mail address.")
    if len(email) > MAX_EMAIL:
        raise AuthError(f"An e-mail address has at most {MAX_EMAIL} characters.")
    return email


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"A password needs at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a password of anyone")


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def _ceil_minute(moment: datetime) -> datetime:
    seconds = moment.second + moment.microsecond / 1_000_000
    whole = moment.replace(second=0, microsecond=0)
    return whole + timedelta(minutes=math.ceil(seconds / 60))


# --- sessions -----------------------------------------------------------------------------------

# Streamlit signs its identity cookie with this secret; 32 random bytes as hex is 64 characters.
MIN_COOKIE_SECRET = 32
COOKIE_SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
_SET_COOKIE_SECRET = (
    "Set `cookie_secret` in the `[auth]` section of the secrets file (`.streamlit/secrets.toml`,"
    " or the file named by `--secrets.files` or `STREAMLIT_SECRETS_FILES`), or set the"
    f" environment variable `{COOKIE_SECRET_ENV}`, to a random value of at least"
    f" {MIN_COOKIE_SECRET} characters, such as the output of"
    ' `python -c "import secrets; print(secrets.token_hex(32))"`, and restart the app.'
)


def idle_notice(minutes: int) -> str:
    """What a viewer signed out for inactivity reads."""
    unit = "minute" if minutes == 1 else "minutes"
    return f"Signed out after {minutes} {unit} without activity."


def is_idle(last_active: datetime | None, *, now: datetime, minutes: int) -> bool:
    """Whether a sign-in last active at `last_active` has been idle for longer than `minutes`."""
    return last_active is not None and now - last_active > timedelta(minutes=minutes)


def cookie_secret_problem(
    auth_section: Mapping[str, object], *, from_environment: str | None
) -> str | None:
    """Why single sign-on cannot run safely with this `[auth]` section, or None when it can.

    `from_environment` is the secret the deployer gave Streamlit outside the secrets file
    (`server.cookieSecret`); Streamlit signs with `[auth] cookie_secret` when both are set.
    """
    in_file = auth_section.get("cookie_secret")
    if in_file is not None:
        secret, where = str(in_file), "`cookie_secret` in `[auth]`"
    elif from_environment:
        secret, where = from_environment, f"`{COOKIE_SECRET_ENV}`"
    else:
        return (
            "Single sign-on is configured but has no secret to sign its cookies with, so"
            f" nobody can sign in safely. {_SET_COOKIE_SECRET}"
        )
    if len(secret.strip()) < MIN_COOKIE_SECRET:
        return (
            f"Single sign-on is configured but its cookie secret ({where}) is too short:"
            f" {len(secret.strip())} characters, at least {MIN_COOKIE_SECRET} needed."
            f" {_SET_COOKIE_SECRET}"
        )
    return None
