"""Sessions that speak Streamlit's own WebSocket protocol, to time the server without browsers.

    .venv/bin/python -m bench.protocol http://localhost:8501 --path / --sessions 10

A session opens `/_stcore/stream` as the Streamlit 1.67 frontend does, asks for a run of the
page its URL path names, and reads the server's ForwardMsgs until the first element of a kind
(a `metric` by default) arrives. Nothing is drawn, so ten of them at once load only the server,
where ten headless Chromiums on the same machine would mostly measure the browsers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException
from websockets.typing import Subprotocol

STREAM_PATH = "_stcore/stream"
# The frontend offers "streamlit" then its XSRF token, or this stand-in when it has none.
SUBPROTOCOLS = [Subprotocol("streamlit"), Subprotocol("PLACEHOLDER_AUTH_TOKEN")]
ELEMENTS = frozenset(field.name for field in Element.DESCRIPTOR.oneofs_by_name["type"].fields)
# A run that ends for one of these is over; one ended early for a rerun goes on in the next.
RUN_OVER = frozenset({ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR})


class SessionError(Exception):
    """A session did not see the element it waited for; the message says why."""


def stream_url(base_url: str) -> str:
    """The WebSocket address of the server at `base_url` (http -> ws, https -> wss)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    base_path = parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, f"{base_path}/{STREAM_PATH}", "", ""))


def rerun_request(base_url: str, path: str = "/") -> BackMsg:
    """The BackMsg a browser opening `base_url` + `path` sends to start its first run.

    Like the frontend: the page is named by the URL path after the server's base path (""
    for the default page), the query string goes without its "?", no page script hash, no
    widget states, no cached messages (so the server sends every message whole), and the
    browser's context as a fresh English-language one in UTC.
    """
    page = urlsplit(path)
    base = urlsplit(base_url)
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = page.query
    state.page_name = unquote(page.path).strip("/")
    state.page_script_hash = ""
    state.widget_states.SetInParent()
    context = state.context_info
    context.timezone = "UTC"
    context.timezone_offset = 0
    context.locale = "en-US"
    address = base.path.rstrip("/") + "/" + page.path.lstrip("/")
    context.url = urlunsplit((base.scheme, base.netloc, address, page.query, ""))
    context.is_embedded = False
    context.color_scheme = "light"
    return msg


def _element_kind(msg: ForwardMsg) -> str | None:
    """The kind of element a ForwardMsg adds ("metric", "heading"...), or None."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    return msg.delta.new_element.WhichOneof("type")


async def _session(url: str, request: BackMsg, element: str) -> float:
    """Seconds until `element` arrives; then reads on, untimed, until the run is over."""
    start = time.perf_counter()
    seconds: float | None = None
    errors: list[str] = []
    # No proxy: the server is local, and a proxy in the environment would be timed too.
    async with connect(
        url, subprotocols=SUBPROTOCOLS, max_size=None, proxy=None, open_timeout=None
    ) as socket:
        await socket.send(request.SerializeToString())
        async for frame in socket:
            if isinstance(frame, str):
                raise SessionError(f"{url} sent a text frame; Streamlit sends protobufs")
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                # The request lists no cached messages, so the server must send each whole.
                raise SessionError(f"{url} sent a cached-message reference ({msg.ref_hash})")
            if kind == "page_not_found":
                raise SessionError(f"no page at {request.rerun_script.page_name!r}")
            found = _element_kind(msg)
            if found == element and seconds is None:
                # The rest of the run is not timed but is let finish, as a browser would.
                seconds = time.perf_counter() - start
            elif found == "exception":
                errors.append(msg.delta.new_element.exception.message)
            if kind == "script_finished" and msg.script_finished in RUN_OVER:
                break
    if seconds is None:
        shown = f"; the page raised: {' | '.join(errors)}" if errors else ""
        raise SessionError(f"the run (or connection) ended without a {element!r} element{shown}")
    return seconds


async def first_element_seconds(
    base_url: str, path: str = "/", element: str = "metric", timeout: float = 60
) -> float:
    """Seconds from connecting to the server at `base_url` until it sends the page's first
    `element` (an Element kind: "metric", "heading", "plotly_chart"...).

    `path` is the page's URL path and query string, as a browser would open it ("/",
    "/map?kind=training"). The session stays until the page's run is over, untimed, so that
    sessions together load the server as browsers do. Raises SessionError if the run ends
    without the element, the path names no page, or all this takes longer than `timeout`.
    """
    if element not in ELEMENTS:
        raise ValueError(f"{element!r} is not a kind of Streamlit element")
    url = stream_url(base_url)
    try:
        async with asyncio.timeout(timeout):
            return await _session(url, rerun_request(base_url, path), element)
    except TimeoutError:
        raise SessionError(
            f"no {element!r} element and end of run from {base_url}{path} in {timeout:g} s"
        ) from None
    except (OSError, WebSocketException) as error:
        # Refused, a handshake answered with an HTTP error, or a connection cut off.
        raise SessionError(f"could not reach {url} or lost it: {error}") from error


async def together(
    base_url: str, path: str = "/", count: int = 10, element: str = "metric", timeout: float = 60
) -> list[float]:
    """`count` sessions started at once; each one's seconds until its first `element`."""
    sessions = (first_element_seconds(base_url, path, element, timeout) for _ in range(count))
    return list(await asyncio.gather(*sessions))


def main(argv: Sequence[str] | None = None) -> int:
    """Time one session, then several at once, against a running server; print both."""
    parser = argparse.ArgumentParser(prog="python -m bench.protocol", description=__doc__)
    parser.add_argument("base_url", help="the server, e.g. http://localhost:8501")
    parser.add_argument("--path", default="/", help="the page's URL path and query string")
    parser.add_argument("--element", default="metric", help="the Element kind to wait for")
    parser.add_argument("--sessions", type=int, default=10, help="sessions at once")
    parser.add_argument("--repeats", type=int, default=3, help="single sessions to time")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per session")
    args = parser.parse_args(argv)

    async def measure() -> tuple[list[float], list[float]]:
        # Untimed first, so the server's imports and caches are warm.
        await first_element_seconds(args.base_url, args.path, args.element, args.timeout)
        single = [
            await first_element_seconds(args.base_url, args.path, args.element, args.timeout)
            for _ in range(args.repeats)
        ]
        many = await together(args.base_url, args.path, args.sessions, args.element, args.timeout)
        return single, many

    try:
        single, many = asyncio.run(measure())
    except SessionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    alone = statistics.median(single)
    print(f"one session, median of {len(single)}: {alone:.3f} s")
    print(f"{len(many)} at once: worst {max(many):.3f} s, median {statistics.median(many):.3f} s")
    print(f"worst at once / one alone: {max(many) / alone:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
