"""An app pointed at a store filled by `ctdash demo` says so on every page; a real one does not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth, demo
from ctdash.db import make_engine
from ctdash.seed import seed
from ctdash.web.signin import USER_KEY
from tests.helpers.apptest import APP, page_file

PAGES = ["overview", "trends", "map", "activities", "account", "desk", "admin"]
BANNER = "Synthetic data."


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[USER_KEY] = "ada"
    at.run()
    at.switch_page(page_file(f"pages/{page}.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def with_admin(path: Path, *, synthetic: bool) -> None:
    engine = make_engine(f"sqlite:///{path}")
    if synthetic:
        demo.fill(engine, activities=300, years=2, today=date(2026, 11, 28))
    else:
        seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name="ada", role="admin", password="correct horse battery")
        session.commit()
    engine.dispose()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_of_a_synthetic_store_says_so(app_database: Path, page: str) -> None:
    with_admin(app_database, synthetic=True)
    at = open_page(page)
    assert [w.value for w in at.warning if BANNER in w.value], page


@pytest.mark.parametrize("page", ["overview", "map"])
def test_a_store_of_real_figures_has_no_banner(app_database: Path, page: str) -> None:
    with_admin(app_database, synthetic=False)
    at = open_page(page)
    assert not [w.value for w in at.warning if BANNER in w.value]
