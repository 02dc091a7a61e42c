"""The ctdash command line, run as a user runs it."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from ctdash.cli import app
from tests.conftest import PROJECT_ROOT, row_counts

runner = CliRunner()


def test_init_twice_leaves_the_row_counts_unchanged(db_path: Path) -> None:
    url = f"sqlite:///{db_path}"
    first = runner.invoke(app, ["init", "--database-url", url])
    assert first.exit_code == 0, first.output
    assert (
        "added 8 indicators, 4 sources, 11 figures, 56 activities, 8 schedules, 6 notes"
        in first.output
    )
    counts = row_counts(db_path)
    second = runner.invoke(app, ["init", "--database-url", url])
    assert second.exit_code == 0
    assert "added 0 indicators, 0 sources, 0 figures, 0 activities" in second.output
    assert row_counts(db_path) == counts


def test_init_reads_the_database_url_from_the_environment(db_path: Path) -> None:
    result = runner.invoke(app, ["init"], env={"CTDASH_DATABASE_URL": f"sqlite:///{db_path}"})
    assert result.exit_code == 0
    assert row_counts(db_path)["activity"] == 56


def test_export_indicators_as_csv(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "figures.csv"
    result = runner.invoke(
        app, ["export", "indicators", "-o", str(out), "--database-url", f"sqlite:///{db_path}"]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    latest = frame[frame["as_of"] == "2023-04-30"].set_index("indicator")["value"]
    assert latest["ct_platform_visits"] == 200062
    assert len(frame) == 11
    assert frame["source"].notna().all()


def test_export_activities_as_xlsx(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "activities.xlsx"
    result = runner.invoke(
        app,
        [
            "export",
            "activities",
            "--format",
            "xlsx",
            "-o",
            str(out),
            "--database-url",
            f"sqlite:///{db_path}",
        ],
    )
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    assert sheet.max_row == 57
    header = [c.value for c in sheet[1]]
    assert {"title", "kind", "start_date", "country_iso3", "source"} <= set(header)


def test_xlsx_to_stdout_is_a_usage_error(db_path: Path) -> None:
    result = runner.invoke(
        app, ["export", "activities", "--format", "xlsx", "--database-url", f"sqlite:///{db_path}"]
    )
    assert result.exit_code == 2
    assert "-o FILE" in result.output


def test_unknown_table_is_a_usage_error() -> None:
    result = runner.invoke(app, ["export", "people"])
    assert result.exit_code == 2


def test_the_installed_command_has_help() -> None:
    for args in ([], ["init"], ["export"]):
        result = subprocess.run(
            [sys.executable, "-m", "ctdash.cli", *args, "--help"],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_export_csv_to_stdout(db_path: Path) -> None:
    result = runner.invoke(app, ["export", "activities", "--database-url", f"sqlite:///{db_path}"])
    assert result.exit_code == 0
    frame = pd.read_csv(io.BytesIO(result.stdout_bytes), encoding="utf-8-sig")
    assert len(frame) == 56


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--year", "1999"], "1999 is not a year between 2000 and 2100."),
        (["--year", "2101"], "2101 is not a year between 2000 and 2100."),
        (["--as-of", "30/04/2023"], "30/04/2023 is not a date YYYY-MM-DD."),
    ],
)
def test_ingest_refuses_a_year_or_date_it_cannot_use_as_a_usage_error(
    db_path: Path, options: list[str], says: str
) -> None:
    newsletter = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
    result = runner.invoke(
        app, ["ingest", str(newsletter), *options, "--database-url", f"sqlite:///{db_path}"]
    )
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
    assert not db_path.exists()  # nothing was written, not even a new store


def test_a_newsletter_pasted_again_adds_nothing_it_holds_and_asks_about_reworded_activities(
    db_path: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{db_path}"
    assert runner.invoke(app, ["init", "--database-url", url]).exit_code == 0
    shipped = PROJECT_ROOT / "data" / "sources" / "newsletter-2023-03-04.txt"
    # Pasted from the PDF: plain quotes, another file. The shipped store's titles of five
    # activities are worded otherwise than the newsletter's text.
    text = shipped.read_text(encoding="utf-8").replace("\u2019", "'").replace("\u201c", '"')
    pasted = tmp_path / "pasted.txt"
    pasted.write_text(text.replace("\u201d", '"'), encoding="utf-8")

    held = runner.invoke(app, ["ingest", str(pasted), "--database-url", url])
    assert held.exit_code == 1
    said = " ".join(held.output.split())
    assert (
        "an activity of the same kind, dates and place is in the store as 'CTED assessment" in said
    )
    assert "nothing was written" in said
    assert row_counts(db_path)["activity"] == 56

    accepted = runner.invoke(
        app, ["ingest", str(pasted), "--accept-warnings", "--database-url", url]
    )
    assert accepted.exit_code == 0
    said = " ".join(accepted.output.split())
    assert "51 activities were in the store already and not added again" in said
    assert row_counts(db_path)["activity"] == 61
