"""Where one page load's time goes before its first meaningful element, in Chromium: the
resources fetched, the WebSocket messages to and from the server, and (when traced) what the
renderer's main thread did, all timed in milliseconds from the start of the navigation."""

from __future__ import annotations

import asyncio
import base64
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.chromium import (
    BROWSER_TIMEOUT_MS,
    Ready,
    guarded_context,
    launched_chromium,
    ready_ms,
    script_finished,
)
from bench.measuring import BenchError

# The name page_timelines' caller gives the one-line app, which the report sets the pages beside.
FLOOR = "one-line app"

# Enough for every resource a page fetches: the Map loads more than Chromium's default 250.
RESOURCE_BUFFER_JS = "performance.setResourceTimingBufferSize(5000)"
RESOURCES_JS = """() => performance.getEntriesByType("resource").map((e) => ({
  name: e.name, start: e.startTime, end: e.responseEnd, transfer: e.transferSize,
  decoded: e.decodedBodySize, initiator: e.initiatorType }))"""
FETCH_START_JS = '() => performance.getEntriesByType("navigation")[0].fetchStart'

TRACE_CATEGORIES = ",".join(
    [
        "__metadata",
        "toplevel",
        "loading",
        # navigationStart, by which the page's renderer is found.
        "blink.user_timing",
        "devtools.timeline",
        "disabled-by-default-devtools.timeline",
        "v8",
        "v8.execute",
        "disabled-by-default-v8.compile",
        "disabled-by-default-v8.gc",
    ]
)
SCRIPTING, LAYOUT, PAINTING, OTHER = "scripting", "style and layout", "painting", "other"
CATEGORIES = (SCRIPTING, LAYOUT, PAINTING, OTHER)
# Trace events by name, as Chromium's DevTools groups them in its performance panel.
EVENT_CATEGORIES = {
    **dict.fromkeys(
        [
            "FunctionCall",
            "EvaluateScript",
            "RunMicrotasks",
            "FireAnimationFrame",
            "FireIdleCallback",
            "TimerFire",
            "EventDispatch",
            "HandlePostMessage",
            "XHRReadyStateChange",
            "XHRLoad",
            "MinorGC",
            "MajorGC",
            "BlinkGC.AtomicPhase",
        ],
        SCRIPTING,
    ),
    **dict.fromkeys(
        [
            "UpdateLayoutTree",
            "RecalcStyles",
            "ParseAuthorStyleSheet",
            "Layout",
            "UpdateLayerTree",
            "HitTest",
            "PrePaint",
            "Layerize",
            "IntersectionObserverController::computeIntersections",
        ],
        LAYOUT,
    ),
    **dict.fromkeys(
        [
            "Paint",
            "PaintImage",
            "Decode Image",
            "UpdateLayer",
            "CompositeLayers",
            "Commit",
            "RasterTask",
        ],
        PAINTING,
    ),
}
# A file name's content hash, as Streamlit's frontend build appends it: "Html.C2xq9Lbe.js".
CHUNK_HASH = re.compile(r"\.[A-Za-z0-9_-]{8}$")


@dataclass(frozen=True)
class Resource:
    """A resource the page fetched, from the Resource Timing API: its URL, when it was
    requested and when its last byte arrived (ms), and its size over the wire and decoded."""

    name: str
    start_ms: float
    end_ms: float
    transfer_bytes: int
    decoded_bytes: int
    initiator: str


@dataclass(frozen=True)
class Frame:
    """A WebSocket frame: when it was sent or received (ms), its size, and the message it
    holds: a ForwardMsg's or BackMsg's type ("delta", "rerun_script"), and for a delta the
    element it adds ("metric") or the block ("block:column")."""

    ms: float
    outbound: bool
    size: int
    kind: str
    detail: str = ""


@dataclass
class Timeline:
    """One fresh load of `url`: when it was ready, what it fetched and exchanged with the
    server, and, when traced, the main thread's self time until ready by category (ms)."""

    url: str
    ready_ms: float
    resources: list[Resource]
    frames: list[Frame]
    main_thread: dict[str, float] | None = None

    @property
    def traced(self) -> bool:
        """Whether the load was traced, which slows it: its times are not comparable."""
        return self.main_thread is not None


