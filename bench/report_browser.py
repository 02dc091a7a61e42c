"""The report's browser sections: fresh page loads beside the one-line app, the server's
memory with sessions open, the sessions opening the Overview at once (by browser and by
Streamlit's protocol), and the cold start."""

from __future__ import annotations

import os
import statistics

from bench.browser import INTERACTIVE, PAGES, WAITS_FOR, BrowserResult
from bench.cold_start import ColdStarts
from bench.formatting import count_text, megabytes_text, seconds_text, times_text
from bench.open_sessions import OpenSessions
from bench.results import Run

# Each page as the report names it.
PAGE_NAMES = {
    "overview": "Overview",
    "trends": "Trends",
    "map": "Map",
    "activities": "Activities",
    "overview, metric": "Overview, metric",
    "trends, interactive": "Trends, interactive",
    "activities, interactive": "Activities, interactive",
}
# The table's columns: each page's first figure, then the interactive elements drawn later.
COLUMNS = [*PAGES, *INTERACTIVE]


def browser_table(run: Run) -> list[str]:
    """Fresh page loads beside the one-line app, the memory with sessions open, then the
    sessions at once."""
    waits = "; ".join(f"{PAGE_NAMES[page]}, {what}" for page, what in WAITS_FOR.items())
    lines = [
        "## In the browser",
        "",
        "Time from navigation to each page's first meaningful element, in a fresh browser "
        'context each time, beside the one-line app `st.metric("x", 1)` started the same way '
        f"(its time is the floor Streamlit itself sets). What each waits for: {waits}. Each is "
        "timed by the page's own clock, checked on every animation frame. The Overview, "
        "Trends and Activities draw their first figure with code every page has (each tile's "
        "figure in Markdown, a picture of the chart, the first rows as a table) until the "
        "element whose code a fresh browser fetches first takes its place: the last three "
        "columns wait for that element. Loads of the eight "
        "are interleaved, and each load waits (untimed) until its script has finished before "
        "the next begins; one untimed load of each comes first, so the server's caches are "
        "warm, as for every visitor after the first. The times are this machine's; the ratios "
        "are what compares between machines.",
        "",
        "| activities | one-line app | "
        + " | ".join(f"{PAGE_NAMES[page]} | ratio" for page in COLUMNS)
        + " |",
        "|---:|---:|" + "---:|---:|" * len(COLUMNS),
    ]
    for size in run.sizes:
        result = run.browser.get(size)
        if result and result.floor:
            lines.append(f"| {count_text(size)} | {loads_cells(result)} |")
    largest = run.browser.get(run.sizes[-1])
    if largest and largest.together and largest.overview:
        single = statistics.median(largest.overview)
        worst = max(largest.together)
        lines += [
            "",
            f"{len(largest.together)} fresh sessions opening the Overview at once "
            f"({count_text(run.sizes[-1])} activities): median "
            f"{seconds_text(statistics.median(largest.together))}, worst {seconds_text(worst)} "
            f"to the first tile; a single session takes {seconds_text(single)}, so "
            f"worst / single = {times_text(worst / single)}.",
        ]
        if largest.together_floor and largest.floor:
            floor_worst = max(largest.together_floor)
            floor_single = statistics.median(largest.floor)
            lines += [
                "",
                f"The same for the one-line app, just after: median "
                f"{seconds_text(statistics.median(largest.together_floor))}, worst "
                f"{seconds_text(floor_worst)}; a single session {seconds_text(floor_single)}, "
                f"worst / single = {times_text(floor_worst / floor_single)}. The ten browsers "
                f"and the server share this machine's {os.cpu_count()} cores, so this is how "
                "much of the ratio above is the machine's rather than ctdash's.",
            ]
        lines += server_lines(largest)
    return [*lines, *open_sessions_lines(run), ""]


