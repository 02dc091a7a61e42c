"""Internal activities: read from an upload's `internal` column, kept from every public read.

An internal activity, imported with `ctdash import`, names a country, an entity and a date
that no public activity has, so that each public read (activities, entity names, the date
span, a search, the CLI export) would show a trace of it if it leaked. The reads run on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash import queries
from ctdash.cli import app as cli_app
from ctdash.ingest.activities import parse_activity_file
from tests.helpers.files import activities_csv

TITLE = "Quiet consultation on witness protection"
ENTITY = "Internal-only Entity"
COUNTRY = "BTN"  # Bhutan: no public activity is there
DAY = date(2019, 1, 15)  # before every public activity

pytestmark = pytest.mark.both_backends


def parse(data: bytes):
    parsed = parse_activity_file(file_name="a.csv", data=data, today=date(2026, 1, 1))
    return parsed.records, parsed.errors, parsed.warnings


@pytest.fixture
def with_internal(store: Engine, database_url: str, tmp_path: Path) -> Engine:
    """The seeded store plus one internal and one public activity, imported by the CLI."""
    path = tmp_path / "internal.csv"
    path.write_bytes(
        activities_csv(
            [TITLE, "meeting", DAY.isoformat(), "Bhutan", ENTITY, "yes"],
            ["Public workshop on border security", "workshop", "2023-05-02", "Kenya", "UNODC", ""],
        )
    )
    done = CliRunner().invoke(cli_app, ["import", str(path), "--database-url", database_url])
    assert done.exit_code == 0, done.output
    return store


@pytest.mark.parametrize(
    ("cell", "internal"),
    [("yes", True), ("Y", True), ("true", True), ("1", True), ("no", False), ("", False)],
)
def test_the_internal_column_reads_yes_or_no(cell: str, internal: bool) -> None:
    records, errors, _ = parse(activities_csv(["T", "meeting", "2023-01-02", "Kenya", "", cell]))
    assert errors == []
    assert records[0].internal is internal


def test_a_file_without_the_column_is_all_public() -> None:
    data = b"title,kind,start,country\nT,meeting,2023-01-02,Kenya\n"
    records, errors, warnings = parse(data)
    assert (errors, warnings) == ([], [])
    assert records[0].internal is False


def test_an_unreadable_internal_cell_is_an_error_naming_row_and_column() -> None:
    data = activities_csv(["T", "meeting", "2023-01-02", "Kenya", "", "secret"])
    records, errors, _ = parse(data)
    assert records == []
    assert [str(e) for e in errors] == ["Row 2, column 'internal': 'secret' is not yes or no"]


def test_public_reads_leave_the_internal_activity_out(with_internal: Engine) -> None:
    public = queries.activities(with_internal)
    assert TITLE not in set(public["title"])
    assert "Public workshop on border security" in set(public["title"])
    assert COUNTRY not in set(public["country_iso3"])
    assert not public["internal"].any()
    assert ENTITY not in queries.entity_names(with_internal)
    assert queries.activity_date_span(with_internal)[0] == date(2023, 3, 1)


def test_a_filter_that_names_the_internal_activity_finds_nothing_in_public(
    with_internal: Engine,
) -> None:
    for flt in (
        queries.ActivityFilter(text="witness protection"),
        queries.ActivityFilter(entities=(ENTITY,)),
        queries.ActivityFilter(countries=(COUNTRY,)),
        queries.ActivityFilter(date_to=DAY),
    ):
        assert queries.activities(with_internal, flt).empty, flt
        found = queries.activities(with_internal, flt, internal=True)
        assert list(found["title"]) == [TITLE], flt


def test_signed_in_reads_include_it_marked_internal(with_internal: Engine) -> None:
    everything = queries.activities(with_internal, internal=True)
    row = everything[everything["title"] == TITLE].iloc[0]
    assert bool(row["internal"]) is True
    assert row["entities"] == ENTITY
    assert len(everything) == len(queries.activities(with_internal)) + 1
    assert ENTITY in queries.entity_names(with_internal, internal=True)
    assert queries.activity_date_span(with_internal, internal=True)[0] == DAY


def test_the_cli_export_includes_internal_activities_only_when_asked(
    with_internal: Engine, database_url: str
) -> None:
    url = ["--database-url", database_url]
    public = CliRunner().invoke(cli_app, ["export", "activities", *url])
    everything = CliRunner().invoke(cli_app, ["export", "activities", "--internal", *url])
    assert public.exit_code == everything.exit_code == 0
    assert TITLE not in public.output
    assert ENTITY not in public.output
    assert TITLE in everything.output
