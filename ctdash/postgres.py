"""PostgreSQL engines that give up on a server that stops answering (needs psycopg)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlmodel import create_engine

logger = logging.getLogger(__name__)

# Marks a pooled connection not yet lent since it was made (its record's info).
_FRESH = "ctdash.fresh"


def engine(
    url: URL, *, connect_seconds: float, statement_seconds: float, pooled: bool = True
) -> Engine:
    """An engine with connect and statement timeouts, and a deadline on every call."""
    made = create_engine(
        url,
        # A hung server must not hold a page for long waiting for a pooled connection either.
        **({"pool_timeout": connect_seconds} if pooled else {"poolclass": NullPool}),
        connect_args={
            "connect_timeout": max(2, round(connect_seconds)),
            "options": f"-c statement_timeout={int(statement_seconds * 1000)}",
            "cursor_factory": _GuardedCursor,
        },
    )

    @event.listens_for(made, "do_connect")
    def connect(_dialect: Any, record: ConnectionPoolEntry, cargs: Any, cparams: Any) -> Any:
        connection = _GuardedConnection.connect(*cargs, **cparams)
        # The server's own statement_timeout comes first; this only catches a silent server.
        connection.deadline = statement_seconds + connect_seconds
        record.info[_FRESH] = True
        return connection

    if pooled:

        @event.listens_for(made, "checkout")
        def checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
            # A connection made for this checkout has just answered.
            if not record.info.pop(_FRESH, False):
                _ping(dbapi_connection, connect_seconds)

    return made


def _ping(connection: psycopg.Connection[Any], seconds: float) -> None:
    """Lend a pooled connection only once it has answered a round trip within `seconds`.

    The connect timeout is the limit: a round trip is what a connection's handshake is too, and
    a hung server must not hold a page for the statement timeout before it is found out. A
    connection that does not answer is closed with every other one of its pool, which a hung or
    restarted server has taken with it; the pool then connects anew, within the connect timeout.
    """
    autocommit = connection.autocommit
    try:
        # Outside a transaction, as SQLAlchemy's own pre-ping does: nothing is left open.
        connection.autocommit = True
        with _deadline(connection, seconds):
            connection.execute("SELECT 1").close()
        connection.autocommit = autocommit
    except psycopg.Error as error:
        raise exc.InvalidatePoolError(f"no answer to a ping: {error}") from error


class _GuardedCursor(psycopg.Cursor[Any]):
    """A cursor whose statements end with an error when the server stops answering."""

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        with _deadline(self.connection):
            return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> None:
        with _deadline(self.connection):
            super().executemany(*args, **kwargs)


class _GuardedConnection(psycopg.Connection[Any]):
    """A PostgreSQL connection that gives up on a server that stops answering.

    PostgreSQL's statement_timeout ends a slow statement, but it is the server that enforces
    it: a server that is stopped (SIGSTOP, a frozen machine, a cut network that still acks)
    answers nothing, and the client would wait for ever. After `deadline` seconds the
    connection's socket is shut down, so the waiting call fails, and the pool drops it.
    """

    deadline: float = 0

    def commit(self) -> None:
        with _deadline(self):
            super().commit()

    def rollback(self) -> None:
        with _deadline(self):
            super().rollback()


@contextmanager
def _deadline(connection: psycopg.Connection[Any], seconds: float | None = None) -> Iterator[None]:
    """Shut the connection's socket down if the call within takes longer than `seconds` (by
    default the connection's own deadline)."""
    seconds = getattr(connection, "deadline", 0) if seconds is None else seconds
    if not seconds or connection.closed:
        yield
        return
    fd = connection.pgconn.socket

    def sever() -> None:
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        logger.warning("store: PostgreSQL did not answer within %.0f s; connection closed", seconds)

    timer = threading.Timer(seconds, sever)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
