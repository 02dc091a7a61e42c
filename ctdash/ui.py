"""Shared Streamlit pieces: the store, cached reads, URL-synced filters, share links."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit import config as st_config
from streamlit.runtime.pages_manager import PagesManager

from ctdash import auth, failures, geo, maps, queries, urlstate
from ctdash.config import get_settings
from ctdash.db import make_engine, store_access
from ctdash.failures import STORE_FAILURES
from ctdash.models import ACTIVITY_KINDS
from ctdash.seed import seed

logger = logging.getLogger(__name__)

NAVIGATION_KEY = "_ctdash:navigation"
# The page app.py marks default=True; Streamlit serves it at the root.
DEFAULT_PAGE = "overview"


def mark_navigation() -> None:
    """Record, in app.py, that this session's pages run inside app.py's navigation."""
    st.session_state[NAVIGATION_KEY] = True


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in user's name and role."""

    name: str
    role: str


USER_KEY = "_ctdash:user"
LAST_ACTIVE_KEY = "_ctdash:last-active"
NOTICE_KEY = "_ctdash:sign-out-notice"


def utcnow() -> datetime:
    """The current moment, timezone-aware."""
    return datetime.now(UTC)


# Idleness is judged by this clock, so a test can move time without sleeping.
clock: Callable[[], datetime] = utcnow


def sso_configured() -> bool:
    """True when an [auth] section in secrets.toml makes sign-in go through OIDC."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _deployer_cookie_secret() -> str | None:
    """The cookie secret the deployer gave Streamlit as `server.cookieSecret`, if any."""
    # Left unset, Streamlit makes up a random one per process, which no deployer chose.
    if not st_config.is_manually_set("server.cookieSecret"):
        return None
    return str(st.get_option("server.cookieSecret") or "") or None


def check_sso_secret(before_refusal: Callable[[], object] | None = None) -> None:
    """While single sign-on lacks a strong cookie secret, every page shows only why.

    `before_refusal` runs just before the error is shown, e.g. to register hidden navigation.

    Streamlit signs its cookies with `[auth] cookie_secret`, or else with
    `server.cookieSecret` (STREAMLIT_SERVER_COOKIE_SECRET); st.login insists on the former,
    so a secret given in the environment is handed to it as [auth] cookie_secret.
    """
    if not sso_configured():
        return
    section = st.secrets.to_dict().get("auth")
    section = section if isinstance(section, Mapping) else {}
    from_environment = _deployer_cookie_secret()
    problem = auth.cookie_secret_problem(section, from_environment=from_environment)
    if problem is not None:
        if before_refusal is not None:
            before_refusal()
        st.error(problem, icon=":material/key_off:")
        st.stop()
    if "cookie_secret" not in section and from_environment is not None:
        st.secrets.merge_programmatic_secrets(
            {"auth": {**section, "cookie_secret": from_environment}}
        )


@dataclass
class _SignIns:
    """The single sign-on sign-ins this server process has seen: last activity, and ended ones."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_active: dict[str, datetime] = field(default_factory=dict)
    # Sign-ins ended for idleness, with the limit that ended them; their cookie no longer counts.
    ended: dict[str, int] = field(default_factory=dict)


@st.cache_resource(show_spinner=False)
def _sso_sign_ins() -> _SignIns:
    return _SignIns()


def _sso_sign_in() -> str | None:
    """This browser's single sign-on sign-in, the same in every tab and after a reload."""
    if not st.user.is_logged_in:
        return None
    # Each sign-in brings a new ID token, and with it a new issue time.
    return "|".join(str(st.user.get(claim)) for claim in ("sub", "email", "iat"))


def _sso_ended_minutes() -> int | None:
    key = _sso_sign_in()
    return None if key is None else _sso_sign_ins().ended.get(key)


def current_viewer() -> Viewer | None:
    """The signed-in user, through single sign-on or a local account; None when signed out.

    The role is read from the store on every run, so a change of role or a removed account
    takes effect at once.
    """
    if sso_configured():
        if not st.user.is_logged_in or st.user.get("email_verified") is False:
            return None
        if _sso_ended_minutes() is not None:
            return None
        email = str(st.user.get("email") or "")
        with Session(engine()) as session:
            role = auth.role_for_email(session, email=email) or "viewer"
        return Viewer(email, role)
    name = st.session_state.get(USER_KEY)
    if not name:
        return None
    with Session(engine()) as session:
        user = auth.find_user(session, name=name)
    if user is None:
        st.session_state.pop(USER_KEY, None)
        return None
    return Viewer(user.name, user.role)


