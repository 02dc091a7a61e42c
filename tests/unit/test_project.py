"""The project keeps its promises: README commands, CI, documented dependencies."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", README, flags=re.DOTALL)


def test_readme_opens_with_the_two_set_up_commands() -> None:
    run, test = readme_commands()[:2]
    assert run.endswith("streamlit run serve.py")
    assert test.endswith("python -m pytest")
    assert README.index(run) < README.index("## ")


def test_ci_runs_the_readme_test_command_with_browsers_required() -> None:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = readme_commands()[1]
    assert test_command in ci.splitlines()
    assert "export CTDASH_REQUIRE_BROWSER=1" in ci
    assert "apt-get install -y -qq chromium" in ci


def test_every_dependency_is_explained_in_the_readme() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = project["project"]["dependencies"] + project["project"]["optional-dependencies"]["test"]
    for requirement in names:
        name = re.split(r"[<>=\[ ]", requirement)[0]
        assert re.search(rf"\b{re.escape(name)}\b", README), f"{name} is not explained"


def test_usage_statistics_are_off() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False


def test_ruff_finds_nothing() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing() -> None:
    from mypy import api

    out, err, status = api.run(["--config-file", str(PROJECT_ROOT / "pyproject.toml")])
    assert status == 0, out + err


def test_the_import_contracts_hold() -> None:
    """The layers of docs/architecture.md, as pyproject.toml's [tool.importlinter] states them."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


# A page lays out widgets: it opens no session on the store and writes no SQL (ctdash.web does).
NOT_IN_PAGES = ("sqlmodel", "sqlalchemy", "ctdash.db")


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, at any depth."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def forbidden_in_pages(source: str) -> set[str]:
    return {
        module
        for module in imported_modules(source)
        for banned in NOT_IN_PAGES
        if module == banned or module.startswith(banned + ".")
    }


def test_the_page_rule_finds_a_session_opened_in_a_page() -> None:
    source = "import streamlit as st\nfrom sqlmodel import Session\nimport ctdash.db as db\n"
    assert forbidden_in_pages(source) == {"sqlmodel", "ctdash.db"}


def test_no_page_opens_a_session_or_writes_sql() -> None:
    scripts = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
    found = {s.name: forbidden_in_pages(s.read_text(encoding="utf-8")) for s in scripts}
    assert {name: banned for name, banned in found.items() if banned} == {}


def test_the_library_runs_without_streamlit() -> None:
    """Importing every module below the glue loads no Streamlit (docs/architecture.md)."""
    below = sorted(
        f"ctdash.{path.stem}"
        for path in (PROJECT_ROOT / "ctdash").glob("*.py")
        if path.stem not in {"__init__", "server", "internals"}
    )
    code = f"import sys\nfor m in {below!r}: __import__(m)\nprint('streamlit' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert done.stdout.strip() == "False"