@dataclass(frozen=True)
class UntilReady:
    """A load summed up until ready (times in ms from the start of the navigation).

    `message_kinds`: the three kinds of ForwardMsg that weighed most, largest first, with
    their bytes; `scripts`: the JavaScript files that had arrived.
    """

    ready_ms: float
    rerun_sent_ms: float | None
    first_delta_ms: float | None
    messages: int
    message_bytes: int
    message_kinds: list[tuple[str, int]]
    scripts: list[Resource]
    main_thread: dict[str, float] | None

    @property
    def script_bytes(self) -> int:
        """The JavaScript's decoded size."""
        return sum(script.decoded_bytes for script in self.scripts)

    @property
    def last_script_ms(self) -> float | None:
        """When the last JavaScript file before ready arrived."""
        return max((script.end_ms for script in self.scripts), default=None)


@dataclass
class _Capture:
    """What a CDP session reports during a load, as it comes: the document request's time
    and the WebSocket frames (monotonic seconds), and the trace's events."""

    document_at: float | None = None
    frames: list[tuple[float, bool, int, str]] = field(default_factory=list)
    trace_events: list[dict[str, Any]] = field(default_factory=list)
    trace_done: asyncio.Event = field(default_factory=asyncio.Event)

    def listen(self, cdp: Any) -> None:
        """Record the events of `cdp` from now on."""
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.webSocketFrameSent", lambda event: self._frame(event, outbound=True))
        cdp.on("Network.webSocketFrameReceived", lambda event: self._frame(event, outbound=False))
        cdp.on("Tracing.dataCollected", lambda event: self.trace_events.extend(event["value"]))
        cdp.on("Tracing.tracingComplete", lambda _: self.trace_done.set())

    def _request(self, event: dict[str, Any]) -> None:
        if event.get("type") == "Document" and self.document_at is None:
            self.document_at = event["timestamp"]

    def _frame(self, event: dict[str, Any], *, outbound: bool) -> None:
        response = event["response"]
        self.frames.append(
            (event["timestamp"], outbound, response["opcode"], response["payloadData"])
        )


async def traced_load(browser: Any, url: str, ready: Ready, *, trace: bool) -> Timeline:
    """Load `url` in a fresh context of `browser` until `ready` holds, recording what it
    fetched and the WebSocket frames, and with `trace` the main thread until ready; then wait,
    untimed, until the page's script run has finished, so that its rest does not slow the
    next load.

    `ready` is timed as bench.chromium.timed_load times it: checked on every animation frame,
    by the page's own clock.
    """
    from playwright.async_api import expect

    context = await guarded_context(browser)
    try:
        await context.add_init_script(RESOURCE_BUFFER_JS)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        capture = _Capture()
        capture.listen(cdp)
        await cdp.send("Network.enable")
        if trace:
            await cdp.send(
                "Tracing.start",
                {"categories": TRACE_CATEGORIES, "transferMode": "ReportEvents"},
            )
        await page.goto(url, wait_until="commit", timeout=BROWSER_TIMEOUT_MS)
        ready_at = await ready_ms(page, ready)
        if trace:
            await cdp.send("Tracing.end")
            await asyncio.wait_for(capture.trace_done.wait(), BROWSER_TIMEOUT_MS / 1000)
        for locator in ready.locators(page):
            await expect(locator).to_be_visible(timeout=BROWSER_TIMEOUT_MS)
        await script_finished(page)
        resources = [_resource(entry) for entry in await page.evaluate(RESOURCES_JS)]
        fetch_start_ms = float(await page.evaluate(FETCH_START_JS))
    finally:
        await context.close()
    if capture.document_at is None:
        raise BenchError(f"the browser reported no document request for {url}")
    # CDP's times are monotonic seconds, the page's are ms from its navigation; the document
    # request leaves at the navigation's fetchStart, which ties the two clocks together.
    zero = capture.document_at - fetch_start_ms / 1000
    frames = [_frame(*frame, zero=zero) for frame in capture.frames]
    split = None
    if trace:
        start_us = zero * 1e6
        split = main_thread_split(capture.trace_events, start_us, start_us + ready_at * 1e3)
    return Timeline(url, ready_at, resources, frames, split)


