"""The report's browser section: fresh page loads beside the one-line app, and the sessions
opening the Overview at once, by browser and by Streamlit's protocol."""

from __future__ import annotations

import os
import statistics

from bench.browser import BrowserResult
from bench.formatting import count_text, seconds_text, times_text
from bench.results import Run


def browser_table(run: Run) -> list[str]:
    """Fresh page loads beside the one-line app, then the sessions at once."""
    lines = [
        "## In the browser",
        "",
        "Time from navigation to the Overview's first tile (`stMetric`) and to the Map's "
        'drawn points (the deck\'s canvas and the caption "N of M matching activities"), in '
        'a fresh browser context each time, beside the one-line app `st.metric("x", 1)` '
        "started the same way (its time is the floor Streamlit itself sets). Loads of the "
        "three are interleaved, and each load waits (untimed) until its script has finished "
        "before the next begins; one untimed load of each comes first, so the server's caches "
        "are warm, as for every visitor after the first.",
        "",
        "| activities | one-line app | Overview | ratio | Map | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in run.sizes:
        result = run.browser.get(size)
        if not result or not result.floor:
            continue
        floor = statistics.median(result.floor)
        over, points = statistics.median(result.overview), statistics.median(result.map)
        lines.append(
            f"| {count_text(size)} | {seconds_text(floor)} | {seconds_text(over)} | "
            f"{times_text(over / floor)} | {seconds_text(points)} | "
            f"{times_text(points / floor)} |"
        )
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
    return [*lines, ""]


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
