"""The hints that fetch a page's heaviest element's code early: read from the installed
Streamlit build, each naming a module the build holds; none from a build laid out otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctdash import preload


@pytest.mark.parametrize(
    ("page", "element"),
    [
        ("", "PageLink"),
        ("overview", "PageLink"),
        ("map", "DeckGlJsonChart"),
    ],
)
def test_each_page_preloads_its_first_elements_code_from_the_build(page: str, element: str) -> None:
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


def test_the_overview_preloads_its_page_link_and_the_briefs_button_and_no_chart() -> None:
    hints = preload.hints("", preload.PAGE.read_text(encoding="utf-8"))
    assert "/PageLink." in hints and "/DownloadButton." in hints
    assert "PlotlyChart" not in hints and "DeckGlJsonChart" not in hints


@pytest.mark.parametrize("page", ["desk", "trends", "activities"])
def test_a_page_without_elements_to_preload_gets_no_hint(page: str) -> None:
    assert preload.hints(page, preload.PAGE.read_text(encoding="utf-8")) == ""


def test_every_page_gets_its_style_and_the_apps_root() -> None:
    html = preload.PAGE.read_text(encoding="utf-8")
    for page in ("", "trends", "desk"):
        added = preload.head(page, html)
        assert added.count(preload.STYLE) == 1
        assert preload.server_address(page) in added


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


def test_the_build_takes_its_servers_address_from_the_page() -> None:
    assert preload.reads_server_address(), (
        "Streamlit's build no longer reads window.__streamlit.BACKEND_BASE_URL: read the new "
        "build's main module for how a host page names the server and update "
        "SERVER_ADDRESS_READ and server_address in ctdash/preload.py (without it the pages "
        "other than the Overview still load, half a second later)."
    )
    script = preload.server_address("trends")
    assert script.startswith("<script>") and script.endswith("</script>")
    assert "BACKEND_BASE_URL" in script and r"/\/trends$/" in script


def test_a_build_that_does_not_read_the_servers_address_is_given_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "index.html"
    page.write_text('<script type="module" src="./static/js/main.js"></script>')
    (tmp_path / "main.js").write_text("const base = window.location.href;")
    monkeypatch.setattr(preload, "PAGE", page)
    monkeypatch.setattr(preload, "SCRIPTS", tmp_path)
    preload.reads_server_address.cache_clear()
    try:
        assert preload.server_address("trends") == ""
    finally:
        preload.reads_server_address.cache_clear()