def sign_in_local(name: str) -> None:
    """Remember a local account's successful sign-in for this browser session."""
    st.session_state[USER_KEY] = name
    st.session_state[LAST_ACTIVE_KEY] = clock()
    st.session_state.pop(NOTICE_KEY, None)


def sign_out() -> None:
    """Sign the viewer out: forget a local sign-in, or end single sign-on with st.logout."""
    if sso_configured():
        key = _sso_sign_in()
        if key is not None:
            sign_ins = _sso_sign_ins()
            with sign_ins.lock:
                sign_ins.last_active.pop(key, None)
                sign_ins.ended.pop(key, None)
        # Deletes the identity cookie and starts a new session at the Overview.
        st.logout()
    elif st.session_state.pop(USER_KEY, None) is not None:
        st.session_state[NOTICE_KEY] = "Signed out."
    st.session_state.pop(LAST_ACTIVE_KEY, None)


def end_idle_sign_in() -> None:
    """Sign out a viewer idle for longer than CTDASH_IDLE_MINUTES, or note this activity.

    Each script run is an action of the viewer. A local sign-in lives in the browser
    session; a single sign-on one outlives it (Streamlit's cookie), so its last activity
    is kept by the server process, and a restart starts its clock afresh.
    """
    now = clock()
    minutes = get_settings().idle_minutes
    if sso_configured():
        key = _sso_sign_in()
        if key is None:
            return
        sign_ins = _sso_sign_ins()
        with sign_ins.lock:
            if key in sign_ins.ended:
                return
            if auth.is_idle(sign_ins.last_active.get(key), now=now, minutes=minutes):
                sign_ins.ended[key] = minutes
                sign_ins.last_active.pop(key, None)
            else:
                sign_ins.last_active[key] = now
        return
    if st.session_state.get(USER_KEY) is None:
        return
    if auth.is_idle(st.session_state.get(LAST_ACTIVE_KEY), now=now, minutes=minutes):
        sign_out()
        st.session_state[NOTICE_KEY] = auth.idle_notice(minutes)
    else:
        st.session_state[LAST_ACTIVE_KEY] = now


FOCUS_STYLE = """<style>
[data-testid="stSidebarNavLink"]:focus-visible,
[data-testid="stBaseButton-elementToolbar"]:focus-visible,
[data-testid="stDeckGlJsonChart"] [tabindex]:focus-visible,
[data-testid="stTextInputRootElement"]:focus-within {
  outline: 2px solid #a52f3b;
  outline-offset: 2px;
}
</style>"""


@st.cache_data(show_spinner=False, max_entries=2)
def synthetic(version: int) -> bool:
    """Cached: whether the store holds generated data (`ctdash demo`)."""
    return queries.is_synthetic(engine())


def start_run() -> Viewer | None:
    """app.py's first step on every run: check single sign-on, end idle sign-ins, say so.

    Returns the viewer of this run.
    """
    check_sso_secret()
    # Focus made plain where Streamlit's own is faint: page links, text boxes, the map.
    st.html(FOCUS_STYLE)
    if synthetic(data_version()):
        st.warning(
            "**Synthetic data.** This store was filled by `ctdash demo` for demonstration and "
            "measurement: no figure or activity on this page is real.",
            icon=":material/science:",
        )
    end_idle_sign_in()
    notice = st.session_state.pop(NOTICE_KEY, None)
    ended = _sso_ended_minutes() if sso_configured() else None
    if ended is not None:
        # Shown until acknowledged: st.logout then deletes the cookie this sign-in left.
        with st.container(key="idle-notice"):
            st.warning(auth.idle_notice(ended), icon=":material/timer_off:")
            st.button("OK", key="idle-notice:ok", on_click=sign_out)
    elif notice is not None:
        st.info(notice, icon=":material/logout:")
    viewer = current_viewer()
    if viewer is not None:
        with st.sidebar:
            st.caption(f"Signed in: {md(viewer.name)} ({viewer.role})")
            st.button(
                "Sign out", key="sidebar:sign-out", icon=":material/logout:", on_click=sign_out
            )
    return viewer


