"""The run as Markdown: the targets, a table for each part measured, and how to rerun."""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
import statistics
from pathlib import Path

from bench.api_calls import ApiResult
from bench.browser import PAGES, WAITS_FOR
from bench.formatting import count_text, megabytes_text, result_text, seconds_text, times_text
from bench.measuring import MOST_CALLS, ratio
from bench.postgres_store import kept_name
from bench.report_browser import browser_table, cold_section
from bench.report_postgres import postgres_section
from bench.report_replicas import replicas_section
from bench.report_timeline import timeline_section
from bench.results import Run
from bench.soak import SoakResult
from bench.stores import DEFAULT_YEARS, KIND, PUBLISHED_SIZES
from bench.targets import growth, verdicts
from bench.timeline import FLOOR


def report(run: Run) -> str:
    """The run as Markdown: targets, then every table, then how to rerun."""
    lines = ["# Performance at scale", ""]
    info = machine()
    lines += [
        f"Measured on {run.started:%Y-%m-%d} by one run of `{run.command}` "
        f"({run.seconds / 60:.0f} min), on {info['cores']} cores of an {info['CPU']}, "
        f"{info['system']}; Python {info['Python']}, Streamlit {info['Streamlit']}, "
        f"pandas {info['pandas']}, SQLite {info['SQLite']}.",
        "",
    ]
    if set(run.parts) - {"replicas"}:
        # The replicas part has a store of its own, on PostgreSQL, and says so in its section.
        lines += [
            f"Each size is a synthetic store made by `ctdash demo --activities N --years "
            f"{run.years}` ({run.years} years of monthly snapshots of the eight indicators), in "
            "a SQLite file of its own. Reads are made as a viewer who is not signed in."
            + (
                " The largest is measured on PostgreSQL too (the section On PostgreSQL)."
                if run.postgres
                else ""
            ),
            "",
            "The machine is shared and noisy: every figure is the median of several repeats "
            f"({run.repeats} for reads and script runs, {run.loads} fresh page loads in the "
            "browser), and the targets are judged by ratios of figures measured side by side "
            "in this same run. Compare ratios between runs, not absolute times.",
            "",
        ]
    lines += [
        "## Targets",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    lines += [
        f"| {v.target} | {v.measured} | {result_text(v.ok, required=v.required)} |"
        for v in verdicts(run)
    ]
    lines += [""]
    if run.data:
        lines += data_tables(run)
    if run.pages:
        lines += page_table(run)
    if run.browser:
        lines += browser_table(run)
    if run.cold:
        lines += cold_section(run)
    if run.timeline:
        lines += timeline_section(run.timeline, run.sizes[-1], waits_for=timeline_waits())
    if run.postgres:
        lines += postgres_section(run)
    if run.soak:
        lines += soak_section(run.soak, run.sizes[-1])
    if run.api:
        lines += api_section(run.api, run.sizes[-1])
    if run.replicas:
        lines += replicas_section(run, info)
    lines += rerun_section()
    return "\n".join(lines)


def rerun_section() -> list[str]:
    """The commands that made this report, and the options that change what it measures."""
    return [
        "## How to rerun",
        "",
        "```bash",
        ".venv/bin/pip install -e '.[test]'    # Playwright; the browser is Debian's chromium",
        "CTDASH_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/postgres \\",
        "  .venv/bin/python -m bench.run --sizes "
        + ",".join(str(s) for s in PUBLISHED_SIZES)
        + " --workdir /tmp/ctdash-bench --out docs/performance.md",
        ".venv/bin/python -m bench.run --quick --out /tmp/performance.md   # a smoke run",
        "```",
        "",
        "`--parts data,app,browser,cold,timeline,sessions,soak,api,replicas` chooses what to "
        "measure, "
        "`--repeats`, `--loads`, `--cold-starts` and `--soak` how often; `python -m bench.run "
        "--help` lists every option. `--workdir` keeps the stores for the next run: "
        "`ctdash demo` takes minutes at 1,000,000 activities. With a PostgreSQL server named "
        "by CTDASH_TEST_POSTGRES_URL, the largest size is measured on PostgreSQL too (the app, "
        "browser and cold parts; `--no-postgres` leaves it out) in a database of the run's own "
        f"(`{kept_name(PUBLISHED_SIZES[-1], DEFAULT_YEARS)}` with `--workdir`, kept and used "
        "again), and the replicas part runs; it needs HAProxy too.",
        "",
    ]


def timeline_waits() -> dict[str, str]:
    """What each load of the timeline part waits for, by the names it reports pages under."""
    return {FLOOR: "its metric", **{page: WAITS_FOR[page] for page in PAGES}}


def machine() -> dict[str, str]:
    """Cores, CPU model, Python, Streamlit, SQLite and the operating system."""
    import pandas
    import streamlit

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": str(os.cpu_count()),
        "CPU": model,
        "Python": platform.python_version(),
        "Streamlit": streamlit.__version__,
        "pandas": pandas.__version__,
        "SQLite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def data_tables(run: Run) -> list[str]:
    """The data functions at every size with their growth, and the map's JSON."""
    sizes = [s for s in run.sizes if s in run.data]
    choices = run.choices
    lines = [
        "## Data functions",
        "",
        "Median time of each read the pages make, after one untimed call, of at least "
        f"{run.repeats} calls and of as many as fill a second (up to {MOST_CALLS}), with in "
        "brackets the rows it returns or, for activity_count, activity_places, the map points "
        "and the deck JSON, the activities it counts (each of those reads every activity it counts "
        "once, through an index); the growth columns compare the largest store with the "
        "smallest."
        + (
            f" The filters: kind `{KIND}`, the year {choices.year}, the country "
            f"`{choices.country}` (the most frequent in the smallest store), all three "
            "together, and the Overview's default period (the month up to the latest snapshot)."
            if choices
            else ""
        ),
        "",
        "| function | "
        + " | ".join(count_text(s) for s in sizes)
        + " | time × | rows × | keeps up |",
        "|---|" + "---:|" * len(sizes) + "---:|---:|---|",
    ]
    first = run.data[sizes[0]]
    for name in first.timings:
        timings = [run.data[s].timings[name] for s in sizes]
        cells = [f"{seconds_text(timing.seconds)} ({timing.rows:,})" for timing in timings]
        times, rows, ok = growth(run, name)
        growth_cells = f" | {times_text(times)} | {times_text(rows)} | {result_text(ok)} |"
        lines.append(f"| {name} | " + " | ".join(cells) + growth_cells)
    lines += [
        "",
        "## The map's JSON",
        "",
        "The deck JSON sent to the browser for the Map with no filter: its length, and the "
        "points (places, or places and kinds) or countries it holds.",
        "",
        "| view | " + " | ".join(count_text(s) for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for view in ("points", "countries"):
        cells = [
            f"{run.data[s].json_bytes[view] / 1000:,.0f} KB ({run.data[s].json_items[view]:,})"
            for s in sizes
        ]
        lines.append(f"| {view} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def page_table(run: Run) -> list[str]:
    """Each page's script runs at every size: first, warm, after a filter change."""
    lines = [
        "## Page script runs",
        "",
        "Each page through `streamlit.testing.v1.AppTest` on app.py: the first run on an empty "
        "cache (each page starts with none of another page's reads), then the median "
        "rerun with nothing changed (warm cache), then the median run after a filter change "
        "to a value not seen before (a cache miss): an earlier as-of date on the Overview, "
        "other indicators on Trends, one kind on the Map and Activities.",
        "",
        "| page | activities | first run | warm rerun | after a filter change | change / warm |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for size in run.sizes:
        for page, runs in run.pages.get(size, {}).items():
            warm, changed = runs.warm.seconds, runs.changed.seconds
            lines.append(
                f"| {page} | {count_text(size)} | {seconds_text(runs.opened)} | "
                f"{seconds_text(warm)} | {seconds_text(changed)} | "
                f"{times_text(ratio(changed, warm))} |"
            )
    return [*lines, ""]


def soak_section(result: SoakResult, size: int) -> list[str]:
    """The soak: how it loads the pages, what counts as a failure, and the memory it watched."""
    early = result.early_load
    pace = "one after another" if result.at_once == 1 else f"{result.at_once} at a time"
    lines = [
        "## Soak",
        "",
        f"{count_text(result.loads)} page loads of the app as deployed (`streamlit run "
        f"serve.py`) on the store of {count_text(size)} activities, {pace}, each "
        "a new session of Streamlit's own protocol (`bench/soak.py`, as "
        "`bench/protocol.py` opens them) that asks for one page with the filters of its URL "
        "and reads every message of the page's script run. The pages take turns: the "
        "Overview (an as-of date), Trends (indicators, scale, a period), the Map (a period, "
        "kinds, countries, now and then an entity or a region; points or countries) and "
        "Activities (the same, now and then a word to search for), "
        f"{count_text(result.distinct_views)} distinct views drawn at random from the store's "
        "values. A load fails if its run does not finish, lacks the page's content (a metric, "
        'the chart, the map, the table) or shows an exception, an error or "The figures are '
        "unavailable right now\". Resident memory is VmRSS of the server's process and its "
        "children.",
        "",
        f"| loads | failed | median load | all loads | resident before | after "
        f"{count_text(early)} | after {count_text(result.loads)} | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {count_text(result.loads)} | {len(result.failures)} | "
        f"{seconds_text(result.median_load_seconds)} | {seconds_text(result.seconds)} | "
        f"{megabytes_text(result.memory.get(0))} | {megabytes_text(result.memory.get(early))} | "
        f"{megabytes_text(result.memory.get(result.loads))} | "
        f"{times_text(result.memory_ratio)} |",
        "",
        "Median load by page: "
        + ", ".join(
            f"{page} {seconds_text(statistics.median(times))}"
            for page, times in result.load_seconds.items()
        )
        + ".",
        "",
        "Resident memory by loads done: "
        + ", ".join(
            f"{count_text(loads)}: {megabytes_text(resident)}"
            for loads, resident in sorted(result.memory.items())
        )
        + ".",
    ]
    if result.failures:
        lines += ["", "The first failed loads:", ""]
        lines += [
            f"- load {failure.number:,}, `{failure.view.path}`: {failure.reason}"
            for failure in result.failures[:10]
        ]
    return [*lines, ""]


def api_section(result: ApiResult, size: int) -> list[str]:
    """The open data API over HTTP: warm and cold answers, and the streamed CSV."""
    lines = [
        "## The open data API",
        "",
        f"Asked of the app as deployed (`streamlit run serve.py`) on the store of {size:,} "
        "activities, over HTTP from this machine. Cold: the first ask of a view since the "
        "server started (nothing cached); warm: the median of repeats after one untimed ask.",
        "",
        "| answer | time |",
        "|---|---:|",
    ]
    lines += [f"| {label}, cold | {seconds_text(s)} |" for label, s in result.cold.items()]
    lines += [f"| {label}, warm | {seconds_text(t.seconds)} |" for label, t in result.warm.items()]
    lines += [
        "",
        f"Every activity as CSV ({count_text(result.csv_rows)} rows, "
        f"{megabytes_text(result.csv_bytes)}) streamed in {seconds_text(result.csv_seconds)}; "
        f"the server's peak resident memory (VmHWM) was {megabytes_text(result.peak_before)} "
        f"before and {megabytes_text(result.peak_after)} after.",
        "",
    ]
    return lines
