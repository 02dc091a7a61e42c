"""The one module that reads and writes URL parameters: readable names, lists joined by '~'.

Decoding never raises on user input: an unknown or invalid value is dropped with a notice
and that parameter alone falls back to its default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from urllib.parse import quote, urlencode

LIST_SEPARATOR = "~"
# The dates any date filter accepts; the date widgets use the same bounds.
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)
MAX_TEXT = 200
# Parameters Streamlit itself understands; they are not ours to judge.
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})
# Every page's own: `display=embed` shows the page for an iframe (with Streamlit's ?embed=true:
# no navigation, no filters, a link to the full page). Kept in the URL as the view changes.
DISPLAY = "display"
DISPLAYS = ("full", "embed")
KEPT_PARAMS = STREAMLIT_PARAMS | {DISPLAY}

ParamKind = Literal["date", "list", "choice", "text"]


@dataclass(frozen=True)
class Param:
    """One URL parameter of a page: its name, kind, default and older names still accepted."""

    name: str
    kind: ParamKind
    label: str
    default: Any = None
    aliases: tuple[str, ...] = ()
    # What a notice says happens when the value cannot be used and the default is None.
    unset: str = "it is left open"


@dataclass
class Decoded:
    """Values decoded from a URL, and a notice for each part that could not be used."""

    values: dict[str, Any]
    notices: list[str] = field(default_factory=list)
    # The parameter each notice is about, in the same order (as the URL names it).
    about: list[str] = field(default_factory=list)

    def problems(self) -> list[tuple[str, str]]:
        """(parameter, notice) for each notice."""
        return list(zip(self.about, self.notices, strict=True))


FROM = Param("from", "date", "start date", aliases=("start", "date_from"))
TO = Param("to", "date", "end date", aliases=("end", "date_to"))
KIND = Param("kind", "list", "kind", default=(), aliases=("kinds",))
ENTITY = Param("entity", "list", "entity", default=(), aliases=("entities",))
COUNTRY = Param("country", "list", "country", default=(), aliases=("countries", "iso3"))
REGION = Param("region", "list", "region", default=(), aliases=("regions",))

PAGE_PARAMS: dict[str, tuple[Param, ...]] = {
    "overview": (
        Param("asof", "date", "as-of date", aliases=("as_of", "date")),
        Param(
            "compare",
            "date",
            "snapshot to compare with",
            aliases=("vs", "compare_to"),
            unset="no comparison is shown",
        ),
    ),
    "trends": (
        Param("ind", "list", "indicator", default=(), aliases=("indicator", "indicators")),
        Param("mode", "choice", "scale", default="absolute"),
        FROM,
        TO,
    ),
    "map": (
        FROM,
        TO,
        KIND,
        ENTITY,
        COUNTRY,
        REGION,
        Param("view", "choice", "map view", default="points"),
    ),
    "activities": (
        FROM,
        TO,
        KIND,
        ENTITY,
        COUNTRY,
        REGION,
        Param("q", "text", "search", default="", aliases=("search",)),
    ),
}


def _raw_value(params: Mapping[str, str | Sequence[str]], param: Param) -> str | None:
    for name in (param.name, *param.aliases):
        if name in params:
            value = params[name]
            if not isinstance(value, str):
                value = value[-1] if value else ""
            return value
    return None


def _match(value: str, choices: Sequence[str]) -> str | None:
    wanted = value.strip().casefold()
    for choice in choices:
        if choice.casefold() == wanted:
            return choice
    return None


def _shown(value: str) -> str:
    # Notices quote the offending text; keep it short and on one line.
    text = " ".join(value.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _defaults(spec: Sequence[Param], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    overrides = overrides or {}
    return {p.name: overrides.get(p.name, p.default) for p in spec}


def decode(
    params: Mapping[str, str | Sequence[str]],
    page: str | Sequence[Param],
    choices: Mapping[str, Sequence[Any]] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Decoded:
    """Read a page's view from URL parameters; never raises on what a URL holds.

    `page` names a page, or gives the parameters themselves; `choices` lists the values a
    parameter may take (for a date: the dates that exist); `defaults` overrides a parameter's
    default where it depends on the data.
    """
    choices = choices or {}
    spec = PAGE_PARAMS[page] if isinstance(page, str) else tuple(page)
    fallback = _defaults(spec, defaults)
    decoded = Decoded(values=dict(fallback))
    known = {name for p in spec for name in (p.name, *p.aliases)} | KEPT_PARAMS
    for name in params:
        if name not in known:
            decoded.notices.append(f"The link's parameter '{_shown(name)}' is not used here.")
            decoded.about.append(name)
    shown = params.get(DISPLAY)
    if shown is not None and isinstance(page, str):
        asked = shown if isinstance(shown, str) else (shown[-1] if shown else "")
        if asked.strip().casefold() not in DISPLAYS:
            decoded.notices.append(
                f"'{_shown(asked)}' is not a known display; showing the full page instead."
            )
            decoded.about.append(DISPLAY)

    for param in spec:
        raw = _raw_value(params, param)
        if raw is None or raw.strip() == "":
            continue
        before = len(decoded.notices)
        _decode_one(decoded, param, raw, fallback[param.name], choices)
        decoded.about += [_given_name(params, param)] * (len(decoded.notices) - before)

    start, end = decoded.values.get("from"), decoded.values.get("to")
    if start is not None and end is not None and start > end:
        decoded.notices.append(
            f"The start date {start} is after the end date {end}; both are left open."
        )
        decoded.about.append("from")
        decoded.values["from"] = decoded.values["to"] = None
    return decoded


def _given_name(params: Mapping[str, Any], param: Param) -> str:
    """The name the URL used for a parameter (its own, or an older one still accepted)."""
    return next((name for name in (param.name, *param.aliases) if name in params), param.name)


def _decode_one(
    decoded: Decoded,
    param: Param,
    raw: str,
    default: Any,
    choices: Mapping[str, Sequence[Any]],
) -> None:
    """Decode one parameter's raw value into `decoded`, with a notice if it cannot be used."""
    if param.kind == "date":
        value = _decode_date(raw, param, default, choices.get(param.name), decoded.notices)
        if value is not None:
            decoded.values[param.name] = value
    elif param.kind == "text":
        decoded.values[param.name] = raw.strip()[:MAX_TEXT]
    elif param.kind == "choice":
        picked = _match(raw, choices.get(param.name, ()))
        if picked is None:
            decoded.notices.append(
                f"'{_shown(raw)}' is not a known {param.label}; showing '{default}' instead."
            )
        else:
            decoded.values[param.name] = picked
    else:
        values = _decode_list(raw, param, choices, decoded.notices)
        decoded.values[param.name] = values or default