def require(action: auth.Action) -> Viewer:
    """Stop the page with a clear refusal unless the viewer may do this ("edit", "admin")."""
    viewer = current_viewer()
    if not auth.can(viewer.role if viewer else None, action):
        who = (
            f"You are signed in as {viewer.name} ({viewer.role})."
            if viewer
            else "You are not signed in."
        )
        needed = "an editor" if action == "edit" else "an administrator"
        st.error(f"This page is for {needed}. {md(who)}", icon=":material/lock:")
        st.page_link("pages/account.py", label="Sign in", icon=":material/login:")
        st.stop()
    assert viewer is not None
    return viewer


def page_start(*, public: bool = False) -> None:
    """Make sure the page runs inside app.py's navigation; call it first on every page.

    With CTDASH_REQUIRE_LOGIN set, every page but a public one (sign-in) asks to sign in.

    Because a pages/ folder sits beside app.py, a freshly started server whose first
    visitors open a page's URL directly runs that file alone (Streamlit's older multipage
    mode), without app.py's navigation. Leaving that mode and rerunning sends each such
    visitor, and every later one, through app.py.
    """
    if NAVIGATION_KEY not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()
    if PagesManager.uses_pages_directory:
        # Still that older mode, so app.py did not run: AppTest starts each run so.
        start_run()
    if not public and get_settings().require_login and current_viewer() is None:
        st.info("Sign in to see the dashboard.", icon=":material/lock:")
        st.page_link("pages/account.py", label="Sign in", icon=":material/login:")
        st.stop()


def engine() -> Engine:
    """The store of this process, created and seeded on first start.

    A SQLite file that becomes writable, or stops being so, is opened again to match. A failure
    is not cached: the next run tries again.
    """
    return _engine(store_access())


@st.cache_resource(show_spinner="Opening the store…", max_entries=2)
def _engine(access: str) -> Engine:
    store = make_engine()
    try:
        seed(store)
    except BaseException:
        store.dispose()
        raise
    _freeze_heap()
    return store


# Seconds between two tries of a page that could not reach the store.
RETRY_SECONDS = 5


@dataclass
class GuardedRun:
    """A run of app.py under store_guard; app.py sets `navigated` once its pages are known."""

    navigated: bool = False


@contextmanager
def store_guard(register_pages: Callable[[], object]) -> Iterator[GuardedRun]:
    """Run app.py's body; while the store or a setting fails, show one plain sentence instead
    of a traceback, log one line for the operators, and try again every few seconds.

    `register_pages` makes the pages known (hidden) when the failure came before navigation.
    """
    run = GuardedRun()
    try:
        yield run
    except STORE_FAILURES as error:
        logger.warning(failures.log_line(error))
        if not run.navigated:
            register_pages()
        # Every run reads the data version before drawing anything (start_run), so a store that
        # is down is met there: the sentence is the page's first element.
        st.error(failures.VIEWER_MESSAGE, icon=":material/cloud_off:")
        _retry_when_the_store_answers()


@st.fragment(run_every=RETRY_SECONDS)
def _retry_when_the_store_answers() -> None:
    try:
        queries.data_version(engine())
    except STORE_FAILURES:
        return
    st.rerun(scope="app")


@cache
def _freeze_heap() -> None:
    # What the process holds once its first store is open (modules, the store's metadata) is
    # frozen out of the garbage collector's reach: it lives as long as the process, and every
    # full collection walked it again, about 0.1 s each, which a read of 10,000 activities met
    # once or more. Once per process: a later freeze would keep the garbage of the time too.
    gc.freeze()


