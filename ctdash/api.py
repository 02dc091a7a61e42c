"""The open data API beside the pages (`/api/v1/...`), read-only: the routes, and HTTP done
properly — an ETag from the data version and the day (what is due or overdue changes with the
day) with 304 on If-None-Match, CORS for GET from any origin, RFC 9457 problem details naming
a bad parameter in the pages' words, streamed bodies.

Nobody is signed in here: every answer is what a viewer who is not signed in may see.
"""

from __future__ import annotations

import hashlib
import html
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qs

import anyio
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ctdash import (
    cards,
    export,
    failures,
    freshness,
    openapi,
    opendata,
    preload,
    queries,
    urlstate,
    views,
)
from ctdash.config import ConfigError
from ctdash.contents import TITLE
from ctdash.db import make_engine

logger = logging.getLogger("ctdash.api")

PREFIX = "/api/v1"
# Clients may keep an answer a minute, then ask again with its ETag (a 304 costs nothing).
CACHE = "public, max-age=60, must-revalidate"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Max-Age": "86400",
}
MEDIA = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "zip": "application/zip",
}
PROBLEM = "application/problem+json"
FAILED = "The data could not be made because of an error on the server, which has been recorded."


@cache
def store() -> Engine:
    """The process's store for the API's reads (its own pool beside the pages')."""
    return make_engine()


def _params(request: Request) -> dict[str, list[str]]:
    return parse_qs(request.url.query, keep_blank_values=True)


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An RFC 9457 problem details answer."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=CORS)


def _etag(request: Request, version: int, today: date) -> str:
    what = f"{request.url.path}?{request.url.query}".encode()
    return f'"{version}-{today:%Y%m%d}-{hashlib.sha256(what).hexdigest()[:16]}"'


def today_of(request: Request) -> date:
    """The day an answer is made for (freshness.clock when the request came in): the states
    of the figures are of that day, and its ETag names it."""
    day: date = request.state.today
    return day


