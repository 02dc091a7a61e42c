"""Settings read from the environment (prefix CTDASH_), checked once at start."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

# The stores ctdash is made for; any other URL is a mistake, found at start.
BACKENDS = ("sqlite", "postgresql")

# An example of a good value for each setting, shown with the problem of a bad one.
EXAMPLES = {
    "database_url": "sqlite:////srv/ctdash/ctdash.db or "
    "postgresql+psycopg://ctdash:PASSWORD@db.example.org:5432/ctdash",
    "data_dir": str(DATA_DIR),
    "require_login": "1",
    "idle_minutes": "30",
    "db_connect_timeout": "5",
    "db_statement_timeout": "15",
    "today": "2026-11-29",
}


class ConfigError(Exception):
    """A setting ctdash cannot run with; the message is one line naming it and a good value."""


def check_database_url(url: str) -> str:
    """The URL itself when ctdash can use it; ValueError saying what is wrong otherwise."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("is not a database URL") from None
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        raise ValueError(f"names the database {backend!r}; ctdash runs on SQLite or PostgreSQL")
    if backend == "postgresql" and parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        raise ValueError(f"names the driver {parsed.get_driver_name()!r}; use psycopg")
    if backend == "sqlite":
        database = parsed.database or ""
        if database.startswith("file:"):
            database = database.removeprefix("file:").split("?")[0]
        if database not in ("", ":memory:") and not Path(database).parent.is_dir():
            folder = Path(database).parent
            raise ValueError(f"points into the folder {folder}, which does not exist")
    return url


class Settings(BaseSettings):
    """Deployment settings; every field can be set as CTDASH_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="CTDASH_", extra="ignore")

    database_url: str = f"sqlite:///{DATA_DIR / 'ctdash.db'}"
    data_dir: Path = DATA_DIR
    require_login: bool = False
    # A signed-in viewer idle for longer than this is signed out on their next action.
    idle_minutes: int = Field(default=30, ge=1)
    # Seconds to wait for PostgreSQL to accept a connection.
    db_connect_timeout: float = Field(default=5, ge=1, le=600)
    # Seconds one statement may take (PostgreSQL), or wait for another writer (SQLite).
    db_statement_timeout: float = Field(default=15, ge=1, le=3600)
    # The day taken as today for what is due and overdue (unset: the real date): to see, or
    # send, what a later day will bring.
    today: date | None = None

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("data_dir")
    @classmethod
    def _existing_folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("is not a folder")
        return value


def describe(error: ValidationError) -> str:
    """One line per bad setting: its variable, the value's problem, an example of a good one."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        value = shown(problem.get("input"))
        reason = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(
            f"CTDASH_{name.upper()}={value}: {reason}; for example "
            f"CTDASH_{name.upper()}={EXAMPLES.get(name, '')}"
        )
    return " | ".join(lines)


def shown(value: Any) -> str:
    """A setting's value as it may be printed: a URL's password masked."""
    text = str(value)
    if "://" in text:
        # A URL may hold a password: show it as SQLAlchemy does, masked.
        try:
            return make_url(text).render_as_string(hide_password=True)
        except ArgumentError:
            return text
    return repr(text) if text != text.strip() or not text else text


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read and checked once; ConfigError names a bad one."""
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigError(describe(error)) from None