def _resource(entry: dict[str, Any]) -> Resource:
    """A Resource Timing entry as the page reported it."""
    return Resource(
        name=entry["name"],
        start_ms=float(entry["start"]),
        end_ms=float(entry["end"]),
        transfer_bytes=int(entry["transfer"]),
        decoded_bytes=int(entry["decoded"]),
        initiator=entry["initiator"],
    )


def _frame(at: float, outbound: bool, opcode: int, payload: str, *, zero: float) -> Frame:
    """A frame CDP reported (`at` in monotonic seconds), timed from `zero` and decoded:
    binary frames (opcode 2) come base64-encoded and hold Streamlit's protobufs."""
    ms = (at - zero) * 1000
    if opcode != 2:
        return Frame(ms, outbound, len(payload.encode()), "text")
    data = base64.b64decode(payload)
    kind, detail = back_message_kind(data) if outbound else forward_message_kind(data)
    return Frame(ms, outbound, len(data), kind, detail)


def forward_message_kind(data: bytes) -> tuple[str, str]:
    """A ForwardMsg's type, and for a delta what it adds: ("delta", "metric"),
    ("delta", "block:column"), ("script_finished", "")."""
    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        return "undecoded", ""
    kind = msg.WhichOneof("type") or "empty"
    if kind != "delta":
        return kind, ""
    delta = msg.delta
    change = delta.WhichOneof("type") or "empty"
    if change == "new_element":
        return kind, delta.new_element.WhichOneof("type") or "empty"
    if change == "add_block":
        return kind, f"block:{delta.add_block.WhichOneof('type') or 'vertical'}"
    return kind, change


def back_message_kind(data: bytes) -> tuple[str, str]:
    """A BackMsg's type ("rerun_script", "app_heartbeat"), with no detail."""
    msg = BackMsg()
    try:
        msg.ParseFromString(data)
    except DecodeError:
        return "undecoded", ""
    return msg.WhichOneof("type") or "empty", ""


def main_thread_split(
    events: list[dict[str, Any]], start_us: float, end_us: float
) -> dict[str, float]:
    """The renderer main thread's busy time between two trace times (µs), in ms by category.

    Trace events nest (a task runs a function call, which compiles code), so each event
    counts only its self time: its duration less its children's. An event whose name says
    nothing of its category (a V8 internal, a task wrapper) takes its nearest ancestor's, and
    "other" at the top: the time of tasks themselves, HTML parsing, messages between processes.
    """
    threads = _renderer_main_threads(events)
    spans = sorted(
        (e for e in events if e.get("ph") == "X" and (e.get("pid"), e.get("tid")) in threads),
        key=lambda e: (e["ts"], -e.get("dur", 0)),
    )
    split = dict.fromkeys(CATEGORIES, 0.0)
    # The events enclosing the current one: where each ends, and its category.
    open_spans: list[tuple[float, str]] = []
    for event in spans:
        begin = event["ts"]
        while open_spans and open_spans[-1][0] <= begin:
            open_spans.pop()
        end = begin + event.get("dur", 0)
        parent = open_spans[-1] if open_spans else None
        if parent is not None:
            end = min(end, parent[0])
        category = _category(event) or (parent[1] if parent else OTHER)
        inside = max(0.0, min(end, end_us) - max(begin, start_us))
        split[category] += inside
        if parent is not None:
            split[parent[1]] -= inside
        open_spans.append((end, category))
    return {category: micros / 1000 for category, micros in split.items()}


