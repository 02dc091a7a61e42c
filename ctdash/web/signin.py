"""Who is looking: local sign-in, single sign-on and its cookie secret, idle sign-out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import streamlit as st
from sqlmodel import Session

from ctdash import auth
from ctdash.config import get_settings
from ctdash.internals import cookie_secret_set_by_deployer, give_sign_in_the_cookie_secret
from ctdash.web.engine import engine


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
    if not cookie_secret_set_by_deployer():
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
        give_sign_in_the_cookie_secret(section, from_environment)


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


def sso_ended_minutes() -> int | None:
    """The idle limit that ended this browser's single sign-on sign-in, if one did."""
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
        if sso_ended_minutes() is not None:
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
