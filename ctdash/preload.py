"""Hints in a page's HTML that let a fresh browser fetch the code of the page's heaviest
element (the Plotly chart, the deck, the table) while Streamlit's own code starts, rather than
after its first script run names that element; that tell Streamlit's frontend where its
server is, so that a page other than the root connects at once; and the page's own style.

Streamlit loads each element's code when the first element of its kind arrives, and that code
then asks for the modules it imports: Trends waited for 4.7 MB of chart code that its first run
asked for only once its widgets had been sent. The code's file names change with each build
of Streamlit, so they are read from the build itself (the lazy imports of its main module and
the modules each needs); a build laid out otherwise gives no hints, and the pages load as
before.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path

logger = logging.getLogger(__name__)

# Streamlit's built frontend: its page, where it keeps its modules, the path the page names
# them by, and the page's main module. Found without importing Streamlit: the library runs
# without it (docs/architecture.md).
_STREAMLIT = find_spec("streamlit")
PAGE = (
    Path((_STREAMLIT.submodule_search_locations or ["."])[0] if _STREAMLIT else ".")
    / "static"
    / "index.html"
)
SCRIPTS = PAGE.parent / "static" / "js"
SCRIPTS_URL = "./static/js/"
MAIN_MODULE = re.compile(r'<script type="module"[^>]* src="\./static/js/(?P<file>[^"]+\.js)"')
# The elements whose code each page needs for its first figures, as Streamlit's build names
# their modules, heaviest first. The Overview ("" at the root) has its page link and the
# brief's button. Trends and Activities need none: their first figures (a picture of the chart,
# a table of the first rows) are drawn with the code every page has, and preloading Plotly's
# or the grid's code beside Streamlit's own delayed them.
EARLY_ELEMENTS = {
    "": ("PageLink", "DownloadButton"),
    "overview": ("PageLink", "DownloadButton"),
    "map": ("DeckGlJsonChart",),
}
# The main module's lazy import of an element: import(`./Name.hash.js`)[.then(...)], then the
# indexes of the modules it needs in the build's list (__vite__mapDeps).
LAZY_IMPORT = re.compile(
    r"import\(`\./(?P<name>[A-Za-z]+)\.(?P<rest>[^`]+\.js)`\)(?:\.then\([^)]*\))?,"
    r"__vite__mapDeps\(\[(?P<needs>[\d,]*)\]\)"
)
MODULE_LIST = re.compile(
    r"__vite__mapDeps=\(i,m=__vite__mapDeps,d=\(m\.f\|\|\(m\.f=\[(?P<files>[^\]]*)\]"
)


def _main_module_source() -> str | None:
    """The text of the main module Streamlit's page names ("" when it names none), or None
    when the build cannot be read (each caller's result is cached)."""
    try:
        named = MAIN_MODULE.search(PAGE.read_text(encoding="utf-8"))
        return (SCRIPTS / named["file"]).read_text(encoding="utf-8") if named else ""
    except OSError as error:
        logger.info("no hints from Streamlit's build: %s", error)
        return None


@cache
def element_modules() -> dict[str, tuple[str, ...]]:
    """Each lazily loaded element's module and the modules it needs (those the build holds),
    by element name; empty when the build does not read as expected."""
    source = _main_module_source()
    if source is None:
        return {}
    listed = MODULE_LIST.search(source)
    if listed is None:
        logger.info("no preload hints: Streamlit's build does not list its modules as expected")
        return {}
    files = [name.strip("\"'").removeprefix("./") for name in listed["files"].split(",")]
    modules: dict[str, tuple[str, ...]] = {}
    for found in LAZY_IMPORT.finditer(source):
        needs = [files[int(i)] for i in found["needs"].split(",") if i and int(i) < len(files)]
        own = f"{found['name']}.{found['rest']}"
        held = (module for module in dict.fromkeys([own, *needs]) if (SCRIPTS / module).is_file())
        modules[found["name"]] = tuple(held)
    return modules


# Streamlit's frontend takes its server's address from window.__streamlit.BACKEND_BASE_URL,
# which a host page may set. Without it, a page at /trends first asks /trends/_stcore/health
# whether the app is served from /trends, and after that 404 waits half a second before asking
# the root: half a second more than the Overview before its first script run.
SERVER_ADDRESS_READ = ("window.__streamlit", "BACKEND_BASE_URL")


@cache
def reads_server_address() -> bool:
    """Whether Streamlit's build takes its server's address from the page."""
    source = _main_module_source()
    return source is not None and all(part in source for part in SERVER_ADDRESS_READ)


def server_address(page: str) -> str:
    """The script that gives Streamlit's frontend the app's root: the page's address less its
    own name, so that it holds behind a proxy that serves the app under a path; "" when the
    build does not read it. `page` is one of the app's own page names, never user text."""
    if not reads_server_address():
        return ""
    root = 'location.pathname.replace(/\\/+$/,"")'
    if page:
        root += f'.replace(/\\/{page}$/,"")'
    return (
        "<script>window.__streamlit=window.__streamlit||"
        f'{{BACKEND_BASE_URL:location.origin+{root}+"/"}};</script>'
    )


# Focus made plain where Streamlit's own is faint: page links, text boxes, the map. Trends' chart
# and Activities' table drawn first with code every page has (a picture, a Markdown table),
# laid over by the interactive element in the same place, which hides them once drawn; the
# Overview's figures likewise, in Markdown set as the metric sets them, until it is drawn. In the
# page's head rather than drawn by st.html on every run, which made each fresh page load
# Streamlit's HTML element and its sanitiser before the first figure.
STYLE = """<style>
[data-testid="stSidebarNavLink"]:focus-visible,
[data-testid="stBaseButton-elementToolbar"]:focus-visible,
[data-testid="stDeckGlJsonChart"] [tabindex]:focus-visible,
[data-testid="stTextInputRootElement"]:focus-within {
  outline: 2px solid #a52f3b;
  outline-offset: 2px;
}
div.st-key-trend-chart-box, div.st-key-activities-rows, div[class*="st-key-figure-"] {
  display: grid;
  grid-template-columns: minmax(0, 1fr);
}
.st-key-trend-chart-box > *, .st-key-activities-rows > *,
div[class*="st-key-figure-"] > * { grid-area: 1 / 1; }
.st-key-trend-chart-box > :first-child, .st-key-activities-rows > :first-child,
div[class*="st-key-figure-"] > :first-child { z-index: 1; }
.st-key-trend-chart-box:has(.main-svg) > :first-child,
.st-key-activities-rows:has(canvas) > :first-child,
div[class*="st-key-figure-"]:has([data-testid="stMetric"]) > :first-child { display: none; }
.st-key-trend-chart-box:not(:has(.main-svg)) > :last-child,
.st-key-activities-rows:not(:has(canvas)) > :last-child,
div[class*="st-key-figure-"]:not(:has([data-testid="stMetric"])) > :last-child {
  visibility: hidden;
}
.st-key-activities-rows > :first-child { max-height: 388px; overflow: hidden; }
.st-key-trend-chart-box > :first-child img { height: 450px; }
div[class*="st-key-figure-"] [data-testid="stMarkdown"] * { margin: 0; }
div[class*="st-key-figure-"] > :first-child p {
  font-size: 0.875rem;
  line-height: 1.5rem;
  white-space: nowrap;
  overflow: hidden;
  text-overflow: ellipsis;
}
div[class*="st-key-figure-"] > :first-child p:nth-child(2) {
  font-size: 2.25rem;
  line-height: 3.25rem;
}
div[class*="st-key-figure-"] > :first-child p:nth-child(2) strong { font-weight: 400; }
div[class*="st-key-figure-"] > :first-child p:nth-child(3) {
  line-height: 1.4375rem;
  margin-bottom: 0.25rem;
}
.st-key-activities-rows > :first-child :is(th, td) {
  white-space: nowrap;
  max-width: 25rem;
  overflow: hidden;
  text-overflow: ellipsis;
}
</style>"""


def head(page: str, html: str) -> str:
    """Everything ctdash adds to the head of `page`'s HTML: its style, the app's root for
    Streamlit's frontend, and the hints for its heaviest element's code."""
    return STYLE + server_address(page) + hints(page, html)


def hints(page: str, html: str) -> str:
    """The <link rel="modulepreload"> tags for the code of `page`'s elements that Streamlit
    loads only when a run sends them (EARLY_ELEMENTS), leaving out the modules the page's HTML
    names already; "" for a page without such elements."""
    modules = element_modules()
    wanted = (
        module for element in EARLY_ELEMENTS.get(page, ()) for module in modules.get(element, ())
    )
    return "".join(
        f'<link rel="modulepreload" crossorigin href="{SCRIPTS_URL}{module}">'
        for module in dict.fromkeys(wanted)
        if module not in html
    )
