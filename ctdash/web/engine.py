"""The store of this process, its data version, and what a page shows while it fails."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import failures, queries
from ctdash.db import is_read_only, make_engine, store_access
from ctdash.failures import STORE_FAILURES
from ctdash.seed import seed

logger = logging.getLogger(__name__)


def engine() -> Engine:
    """The store of this process, created and seeded on first start.

    A SQLite file that becomes writable, or stops being so, is opened again to match. A failure
    is not cached: the next run tries again.
    """
    return _engine(store_access())


@st.cache_resource(show_spinner="Opening the store…", max_entries=2)
def _engine(access: str) -> Engine:
    store = make_engine()
    try:
        seed(store)
    except BaseException:
        store.dispose()
        raise
    _freeze_heap()
    return store


# Seconds between two tries of a page that could not reach the store.
RETRY_SECONDS = 5


@dataclass
class GuardedRun:
    """A run of app.py under store_guard; app.py sets `navigated` once its pages are known."""

    navigated: bool = False


@contextmanager
def store_guard(register_pages: Callable[[], object]) -> Iterator[GuardedRun]:
    """Run app.py's body; while the store or a setting fails, show one plain sentence instead
    of a traceback, log one line for the operators, and try again every few seconds.

    `register_pages` makes the pages known (hidden) when the failure came before navigation.
    """
    run = GuardedRun()
    try:
        yield run
    except STORE_FAILURES as error:
        logger.warning(failures.log_line(error))
        if not run.navigated:
            register_pages()
        # Every run reads the data version before drawing anything (start_run), so a store that
        # is down is met there: the sentence is the page's first element.
        st.error(failures.VIEWER_MESSAGE, icon=":material/cloud_off:")
        _retry_when_the_store_answers()


@st.fragment(run_every=RETRY_SECONDS)
def _retry_when_the_store_answers() -> None:
    try:
        queries.data_version(engine())
    except STORE_FAILURES:
        return
    st.rerun(scope="app")


@cache
def _freeze_heap() -> None:
    # What the process holds once its first store is open (modules, the store's metadata) is
    # frozen out of the garbage collector's reach: it lives as long as the process, and every
    # full collection walked it again, about 0.1 s each, which a read of 10,000 activities met
    # once or more. Once per process: a later freeze would keep the garbage of the time too.
    gc.freeze()


def store_is_read_only() -> bool:
    """Whether this process's store was opened for reading only, so nothing can be written."""
    return is_read_only(engine())


def data_version() -> int:
    """The store's current data version; every write changes it, and with it every cache key."""
    return queries.data_version(engine())
