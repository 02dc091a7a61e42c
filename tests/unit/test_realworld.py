"""The realistic corpus (tests/fixtures/realworld, made by its make.py) through `ctdash import`
and `ctdash ingest`, as the secretariat would run them: each file is read to the exact values a
person expects, or refused saying where, or held with the question or warning it needs, and
nothing is written unless it is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ctdash.cli import app
from tests.conftest import PROJECT_ROOT, tables_checksum

CORPUS = PROJECT_ROOT / "tests" / "fixtures" / "realworld"
CASES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
runner = CliRunner()


def case_id(case: dict[str, Any]) -> str:
    return case["file"] + ("+" + "+".join(case["args"]) if case["args"] else "")


def run(url: str, case: dict[str, Any], *extra: str) -> tuple[int, dict[str, Any]]:
    file = CORPUS / "files" / case["file"]
    result = runner.invoke(
        app, [case["command"], str(file), "--json", "--database-url", url, *case["args"], *extra]
    )
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store seeded with the shipped figures, shared by every dry run."""
    path = tmp_path_factory.mktemp("realworld") / "ctdash.db"
    address = f"sqlite:///{path}"
    assert runner.invoke(app, ["init", "--database-url", address]).exit_code == 0
    return address


def test_the_corpus_covers_every_family() -> None:
    families = {case["family"] for case in CASES}
    assert families == {
        "encodings and separators",
        "workbook layout",
        "dates",
        "numbers and cells",
        "places",
        "newsletter text",
    }
    outcomes = {case["expect"]["outcome"] for case in CASES}
    assert outcomes == {"values", "refused", "held"}
    assert all((CORPUS / "files" / case["file"]).is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_a_realistic_file(url: str, case: dict[str, Any]) -> None:
    before = tables_checksum(url)
    code, outcome = run(url, case, "--dry-run")
    expect = case["expect"]
    messages = [p["message"] for p in outcome["errors"] + outcome["warnings"]]
    if expect["outcome"] == "values":
        warned = expect.get("warnings", [])
        # Read to its values; held only for the warnings the case names (what only a person
        # can say, such as an activity the store holds under another title), each of them.
        status = "held" if warned else "ready"
        assert (code, outcome["status"], outcome["errors"]) == (0, status, []), messages
        assert len(outcome["warnings"]) == len(warned), messages
        for wanted in warned:
            assert any(wanted in w["message"] for w in outcome["warnings"]), (wanted, messages)
        assert outcome.get("questions", []) == []
        if "observations" in expect:
            got = [{k: o[k] for k in ("code", "as_of", "value")} for o in outcome["observations"]]
            assert got == expect["observations"]
        if "indicators" in expect:
            got = [{k: o[k] for k in ("code", "value")} for o in outcome["indicators"]]
            assert got == expect["indicators"]
        if "as_of" in expect:
            assert {o["as_of"] for o in outcome["indicators"]} == {expect["as_of"]}
        if "activities" in expect:
            read = outcome["activities"]
            every = case["command"] == "import"
            if every:
                assert len(read) == len(expect["activities"])
            for wanted in expect["activities"]:
                found = [a for a in read if wanted["title_contains"] in a["title"]]
                assert found, (wanted, [a["title"] for a in read])
                fields = [k for k in wanted if k != "title_contains"]
                assert {k: found[0][k] for k in fields} == {k: wanted[k] for k in fields}
    elif expect["outcome"] == "refused":
        assert (code, outcome["status"]) == (1, "refused")
        assert (
            outcome["observations" if case["command"] == "import" else "indicators"] == []
            or (outcome["errors"])
        )
        problem = next(
            (p for p in outcome["errors"] if expect.get("message", "") in p["message"]), None
        )
        assert problem is not None, messages
        for key, value in expect.get("where", {}).items():
            assert problem[key] == value, problem
    else:
        assert outcome["status"] == "held", messages
        if "question" in expect:
            assert code == 1
            assert [q["about"] for q in outcome["questions"]] == [expect["question"]]
            assert outcome["observations"] == [] and outcome["activities"] == []
        else:
            assert any(expect["warning"] in w["message"] for w in outcome["warnings"]), messages
    assert tables_checksum(url) == before


HELD = [case for case in CASES if case["expect"]["outcome"] != "values"]


@pytest.mark.parametrize("case", HELD, ids=case_id)
def test_what_is_held_or_refused_is_not_written(url: str, case: dict[str, Any]) -> None:
    before = tables_checksum(url)
    code, outcome = run(url, case)
    assert code == 1
    assert outcome["status"] in ("held", "refused")
    assert tables_checksum(url) == before


def test_the_corpus_is_what_its_script_makes(tmp_path: Path) -> None:
    # A file edited by hand, or the script changed without being run, shows here.
    from tests.fixtures.realworld import make

    manifest = make.build(tmp_path)
    assert manifest == CASES
    made = sorted(path.name for path in tmp_path.iterdir())
    assert made == sorted(path.name for path in (CORPUS / "files").iterdir())
    for name in made:
        assert (tmp_path / name).read_bytes() == (CORPUS / "files" / name).read_bytes(), name
