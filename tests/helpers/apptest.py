"""Walking what an AppTest run drew, through AppTest's public tree (main area and sidebar)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth
from ctdash.db import make_engine
from ctdash.seed import seed
from ctdash.web.signin import USER_KEY

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What AppTest runs: app.py, through its navigation (entry/app.py says why).
APP = str(Path(__file__).resolve().parent / "entry" / "app.py")


def page_file(path: str) -> str:
    """A page as AppTest.switch_page takes it: "pages/map.py" made absolute."""
    return str(PROJECT_ROOT / path)


def nodes(node: Any) -> Iterator[Any]:
    """A node and every node below it."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def every_element(at: AppTest) -> Iterator[Any]:
    """Every block and element the run drew, in the main area and the sidebar."""
    yield from nodes(at.main)
    yield from nodes(at.sidebar)


def open_page(page: str, user: str | None, **query: str) -> AppTest:
    """A page of app.py as `user` sees it (None: not signed in), with URL parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.session_state[USER_KEY] = user
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(page_file(f"pages/{page}.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def seed_with_users(database: Path, **roles: str) -> Path:
    """Seed the SQLite store at `database` and add local accounts (name=role), each with the
    password `correct horse battery`."""
    engine = make_engine(f"sqlite:///{database}")
    try:
        seed(engine)
        with Session(engine) as session:
            for name, role in roles.items():
                auth.add_user(session, name=name, role=role, password="correct horse battery")
            session.commit()
    finally:
        engine.dispose()
    return database
