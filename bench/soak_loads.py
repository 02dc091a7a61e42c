"""One load of the soak: a fresh session of Streamlit's protocol opens one view and reads every
message of the page's script run, which fails if the run does not finish, lacks the page's
content, or shows an exception, an error, or "The figures are unavailable right now"."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from bench.protocol import RUN_OVER, SUBPROTOCOLS, rerun_request, stream_url
from bench.soak_views import View

LOAD_TIMEOUT = 120.0
# The element that shows each page's content whatever the filters match.
CONTENT = {
    "overview": "metric",
    "trends": "plotly_chart",
    "map": "deck_gl_json_chart",
    "activities": "dataframe",
}
# The start of ctdash.failures.VIEWER_MESSAGE, shown while the store cannot be read.
UNAVAILABLE = "The figures are unavailable right now"


@dataclass
class PageRun:
    """What the server sent for one load: the kinds of element its last script run drew, the
    problems any run showed, and whether the run finished."""

    elements: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    finished: bool = False


def read_run(messages: Iterable[ForwardMsg]) -> PageRun:
    """The elements, problems and end of a page's script run, from the messages it sent."""
    run = PageRun()
    for msg in messages:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            # A rerun starts afresh: only the last run's elements are what the viewer sees.
            run.elements = set()
        elif kind == "page_not_found":
            run.problems.append("no page at this address")
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                run.problems.append("the page did not compile")
            run.finished = msg.script_finished in RUN_OVER
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type")
            if name is None:
                continue
            run.elements.add(name)
            run.problems += element_problems(element)
    return run


def element_problems(element: Element) -> list[str]:
    """What is wrong with one element: an exception, an error, or the store unavailable."""
    name = element.WhichOneof("type")
    if name == "exception":
        return [f"an exception: {element.exception.type}: {element.exception.message}"]
    if name == "alert" and element.alert.format == Alert.ERROR:
        return [f"an error: {element.alert.body}"]
    shown = {
        "alert": element.alert.body,
        "markdown": element.markdown.body,
        "text": element.text.body,
    }
    if name is not None and UNAVAILABLE in shown.get(name, ""):
        return [f"the text {UNAVAILABLE!r}"]
    return []


def judge(page: str, run: PageRun) -> str | None:
    """Why a load of `page` failed, or None if it showed its content and nothing wrong."""
    if run.problems:
        return "; ".join(run.problems)
    if not run.finished:
        return "the script run did not finish"
    if CONTENT[page] not in run.elements:
        return f"no {CONTENT[page]} element (the page's content)"
    return None


async def read_page(base_url: str, path: str) -> list[ForwardMsg]:
    """Every message the server sends a new session opening `path`, until its run is over."""
    messages = []
    async with connect(
        stream_url(base_url), subprotocols=SUBPROTOCOLS, max_size=None, proxy=None
    ) as socket:
        await socket.send(rerun_request(base_url, path).SerializeToString())
        async for frame in socket:
            if isinstance(frame, str):
                break
            msg = ForwardMsg()
            msg.ParseFromString(frame)
            messages.append(msg)
            if msg.WhichOneof("type") == "page_not_found":
                break
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished in RUN_OVER:
                break
    return messages


async def load_failure(base_url: str, view: View, *, timeout: float = LOAD_TIMEOUT) -> str | None:
    """Load one view in a fresh session; why it failed, or None."""
    try:
        async with asyncio.timeout(timeout):
            messages = await read_page(base_url, view.path)
    except TimeoutError:
        return f"no end of the script run in {timeout:g} s"
    except (OSError, WebSocketException) as error:
        return f"could not reach the server or lost it: {error}"
    return judge(view.page, read_run(messages))
