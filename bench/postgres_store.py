"""The largest size's store on PostgreSQL, beside its SQLite file: a database of the run's
own on the server CTDASH_TEST_POSTGRES_URL names, filled by `ctdash demo` as the SQLite
stores are. With --workdir it keeps a fixed name and is used again by later runs; without,
it has a name of its own and is dropped at the end of the run."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bench.local_deploy import create_named_database, database_exists, drop_database
from bench.local_deploy import database_url as url_on_server
from bench.measuring import BenchError
from bench.replicas import database, store_activities
from bench.stores import run_demo, synthetic_activities


@dataclass(frozen=True)
class PostgresStore:
    """The store on PostgreSQL: its URL, its database's name, what it holds, the server's
    version, and how long `ctdash demo` took to fill it (None when an earlier run did)."""

    url: str
    database: str
    activities: int
    version: str
    fill_seconds: float | None


def kept_name(activities: int, years: int) -> str:
    """The name of the database kept between runs for this size and span."""
    return f"ctdash_bench_{activities}_{years}"


def filled(url: str, *, activities: int, years: int, progress: Callable[[str], None]) -> float:
    """`ctdash demo` into the empty database at `url`; the seconds it took."""
    progress(f"ctdash demo on PostgreSQL: {activities:,} activities, {years} years")
    seconds = run_demo(url, activities=activities, years=years)
    progress(f"ctdash demo on PostgreSQL took {seconds:,.0f} s")
    return seconds


def held_activities(url: str) -> int | None:
    """How many synthetic activities the database holds; None for anything else, an empty
    database or one a `ctdash demo` left unfinished."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return synthetic_activities(url)
    except SQLAlchemyError:
        return None


@contextlib.contextmanager
def making() -> Iterator[None]:
    """A database error while the store is made, as a BenchError that says so."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as error:
        first = str(error).strip().splitlines()[0]
        raise BenchError(f"the PostgreSQL store could not be made: {first}") from None


def kept_store(
    server: str, *, activities: int, years: int, progress: Callable[[str], None]
) -> PostgresStore:
    """The database kept for this size and span, used again when it holds the synthetic
    activities asked for, else made anew (it is the benchmark's own, by its name)."""
    name = kept_name(activities, years)
    url = url_on_server(server, name)
    seconds = None
    with making():
        if not database_exists(server, name) or held_activities(url) != activities:
            drop_database(server, url)
            create_named_database(server, name)
            seconds = filled(url, activities=activities, years=years, progress=progress)
        held, version = store_activities(url)
    return PostgresStore(url, name, held, version, seconds)


def new_store(
    url: str, *, activities: int, years: int, progress: Callable[[str], None]
) -> PostgresStore:
    """The empty database at `url`, filled."""
    from sqlalchemy import make_url

    with making():
        seconds = filled(url, activities=activities, years=years, progress=progress)
        held, version = store_activities(url)
    return PostgresStore(url, str(make_url(url).database), held, version, seconds)


@contextlib.contextmanager
def postgres_store(
    server: str, *, activities: int, years: int, keep: bool, progress: Callable[[str], None]
) -> Iterator[PostgresStore]:
    """A synthetic store of `activities` activities on the PostgreSQL server: kept for later
    runs if `keep`, else in a database of its own dropped at exit."""
    if keep:
        yield kept_store(server, activities=activities, years=years, progress=progress)
        return
    with database(server) as url:
        yield new_store(url, activities=activities, years=years, progress=progress)
