"""Each indicator's schedule and target on the administration page, through AppTest: changed
by the signed-in administrator, bad values refused naming the field with nothing written, every
change kept as a revision and undone from the data desk like an upload."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth, context, store
from ctdash.db import make_engine
from ctdash.models import Target
from tests.conftest import row_counts
from tests.helpers.apptest import open_page, seed_with_users

CODE = "compact_entities"


@pytest.fixture
def admin_db(app_database: Path) -> Path:
    return seed_with_users(app_database, root="admin")


def indicators_table(at: AppTest):
    return next(f.value for f in at.dataframe if f.value.columns[0] == "Indicator")


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def errors(at: AppTest) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]


def test_the_shipped_schedules_are_listed(admin_db: Path) -> None:
    at = open_page("admin", user="root")
    rows = indicators_table(at).set_index("Indicator")
    assert rows.loc["Compact entities", "Cadence"] == "every 2 months"
    assert rows.loc["CTED country assessments", "Provided by"] == "CTED"
    assert rows.loc["Virtual visits to the CT Platform", "Provided by"] == "CT Platform"
    # No target is shipped: no public source states one.
    assert set(rows["Target"]) == {""}


def test_an_admin_changes_a_schedule_and_bad_values_say_which_field(admin_db: Path) -> None:
    at = open_page("admin", user="root")
    at.text_input(key=f"admin:schedule:{CODE}:provider").input("   ")
    button(at, "Save schedule").click().run()
    assert errors(at) == ["Provider: is empty; it is required."]

    at.number_input(key=f"admin:schedule:{CODE}:cadence").set_value(3)
    at.text_input(key=f"admin:schedule:{CODE}:provider").input("UNOCT PKMCB")
    button(at, "Save schedule").click().run()
    assert not at.exception and not errors(at)
    assert at.success[0].value.startswith("Schedule of Compact entities saved (write ")
    row = indicators_table(at).set_index("Indicator").loc["Compact entities"]
    assert (row["Cadence"], row["Provided by"]) == ("every 3 months", "UNOCT PKMCB")

    at.number_input(key=f"admin:schedule:{CODE}:cadence").set_value(0)
    button(at, "Save schedule").click().run()
    row = indicators_table(at).set_index("Indicator").loc["Compact entities"]
    assert row["Cadence"] == "no regular cadence"


def test_a_target_is_set_with_its_source_removed_and_undone(admin_db: Path) -> None:
    engine = make_engine(f"sqlite:///{admin_db}")
    at = open_page("admin", user="root")
    before = row_counts(engine)
    at.number_input(key=f"admin:target:{CODE}:value").set_value(60)
    button(at, "Save target").click().run()
    assert errors(at) == [
        "Date: is empty; it is required.",
        "Source: is empty; it is required.",
    ]
    assert row_counts(engine) == before

    at.date_input(key=f"admin:target:{CODE}:due").set_value("2027-12-31")
    at.text_input(key=f"admin:target:{CODE}:source").input('=HYPERLINK("x") <b>Decision</b>')
    at.text_input(key=f"admin:target:{CODE}:link").input("javascript:alert(1)")
    button(at, "Save target").click().run()
    assert errors(at) == ["Link: 'javascript:alert(1)' is not a web address (https://…)."]

    at.text_input(key=f"admin:target:{CODE}:link").input("https://www.un.org/decision")
    button(at, "Save target").click().run()
    assert not errors(at)
    row = indicators_table(at).set_index("Indicator").loc["Compact entities"]
    assert (row["Target"], str(row["Target date"])) == ("60", "2027-12-31")
    assert row["Target source"] == '=HYPERLINK("x") <b>Decision</b>'

    at.checkbox(key=f"admin:target:{CODE}:remove-sure").check().run()
    button(at, "Remove target").click().run()
    assert at.success[0].value.startswith("Target of Compact entities removed (write ")
    assert indicators_table(at).set_index("Indicator").loc["Compact entities", "Target"] == ""
    removal = int(at.success[0].value.rsplit("write ", 1)[1].rstrip(")."))

    # Removing is a revision like any other: undone, the target is back.
    store.undo(engine, batch_id=removal, user="root")
    assert list(context.targets(engine)["value"]) == [60]
    revisions = context.revisions(engine, Target)
    assert list(revisions["revision"]) == [2, 1]
    assert list(revisions["current"]) == [False, True]
    engine.dispose()


def test_viewers_and_editors_cannot_reach_the_section(admin_db: Path) -> None:
    engine = make_engine(f"sqlite:///{admin_db}")
    with Session(engine) as session:
        auth.add_user(session, name="ed", role="editor", password="correct horse battery")
        session.commit()
    at = open_page("admin", user="ed")
    assert not [f for f in at.dataframe if f.value.columns[0] == "Indicator"]
    assert not [n for n in at.number_input if "Cadence" in n.label]
    engine.dispose()
