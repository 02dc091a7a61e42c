"""The period's brief as Markdown (`ctdash brief --format md`): what the newsletter's editor
reads, made from a real seeded store."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash import contents, queries
from ctdash.cli import app as cli_app
from tests.helpers.files import activities_csv

HOSTILE = "<b>Border</b> *security* [x](javascript:1)"
MADE = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
URL = "https://un.example/dash"
# The newsletter's "Compact in Numbers", in its order.
FIGURES = [
    ("Compact entities", "45"),
    ("Member States", "136"),
    ("International/regional organizations", "13"),
    ("Total focal points", "1,000"),
    ("Documents shared", "3,279"),
    ("Virtual visits to the CT Platform", "200,062"),
    ("CTED TA recommendations", "705"),
    ("CTED country assessments", "24"),
]


def made(store: Engine, as_of: date | None = None) -> str:
    made_brief = contents.make_brief(store, as_of=as_of, dashboard_url=URL, made_at=MADE)
    return contents.to_markdown(made_brief)


def figure_rows(text: str) -> list[tuple[str, str, str]]:
    """(indicator, figure, as-of) of the figures table, unescaped."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip().replace("\\", "") for c in line.strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("Indicator", "---"):
            rows.append((cells[0], cells[1], cells[3]))
    return rows


def test_the_brief_gives_the_eight_figures_in_the_newsletters_order_with_their_date(
    store: Engine,
) -> None:
    rows = figure_rows(made(store))
    assert [(name, figure) for name, figure, _ in rows] == FIGURES
    assert {as_of for _, _, as_of in rows} == {"2023-04-30"}


def test_the_brief_lists_the_periods_activities_by_month(store: Engine) -> None:
    text = made(store)
    period = queries.activities(
        store, queries.ActivityFilter(date_from=date(2022, 4, 30), date_to=date(2023, 4, 30))
    )
    months = re.findall(r"^### (.+)$", text, flags=re.M)
    assert months == sorted(set(months), key=months.index)  # each month once, in order
    assert months[0] == "March 2023" and months[-1] == "April 2023"
    listed = re.findall(r"^- .+\(.+, \d{4}-\d{2}-\d{2}", text, flags=re.M)
    assert len(listed) == len(period) == 56
    assert "- Activities: 56 (" in text
    assert "CTED assessment visits in the period: 3 (Benin, Jordan, Spain)" in text


def test_the_footer_names_the_sources_when_and_the_link_that_reproduces_it(store: Engine) -> None:
    text = made(store)
    version = queries.data_version(store)
    assert f"Made 2026-11-29 12:00 UTC from data version {version}." in text
    assert f"<{URL}/?asof=2023-04-30>" in text
    assert "Sources: Counter\\-Terrorism Compact newsletter, March\\-April 2023" in text


def test_an_earlier_snapshot_has_its_own_period_and_says_which_figures_it_lacks(
    store: Engine,
) -> None:
    text = made(store, as_of=date(2022, 12, 31))
    rows = dict((name, figure) for name, figure, _ in figure_rows(text))
    assert rows["Compact entities"] == "45"
    assert rows["Member States"] == "—"
    assert "after 2022-04-30, up to 2022-12-31" in text


def test_a_brief_never_holds_an_internal_activity_and_shows_titles_as_typed(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "april.csv"
    path.write_bytes(
        activities_csv(
            ["Closed-door planning meeting", "meeting", "2023-04-12", "Kenya", "UNOCT", "yes"],
            [
                "<b>Border</b> *security* [x](javascript:1)",
                "workshop",
                "2023-04-13",
                "Kenya",
                "",
                "",
            ],
        )
    )
    done = CliRunner().invoke(cli_app, ["import", str(path), "--database-url", database_url])
    assert done.exit_code == 0, done.output
    text = made(store)
    assert "Closed-door planning meeting" not in text
    assert "\\<b\\>Border\\</b\\> \\*security\\* \\[x\\]\\(javascript\\:1\\)" in text
    assert "<b>" not in text


def test_the_command_writes_the_brief_and_refuses_a_date_before_every_figure(
    store: Engine, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "brief.md"
    args = ["brief", "-o", str(out), "--url", URL, "--database-url", database_url]
    done = CliRunner().invoke(cli_app, args)
    assert done.exit_code == 0, done.output
    assert figure_rows(out.read_text(encoding="utf-8"))[0] == (
        "Compact entities",
        "45",
        "2023-04-30",
    )

    refused = CliRunner().invoke(cli_app, [*args, "--as-of", "1999-01-01"])
    assert refused.exit_code == 1
    assert (
        "There is no figure on or before 1999-01-01: the first is of 2018-02-23." in refused.output
    )

    usage = CliRunner().invoke(cli_app, [*args, "--as-of", "30/04/2023"])
    assert usage.exit_code == 2


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ctdash.db'}"
