"""What a failure of the store or of a setting says: one plain sentence to viewers, one line
to operators, and never a traceback, a host or a path."""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy.exc import SQLAlchemyError

from ctdash.config import ConfigError
from ctdash.db import SchemaError

# What a reader is told while the store cannot be reached or read: every page adds that it
# tries again; a download or an API answer says the sentence alone.
UNREACHABLE = "The figures are unavailable right now: the store cannot be reached."
VIEWER_MESSAGE = f"{UNREACHABLE} This page tries again by itself."

# Failures of the store or of its settings, as opposed to mistakes in the code.
STORE_FAILURES: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    sqlite3.Error,
    SchemaError,
    ConfigError,
    TimeoutError,
)

# The driver's words (SQLite, psycopg/libpq), read in order, and what they mean in a few words
# that name no host, port, path or user.
_CAUSES = (
    (r"database is locked|database table is locked|lock timeout", "the store is busy"),
    (r"readonly database|read-only", "the store is read-only"),
    (r"disk is full|no space left|could not extend file", "the disk is full"),
    (r"disk i/o error|input/output error", "the disk failed to read or write"),
    (r"unable to open database file", "the store's file cannot be opened"),
    (r"file is not a database|malformed", "the store's file is damaged"),
    (r"timeout expired|connection timeout|timed out", "the store did not answer in time"),
    (r"canceling statement due to statement timeout", "a read took longer than allowed"),
    (r"connection refused", "the store refused the connection (is it running?)"),
    (r"could not translate host name|name or service not known", "the store's host is unknown"),
    (r"password authentication failed|no password supplied", "the store refused the login"),
    (r"database .* does not exist", "the database does not exist"),
    (r"role .* does not exist", "the store's user does not exist"),
    (r"too many connections|remaining connection slots", "the store has no free connection"),
    (
        r"server closed the connection|terminating connection|consuming input failed"
        r"|connection is closed|connection is lost|ssl syscall|eof detected",
        "the connection to the store was lost",
    ),
    (r"no such table|does not exist|undefinedtable", "the store has no ctdash tables yet"),
    (r"queuepool limit", "every connection to the store is in use"),
)


def cause(error: BaseException) -> str:
    """A few words on why the store failed, naming no host, port, path or user."""
    if isinstance(error, ConfigError | SchemaError):
        return str(error)
    text = " ".join(str(getattr(error, "orig", None) or error).lower().split())
    for pattern, words in _CAUSES:
        if re.search(pattern, text):
            return words
    original = getattr(error, "orig", None) or error
    return f"the store failed ({type(original).__name__})"


# Causes that pass by themselves: trying again later may work.
TRANSIENT = frozenset(
    {
        "the store is busy",
        "the store did not answer in time",
        "the store refused the connection (is it running?)",
        "the store has no free connection",
        "the connection to the store was lost",
        "every connection to the store is in use",
    }
)


def refusal(error: BaseException, *, undone: bool = False) -> str:
    """A write's refusal in one sentence: why, that nothing was written, and whether to retry."""
    why = cause(error)
    nothing = "nothing was undone" if undone else "nothing was written"
    retry = "; try again." if why in TRANSIENT else "."
    return f"{why[:1].upper()}{why[1:]}; {nothing}{retry}"


def operator_line(error: BaseException) -> str:
    """One line for a command's error output."""
    if isinstance(error, ConfigError):
        return f"setting: {error}"
    return f"store unavailable: {cause(error)}"


def log_line(error: BaseException) -> str:
    """One line for the server log: operator_line, then the driver's own first line."""
    original = getattr(error, "orig", None) or error
    first = next(iter(str(original).strip().splitlines()), "")
    detail = f"{type(original).__name__}: {first}" if first else type(original).__name__
    if isinstance(error, ConfigError):
        return operator_line(error)
    return f"{operator_line(error)} ({detail})"
