"""`ctdash import`: one test per bad input, each naming row and column and writing nothing.

The bad inputs are refused before the store is written, on SQLite; the tests that read the
store's figures or write to it run on PostgreSQL too."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash.cli import app
from ctdash.ingest import MAX_UPLOAD_BYTES
from tests.conftest import row_counts, tables_checksum

runner = CliRunner()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def run_import(database_url: str, file: Path, *args: str) -> tuple[Any, Any]:
    result = runner.invoke(
        app, ["import", str(file), "--json", "--database-url", database_url, *args]
    )
    return result, json.loads(result.stdout) if result.stdout.strip().startswith("{") else None


@pytest.fixture
def initialised(store: Engine, database_url: str) -> str:
    """The URL of a seeded store that `ctdash init` has been run on."""
    assert runner.invoke(app, ["init", "--database-url", database_url]).exit_code == 0
    return database_url


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BAD_FILES = [
    (
        "unknown indicator",
        b"date,indicator,value\n2023-09-30,Member Sates,140\n",
        2,
        "indicator",
        "did you mean 'Member States'",
    ),
    (
        "not a whole number",
        b"date,indicator,value\n2023-09-30,member_states,140.5\n",
        2,
        "value",
        "not a whole number",
    ),
    (
        "negative",
        b"date,indicator,value\n2023-09-30,member_states,-1\n",
        2,
        "value",
        "must not be negative",
    ),
    (
        "future date",
        f"date,indicator,value\n{TOMORROW},member_states,140\n".encode(),
        2,
        "date",
        "is in the future",
    ),
    (
        "conflicting rows",
        b"date,indicator,value\n2023-09-30,member_states,140\n2023-09-30,Member States,141\n",
        3,
        "value",
        "row 2 gives 140",
    ),
    (
        "invalid date",
        b"date,indicator,value\n31/02/2023,member_states,140\n",
        2,
        "date",
        "is not a valid date",
    ),
    (
        "wide layout unknown column",
        b"date;member_states;Focal pints\n30/09/2023;140;1000\n",
        1,
        "Focal pints",
        "did you mean 'Total focal points'",
    ),
    ("header with no rows", b"date,indicator,value\n", 1, None, "header but no rows"),
    ("empty file", b"", None, None, "The file is empty."),
    (
        "not a spreadsheet",
        b"%PDF-1.7\n\x00\x01binary",
        None,
        None,
        "is not a CSV or XLSX spreadsheet",
    ),
    (
        "over the size limit",
        b"date,indicator,value\n" + b"x" * MAX_UPLOAD_BYTES,
        None,
        None,
        "the limit is 5 MB",
    ),
]


@pytest.mark.parametrize(
    ("case", "content", "row", "column", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES]
)
def test_bad_figures_are_reported_where_they_are_and_nothing_is_written(
    initialised: str, tmp_path: Path, case: str, content: bytes, row, column, message: str
) -> None:
    counts, checksum = row_counts(initialised), tables_checksum(initialised)
    file = tmp_path / "figures.csv"
    file.write_bytes(content)
    result, outcome = run_import(initialised, file)
    assert result.exit_code == 1, result.output
    assert outcome["ok"] is False and outcome["written"] == 0
    assert any(
        e["row"] == row and e["column"] == column and message in e["message"]
        for e in outcome["errors"]
    ), outcome["errors"]
    assert row_counts(initialised) == counts
    assert tables_checksum(initialised) == checksum


@pytest.mark.both_backends
def test_every_problem_is_listed_not_only_the_first(initialised: str, tmp_path: Path) -> None:
    file = tmp_path / "many.csv"
    file.write_bytes(
        b"date,indicator,value\nsoon,member_states,1\n2023-09-30,nope,2\n"
        b"2023-09-30,focal_points,x\n"
    )
    _, outcome = run_import(initialised, file)
    assert [(e["row"], e["column"]) for e in outcome["errors"]] == [
        (2, "date"),
        (3, "indicator"),
        (4, "value"),
    ]


@pytest.mark.both_backends
def test_a_good_xlsx_in_wide_layout_is_written(initialised: str, tmp_path: Path) -> None:
    file = tmp_path / "wide.xlsx"
    file.write_bytes(
        xlsx([["date", "Member States", "ct_platform_visits"], [date(2023, 9, 30), 140, 250000]])
    )
    result, outcome = run_import(initialised, file, "--user", "ana")
    assert result.exit_code == 0, result.output
    assert outcome["ok"] and outcome["written"] == 2
    assert outcome["observations"] == [
        {"code": "member_states", "as_of": "2023-09-30", "value": 140},
        {"code": "ct_platform_visits", "as_of": "2023-09-30", "value": 250000},
    ]
    again, second = run_import(initialised, file)
    assert again.exit_code == 0 and second["written"] == 0


@pytest.mark.both_backends
def test_dry_run_checks_and_writes_nothing(initialised: str, tmp_path: Path) -> None:
    checksum = tables_checksum(initialised)
    file = tmp_path / "f.csv"
    file.write_bytes(b'date,indicator,value\n30/09/2023,member_states,"1,400"\n')
    result, outcome = run_import(initialised, file, "--dry-run")
    assert result.exit_code == 0
    assert outcome["observations"][0]["value"] == 1400
    assert outcome["written"] == 0
    assert tables_checksum(initialised) == checksum


@pytest.mark.both_backends
def test_warnings_need_an_explicit_confirmation(initialised: str, tmp_path) -> None:
    checksum = tables_checksum(initialised)
    file = tmp_path / "f.csv"
    file.write_bytes(b"date,indicator,value\n2023-09-30,documents_shared,100\n")
    result, outcome = run_import(initialised, file)
    assert result.exit_code == 1
    assert outcome["warnings"][0]["row"] == 2
    assert "running total but goes down" in outcome["warnings"][0]["message"]
    assert "--accept-warnings" in outcome["errors"][0]["message"]
    assert tables_checksum(initialised) == checksum
    result, outcome = run_import(initialised, file, "--accept-warnings")
    assert result.exit_code == 0 and outcome["written"] == 1


@pytest.mark.both_backends
def test_activities_are_recognised_by_their_header(initialised: str, tmp_path: Path) -> None:
    file = tmp_path / "acts.csv"
    file.write_bytes(
        b"title,kind,start,end,country,city,entities\n"
        b"Workshop on border security,workshop,2023-05-02,2023-05-04,Kenya,Nairobi,"
        b"UNOCT;UNODC\n"
    )
    result, outcome = run_import(initialised, file, "--accept-warnings")
    assert result.exit_code == 0, result.output
    activity = outcome["activities"][0]
    assert (activity["country_iso3"], activity["city"], activity["location_precision"]) == (
        "KEN",
        "Nairobi",
        "city",
    )
    assert activity["entities"] == ["UNOCT", "UNODC"]
    assert outcome["written"] == 1


def test_a_missing_file_is_a_usage_error(initialised: str) -> None:
    result = runner.invoke(app, ["import", "/nonexistent.csv", "--database-url", initialised])
    assert result.exit_code == 2


def test_an_unknown_kind_is_a_usage_error(initialised: str, tmp_path: Path) -> None:
    file = tmp_path / "f.csv"
    file.write_bytes(b"x")
    result = runner.invoke(app, ["import", str(file), "--kind", "people"])
    assert result.exit_code == 2