def _unchanged(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return etag in tags


Body = Callable[[Engine, Request, int], Response | Iterator[bytes] | bytes | Any]


def endpoint(media: str, body: Body, *, filename: str | None = None) -> Callable[..., Response]:
    """A GET route: the data version and the day read first, 304 when the client's copy is
    current, the body made by `body(engine, request, version)` (the day: today_of(request)),
    failures in one sentence."""

    def answer(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=PREFLIGHT)
        try:
            engine = store()
            version = queries.data_version(engine)
            today = request.state.today = freshness.clock()
            etag = _etag(request, version, today)
            headers = {**CORS, "ETag": etag, "Cache-Control": CACHE}
            if filename:
                headers["Content-Disposition"] = f'attachment; filename="{filename}"'
            if _unchanged(request, etag):
                return Response(status_code=304, headers=headers)
            key = (version, today, request.url.path, request.url.query)
            if (kept := ANSWERS.get(key)) is not None:
                return Response(kept[0], media_type=kept[1], headers=headers)
            answer = _response(body(engine, request, version), media, headers)
            if not isinstance(answer, StreamingResponse) and answer.status_code == 200:
                ANSWERS.put(key, (bytes(answer.body), answer.media_type or media))
            return answer
        except (opendata.BadParameters, cards.CardError) as error:
            if isinstance(error, cards.CardError):
                return problem(404, "No such figure", str(error))
            return problem(
                400,
                "A parameter cannot be used",
                str(error),
                **{"invalid-params": [{"name": n, "reason": r} for n, r in error.problems]},
            )
        except ConfigError as error:
            logger.error(failures.operator_line(error))
            return problem(503, "Unavailable", failures.UNREACHABLE)
        except failures.STORE_FAILURES as error:
            logger.warning(failures.log_line(error))
            return problem(503, "Unavailable", failures.UNREACHABLE)
        except Exception as error:
            logger.error(
                "%s failed: %s", request.url.path, failures.log_line(error), exc_info=error
            )
            return problem(500, "Failed", FAILED)

    return answer


# What an answer is kept by: the data version, the day, the path and the query.
AnswerKey = tuple[int, date, str, str]


class Answers:
    """The last answers made whole (not streamed), by data version, day, path and query: asked
    again the same day before the next commit, each is sent as it was made."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.kept: OrderedDict[AnswerKey, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: AnswerKey) -> tuple[bytes, str] | None:
        """The answer kept for a key, if any."""
        with self.lock:
            if key in self.kept:
                self.kept.move_to_end(key)
                return self.kept[key]
            return None

    def put(self, key: AnswerKey, answer: tuple[bytes, str]) -> None:
        """Keep an answer, forgetting the least recently asked beyond the size."""
        with self.lock:
            self.kept[key] = answer
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


ANSWERS = Answers(256)


def _response(made: Any, media: str, headers: dict[str, str]) -> Response:
    if isinstance(made, Response):
        made.headers.update(headers)
        return made
    if isinstance(made, bytes):
        return Response(made, media_type=media, headers=headers)
    if isinstance(made, dict | list):
        return JSONResponse(made, headers=headers)
    # The first chunk is made before the answer starts, so that a store that cannot be read
    # gets its 503; a failure later can only end the body early, with one line in the log.
    chunks = iter(made)
    first = next(chunks, b"")
    return StreamingResponse(_guarded(first, chunks), media_type=media, headers=headers)


def _guarded(first: bytes, chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    try:
        yield from chunks
    except failures.STORE_FAILURES as error:
        # The connection is cut without the body's last chunk, so that no client takes the
        # part for the whole.
        logger.warning("a streamed answer was cut: %s", failures.log_line(error))
        raise StreamCut from None


class StreamCut(Exception):
    """A streamed answer whose store failed after it began; the connection is cut."""


class CutStreams:
    """Ends a request whose streamed answer was cut (StreamCut) without its last chunk: the
    client sees the transfer fail, and the log has the one line _guarded wrote."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except StreamCut:
            return


def _head(engine: Engine, version: int) -> dict[str, Any]:
    head: dict[str, Any] = {"data_version": version}
    if queries.is_synthetic(engine):
        head["synthetic"] = "These figures are synthetic, made for a demonstration: not real."
    return head


def indicators_json(engine: Engine, request: Request, version: int) -> dict:
    today = today_of(request)
    return {
        **_head(engine, version),
        "today": today.isoformat(),
        "indicators": opendata.json_records(opendata.indicators_table(engine, today=today)),
    }


def indicators_csv(engine: Engine, request: Request, _version: int) -> bytes:
    return export.to_csv_bytes(opendata.indicators_table(engine, today=today_of(request)))


def notes_json(engine: Engine, _request: Request, version: int) -> dict:
    return {**_head(engine, version), "notes": opendata.json_records(opendata.notes_table(engine))}


def notes_csv(engine: Engine, _request: Request, _version: int) -> bytes:
    return export.to_csv_bytes(opendata.notes_table(engine))


def observations_json(engine: Engine, request: Request, version: int) -> dict:
    frame = opendata.observations_table(engine, _params(request))
    return {**_head(engine, version), "observations": opendata.json_records(frame)}


def observations_csv(engine: Engine, request: Request, _version: int) -> bytes:
    return export.to_csv_bytes(opendata.observations_table(engine, _params(request)))


def activities_csv(engine: Engine, request: Request, _version: int) -> Iterator[bytes]:
    flt = opendata.activity_filter(engine, _params(request))
    return opendata.csv_chunks(opendata.activity_pages(engine, flt), opendata.activity_columns())


def activities_json(engine: Engine, request: Request, version: int) -> Iterator[bytes]:
    flt = opendata.activity_filter(engine, _params(request))
    pages = opendata.activity_pages(engine, flt)
    return opendata.json_chunks(pages, _head(engine, version), "activities")


def activities_geojson(engine: Engine, request: Request, version: int) -> Iterator[bytes]:
    flt = opendata.activity_filter(engine, _params(request))
    return opendata.geojson_chunks(opendata.activity_pages(engine, flt), _head(engine, version))


def datapackage_json(engine: Engine, _request: Request, version: int) -> dict:
    return opendata.datapackage(
        opendata.package_sources(engine),
        data_version=version,
        synthetic=queries.is_synthetic(engine),
    )


def data_zip(engine: Engine, request: Request, version: int) -> Iterator[bytes]:
    return opendata.data_zip(
        engine,
        data_version=version,
        synthetic=queries.is_synthetic(engine),
        today=today_of(request),
    )


def openapi_json(_engine: Engine, _request: Request, _version: int) -> dict:
    return openapi.document(PREFIX)


def index(_engine: Engine, _request: Request, _version: int) -> Response:
    return Response(openapi.index_html(PREFIX), media_type="text/html; charset=utf-8")


def not_found(request: Request) -> Response:
    """Any other path under the API: 404 in problem details, listing what there is."""
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=PREFLIGHT)
    return problem(
        404,
        "No such data",
        f"{request.url.path} is not one of the API's paths; {PREFIX}/ lists them.",
    )