def _renderer_main_threads(events: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """The main thread of the renderer that loaded the page: the one that began navigating
    to an http(s) address (the first about:blank is another navigation)."""
    return {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "navigationStart"
        and str(e.get("args", {}).get("data", {}).get("documentLoaderURL", "")).startswith("http")
    }


def _category(event: dict[str, Any]) -> str | None:
    """A trace event's category by its name, V8's own events as scripting; None if unknown."""
    name = event.get("name", "")
    known = EVENT_CATEGORIES.get(name)
    if known is not None:
        return known
    # V8's own categories: "v8", "v8.execute", "disabled-by-default-v8.compile" and the like.
    return SCRIPTING if "v8" in event.get("cat", "") else None


def until_ready(timeline: Timeline) -> UntilReady:
    """What happened in `timeline` until its page was ready."""
    ready = timeline.ready_ms
    inbound = [f for f in timeline.frames if not f.outbound and f.ms <= ready]
    reruns = [f.ms for f in timeline.frames if f.outbound and f.kind == "rerun_script"]
    deltas = [f.ms for f in inbound if f.kind == "delta"]
    weights: Counter[str] = Counter()
    for frame in inbound:
        weights[frame.detail or frame.kind] += frame.size
    scripts = [r for r in timeline.resources if is_script(r) and r.end_ms <= ready]
    return UntilReady(
        ready_ms=ready,
        rerun_sent_ms=min(reruns, default=None),
        first_delta_ms=min(deltas, default=None),
        messages=len(inbound),
        message_bytes=sum(f.size for f in inbound),
        message_kinds=weights.most_common(3),
        scripts=sorted(scripts, key=lambda r: r.end_ms),
        main_thread=timeline.main_thread,
    )


def is_script(resource: Resource) -> bool:
    """Whether a resource is a JavaScript file, by its address."""
    return urlsplit(resource.name).path.endswith(".js")


def chunk_name(url: str) -> str:
    """A JavaScript chunk's name without folder, hash and extension:
    ".../static/js/DeckGlJsonChart.B1x2y3z4.js" -> "DeckGlJsonChart"."""
    file_name = urlsplit(url).path.rsplit("/", 1)[-1].removesuffix(".js")
    return CHUNK_HASH.sub("", file_name)


def extra_chunks(scripts: list[Resource], floor_scripts: list[Resource]) -> list[Resource]:
    """The scripts whose chunk the floor did not load, compared by name without hash.

    A few names belong to several chunks ("lib", "utils"): each of the floor's chunks of a
    name excuses one of the page's, the very same file first, so that a name shared with the
    floor still shows the page's further chunks of it.
    """
    left = Counter(chunk_name(script.name) for script in floor_scripts)
    floor_files = {urlsplit(script.name).path for script in floor_scripts}
    extra = []
    for script in sorted(scripts, key=lambda s: urlsplit(s.name).path not in floor_files):
        name = chunk_name(script.name)
        if left[name]:
            left[name] -= 1
        else:
            extra.append(script)
    return sorted(extra, key=lambda s: s.decoded_bytes, reverse=True)


async def page_timelines(
    url_by_name: dict[str, tuple[str, Ready]], *, loads: int, traced: int
) -> dict[str, list[Timeline]]:
    """Fresh loads of each page, `loads` untraced then `traced` traced, interleaved page by
    page as bench/browser.py interleaves them, after one untimed load of each so that the
    server's imports and cached reads are warm.

    Times are read from the untraced loads; the traced ones only for the main thread's
    split, since tracing slows the page.
    """
    timelines: dict[str, list[Timeline]] = {name: [] for name in url_by_name}
    async with launched_chromium() as browser:
        for url, ready in url_by_name.values():
            await traced_load(browser, url, ready, trace=False)
        for round_number in range(loads + traced):
            for name, (url, ready) in url_by_name.items():
                load = await traced_load(browser, url, ready, trace=round_number >= loads)
                timelines[name].append(load)
    return timelines


def measure_timelines(
    url: str, workdir: Path, *, loads: int, traced: int, progress: Callable[[str], None]
) -> dict[str, list[Timeline]]:
    """The `timeline` part: the store at `url` served as deployed beside the one-line app,
    each page taken apart (page_timelines) with the one-line app first."""
    # Imported here: bench.browser's loads are measured beside these, not built on them.
    from bench.browser import page_plan
    from bench.chromium import FIRST_TILE
    from bench.servers import ONE_LINE_APP, SERVED_APP, served

    floor_script = workdir / "one_line_app.py"
    floor_script.write_text(ONE_LINE_APP)
    with (
        served(floor_script, workdir / "one-line-timeline.log") as (floor_url, _),
        served(SERVED_APP, workdir / "app-timeline.log", database_url=url) as (app_url, _),
    ):
        plan = {FLOOR: (f"{floor_url}/", FIRST_TILE), **page_plan(app_url)}
        progress(f"timeline: {len(plan)} pages, {loads} loads and {traced} traced each")
        return asyncio.run(page_timelines(plan, loads=loads, traced=traced))
