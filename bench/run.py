"""How ctdash's reads and pages scale with the number of activities, measured in one run.

    .venv/bin/python -m bench.run                       # 1,000, 10,000 and 100,000 activities
    .venv/bin/python -m bench.run --sizes 1000,100000,1000000 --workdir /tmp/ctdash-bench \
        --out docs/performance.md                       # the published report
    .venv/bin/python -m bench.run --quick               # a smoke run on small stores
    .venv/bin/python -m bench.run --sizes 1000,10000 --parts data,app --out /tmp/perf.md
    .venv/bin/python -m bench.run --sizes 100000 --parts soak --soak 2000   # the soak alone

Each size gets its own synthetic store, made by `ctdash demo` in a temporary folder (or in
--workdir, kept and used again). The parts: `data` times the read functions the pages call and
measures the map's JSON; `app` times each page's script run through AppTest, warm and after a
filter change; `browser` times fresh page loads in Debian's Chromium, each page to its first
meaningful element (the Overview's first tile, Trends' chart drawn, the Map's points, the
Activities grid's first rows), interleaved with loads of a one-line Streamlit app, then keeps
ten sessions open over the four pages and reads the server's resident memory; `cold` times
from starting the server process to the first tile of a visitor who asks as soon as the port
accepts, beside the one-line app started the same way (bench/cold_start.py); `timeline` takes each
page's load apart at the largest size (bench/timeline.py): the WebSocket messages, the
JavaScript fetched and the main thread's work until its first meaningful element, beside the
one-line app's; `sessions` opens
the Overview in ten sessions at once (largest size only): ten browsers, ten sessions of
Streamlit's protocol without a browser (bench/protocol.py), and one browser among nine such
sessions; `soak` loads every page of the served app 2,000 times with changing filters
(largest size only; bench/soak.py), judging that none fails and that the server's resident
memory after the last load is within 1.25× that after load 200; `api` asks the open data API,
a figure card and link previews over HTTP, and streams every activity as CSV watching the
server's peak memory (largest size only; bench/api_calls.py). The browser, cold, sessions,
soak and api parts serve the app as it is deployed, `streamlit run serve.py`.

With a PostgreSQL server named by CTDASH_TEST_POSTGRES_URL (or --postgres), the largest size
is measured again on PostgreSQL by the app, browser and cold parts, on a store `ctdash demo`
fills in a database of the run's own (bench/postgres_store.py): with --workdir it is called
ctdash_bench_<activities>_<years> and kept for the next run, else it is dropped at the end.
`replicas` starts `deploy/local.sh --replicas 2` (two replicas behind HAProxy) on a PostgreSQL
database of its own with the shipped data, made on that server and dropped after; it counts
page loads per second through the proxy against one replica direct, then loads pages through
the proxy across a rolling restart and a replica killed (bench/replicas.py). It uses none of
the sizes' stores, which are not made when it is the only part.

Every figure is a median of several repeats, and the targets are judged by ratios taken in
the same run, because the machines this runs on are shared and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bench import replicas, soak
from bench.api_calls import measure_api
from bench.browser import measure_browsers
from bench.cold_start import COLD_STARTS, QUICK_COLD_STARTS, measure_cold_starts
from bench.measuring import BenchError
from bench.page_scripts import page_runs
from bench.postgres_store import postgres_store
from bench.reads import data_functions
from bench.report import report
from bench.results import PostgresRun, Run
from bench.servers import SERVED_APP
from bench.sessions import SESSIONS
from bench.stores import DEFAULT_SIZES, DEFAULT_YEARS, QUICK_SIZES, choose_filters, make_store
from bench.timeline import measure_timelines
from tests.e2e.launch import ProcessError

PARTS = ("data", "app", "browser", "cold", "timeline", "sessions", "soak", "api", "replicas")
# The parts that measure the largest size on PostgreSQL too, with --postgres.
POSTGRES_PARTS = ("app", "browser", "cold")
# Loads of each page traced by Chromium for the timeline part's main-thread split.
TRACED_LOADS = 2
# The seconds the app part's timed runs of one page may take together before it stops early.
SCRIPT_BUDGET = 120.0


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The options; --quick changes the defaults of the others, not what is given."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n")[0] if __doc__ else None
    )
    parser.add_argument("--sizes", help="activities per store, e.g. 1000,10000,100000")
    parser.add_argument(
        "--years", type=int, help=f"years of monthly snapshots (default {DEFAULT_YEARS})"
    )
    parser.add_argument("--repeats", type=int, help="repeats of each read and script run (5)")
    parser.add_argument("--loads", type=int, help="fresh page loads of each kind (5)")
    parser.add_argument("--sessions", type=int, help=f"sessions at once ({SESSIONS})")
    parser.add_argument(
        "--soak",
        type=int,
        help=f"page loads of the soak ({soak.LOADS:,}; {soak.QUICK_LOADS} with --quick)",
    )
    parser.add_argument(
        "--parts",
        help=f"what to measure, of {','.join(PARTS)} (default: all; replicas only when "
        f"{replicas.POSTGRES_ENV} names a PostgreSQL server)",
    )
    parser.add_argument(
        "--cold-starts",
        type=int,
        help=f"timed cold starts of each server ({COLD_STARTS}; {QUICK_COLD_STARTS} with --quick)",
    )
    parser.add_argument(
        "--postgres",
        action=argparse.BooleanOptionalAction,
        help=f"measure the largest size on PostgreSQL too ({', '.join(POSTGRES_PARTS)} parts; "
        f"default: on when {replicas.POSTGRES_ENV} names a server)",
    )
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    parser.add_argument("--workdir", type=Path, help="keep the stores here (default: a temp dir)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: 200 and 1,000 activities, one repeat, {soak.QUICK_LOADS} soak loads, "
        f"replicas' rounds of {replicas.QUICK_ROUND_SECONDS:g} s",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = args.sizes or ",".join(str(s) for s in (QUICK_SIZES if quick else DEFAULT_SIZES))
    args.sizes = sorted({int(s.replace("_", "")) for s in sizes.split(",") if s.strip()})
    args.years = args.years or (2 if quick else DEFAULT_YEARS)
    args.repeats = args.repeats or (1 if quick else 5)
    args.loads = args.loads or (1 if quick else 5)
    args.sessions = SESSIONS if args.sessions is None else args.sessions
    args.soak = args.soak or (soak.QUICK_LOADS if quick else soak.LOADS)
    if args.soak < 1:
        parser.error("--soak needs at least one page load")
    args.cold_starts = args.cold_starts or (QUICK_COLD_STARTS if quick else COLD_STARTS)
    if args.parts is None:
        args.parts = ",".join(PARTS)
        if not os.environ.get(replicas.POSTGRES_ENV, "").strip():
            # Named in --parts, the part refuses to run without a server; by default, left out.
            args.parts = ",".join(p for p in PARTS if p != "replicas")
            say(f"the replicas part is left out: {replicas.POSTGRES_ENV} is not set")
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    has_server = bool(os.environ.get(replicas.POSTGRES_ENV, "").strip())
    if args.postgres and not has_server:
        parser.error(f"--postgres needs a PostgreSQL server: set {replicas.POSTGRES_ENV}")
    if args.postgres is None:
        args.postgres = has_server
        if not has_server and set(args.parts) & set(POSTGRES_PARTS):
            say(f"PostgreSQL is left out: {replicas.POSTGRES_ENV} is not set")
    args.postgres = args.postgres and bool(set(args.parts) & set(POSTGRES_PARTS))
    return args


def say(message: str) -> None:
    """Progress, on stderr so that stdout holds the report alone."""
    print(message, file=sys.stderr, flush=True)


def measure(args: argparse.Namespace, workdir: Path, command: str) -> Run:
    """Make the stores and take every measurement asked for."""
    run = Run(
        sizes=args.sizes,
        years=args.years,
        repeats=args.repeats,
        loads=args.loads,
        parts=args.parts,
        command=command,
        started=datetime.now(),
    )
    # Refused at once, before any store is made, when the part cannot run.
    replicas_server = replicas.postgres_server() if "replicas" in run.parts else None
    postgres_server = replicas.postgres_server() if args.postgres else None
    began = time.perf_counter()
    urls = make_stores(run, workdir)
    for size, url in urls.items():
        measure_size(run, size, url)
    if "browser" in run.parts or "sessions" in run.parts:
        run.browser = measure_browsers(
            urls,
            workdir,
            loads=run.loads if "browser" in run.parts else 1,
            sessions=args.sessions if "sessions" in run.parts else 0,
            progress=say,
        )
    if "cold" in run.parts:
        run.cold = measure_cold_starts(urls, workdir, repeats=args.cold_starts, progress=say)
    if "timeline" in run.parts:
        largest = run.sizes[-1]
        run.timeline = measure_timelines(
            urls[largest], workdir, loads=run.loads, traced=TRACED_LOADS, progress=say
        )
    if postgres_server is not None:
        run.postgres = measure_postgres(run, postgres_server, workdir, args)
    if "api" in run.parts:
        largest = run.sizes[-1]
        say(f"the open data API at {largest:,}")
        run.api = measure_api(urls[largest], workdir / f"api-{largest}.log", repeats=run.repeats)
    if "soak" in run.parts:
        largest = run.sizes[-1]
        say(f"soak at {largest:,}: {args.soak:,} page loads")
        run.soak = soak.run_soak(
            SERVED_APP,
            workdir / f"soak-{largest}.log",
            database_url=urls[largest],
            loads=args.soak,
            progress=say,
        )
    if replicas_server is not None:
        run.replicas = replicas.measure_replicas(
            replicas_server, workdir, quick=args.quick, progress=say
        )
    run.seconds = time.perf_counter() - began
    return run


def make_stores(run: Run, workdir: Path) -> dict[int, str]:
    """Each size's SQLite store, by size; the filters chosen from the smallest. The replicas
    part makes a store of its own, so none is made when it is the only part."""
    urls = {}
    for size in run.sizes if set(run.parts) - {"replicas"} else ():
        say(f"ctdash demo: {size:,} activities, {run.years} years")
        urls[size] = make_store(workdir / f"store-{size}", activities=size, years=run.years)
    run.choices = choose_filters(urls[run.sizes[0]]) if urls else None
    return urls


def measure_size(run: Run, size: int, url: str) -> None:
    """The parts measured in this process, on one size's store: reads and script runs."""
    if "data" in run.parts and run.choices is not None:
        say(f"data functions at {size:,}")
        run.data[size] = data_functions(url, run.choices, repeats=run.repeats)
    if "app" in run.parts:
        say(f"page script runs at {size:,}")
        run.pages[size] = page_runs(url, repeats=run.repeats, budget=SCRIPT_BUDGET)


