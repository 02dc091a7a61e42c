"""The data desk through AppTest: refused to viewers, the upload journey, bad files, undo."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from ctdash import auth
from ctdash.db import make_engine
from ctdash.seed import seed
from ctdash.web.signin import USER_KEY
from tests.conftest import tables_checksum
from tests.helpers.apptest import APP, page_file

GOOD = (
    b'date,indicator,value\n2023-09-30,Member States,140\n2023-09-30,ct_platform_visits,"250,000"\n'
)


@pytest.fixture
def app_db(app_database: Path) -> Path:
    engine = make_engine(f"sqlite:///{app_database}")
    seed(engine)
    with Session(engine) as session:
        auth.add_user(session, name="ana", role="editor", password="correct horse battery")
        auth.add_user(session, name="vic", role="viewer", password="correct horse battery")
        auth.add_user(session, name="root", role="admin", password="correct horse battery")
        session.commit()
    engine.dispose()
    return app_database


def desk(user: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if user is not None:
        at.session_state[USER_KEY] = user
    at.run()
    at.switch_page(page_file("pages/desk.py")).run()
    return at


def confirm(at: AppTest):
    return next(c for c in at.checkbox if c.label.startswith("I have checked the warnings"))


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label == label)


def test_the_desk_refuses_an_anonymous_viewer(app_db: Path) -> None:
    at = desk(None)
    assert not at.exception
    assert "This page is for an editor" in at.error[0].value
    assert not at.file_uploader


def test_the_desk_refuses_a_signed_in_viewer(app_db: Path) -> None:
    at = desk("vic")
    assert "You are signed in as vic (viewer)" in at.error[0].value.replace("\\", "")
    assert not at.file_uploader


def test_signing_in_with_a_local_account(app_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page_file("pages/account.py")).run()
    at.text_input[0].input("ana")
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception
    assert any("Signed in as ana (editor)" in s.value for s in at.success)


def test_a_wrong_password_is_refused(app_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page_file("pages/account.py")).run()
    at.text_input[0].input("ana")
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert at.error[0].value == "Wrong name or password."
    assert USER_KEY not in at.session_state


def test_upload_preview_commit_and_the_overview_shows_the_new_figure(app_db: Path) -> None:
    at = desk("ana")
    at.file_uploader[0].set_value(("q3.csv", GOOD, "text/csv")).run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert preview["Change"].tolist() == ["new", "new"]
    assert [str(v).replace(",", "") for v in preview["New"]] == ["140", "250000"]
    at.button(key="desk:figures-commit").click().run()
    assert any("Committed write" in s.value and "2 figures" in s.value for s in at.success)
    at.switch_page(page_file("pages/overview.py")).run()
    member_states = metric(at, "Member States")
    assert member_states.value == "140"
    assert member_states.delta == "+4"
    visits = metric(at, "Virtual visits to the CT Platform")
    assert visits.value == "250,000"


def test_the_same_file_again_adds_nothing(app_db: Path) -> None:
    at = desk("ana")
    at.file_uploader[0].set_value(("q3.csv", GOOD, "text/csv")).run()
    at.button(key="desk:figures-commit").click().run()
    checksum = tables_checksum(app_db)
    at.file_uploader[0].set_value(("copy.csv", GOOD, "text/csv")).run()
    assert any("committed before" in i.value for i in at.info)
    assert tables_checksum(app_db) == checksum


def test_a_bad_file_lists_each_problem_and_writes_nothing(app_db: Path) -> None:
    checksum = tables_checksum(app_db)
    at = desk("ana")
    bad = b"date,indicator,value\n2023-09-30,Member Sates,140\n31/02/2023,focal_points,-3\n"
    at.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert "nothing was written" in at.error[0].value
    problems = at.dataframe[0].value
    assert set(zip(problems["Row"], problems["Column"], strict=True)) >= {
        (2, "indicator"),
        (3, "date"),
        (3, "value"),
    }
    assert not [b for b in at.button if b.key == "desk:figures-commit"]
    assert tables_checksum(app_db) == checksum


def test_a_warning_needs_a_confirmation_before_commit(app_db: Path) -> None:
    checksum = tables_checksum(app_db)
    at = desk("ana")
    falling = b"date,indicator,value\n2023-09-30,documents_shared,100\n"
    at.file_uploader[0].set_value(("fall.csv", falling, "text/csv")).run()
    assert any("1 warning:" in w.value and "Row 2" in w.value for w in at.warning)
    assert at.button(key="desk:figures-commit").disabled
    assert tables_checksum(app_db) == checksum
    confirm(at).check().run()
    assert not at.button(key="desk:figures-commit").disabled
    # Another file with a warning of its own needs its own confirmation.
    other = b"date,indicator,value\n2023-09-30,ct_platform_visits,100\n"
    at.file_uploader[0].set_value(("other.csv", other, "text/csv")).run()
    assert not confirm(at).value
    assert at.button(key="desk:figures-commit").disabled


def test_undo_brings_the_earlier_figure_back(app_db: Path) -> None:
    at = desk("ana")
    fix = b"date,indicator,value\n2023-04-30,focal_points,1010\n"
    at.file_uploader[0].set_value(("fix.csv", fix, "text/csv")).run()
    at.button(key="desk:figures-commit").click().run()
    at.switch_page(page_file("pages/overview.py")).run()
    assert metric(at, "Total focal points").value == "1,010"
    at.switch_page(page_file("pages/desk.py")).run()
    next(c for c in at.checkbox if c.key.startswith("desk:undo-confirm")).check().run()
    at.button(key="desk:undo").click().run()
    assert any("undone" in s.value for s in at.success)
    at.switch_page(page_file("pages/overview.py")).run()
    assert metric(at, "Total focal points").value == "1,000"


def test_manual_entry_goes_through_the_same_checks(app_db: Path) -> None:
    at = desk("ana")
    at.date_input(key="desk:manual-date").set_value(date(2023, 4, 30)).run()
    at.button(key="desk:manual-check").click().run()
    assert any("nothing to commit" in i.value for i in at.info)
    at.date_input(key="desk:manual-date").set_value(date(2023, 10, 31)).run()
    at.button(key="desk:manual-check").click().run()
    preview = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert preview["Change"].tolist() == ["new"] * 8
    assert [str(v) for v in preview["New"]][:2] == ["45", "136"]
    at.button(key="desk:manual-commit").click().run()
    assert any("Committed write" in s.value and "8 figures" in s.value for s in at.success)


def test_five_wrong_passwords_lock_the_account_and_say_so(app_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page(page_file("pages/account.py")).run()
    for _ in range(5):
        at.text_input[0].input("ana")
        at.text_input[1].input("not the password")
        at.button[0].click().run()
    assert "locked until" in at.error[0].value
    at.text_input[0].input("ana")
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert "locked until" in at.error[0].value
    assert USER_KEY not in at.session_state


def test_activities_upload_flags_an_unknown_place_and_lands_on_the_map(app_db: Path) -> None:
    at = desk("ana")
    data = (
        b"title,kind,start,end,country,city,entities\n"
        b"Border workshop,workshop,2023-05-02,2023-05-04,Kenya,Nairobi,UNOCT;UNODC\n"
        b"Village meeting,meeting,2023-05-10,,Kenya,Nowhereville,UNDP\n"
    )
    at.file_uploader[1].set_value(("acts.csv", data, "text/csv")).run()
    assert not at.exception
    flagged = " ".join(w.value for w in at.warning)
    assert "Row 3" in flagged and "Nowhereville" in flagged
    confirm(at).check().run()
    at.button(key="desk:activities-commit").click().run()
    assert any("2 activities" in s.value for s in at.success)
    at.query_params["from"] = "2023-05-01"  # the seed's Nairobi workshop would share the point
    at.switch_page(page_file("pages/map.py")).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    points = next(layer for layer in spec["layers"] if layer["id"] == "activities")["data"]
    titles = {p["title"]: p["place"] for p in points}
    assert titles["Border workshop"] == "Nairobi, Kenya"
    assert titles["Village meeting"] == "Nowhereville, Kenya (placed at the country centre)"


def test_the_admin_page_lists_every_write_and_refuses_editors(app_db: Path) -> None:
    at = desk("ana")
    at.switch_page(page_file("pages/admin.py")).run()
    assert "This page is for an administrator" in at.error[0].value
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[USER_KEY] = "root"
    at.run()
    at.switch_page(page_file("pages/admin.py")).run()
    log = at.dataframe[0].value
    assert log["kind"].tolist()[-1] == "seed"
    users = at.dataframe[1].value
    assert set(users["Name"]) == {"ana", "vic", "root"}


def test_a_demoted_editor_loses_the_desk_at_once(app_db: Path) -> None:
    at = desk("ana")
    assert at.file_uploader
    engine = make_engine(f"sqlite:///{app_db}")
    with Session(engine) as session:
        auth.set_role(session, name_or_email="ana", role="viewer")
        session.commit()
    at.run()
    assert not at.file_uploader
    assert "You are signed in as ana (viewer)" in at.error[0].value.replace("\\", "")


def test_sign_in_can_be_required_for_viewing(app_db: Path, monkeypatch) -> None:
    from ctdash.config import get_settings

    monkeypatch.setenv("CTDASH_REQUIRE_LOGIN", "1")
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.metric
    assert "Sign in to see the dashboard" in at.info[0].value
    at.switch_page(page_file("pages/account.py")).run()
    assert at.text_input  # the sign-in form itself is open to everyone


def test_newsletter_review_commit_and_the_map_shows_its_places(app_db: Path) -> None:
    from tests.conftest import PROJECT_ROOT

    newsletter = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"
    at = desk("ana")
    at.file_uploader[2].set_value((newsletter.name, newsletter.read_bytes(), "text/plain")).run()
    assert not at.exception
    figures = next(
        d.value
        for d in at.dataframe
        if "As written" in d.value.columns and "Indicator" in d.value.columns
    )
    assert len(figures) == 8
    assert figures.set_index("Indicator").loc["Member States", "As written"] == "138"
    commit = at.button(key="desk:nl-commit")
    assert commit.disabled
    next(c for c in at.checkbox if c.key.startswith("desk:nl-confirm")).check().run()
    at.button(key="desk:nl-commit").click().run()
    assert any("Committed write" in s.value and "8 figures" in s.value for s in at.success)
    at.switch_page(page_file("pages/map.py")).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    points = next(layer for layer in spec["layers"] if layer["id"] == "activities")["data"]
    places = {p["place"] for p in points}
    assert "Santo Domingo, Dominican Republic" in places
    assert "Kampala, Uganda" in places
    # The same newsletter again is recognised and adds nothing.
    at.switch_page(page_file("pages/desk.py")).run()
    at.file_uploader[2].set_value((newsletter.name, newsletter.read_bytes(), "text/plain")).run()
    assert any("imported before" in i.value for i in at.info)


def test_a_file_whose_dates_read_both_ways_is_asked_about_and_then_read(app_db: Path) -> None:
    checksum = tables_checksum(app_db)
    at = desk("ana")
    data = b"date,indicator,value\n06/05/2023,member_states,137\n08/07/2023,member_states,138\n"
    at.file_uploader[0].set_value(("dates.csv", data, "text/csv")).run()
    assert not at.exception
    assert any("Every date in numbers reads both ways" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "desk:figures-commit"]
    assert not [d for d in at.dataframe if "Change" in d.value.columns]
    assert tables_checksum(app_db) == checksum
    at.radio[0].set_value("mdy").run()
    preview = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert [str(d) for d in preview["As of"]] == ["2023-06-05", "2023-08-07"]
    assert any("read month first, as you chose" in i.value for i in at.info)
    # The answer stays on the page (and so in the session) until the commit.
    assert at.radio[0].value == "mdy"
    at.button(key="desk:figures-commit").click().run()
    assert any("Committed write" in s.value and "2 figures" in s.value for s in at.success)


def test_a_workbook_of_several_tables_is_asked_which_sheet(app_db: Path) -> None:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "2023"
    workbook.active.append(["date", "member_states"])
    workbook.active.append([date(2023, 9, 30), 140])
    old = workbook.create_sheet("2022")
    old.append(["date", "member_states"])
    old.append([date(2022, 9, 30), 130])
    buffer = io.BytesIO()
    workbook.save(buffer)
    at = desk("ana")
    at.file_uploader[0].set_value(("book.xlsx", buffer.getvalue(), "application/vnd")).run()
    assert any("'2023', '2022' each hold a table" in w.value for w in at.warning)
    assert at.selectbox(key=next(s.key for s in at.selectbox if "sheet" in s.key)).options == [
        "2023",
        "2022",
    ]
    next(s for s in at.selectbox if "sheet" in s.key).set_value("2022").run()
    preview = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert preview["New"].tolist() == ["130"]
    assert any("Read from the sheet '2022'" in i.value for i in at.info)
    at.button(key="desk:figures-commit").click().run()
    assert any("Committed write" in s.value and "1 figure and 0" in s.value for s in at.success)


def test_a_file_from_excel_on_windows_says_how_it_was_read(app_db: Path) -> None:
    at = desk("ana")
    data = "Date;Indicator;Value;Note\r\n30/09/2023;Member States;140;Côte d’Ivoire – « x »\r\n"
    at.file_uploader[0].set_value(("fr.csv", data.encode("cp1252"), "text/csv")).run()
    said = " ".join(i.value for i in at.info).replace("\\", "")
    assert "Windows-1252" in said and "separated by semicolons" in said
    assert "Dates in numbers are read day first, as row 2 writes 30/09/2023." in said


def test_a_pasted_newsletter_whose_figures_fall_is_held_until_checked(app_db: Path) -> None:
    from tests.conftest import PROJECT_ROOT
    from tests.fixtures.realworld.pasted import pasted_from_pdf

    newsletter = PROJECT_ROOT / "tests" / "fixtures" / "newsletters" / "2023-09-10.txt"
    text = pasted_from_pdf(newsletter.read_text(encoding="utf-8").replace("3,511", "2,511"))
    checksum = tables_checksum(app_db)
    at = desk("ana")
    at.text_area(key=next(t.key for t in at.text_area if "pasted" in t.key)).input(text).run()
    assert not at.exception
    assert any(
        "Documents shared is a running total but goes down" in w.value.replace("\\", "")
        for w in at.warning
    )
    assert at.button(key="desk:nl-commit").disabled
    assert tables_checksum(app_db) == checksum
    sure = next(c for c in at.checkbox if c.key.startswith("desk:nl-confirm"))
    assert sure.label == "I have reviewed the figures and activities and checked the warnings"
    sure.check().run()
    at.button(key="desk:nl-commit").click().run()
    assert any("Committed write" in s.value and "8 figures" in s.value for s in at.success)
