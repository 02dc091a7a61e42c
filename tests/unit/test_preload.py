"""The hints that fetch a page's heaviest element's code early: read from the installed
Streamlit build, each naming a module the build holds; none from a build laid out otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctdash import preload


@pytest.mark.parametrize(
    ("page", "element"),
    [("trends", "PlotlyChart"), ("map", "DeckGlJsonChart"), ("activities", "DataFrame")],
)
def test_each_page_preloads_its_heaviest_elements_code_from_the_build(
    page: str, element: str
) -> None:
    html = preload.PAGE.read_text(encoding="utf-8")
    hints = preload.hints(page, html)
    named = [part.split('"')[0] for part in hints.split(f'href="{preload.SCRIPTS_URL}')[1:]]
    assert named and named[0].startswith(f"{element}."), (
        "Streamlit's build no longer names its modules as ctdash/preload.py reads them: read "
        "the new build's index.html and main module and update MAIN_MODULE, MODULE_LIST and "
        "LAZY_IMPORT (without hints the pages still load, later)."
    )
    # Every module named exists, and none the page already names is named again.
    assert all((preload.SCRIPTS / module).is_file() for module in named)
    assert not [module for module in named if module in html]
    assert hints.count('rel="modulepreload"') == len(named)


def test_the_overview_needs_no_hint() -> None:
    assert preload.hints("overview", preload.PAGE.read_text(encoding="utf-8")) == ""


def test_a_build_laid_out_otherwise_gives_no_hints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "index.html"
    page.write_text('<script type="module" src="./static/js/main.js"></script>')
    monkeypatch.setattr(preload, "PAGE", page)
    monkeypatch.setattr(preload, "SCRIPTS", tmp_path)
    (tmp_path / "main.js").write_text("console.log('no lazy imports here')")
    preload.element_modules.cache_clear()
    try:
        assert preload.hints("trends", page.read_text()) == ""
    finally:
        preload.element_modules.cache_clear()