def server_lines(result: BrowserResult) -> list[str]:
    """The sessions measured without browsers, and one browser among them."""
    lines: list[str] = []
    rows = [
        ("ctdash's Overview", result.server_single, result.server_together),
        ("the one-line app", result.server_floor_single, result.server_floor_together),
    ]
    if all(one_by_one and at_once for _, one_by_one, at_once in rows):
        lines += [
            "",
            "Without browsers: sessions that speak Streamlit's own WebSocket protocol "
            "(`bench/protocol.py`), timed from connecting to the first `metric` element the "
            "server sends, so that only the server is measured:",
            "",
            "| app | one session | at once: median | at once: worst | worst / one |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, one_by_one, at_once in rows:
            alone = statistics.median(one_by_one)
            lines.append(
                f"| {name} | {seconds_text(alone)} | {seconds_text(statistics.median(at_once))} | "
                f"{seconds_text(max(at_once))} | {times_text(max(at_once) / alone)} |"
            )
    if result.among_others and result.overview:
        single = statistics.median(result.overview)
        lines += [
            "",
            f"One browser opening the Overview at the moment {len(result.server_together) - 1} "
            "sessions of the protocol open it too (a visitor among nine others whose browsers "
            f"run elsewhere), {len(result.among_others)} times: median "
            f"{seconds_text(statistics.median(result.among_others))}, worst "
            f"{seconds_text(max(result.among_others))}, against {seconds_text(single)} alone.",
        ]
    return lines


def loads_cells(result: BrowserResult) -> str:
    """The one-line app's median load, then each page's median and its ratio to it."""
    floor = statistics.median(result.floor)
    cells = [seconds_text(floor)]
    for page in COLUMNS:
        times = result.loads.get(page)
        if times:
            seconds = statistics.median(times)
            cells += [seconds_text(seconds), times_text(seconds / floor)]
        else:
            cells += ["—", "—"]
    return " | ".join(cells)


def pages_text(opened: OpenSessions) -> str:
    """How many sessions each page had: "3 Overview, 3 Trends, 2 Map, 2 Activities"."""
    counts = {page: opened.pages.count(page) for page in dict.fromkeys(opened.pages)}
    return ", ".join(f"{n} {PAGE_NAMES.get(page, page)}" for page, n in counts.items())


def open_sessions_lines(run: Run) -> list[str]:
    """The server's resident memory with sessions open, at each size."""
    rows = [(size, result.open) for size, result in sorted(run.browser.items()) if result.open]
    if not rows:
        return []
    first = rows[0][1]
    lines = [
        "",
        f"### The server's memory with {len(first.pages)} sessions open",
        "",
        "Resident memory (VmRSS) of the server's process and its children with "
        f"{len(first.pages)} browser sessions open on it at once, a page each in turn "
        f"({pages_text(first)}), read once the last has drawn its first element and "
        "finished its script run. They open one after another, each when the one before "
        "has drawn, and all stay open; before: the same server just before the first opened, "
        "after the loads above (its caches warm).",
        "",
        "| activities | before | with the sessions open | growth | median time to the first "
        "element |",
        "|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {count_text(size)} | {megabytes_text(opened.resident_before)} | "
        f"{megabytes_text(opened.resident_open)} | "
        f"{megabytes_text(opened.resident_open - opened.resident_before)} | "
        f"{seconds_text(statistics.median(opened.seconds))} |"
        for size, opened in rows
    ]
    largest = run.browser.get(run.sizes[-1])
    floor_open = largest.floor_open if largest else None
    if floor_open:
        lines += [
            "",
            f"The one-line app's server with as many sessions open on it: "
            f"{megabytes_text(floor_open.resident_open)} "
            f"({megabytes_text(floor_open.resident_before)} before they opened).",
        ]
    return lines


def cold_section(run: Run) -> list[str]:
    """The cold starts at each size beside the one-line app's."""
    rows = [(size, cold) for size, cold in sorted(run.cold.items()) if cold.app and cold.floor]
    if not rows:
        return []
    starts = len(rows[0][1].app)
    lines = [
        "## Cold start",
        "",
        "From starting the server process (`streamlit run serve.py`, as the browser part "
        "starts it) to the first tile of the first visitor: a Chromium already running asks "
        "for the Overview as soon as the server's port accepts a connection (tried every "
        "10 ms, the navigation tried again while the server refuses it), and the time runs to "
        "the frame in which the first tile shows, as the page's clock says. The one-line app "
        "is started the same way, in turn with the app, "
        f"{starts} time{'' if starts == 1 else 's'} each after one untimed start of each: that "
        "one brings the store's schema up to date if it is not, and puts the files both read "
        "in the system's page cache, so the process starts cold and the disk warm, as on a "
        "machine that restarts its server. Medians; the times are this machine's.",
        "",
        "| activities | one-line app | ctdash | ratio | ctdash's starts |",
        "|---:|---:|---:|---:|---|",
    ]
    lines += [f"| {count_text(size)} | {cold_cells(cold)} |" for size, cold in rows]
    return [*lines, ""]


def cold_cells(cold: ColdStarts) -> str:
    """The medians of both servers' cold starts, their ratio, and each of the app's."""
    floor, app = statistics.median(cold.floor), statistics.median(cold.app)
    each = ", ".join(seconds_text(seconds) for seconds in cold.app)
    return f"{seconds_text(floor)} | {seconds_text(app)} | {times_text(app / floor)} | {each}"
