"""Subscriptions to briefs on the administration page, through AppTest: added and removed as
the signed-in administrator, bad ones refused with what is wrong, every brief sent listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth, mail, store, subscriptions
from ctdash.db import make_engine
from ctdash.ingest import ObservationRecord
from ctdash.models import Subscription
from ctdash.seed import seed
from tests.helpers.apptest import open_page
from tests.helpers.smtp import SmtpServer, running_server

MAP_TRAINING = "http://dash.example.org/map?kind=training"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on localhost, stopped after the test."""
    yield from running_server()


@pytest.fixture
def admin_db(app_database: Path) -> Path:
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name="root", role="admin", password="correct horse battery")
        session.commit()
    engine.dispose()
    return app_database


def table(at: AppTest, first_column: str):
    """The page's table whose first column is `first_column`."""
    return next(frame.value for frame in at.dataframe if frame.value.columns[0] == first_column)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_admin_adds_and_removes_a_subscription_and_bad_ones_say_why(admin_db: Path) -> None:
    at = open_page("admin", user="root")
    assert "No active subscriptions." in [c.value for c in at.caption]

    at.text_input(key="admin:subscribe:email").input("ana at example.org")
    at.text_input(key="admin:subscribe:view").input("http://dash.example.org/desk")
    button(at, "Add subscription").click().run()
    errors = [e.value.replace("\\", "") for e in at.error]
    assert errors[0].startswith("'ana at example.org' holds a space")
    assert errors[1].startswith("The link opens the desk page, which has no view to print.")
    assert "No active subscriptions." in [c.value for c in at.caption]

    at.text_input(key="admin:subscribe:email").input("ana@example.org")
    at.text_input(key="admin:subscribe:view").input(MAP_TRAINING + "&country=XXX")
    at.radio(key="admin:subscribe:format").set_value("png")
    at.selectbox(key="admin:subscribe:trigger").set_value("weekly")
    button(at, "Add subscription").click().run()
    assert not at.exception
    assert [s.value.replace("\\", "") for s in at.success] == [
        "Subscription 1 added: ana@example.org, png, weekly."
    ]
    assert "country" in at.warning[0].value
    rows = table(at, "Id")
    assert rows.loc[0, "E-mail"] == "ana@example.org"
    assert rows.loc[0, "View"] == MAP_TRAINING + "&country=XXX"
    assert (rows.loc[0, "Format"], rows.loc[0, "Trigger"]) == ("png", "weekly")
    assert rows.loc[0, "Added by"] == "root"
    assert rows.loc[0, "Last delivery"] == "nothing sent yet"

    at.selectbox(key="admin:unsubscribe:id").set_value(1)
    button(at, "Remove subscription").click().run()
    assert [s.value.replace("\\", "") for s in at.success] == [
        "Subscription 1 (ana@example.org) removed."
    ]
    assert "No active subscriptions." in [c.value for c in at.caption]
    engine = make_engine(f"sqlite:///{admin_db}")
    with Session(engine) as session:
        removed = session.get(Subscription, 1)
    engine.dispose()
    assert removed is not None and removed.removed_by == "root"  # marked, never deleted


def test_every_brief_sent_is_listed_with_its_status(
    admin_db: Path, smtp_server: SmtpServer
) -> None:
    engine = make_engine(f"sqlite:///{admin_db}")
    subscriptions.add(
        engine, email="ana@example.org", view=MAP_TRAINING, trigger="new-figures", user="root"
    )
    store.commit(
        engine,
        file_name="q3.csv",
        data=b"date,indicator,value\n2023-09-30,member_states,140\n",
        user="ana",
        observations=[
            ObservationRecord(row=2, code="member_states", as_of=date(2023, 9, 30), value=140)
        ],
    )
    settings = mail.MailSettings(
        host="127.0.0.1", port=smtp_server.port, security="none", sender="c@example.org", timeout=5
    )
    report = subscriptions.send_due(engine, now=datetime.now(UTC), settings=settings)
    assert len(report.sent) == 1
    engine.dispose()

    at = open_page("admin", user="root")
    sent = table(at, "When (UTC)")
    assert sent.loc[0, "To"] == "ana@example.org"
    assert sent.loc[0, "View"] == MAP_TRAINING
    assert sent.loc[0, "Status"] == "sent"
    assert sent.loc[0, "Format"] == "pdf"
    assert sent.loc[0, "Data version"] == report.sent[0].data_version
    assert table(at, "Id").loc[0, "Last delivery"].startswith("sent ")
