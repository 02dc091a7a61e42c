"""What serve.py adds to the pages on Streamlit's ASGI entry point: health checks that tell the
truth, settings checked at start, and no traceback for any failure of a page."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import anyio
import streamlit as st
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ctdash import api, failures
from ctdash.config import ConfigError, get_settings
from ctdash.db import head_revision, is_newer_revision, make_engine
from ctdash.seed import seed

logger = logging.getLogger("ctdash.server")

# One line per event in the server's log, as Streamlit writes its own.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# What a viewer sees when a page fails for a reason other than the store; the detail is logged.
PAGE_FAILED = (
    "This page could not be shown because of an error on the server, which has been recorded. "
    "Reload the page to try again."
)
# Health answers are about this moment: no proxy or browser may keep them.
NO_STORE = {"Cache-Control": "no-store"}


async def healthz(_request: Request) -> JSONResponse:
    """200 while the process serves, whatever the state of the store."""
    return JSONResponse({"ok": True}, headers=NO_STORE)


async def readyz(_request: Request) -> JSONResponse:
    """200 {"ready": true} when the store answers and its schema is at the latest migration (or
    at a newer version's); 503 {"ready": false, "reason": ...} otherwise, within the connect
    timeout."""
    try:
        limit = get_settings().db_connect_timeout
        with anyio.fail_after(limit):
            reason = await anyio.to_thread.run_sync(store_problem, abandon_on_cancel=True)
    except ConfigError as error:
        reason = failures.operator_line(error)
    except TimeoutError:
        reason = "the store did not answer in time"
    if reason is None:
        return JSONResponse({"ready": True}, headers=NO_STORE)
    return JSONResponse({"ready": False, "reason": reason}, status_code=503, headers=NO_STORE)


def store_problem() -> str | None:
    """Why the store cannot serve the pages now, in words naming no host or path; None if it can."""
    try:
        with _probe_engine().connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
    except failures.STORE_FAILURES as error:
        return failures.cause(error)
    # A later revision is a newer version's, migrated while this replica runs: it still serves
    # (docs/deploy.md, "Upgrades"). An earlier one would lack what this version reads.
    if revision != head_revision() and not is_newer_revision(revision):
        return f"the store's schema is at {revision or 'no revision'}, not {head_revision()}"
    return None


@cache
def _probe_engine() -> Engine:
    # A new connection for each check: a pooled one could hide a server that stopped taking new
    # ones, and a hung server must fail the check within the connect timeout.
    return make_engine(pooled=False)


ROUTES = [Route("/healthz", healthz), Route("/readyz", readyz), *api.ROUTES]

# Hosts a page may be served from on this machine, as Streamlit counts them.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1"})


class SameOriginWebSockets:
    """Refuse a WebSocket opened by a page of another origin before Streamlit checks it.

    Streamlit refuses such a page too, but first looks up this machine's addresses, one of
    them on the internet (checkip.amazonaws.com), for every attempt: any web page a viewer has
    open could make the server call out. Origins Streamlit would accept without a lookup pass
    on: the same host, this machine, `browser.serverAddress`, `server.corsAllowedOrigins`, and
    every origin when `server.enableCORS` is off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and not _allowed_origin(Headers(scope=scope)):
            logger.warning("refused a WebSocket from another origin")
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)


def _allowed_origin(headers: Headers) -> bool:
    origin = headers.get("origin")
    if origin is None or not st.get_option("server.enableCORS"):
        return True
    parts = urlsplit(origin)
    if parts.netloc == headers.get("host"):
        return True
    server_address = urlsplit(f"//{st.get_option('browser.serverAddress')}").hostname
    allowed = {*LOCAL_HOSTS, server_address} | {
        urlsplit(o).hostname for o in st.get_option("server.corsAllowedOrigins") or ()
    }
    return parts.hostname in allowed


MIDDLEWARE = [
    Middleware(SameOriginWebSockets),
    Middleware(api.LinkPreviews),
    Middleware(api.CutStreams),
]


def lifespan_warming(
    *warmers: Callable[[], None],
) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """The server's lifespan: at start, create and seed the store if it needs it, and say in
    the log what failed; then, in the background, call each of `warmers` (the pages' reads of
    their default views, which serve.py names: the server does not lean on the pages' code)."""

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)
        logging.getLogger("ctdash").setLevel(logging.INFO)
        await anyio.to_thread.run_sync(prepare_store, warmers)
        yield

    return lifespan


def prepare_store(warmers: Sequence[Callable[[], None]] = ()) -> None:
    """Bring the store up to date before the first visitor; a failure is logged in one line,
    and the pages say it and try again. Then make the default views' reads in the background."""
    try:
        engine = make_engine()
    except ConfigError as error:
        logger.error(failures.operator_line(error))
        return
    try:
        seed(engine)
    except failures.STORE_FAILURES as error:
        logger.warning("at start: %s", failures.log_line(error))
        return
    finally:
        engine.dispose()
    threading.Thread(target=_warm, args=(warmers,), name="ctdash-warm", daemon=True).start()


def _warm(warmers: Sequence[Callable[[], None]]) -> None:
    # The default views' reads and their link previews, made once before the first visitor asks.
    for warm in (*warmers, api.warm_previews):
        try:
            warm()
        except failures.STORE_FAILURES as error:
            logger.warning("reading the default views: %s", failures.log_line(error))


def on_script_error(error: Exception) -> bool:
    """Any uncaught failure of a page: one line in the log, one plain sentence on the page."""
    if isinstance(error, failures.STORE_FAILURES):
        logger.warning(failures.log_line(error))
        st.error(failures.VIEWER_MESSAGE, icon=":material/cloud_off:")
    else:
        logger.error("page failed: %s", failures.log_line(error), exc_info=error)
        st.error(PAGE_FAILED, icon=":material/error:")
    return True