def data_version() -> int:
    """The store's current data version; every write changes it, and with it every cache key."""
    return queries.data_version(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def indicators(version: int) -> pd.DataFrame:
    """Cached: the indicators in the newsletter's order."""
    return queries.indicators(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def observations(version: int) -> pd.DataFrame:
    """Cached: the current figures with their sources."""
    return queries.observations(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def snapshot_dates(version: int) -> list[date]:
    """Every as-of date with at least one figure, latest first."""
    return queries.snapshot_dates(observations(version))


@st.cache_data(show_spinner=False, max_entries=64)
def tiles(version: int, as_of: date) -> list[queries.Tile]:
    """The headline tiles as of a date (queries.build_tiles), made once per data version."""
    return queries.build_tiles(indicators(version), observations(version), as_of)


def sees_internal() -> bool:
    """Whether this run's viewer may see internal activities: anyone signed in."""
    return current_viewer() is not None


# The Activities page's table shows this many rows at most: past it the table would be slow to
# send and to read. Its downloads hold every row.
TABLE_ROWS = 5_000


def activities(
    version: int, flt: queries.ActivityFilter, *, limit: int | None = None
) -> pd.DataFrame:
    """The activities that pass a filter, internal ones only for a signed-in viewer."""
    return _activities(version, flt, internal=sees_internal(), limit=limit)


@st.cache_data(show_spinner=False, max_entries=64)
def _activities(
    version: int, flt: queries.ActivityFilter, *, internal: bool, limit: int | None
) -> pd.DataFrame:
    return queries.activities(engine(), flt, internal=internal, limit=limit)


def activity_count(version: int, flt: queries.ActivityFilter) -> queries.ActivityCount:
    """How many activities this run's viewer may see pass a filter, and how many are internal."""
    return _activity_count(version, flt, internal=sees_internal())


@st.cache_data(show_spinner=False, max_entries=128)
def _activity_count(
    version: int, flt: queries.ActivityFilter, *, internal: bool
) -> queries.ActivityCount:
    return queries.activity_count(engine(), flt, internal=internal)


def activity_places(version: int, flt: queries.ActivityFilter) -> pd.DataFrame:
    """The activities this run's viewer may see that pass a filter, counted by place and kind."""
    return _activity_places(version, flt, internal=sees_internal())


@st.cache_data(show_spinner=False, max_entries=128)
def _activity_places(version: int, flt: queries.ActivityFilter, *, internal: bool) -> pd.DataFrame:
    return queries.activity_places(engine(), flt, internal=internal)


def entity_names(version: int) -> list[str]:
    """Every entity named by an activity this run's viewer may see."""
    return _entity_names(version, internal=sees_internal())


@st.cache_data(show_spinner=False, max_entries=8)
def _entity_names(version: int, *, internal: bool) -> list[str]:
    return queries.entity_names(engine(), internal=internal)


def map_points(version: int, flt: queries.ActivityFilter) -> tuple[list[dict[str, Any]], bool]:
    """The Map's points for a filter (maps.point_records), and whether each kind is apart."""
    return _map_points(version, flt, internal=sees_internal())


@st.cache_data(show_spinner=False, max_entries=64)
def _map_points(
    version: int, flt: queries.ActivityFilter, *, internal: bool
) -> tuple[list[dict[str, Any]], bool]:
    groups = maps.point_groups(_activity_places(version, flt, internal=internal))
    if groups.empty:
        return [], True
    firsts = queries.activities(
        engine(), replace(flt, ids=tuple(sorted(groups["first_id"]))), internal=internal
    )
    return maps.point_records(groups, firsts), "kinds" not in groups


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:=&")


def md(text: object) -> str:
    """Text from data or a URL, escaped so that Streamlit's Markdown shows it as typed."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def markdown_table(rows: Sequence[Mapping[str, object]], *, right: Sequence[str] = ()) -> str:
    """A Markdown table of rows (dicts with the same keys), every cell shown as typed.

    Streamlit draws it with code every page has loaded already; st.table and st.dataframe
    make a fresh browser fetch and run theirs (the latter 0.5 MB) first.
    """
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value: object) -> str:
        return md(" ".join(str(value).split())) or " "

    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "| " + " | ".join("---:" if c in right else "---" for c in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def activity_date_span(version: int) -> tuple[date | None, date | None]:
    """The first and last date of the activities this run's viewer may see."""
    return _activity_date_span(version, internal=sees_internal())


@st.cache_data(show_spinner=False, max_entries=8)
def _activity_date_span(version: int, *, internal: bool) -> tuple[date | None, date | None]:
    return queries.activity_date_span(engine(), internal=internal)


def _key(page: str, name: str) -> str:
    return f"{page}:{name}"


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
    missing = any(_key(page, p.name) not in st.session_state for p in spec)
    if missing or st.session_state.get(f"_url:{page}") != current:
        decoded = urlstate.decode(current, page, choices, defaults)
        for name, value in decoded.values.items():
            st.session_state[_key(page, name)] = list(value) if isinstance(value, tuple) else value
        st.session_state[f"_notices:{page}"] = decoded.notices
        st.session_state[f"_url:{page}"] = current
        st.session_state[f"_view:{page}"] = urlstate.encode(decoded.values, page, defaults)
    st.session_state[f"_defaults:{page}"] = dict(defaults or {})
    values = {p.name: st.session_state[_key(page, p.name)] for p in spec}
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
    if params != {k: v for k, v in current.items() if k not in urlstate.STREAMLIT_PARAMS}:
        # A link with unusable values is rewritten to what is shown; the notices say why.
        kept = {k: v for k, v in current.items() if k in urlstate.STREAMLIT_PARAMS}
        st.query_params.from_dict({**params, **kept})
        st.session_state[f"_url:{page}"] = params
    return params


def share_link(page: str, params: Mapping[str, str]) -> None:
    """A visible link to exactly this view, and the same URL in a box with a copy button.

    The box is in a popover, which draws its content only when opened: the box's code (a
    1.5 MB syntax highlighter) would otherwise load and run before a fresh page's first figures.
    """
    # Quoted so that nothing in the address can break out of the Markdown link.
    base = quote((st.context.url or "").split("?")[0].rstrip("/"), safe=":/%@")
    if page == DEFAULT_PAGE:
        # Streamlit serves the default page at the root only: /overview is "Page not found".
        base = base.removesuffix("/" + page) + "/"
    elif not base.endswith("/" + page):
        base = f"{base}/{page}"
    query = urlstate.query_string(params)
    link = f"{base}?{query}" if query else base
    with st.container(key=f"share-{page}"):
        st.markdown(f"[:material/link: Share this view]({link})")
        with st.popover("Copy the link", icon=":material/content_copy:"):
            st.code(link, language=None)


def activity_filters(page: str, version: int) -> tuple[queries.ActivityFilter, dict[str, Any]]:
    """The sidebar filters shared by the Map and Activities pages, synced with the URL."""
    entities = entity_names(version)
    choices = {
        "kind": ACTIVITY_KINDS,
        "entity": entities,
        "country": geo.all_iso3(),
        "region": geo.regions(),
        "view": ("points", "countries"),
    }
    values = url_view(page, choices)
    first, last = activity_date_span(version)
    with st.sidebar:
        st.header("Filters")
        st.date_input(
            "From",
            key=_key(page, "from"),
            min_value=urlstate.EARLIEST,
            max_value=urlstate.LATEST,
            format="YYYY-MM-DD",
            help=f"Activities that end on or after this date. First: {first}.",
        )
        st.date_input(
            "To",
            key=_key(page, "to"),
            min_value=urlstate.EARLIEST,
            max_value=urlstate.LATEST,
            format="YYYY-MM-DD",
            help=f"Activities that start on or before this date. Last: {last}.",
        )
        st.multiselect("Kind", ACTIVITY_KINDS, key=_key(page, "kind"), placeholder="All kinds")
        st.multiselect("Entity", entities, key=_key(page, "entity"), placeholder="All entities")
        st.multiselect(
            "Country",
            geo.all_iso3(),
            key=_key(page, "country"),
            format_func=lambda code: f"{geo.country_name(code)} ({code})",
            placeholder="All countries",
        )
        st.multiselect("Region", geo.regions(), key=_key(page, "region"), placeholder="All regions")
    values = {name: st.session_state[_key(page, name)] for name in values}
    flt = queries.ActivityFilter(
        date_from=values["from"],
        date_to=values["to"],
        kinds=tuple(values["kind"]),
        entities=tuple(values["entity"]),
        countries=tuple(values["country"]),
        regions=tuple(values["region"]),
        text=values.get("q", ""),
    )
    return flt, values


def widget_key(page: str, name: str) -> str:
    """The session-state key of a page's URL-synced widget."""
    return _key(page, name)
