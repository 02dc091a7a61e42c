"""Accounts as the pages use them: signing in with a password, listing users, giving roles.

Each opens its own session on the store, so that no page holds one.
"""

from __future__ import annotations

from sqlmodel import Session

from ctdash import auth
from ctdash.web.engine import engine


def authenticate(name: str, password: str) -> auth.SignIn:
    """Check a local account's name and password, counting a failure (auth.authenticate)."""
    with Session(engine()) as session:
        result = auth.authenticate(session, name=name.strip(), password=password)
        session.commit()
    return result


def users() -> list[auth.User]:
    """Every account, local or single sign-on, with its role."""
    with Session(engine()) as session:
        return list(auth.list_users(session))


def set_role(name_or_email: str, role: str) -> None:
    """Give an account (or a single sign-on e-mail) a role; AuthError says why not."""
    with Session(engine()) as session:
        auth.set_role(session, name_or_email=name_or_email.strip(), role=role)
        session.commit()