def _decode_date(
    raw: str,
    param: Param,
    default: Any,
    choices: Sequence[Any] | None,
    notices: list[str],
) -> date | None:
    """The date a parameter gives, or None with a notice saying why it is not used."""
    left = param.unset if default is None else f"showing {default} instead"
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        notices.append(f"'{_shown(raw)}' is not a date (YYYY-MM-DD) for the {param.label}; {left}.")
        return None
    if not EARLIEST <= value <= LATEST:
        notices.append(
            f"{value} is outside the dates this dashboard can show ({EARLIEST} to "
            f"{LATEST}) for the {param.label}; {left}."
        )
        return None
    if choices is not None and value not in choices:
        notices.append(f"There is no {param.label} {value}; {left}.")
        return None
    return value


# The page app.py marks default=True; Streamlit serves it at the root.
DEFAULT_PAGE = "overview"


def share_url(page_url: str, page: str, params: Mapping[str, str]) -> str:
    """The address that reproduces a view: the page's own address (the one the browser shows,
    under any base path), with the view's parameters.

    The default page is served at the root only (its own name there is "Page not found"), so
    its address is the root's. The address is quoted, so that nothing in it can break out of a
    Markdown link.
    """
    base = quote(page_url.split("?")[0].split("#")[0].rstrip("/"), safe=":/%@")
    if page == DEFAULT_PAGE:
        base = base.removesuffix("/" + page) + "/"
    elif not base.endswith("/" + page):
        base = f"{base}/{page}"
    query = query_string(params)
    return f"{base}?{query}" if query else base


# Where the open data API is, under the app's root.
API_PATH = "api/v1"
# The data of each page's view: which resource, and which of its parameters the data takes.
PAGE_DATA = {"overview": "observations", "trends": "observations"}
NOT_DATA = frozenset({"mode", "compare"})


def app_root(page_url: str, page: str) -> str:
    """The app's root address ("…/", under any base path), from a page's own address."""
    base = page_url.split("?")[0].split("#")[0].rstrip("/")
    return base.removesuffix("/" + page) + "/"


def api_url(page_url: str, page: str) -> str:
    """The address of the open data API's page, quoted as share_url quotes."""
    return quote(app_root(page_url, page), safe=":/%@") + API_PATH + "/"


def data_url(page_url: str, page: str, params: Mapping[str, str], fmt: str) -> str:
    """The open data of exactly a page's view: the API's resource with the page's parameters
    (those that choose data; the Trends scale does not), as CSV or JSON."""
    resource = PAGE_DATA.get(page, "activities")
    root = quote(app_root(page_url, page), safe=":/%@")
    query = query_string({k: v for k, v in params.items() if k not in NOT_DATA})
    return f"{root}{API_PATH}/{resource}.{fmt}" + (f"?{query}" if query else "")


def _decode_list(
    raw: str, param: Param, choices: Mapping[str, Sequence[str]], notices: list[str]
) -> tuple[str, ...]:
    allowed = choices.get(param.name)
    picked: list[str] = []
    # Commas were never our separator, but a hand-edited link may use them.
    for part in raw.replace(",", LIST_SEPARATOR).split(LIST_SEPARATOR):
        if not part.strip():
            continue
        value = part.strip() if allowed is None else _match(part, allowed)
        if value is None:
            notices.append(f"'{_shown(part)}' is not a known {param.label}; it is left out.")
        elif value not in picked:
            picked.append(value)
    return tuple(picked)


def encode(
    values: Mapping[str, Any], page: str, defaults: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """URL parameters for a page's view, leaving out every value equal to its default."""
    spec = PAGE_PARAMS[page]
    fallback = _defaults(spec, defaults)
    params: dict[str, str] = {}
    for param in spec:
        value = values.get(param.name, fallback[param.name])
        if isinstance(value, list):
            value = tuple(value)
        default = fallback[param.name]
        if isinstance(default, list):
            default = tuple(default)
        if value is None or value == default or value in ("", ()):
            continue
        if param.kind == "date":
            params[param.name] = value.isoformat()
        elif param.kind == "list":
            params[param.name] = LIST_SEPARATOR.join(value)
        else:
            params[param.name] = str(value)
    return params


def query_string(params: Mapping[str, str]) -> str:
    """A readable query string: '~' and ':' stay as they are, the rest is percent-encoded."""
    return urlencode(params, safe="~:")
