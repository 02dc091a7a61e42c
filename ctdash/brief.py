"""The period's brief, or any page's view, as a file: PDF (tagged, PDF/UA-1), PNG or Markdown.

What a brief holds is made by ctdash.contents; ctdash.typeset sets it as PDF or PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.engine import Engine

from ctdash import queries, typeset, urlstate, views
from ctdash.contents import (
    TITLE,
    Brief,
    BriefError,
    ViewBrief,
    make_brief,
    make_view_brief,
    to_markdown,
    view_markdown,
)


class Format(StrEnum):
    """What a brief can be written as."""

    pdf = "pdf"
    png = "png"
    md = "md"


MEDIA_TYPES = {
    Format.pdf: "application/pdf",
    Format.png: "image/png",
    Format.md: "text/markdown; charset=utf-8",
}


@dataclass(frozen=True)
class Rendered:
    """A brief written as a file, with what an e-mail that carries it states."""

    content: bytes
    media_type: str
    filename: str
    title: str
    as_of: date | None
    data_version: int
    link: str
    notices: tuple[str, ...]
    tiles: tuple[queries.Tile, ...]


def render(
    engine: Engine,
    *,
    fmt: Format | str,
    view: str | None = None,
    as_of: date | None = None,
    compare: date | None = None,
    dashboard_url: str = "http://localhost:8501/",
    made_at: datetime,
) -> Rendered:
    """The period's brief (as of `as_of`, the latest if None; compared with the snapshot
    `compare` if given), or with `view` the view a share link gives, decoded as its page
    decodes it (an Overview link's `compare` too), written as PDF, PNG or Markdown. A reader
    who is not signed in is assumed: nothing internal is ever in a brief. Raises BriefError
    when there is nothing to brief on, `compare` is not a snapshot date, or the link names no
    page with a view."""
    fmt = Format(fmt)
    made: Brief | ViewBrief
    if view is None:
        made = make_brief(
            engine, as_of=as_of, compare=compare, dashboard_url=dashboard_url, made_at=made_at
        )
    else:
        try:
            decoded = views.decode_link(engine, view)
        except views.ViewError as error:
            raise BriefError(str(error)) from None
        if decoded.page == urlstate.DEFAULT_PAGE:
            made = make_brief(
                engine,
                as_of=views.as_of_param(decoded),
                compare=views.compare_param(decoded),
                dashboard_url=view,
                made_at=made_at,
                notices=decoded.notices,
            )
        else:
            made = make_view_brief(engine, decoded, link=view, made_at=made_at)
    if fmt is Format.md:
        text = to_markdown(made) if isinstance(made, Brief) else view_markdown(made)
        content = text.encode("utf-8")
    else:
        try:
            content = typeset.typeset(made, fmt.value)
        except typeset.TypesetError as error:
            raise BriefError(f"The brief could not be typeset: {error}") from None
    page = "brief" if isinstance(made, Brief) else made.page
    day = made.as_of
    compared = made.compare if isinstance(made, Brief) else None
    return Rendered(
        content=content,
        media_type=MEDIA_TYPES[fmt],
        filename=f"ctdash-{page}"
        + (f"-{day}" if day else "")
        + (f"-compared-with-{compared}" if compared else "")
        + f".{fmt.value}",
        title=_title(made),
        as_of=day,
        data_version=made.data_version,
        link=made.link,
        notices=made.notices,
        tiles=tuple(made.tiles),
    )


def _title(made: Brief | ViewBrief) -> str:
    """The title an e-mail that carries the brief gives it."""
    if isinstance(made, ViewBrief):
        return f"{made.title} — {TITLE}"
    return f"{TITLE}, compared with {made.compare}" if made.compare else TITLE
