"""The report's PostgreSQL section: the largest size measured again on a PostgreSQL store,
each figure beside SQLite's from the same run."""

from __future__ import annotations

import statistics

from bench.browser import PAGES, BrowserResult
from bench.cold_start import ColdStarts
from bench.formatting import count_text, megabytes_text, seconds_text, times_text
from bench.page_scripts import PageRuns
from bench.replicas import POSTGRES_ENV
from bench.report_browser import PAGE_NAMES
from bench.results import PostgresRun, Run
from bench.targets import PAGE_ELEMENTS


def postgres_section(run: Run) -> list[str]:
    """Where the PostgreSQL store came from, then its figures beside SQLite's."""
    postgres = run.postgres
    if postgres is None:
        return []
    store = postgres.store
    made = (
        f"`ctdash demo` filled it in {seconds_text(store.fill_seconds)} in this run"
        if store.fill_seconds is not None
        else "an earlier run with the same `--workdir` filled it, and this one used it again"
    )
    lines = [
        "## On PostgreSQL",
        "",
        f"The largest size again, {count_text(postgres.size)} activities, on PostgreSQL "
        f"{store.version}: the database `{store.database}` on the server {POSTGRES_ENV} names, "
        f"filled by the same `ctdash demo --activities {postgres.size} --years {run.years}` "
        f"as the SQLite file ({made}; it holds {count_text(store.activities)} activities). "
        "Each PostgreSQL figure is measured as the SQLite one beside it, in this same run; the "
        "one-line app is measured again beside PostgreSQL's loads and starts, so each ratio "
        "is to a floor taken at the same time. PostgreSQL's targets are reported in the "
        "targets table, not required.",
        "",
        "| measure | SQLite | ratio | PostgreSQL | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    sqlite_browser = run.browser.get(postgres.size)
    lines += load_rows(sqlite_browser, postgres.browser)
    lines += cold_rows(run.cold.get(postgres.size), postgres.cold)
    lines += memory_rows(sqlite_browser, postgres.browser)
    if postgres.pages:
        lines += script_rows(run.pages.get(postgres.size), postgres)
    return [*lines, ""]


def load_cells(result: BrowserResult | None, page: str) -> str:
    """A page's median load and its ratio to the one-line app's, or dashes."""
    if result is None or not result.floor or not result.loads.get(page):
        return "— | —"
    seconds, floor = statistics.median(result.loads[page]), statistics.median(result.floor)
    return f"{seconds_text(seconds)} | {times_text(seconds / floor)}"


def load_rows(sqlite: BrowserResult | None, postgres: BrowserResult | None) -> list[str]:
    """Each page's fresh loads, then the one-line app's beside each store's."""
    if postgres is None:
        return []
    rows = [
        f"| {PAGE_ELEMENTS[page]} | {load_cells(sqlite, page)} | {load_cells(postgres, page)} |"
        for page in PAGES
    ]
    floors = [
        seconds_text(statistics.median(r.floor)) if r and r.floor else "—"
        for r in (sqlite, postgres)
    ]
    rows.append(f"| the one-line app, measured beside | {floors[0]} | | {floors[1]} | |")
    return rows


def cold_cells(cold: ColdStarts | None) -> str:
    """The app's median cold start and its ratio to the one-line app's, or dashes."""
    if cold is None or not cold.app or not cold.floor:
        return "— | —"
    app, floor = statistics.median(cold.app), statistics.median(cold.floor)
    return f"{seconds_text(app)} | {times_text(app / floor)}"


def cold_rows(sqlite: ColdStarts | None, postgres: ColdStarts | None) -> list[str]:
    """The cold start to the first tile, on each store."""
    if postgres is None:
        return []
    return [f"| cold start to the first tile | {cold_cells(sqlite)} | {cold_cells(postgres)} |"]


def memory_rows(sqlite: BrowserResult | None, postgres: BrowserResult | None) -> list[str]:
    """The server's resident memory with the sessions open, on each store."""
    if postgres is None or postgres.open is None:
        return []
    sessions = len(postgres.open.pages)
    cells = [
        megabytes_text(r.open.resident_open) if r and r.open else "—" for r in (sqlite, postgres)
    ]
    return [f"| server's resident memory, {sessions} sessions open | {cells[0]} | | {cells[1]} | |"]


def script_rows(sqlite: dict[str, PageRuns] | None, postgres: PostgresRun) -> list[str]:
    """Each page's script run after a filter change (AppTest), on each store."""
    rows = []
    for page, runs in (postgres.pages or {}).items():
        before = sqlite.get(page) if sqlite else None
        sqlite_cell = seconds_text(before.changed.seconds) if before else "—"
        rows.append(
            f"| {PAGE_NAMES[page]}: script run after a filter change ({runs.change}) | "
            f"{sqlite_cell} | | {seconds_text(runs.changed.seconds)} | |"
        )
    return rows