# --- embeds and link previews -------------------------------------------------------------------


@lru_cache(maxsize=256)
def _tile(version: int, code: str, theme: str, fmt: str) -> bytes:
    card = cards.tile(store(), code)
    return cards.tile_svg(card, theme).encode() if fmt == "svg" else cards.tile_png(card, theme)


def tile(_engine: Engine, request: Request, version: int) -> Response:
    """One indicator as a card, SVG or PNG, light or dark (?theme=dark)."""
    code, fmt = request.path_params["code"], request.path_params["fmt"]
    if fmt not in TILE_FORMATS:
        raise cards.CardError(f"A card is an .svg or a .png, not a .{fmt[:10]}.")
    theme = request.query_params.get("theme", "light")
    if theme not in cards.THEMES:
        raise opendata.BadParameters(
            [("theme", f"'{theme[:40]}' is not a theme; the themes are light and dark.")]
        )
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    return Response(_tile(version, code, theme, fmt), media_type=media)


@lru_cache(maxsize=128)
def _preview(version: int, page: str, query: str) -> bytes:
    """A view's preview image, once per data version and view as its page decodes it."""
    made = cards.preview(store(), views.decode_link(store(), f"/{page}?{query}"))
    return cards.preview_png(made)


def preview(_engine: Engine, request: Request, version: int) -> Response:
    """A page's view as a 1200 × 630 PNG, for link previews; cached per data version."""
    page = request.path_params["page"]
    if page not in PREVIEWED:
        raise cards.CardError(f"'{page[:40]}' is not a page with a preview.")
    view = views.decode_link(store(), f"/{page}?{request.url.query}")
    query = urlstate.query_string(view.params)
    return Response(_preview(version, page, query), media_type="image/png")


PREVIEWED = ("overview", "trends", "map", "activities")
TILE_FORMATS = ("svg", "png")
METHODS = ["GET", "HEAD", "OPTIONS"]


def _route(path: str, media: str, body: Body, **options: Any) -> Route:
    return Route(f"{PREFIX}/{path}", endpoint(media, body, **options), methods=METHODS)


ROUTES = [
    _route("", "text/html", index),
    _route("openapi.json", MEDIA["json"], openapi_json),
    _route("indicators.json", MEDIA["json"], indicators_json),
    _route("indicators.csv", MEDIA["csv"], indicators_csv),
    _route("observations.json", MEDIA["json"], observations_json),
    _route("observations.csv", MEDIA["csv"], observations_csv),
    _route("notes.json", MEDIA["json"], notes_json),
    _route("notes.csv", MEDIA["csv"], notes_csv),
    _route("activities.json", MEDIA["json"], activities_json),
    _route("activities.csv", MEDIA["csv"], activities_csv),
    _route("activities.geojson", MEDIA["geojson"], activities_geojson),
    _route("datapackage.json", MEDIA["json"], datapackage_json),
    _route("data.zip", MEDIA["zip"], data_zip, filename="ctdash-data.zip"),
    Route(PREFIX + "/{rest:path}", not_found, methods=METHODS),
    Route(
        "/embed/tile/{code}.{fmt:str}",
        endpoint("image/svg+xml", tile),
        methods=METHODS,
    ),
    Route("/preview/{page}.png", endpoint("image/png", preview), methods=METHODS),
]


