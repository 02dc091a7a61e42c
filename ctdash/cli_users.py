"""The `ctdash users` commands: local accounts, and roles of single sign-on users by e-mail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from sqlmodel import Session

from ctdash import auth
from ctdash.cli_options import DatabaseUrl, echo_table
from ctdash.db import create_schema, make_engine, session_scope

PASSWORD_ENV = "CTDASH_PASSWORD"

users_app = typer.Typer(
    help=(
        "Local accounts and the roles of single sign-on users. A password is read from "
        f"{PASSWORD_ENV}, or else asked for twice without echo."
    ),
    no_args_is_help=True,
    add_completion=False,
)


class Role(StrEnum):
    """The roles, least privilege first (the same as ctdash.auth.ROLES)."""

    viewer = "viewer"
    editor = "editor"
    admin = "admin"


RoleOption = Annotated[Role, typer.Option("--role", help="What the user may do.")]


@contextmanager
def _session(database_url: str | None) -> Iterator[Session]:
    """A session on a store with the accounts table; AuthError ends the command with exit 1."""
    engine = make_engine(database_url)
    try:
        create_schema(engine)
        with session_scope(engine) as session:
            yield session
    except auth.AuthError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def _read_password() -> str:
    """The new password: from the environment, or typed twice at a hidden prompt."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Sign-in name (for single sign-on: the e-mail).")],
    role: RoleOption,
    email: Annotated[
        str | None, typer.Option("--email", help="E-mail that single sign-on maps to this user.")
    ] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Single sign-on only: no password is set.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user with a role."""
    password = None if no_password else _read_password()
    with _session(database_url) as session:
        user = auth.add_user(session, name=name, role=role.value, password=password, email=email)
        typer.echo(f"added {user.name} as {user.role}")


@users_app.command("list")
def list_command(database_url: DatabaseUrl = None) -> None:
    """Show every user: name, e-mail, role, how they sign in and whether they are locked."""
    now = datetime.now(UTC)
    with _session(database_url) as session:
        rows = [
            (
                user.name,
                user.email or "-",
                user.role,
                "password" if user.password_hash else "single sign-on",
                f"{user.locked_until:%Y-%m-%d %H:%M:%S} UTC"
                if user.locked_until is not None and auth.is_locked(user, now=now)
                else "-",
            )
            for user in auth.list_users(session)
        ]
    header = ("name", "email", "role", "sign-in", "locked until")
    echo_table(header, rows)


@users_app.command("set-role")
def set_role(
    name_or_email: Annotated[
        str, typer.Argument(help="A user name, or an e-mail (unknown e-mails are added).")
    ],
    role: RoleOption,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a user's role; an e-mail not known yet becomes a single sign-on user."""
    with _session(database_url) as session:
        user = auth.set_role(session, name_or_email=name_or_email, role=role.value)
        typer.echo(f"{user.name} is now {user.role}")


@users_app.command("set-password")
def set_password(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set a user's password; this also ends a lock."""
    with _session(database_url) as session:
        if auth.find_user(session, name=name) is None:  # before asking for a password
            raise auth.AuthError(f"There is no user named {name.strip()!r}.")
        user = auth.set_password(session, name=name, password=_read_password())
        typer.echo(f"password of {user.name} changed")


@users_app.command("unlock")
def unlock(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """End a lock after too many failed sign-ins, and clear the count."""
    with _session(database_url) as session:
        user = auth.unlock(session, name=name)
        typer.echo(f"{user.name} is unlocked")


@users_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete a user."""
    if not yes:
        typer.confirm(f"Delete the user {name}?", abort=True)
    with _session(database_url) as session:
        auth.remove_user(session, name=name)
        typer.echo(f"removed {name.strip()}")
