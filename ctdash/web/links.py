"""Each page's view in its URL, and the link that shares it."""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import streamlit as st

from ctdash import brief, failures, typeset, urlstate
from ctdash.markdown import md
from ctdash.web.engine import engine

logger = logging.getLogger(__name__)


def _current_params() -> dict[str, str]:
    return {name: st.query_params[name] for name in st.query_params}


def url_view(
    page: str,
    choices: Mapping[str, Sequence[Any]],
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Seed the page's widgets from the URL whenever the URL changed outside the page.

    Returns the decoded values; notices about unusable parameters are shown at the top
    until the viewer changes the view.
    """
    current = _current_params()
    spec = urlstate.PAGE_PARAMS[page]
    missing = any(widget_key(page, p.name) not in st.session_state for p in spec)
    if missing or st.session_state.get(f"_url:{page}") != current:
        decoded = urlstate.decode(current, page, choices, defaults)
        for name, value in decoded.values.items():
            st.session_state[widget_key(page, name)] = (
                list(value) if isinstance(value, tuple) else value
            )
        st.session_state[f"_notices:{page}"] = decoded.notices
        st.session_state[f"_url:{page}"] = current
        st.session_state[f"_view:{page}"] = urlstate.encode(decoded.values, page, defaults)
    st.session_state[f"_defaults:{page}"] = dict(defaults or {})
    values = {p.name: st.session_state[widget_key(page, p.name)] for p in spec}
    _forget_notices_if_changed(page, values)
    for notice in st.session_state.get(f"_notices:{page}", []):
        st.warning(md(notice), icon=":material/link_off:")
    return values


def _forget_notices_if_changed(page: str, values: Mapping[str, Any]) -> dict[str, str]:
    # Once the viewer changes the view, notices about the link it came from no longer apply.
    params = urlstate.encode(values, page, st.session_state.get(f"_defaults:{page}"))
    if params != st.session_state.get(f"_view:{page}"):
        st.session_state[f"_notices:{page}"] = []
        st.session_state[f"_view:{page}"] = params
    return params


def sync_url(page: str, values: Mapping[str, Any]) -> dict[str, str]:
    """Write the page's view into the URL (defaults left out) and return those parameters."""
    params = _forget_notices_if_changed(page, values)
    current = _current_params()
    if params != {k: v for k, v in current.items() if k not in urlstate.KEPT_PARAMS}:
        # A link with unusable values is rewritten to what is shown; the notices say why.
        kept = {k: v for k, v in current.items() if k in urlstate.KEPT_PARAMS}
        st.query_params.from_dict({**params, **kept})
        st.session_state[f"_url:{page}"] = params
    return params


def share_link(page: str, params: Mapping[str, str]) -> None:
    """A visible link to exactly this view, the same URL in a box with a copy button, and the
    view as a PDF (on the Overview: the period's brief).

    The box is in a popover, which draws its content only when opened: the box's code (a
    1.5 MB syntax highlighter) would otherwise load and run before a fresh page's first figures.
    The PDF is made from the link when the button is clicked, never on a run of the page.
    """
    link = urlstate.share_url(st.context.url or "", page, params)
    overview = page == urlstate.DEFAULT_PAGE
    if embedded():
        st.markdown(f"[:material/open_in_new: Open in the dashboard]({link})")
        return
    with st.container(key=f"share-{page}"):
        st.markdown(f"[:material/link: Share this view]({link})")
        with st.container(horizontal=True):
            with st.popover("Copy the link", icon=":material/content_copy:"):
                st.code(link, language=None)
                page_url = st.context.url or ""
                chosen = _with_defaults(page, params)
                csv, json = (urlstate.data_url(page_url, page, chosen, f) for f in ("csv", "json"))
                st.markdown(
                    f"Data for this view: [CSV]({csv}) · [JSON]({json}) "
                    f"([about the API]({urlstate.api_url(page_url, page)}))"
                )
                st.caption("This view in another web page:")
                st.code(iframe_snippet(link, page), language="html")
            st.download_button(
                "Download the brief (PDF)" if overview else "Download as PDF",
                partial(view_pdf, link),
                file_name=f"ctdash-{'brief' if overview else page}.pdf",
                mime=brief.MEDIA_TYPES[brief.Format.pdf],
                icon=":material/picture_as_pdf:",
                on_click="ignore",
                key=f"pdf-{page}",
            )


def _with_defaults(page: str, params: Mapping[str, str]) -> dict[str, str]:
    """The view's parameters with those its link leaves to a default that depends on the data
    (Trends' indicators) written out, so that its data is exactly what the page shows."""
    defaults = st.session_state.get(f"_defaults:{page}", {})
    written = urlstate.encode(defaults, page)
    return {**{k: v for k, v in written.items() if k not in params}, **params}


def embedded() -> bool:
    """Whether the page is shown for an iframe (`display=embed`)."""
    return st.query_params.get(urlstate.DISPLAY, "").strip().casefold() == "embed"


def iframe_snippet(link: str, page: str) -> str:
    """The HTML that shows a view in another web page: Streamlit's embed mode and ours."""
    source = link + ("&" if "?" in link else "?") + f"embed=true&{urlstate.DISPLAY}=embed"
    title = f"{page.capitalize()}: the Counter-Terrorism Compact in Numbers"
    return (
        f'<iframe src="{html.escape(source)}" title="{html.escape(title)}" width="100%" '
        'height="640" style="border:0" loading="lazy"></iframe>'
    )


def view_pdf(link: str) -> bytes:
    """The PDF of the view a link gives, as a reader who is not signed in sees it. When it
    cannot be made, the file says why in one sentence, and the log has one line."""
    try:
        return brief.render(
            engine(), fmt=brief.Format.pdf, view=link, made_at=datetime.now(UTC)
        ).content
    except failures.STORE_FAILURES as error:
        logger.warning(failures.log_line(error))
        sentence = failures.UNREACHABLE
    except brief.BriefError as error:
        logger.warning("brief of %s: %s", link, error)
        sentence = str(error)
    return typeset.notice_pdf(
        "The PDF could not be made", f"{sentence} Try again in a moment from {link}"
    )


def widget_key(page: str, name: str) -> str:
    """The session-state key of a page's URL-synced widget."""
    return f"{page}:{name}"