def measure_postgres(run: Run, server: str, workdir: Path, args: argparse.Namespace) -> PostgresRun:
    """The largest size again, on a PostgreSQL store: script runs, page loads beside the
    one-line app, the memory with sessions open, and cold starts."""
    largest = run.sizes[-1]
    keep = args.workdir is not None
    with postgres_store(
        server, activities=largest, years=run.years, keep=keep, progress=say
    ) as store:
        result = PostgresRun(store, largest)
        urls = {largest: store.url}
        if "app" in run.parts:
            say(f"page script runs at {largest:,} on PostgreSQL")
            result.pages = page_runs(store.url, repeats=run.repeats, budget=SCRIPT_BUDGET)
        if "browser" in run.parts:
            browser = measure_browsers(
                urls, workdir, loads=run.loads, sessions=0, progress=say, kind="PostgreSQL"
            )
            result.browser = browser[largest]
        if "cold" in run.parts:
            cold = measure_cold_starts(
                urls, workdir, repeats=args.cold_starts, progress=say, kind="PostgreSQL"
            )
            result.cold = cold[largest]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the report, and write it to --out."""
    args = parse(argv)
    given = list(sys.argv[1:] if argv is None else argv)
    command = " ".join([".venv/bin/python -m bench.run", *given])
    with contextlib.ExitStack() as stack:
        if args.workdir:
            args.workdir.mkdir(parents=True, exist_ok=True)
            workdir = args.workdir
        else:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ctdash-bench-")))
        try:
            run = measure(args, workdir, command)
        except (BenchError, ProcessError, soak.SoakError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    text = report(run)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        say(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