class LinkPreviews:
    """Open Graph and Twitter Card tags in each page's HTML: a title, a sentence stating the
    figures of exactly that view, and its preview image (/preview/{page}.png with the page's
    parameters), so that a link pasted into Teams, Outlook or Slack shows the figures.

    Streamlit serves the same index.html at every page's path; this adds the tags to it, and
    the page's style, the app's root and the hints that fetch its heaviest element's code early
    (ctdash.preload.head), and leaves every other answer as it is. A view that cannot be read gets
    no tags.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not _page_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(raw=list(start["headers"]))
            html_page = "text/html" in headers.get("content-type", "")
            if start["status"] == 200 and html_page and "content-encoding" not in headers:
                body = await _tagged_within(TAGS_SECONDS, body, _url(scope))
                body = with_preloads(body, scope["path"].strip("/"))
                headers["content-length"] = str(len(body))
                for validator in ("etag", "last-modified"):
                    if validator in headers:
                        del headers[validator]
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        # Streamlit compresses the page it serves when asked; asked for it plain, this can add
        # the tags (the page is 9 kB).
        plain = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        await self.app({**scope, "headers": plain}, receive, tagged)


# How long a page's HTML waits for its link preview's tags. They are kept once made (per data
# version and address) and the default views' are made at start, so a store that answers gives
# them in milliseconds; a store that hangs must not hold the page blank while the page itself
# finds the store down and says so.
TAGS_SECONDS = 2.0


async def _tagged_within(seconds: float, page: bytes, url: str) -> bytes:
    """The page with its tags (with_tags), or as it is if they take longer than `seconds`; they
    are still made, and kept, for the next visitor."""
    try:
        with anyio.fail_after(seconds):
            return await anyio.to_thread.run_sync(with_tags, page, url, abandon_on_cancel=True)
    except TimeoutError:
        logger.warning("link preview of %s: left out, no answer within %g s", url, seconds)
        return page


def with_preloads(page: bytes, name: str) -> bytes:
    """The page's HTML with its style, the app's root named to Streamlit's frontend and the
    hints that fetch its heaviest element's code early (preload.head)."""
    added = preload.head(name, page.decode("utf-8", "replace"))
    return page.replace(b"</head>", added.encode() + b"</head>", 1)


def _page_path(path: str) -> bool:
    """The root (the Overview), a page with a view, or one without (the desk, sign-in); any
    other path is left as it is. Only a page with a view gets tags (with_tags)."""
    name = path.strip("/")
    return path == "/" or name in PREVIEWED or name in views.NOT_VIEWS


def _url(scope: Scope) -> str:
    headers = Headers(scope=scope)
    host = headers.get("host", "localhost")
    query = scope.get("query_string", b"").decode("latin-1")
    path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")


def with_tags(page: bytes, url: str) -> bytes:
    """The page's HTML with the link preview's tags of the view its URL gives."""
    try:
        engine = store()
        tags = _tags(queries.data_version(engine), url)
    except views.ViewError:
        return page
    except failures.STORE_FAILURES as error:
        logger.warning("link preview of %s: %s", url, failures.log_line(error))
        return page
    return page.replace(b"</head>", tags.encode() + b"</head>", 1)


@lru_cache(maxsize=512)
def _described(version: int, page: str, query: str) -> cards.Preview:
    """A view's title and sentence, once per data version (`version` keys the cache)."""
    engine = store()
    return cards.preview(engine, views.decode_link(engine, f"/{page}?{query}"), picture=False)


def warm_previews() -> None:
    """Describe the default view of each page ahead of its first visitor."""
    version = queries.data_version(store())
    for page in PREVIEWED:
        _described(version, page, "")


@lru_cache(maxsize=512)
def _tags(version: int, url: str) -> str:
    # Once per data version and URL: decoding a link reads every figure (40 ms at 20 years of
    # monthly snapshots), and each page's HTML waits for its tags.
    view = views.decode_link(store(), url)
    made = _described(version, view.page, urlstate.query_string(view.params))
    root = urlstate.app_root(url, view.page).split("?")[0]
    query = urlstate.query_string(view.params)
    image = f"{root}preview/{view.page}.png" + (f"?{query}" if query else "")
    tags = {
        "og:type": "website",
        "og:site_name": TITLE,
        "og:title": made.title,
        "og:description": made.description,
        "og:url": url,
        "og:image": image,
        "og:image:width": "1200",
        "og:image:height": "630",
        "og:image:alt": made.description,
    }
    cards_tags = {
        "twitter:card": "summary_large_image",
        "twitter:title": made.title,
        "twitter:description": made.description,
        "twitter:image": image,
        "description": made.description,
    }
    return "".join(
        f'<meta property="{name}" content="{html.escape(value, quote=True)}">'
        for name, value in tags.items()
    ) + "".join(
        f'<meta name="{name}" content="{html.escape(value, quote=True)}">'
        for name, value in cards_tags.items()
    )
