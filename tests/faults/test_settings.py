"""Bad settings: every command says which, and why, in one line with exit 3; the server logs the
same line, /readyz gives it, and its pages show only the plain message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.faults.conftest import UNAVAILABLE, log_of, run_ctdash, serving

# (variable, value, what the line says of it); the folder /nonexistent does not exist.
BAD_SETTINGS = [
    ("CTDASH_DATABASE_URL", "postgress://db/ctdash", "names the database 'postgress'"),
    ("CTDASH_DATABASE_URL", "mysql://ana:secret@db/ctdash", "names the database 'mysql'"),
    ("CTDASH_DATABASE_URL", "ctdash.db", "is not a database URL"),
    ("CTDASH_DATABASE_URL", "sqlite:////nonexistent/ctdash.db", "/nonexistent, which does not"),
    ("CTDASH_DATABASE_URL", "postgresql+asyncpg://db/ctdash", "names the driver 'asyncpg'"),
    ("CTDASH_IDLE_MINUTES", "abc", "valid integer"),
    ("CTDASH_IDLE_MINUTES", "0", "greater than or equal to 1"),
    ("CTDASH_DB_CONNECT_TIMEOUT", "soon", "valid number"),
    ("CTDASH_DB_STATEMENT_TIMEOUT", "-1", "greater than or equal to 1"),
    ("CTDASH_REQUIRE_LOGIN", "maybe", "valid boolean"),
    ("CTDASH_DATA_DIR", "/nonexistent", "is not a folder"),
]


@pytest.mark.parametrize(("variable", "value", "says"), BAD_SETTINGS)
def test_a_bad_setting_ends_a_command_with_one_line_naming_it_and_exit_3(
    variable: str, value: str, says: str, tmp_path: Path
) -> None:
    refused_with_one_line(("export", "indicators"), variable, value, says, tmp_path)


@pytest.mark.parametrize(
    "command",
    [("init",), ("users", "list"), ("import", "figures.csv"), ("backup", "copy.db")],
)
def test_every_command_refuses_a_bad_setting_the_same_way(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    refused_with_one_line(command, "CTDASH_IDLE_MINUTES", "abc", "valid integer", tmp_path)


def refused_with_one_line(
    command: tuple[str, ...], variable: str, value: str, says: str, tmp_path: Path
) -> None:
    (tmp_path / "figures.csv").write_text("indicator,as_of,value\nmember_states,2024-01-31,140\n")
    env = {"CTDASH_DATABASE_URL": f"sqlite:///{tmp_path / 'ctdash.db'}", variable: value}
    done = run_ctdash(
        *(arg.replace("figures.csv", str(tmp_path / arg)) for arg in command), env=env
    )
    assert done.returncode == 3
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"error: setting: {variable}=")
    assert says in line
    assert f"for example {variable}=" in line
    assert "secret" not in line  # a password in a URL is masked
    assert done.stdout == ""
    assert not (tmp_path / "ctdash.db").exists()  # nothing was written
    assert not (tmp_path / "copy.db").exists()


def test_a_bad_database_url_given_as_an_option_is_refused_the_same_way() -> None:
    done = run_ctdash("export", "indicators", "--database-url", "postgress://db/ctdash")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        "error: setting: database URL postgress://db/ctdash names the database 'postgress'; "
        "ctdash runs on SQLite or PostgreSQL; for example sqlite:////srv/ctdash/ctdash.db or "
        "postgresql+psycopg://ctdash:PASSWORD@db.example.org:5432/ctdash; nothing was written"
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CTDASH_IDLE_MINUTES", "abc"), ("CTDASH_DATABASE_URL", "postgress://db/ctdash")],
)
def test_a_server_with_a_bad_setting_says_it_in_its_log_and_readyz_and_shows_the_message(
    variable: str, value: str, page: Page, tmp_path: Path
) -> None:
    folder = tmp_path / "server"
    with serving(folder, f"sqlite:///{tmp_path / 'ctdash.db'}", **{variable: value}) as url:
        try:
            urllib.request.urlopen(f"{url}/readyz", timeout=30)
            pytest.fail("/readyz answered 200 with a bad setting")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            body = json.loads(error.read())
        assert body["ready"] is False
        assert body["reason"].startswith(f"setting: {variable}={value}: ")
        page.goto(url)
        expect(page.get_by_text(UNAVAILABLE)).to_be_visible()
        assert "Traceback" not in page.locator("body").inner_text()
    log = log_of(folder)
    assert f"setting: {variable}={value}: " in log
    assert "Traceback" not in log
