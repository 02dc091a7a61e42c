"""The report's section on where a page load's time goes before the page shows its first
meaningful element, each page beside the one-line app (bench/timeline.py)."""

from __future__ import annotations

import statistics
from collections import defaultdict

from bench.formatting import count_text, seconds_text, times_text
from bench.timeline import (
    FLOOR,
    LAYOUT,
    SCRIPTING,
    Resource,
    Timeline,
    UntilReady,
    chunk_name,
    extra_chunks,
    until_ready,
)

# How many of the heaviest chunks the page loads beyond the floor's are named.
NAMED_CHUNKS = 4


def timeline_section(
    results: dict[str, list[Timeline]], size: int, *, waits_for: dict[str, str] | None = None
) -> list[str]:
    """One table, a row per page with the floor first, of where the time went until ready.

    `results` are bench.timeline.page_timelines' loads by page name, the one-line app under
    FLOOR; `waits_for`, if given, says for each page what its load waits for.
    """
    names = sorted(results, key=lambda name: name != FLOOR)
    summaries = {name: [until_ready(t) for t in results[name] if not t.traced] for name in names}
    floor = summaries.get(FLOOR, [])
    floor_ready = median([s.ready_ms for s in floor]) if floor else None
    # Every file the floor loaded before ready in any load, once each.
    floor_scripts = list({script.name: script for s in floor for script in s.scripts}.values())
    loads = max((len(s) for s in summaries.values()), default=0)
    traced = max((sum(t.traced for t in results[name]) for name in names), default=0)
    waits = "; ".join(f"{name}: {what}" for name, what in (waits_for or {}).items())
    lines = [
        "## Where the time goes",
        "",
        f"One page load taken apart, at {count_text(size)} activities: medians of {loads} "
        "fresh loads of each page in Chromium, interleaved, after one untimed load of each. "
        "Each is timed from the start of the navigation until the page's first meaningful "
        f"element shows{f' ({waits})' if waits else ''}. The times are **this machine's**, "
        "taken while the browser reports every request and WebSocket frame to the benchmark, "
        "which costs time of its own: read a page's row beside the one-line app's "
        '(`st.metric("x", 1)`, the floor Streamlit itself sets), not as absolute figures.',
        "",
        "| page | ready | rerun sent | first delta | messages until ready | heaviest messages "
        "| JS files until ready | last JS arrived | ready − last JS | main thread: scripting "
        "/ style and layout | JS the floor does not load |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for name in names:
        if not summaries[name]:
            continue
        mains = [t.main_thread for t in results[name] if t.main_thread is not None]
        extra = "—" if name == FLOOR or not floor else extra_text(summaries[name], floor_scripts)
        lines.append(
            f"| {name} | {ready_text(summaries[name], floor_ready, name)} | "
            f"{moments_text(summaries[name])} | {messages_text(summaries[name])} | "
            f"{kinds_text(summaries[name])} | {scripts_text(summaries[name])} | "
            f"{last_script_text(summaries[name])} | {main_thread_text(mains)} | {extra} |"
        )
    lines += [
        "",
        "*Rerun sent*: the frontend's JavaScript has started and asks the server for the "
        "page's run, its first WebSocket message. *First delta*: the server's first element "
        "or block arrives. *Messages until ready*: the ForwardMsgs received before ready, "
        "count and bytes; the heaviest are the three kinds of element (or message) that "
        "weighed most. *JS files*: those that had arrived before ready, count and decoded "
        "size, and when the last arrived. *Main thread*: the renderer's main thread until "
        f"ready, self time of each kind of work, from {traced} further loads of each page "
        "traced by Chromium (tracing slows a page, so these loads are used for nothing else). "
        "*JS the floor does not load*: the chunks a page loads before ready that the one-line "
        "app does not, compared by name without the build's hash, the largest named.",
        "",
    ]
    return lines


def ready_text(summaries: list[UntilReady], floor_ready: float | None, name: str) -> str:
    """The median time until ready, and its ratio to the floor's: "2,258 ms (1.71×)"."""
    ready = median([s.ready_ms for s in summaries])
    if name == FLOOR or floor_ready is None:
        return ms_text(ready)
    return f"{ms_text(ready)} ({times_text(ready / floor_ready)})"


def moments_text(summaries: list[UntilReady]) -> str:
    """When the rerun was sent and the first delta arrived, two cells."""
    sent = median_or_none([s.rerun_sent_ms for s in summaries])
    delta = median_or_none([s.first_delta_ms for s in summaries])
    return f"{ms_text(sent)} | {ms_text(delta)}"


def messages_text(summaries: list[UntilReady]) -> str:
    """The messages received before ready: "91 / 94 KB"."""
    count = median([s.messages for s in summaries])
    return f"{count:,.0f} / {size_text(median([s.message_bytes for s in summaries]))}"


def kinds_text(summaries: list[UntilReady]) -> str:
    """The three kinds of message that weighed most, by their median bytes over the loads."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for summary in summaries:
        for kind, size in summary.message_kinds:
            by_kind[kind].append(size)
    # A kind missing from a load weighed nothing in it.
    weights = {
        kind: median(sizes + [0] * (len(summaries) - len(sizes))) for kind, sizes in by_kind.items()
    }
    heaviest = sorted(weights.items(), key=lambda item: item[1], reverse=True)[:3]
    return ", ".join(f"{kind} {size_text(size)}" for kind, size in heaviest) or "—"


def scripts_text(summaries: list[UntilReady]) -> str:
    """The JavaScript files that arrived before ready: "76 / 5.1 MB"."""
    count = median([len(s.scripts) for s in summaries])
    return f"{count:,.0f} / {size_text(median([s.script_bytes for s in summaries]))}"


def last_script_text(summaries: list[UntilReady]) -> str:
    """When the last JavaScript file arrived, and the time from then until ready: two cells."""
    last = median_or_none([s.last_script_ms for s in summaries])
    gaps = [s.ready_ms - s.last_script_ms for s in summaries if s.last_script_ms is not None]
    return f"{ms_text(last)} | {ms_text(median(gaps) if gaps else None)}"


def main_thread_text(splits: list[dict[str, float]]) -> str:
    """Scripting and style-and-layout self time until ready, median of the traced loads."""
    if not splits:
        return "—"
    scripting = median([split[SCRIPTING] for split in splits])
    layout = median([split[LAYOUT] for split in splits])
    return f"{ms_text(scripting)} / {ms_text(layout)}"


def extra_text(summaries: list[UntilReady], floor_scripts: list[Resource]) -> str:
    """The chunks a page loads before ready beyond the floor's: how many and how much, then
    the heaviest of those extra in at least half the loads, by name:
    "+37, 3.6 MB: DeckGlJsonChart 3.0 MB, expression 94 KB, …"."""
    extras = [extra_chunks(s.scripts, floor_scripts) for s in summaries]
    sizes_by_name: dict[str, list[int]] = defaultdict(list)
    for extra in extras:
        per_load: dict[str, int] = defaultdict(int)
        for script in extra:
            per_load[chunk_name(script.name)] += script.decoded_bytes
        for name, size in per_load.items():
            sizes_by_name[name].append(size)
    common = {
        name: median(sizes)
        for name, sizes in sizes_by_name.items()
        if 2 * len(sizes) >= len(summaries)
    }
    count = median([len(extra) for extra in extras])
    if not count:
        return "none"
    weight = median([sum(s.decoded_bytes for s in extra) for extra in extras])
    heaviest = sorted(common.items(), key=lambda item: item[1], reverse=True)
    named = ", ".join(f"{name} {size_text(size)}" for name, size in heaviest[:NAMED_CHUNKS])
    more = ", …" if len(heaviest) > NAMED_CHUNKS else ""
    return f"+{count:,.0f}, {size_text(weight)}: {named}{more}"


def ms_text(ms: float | None) -> str:
    """Milliseconds as the report writes times: "918 ms", "10.9 s", or "—" for none."""
    return seconds_text(None if ms is None else ms / 1000)


def size_text(size: float) -> str:
    """Bytes as a reader takes them in: "402 B", "2.2 KB", "94 KB", "3.6 MB"."""
    if size < 1000:
        return f"{size:,.0f} B"
    if size < 10_000:
        return f"{size / 1000:,.1f} KB"
    if size < 1_000_000:
        return f"{size / 1000:,.0f} KB"
    return f"{size / 1_000_000:,.1f} MB"


def median(values: list[float] | list[int]) -> float:
    """The median of some values."""
    return float(statistics.median(values))


def median_or_none(values: list[float | None]) -> float | None:
    """The median of the values that are there, or None if none is."""
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None
