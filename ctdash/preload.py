"""Hints in a page's HTML that let a fresh browser fetch the code of the page's heaviest
element (the Plotly chart, the deck, the table) while Streamlit's own code starts, rather than
after its first script run names that element.

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
# The element whose code each page draws first, as Streamlit's build names its module.
HEAVIEST = {"trends": "PlotlyChart", "map": "DeckGlJsonChart", "activities": "DataFrame"}
# The main module's lazy import of an element: import(`./Name.hash.js`)[.then(...)], then the
# indexes of the modules it needs in the build's list (__vite__mapDeps).
LAZY_IMPORT = re.compile(
    r"import\(`\./(?P<name>[A-Za-z]+)\.(?P<rest>[^`]+\.js)`\)(?:\.then\([^)]*\))?,"
    r"__vite__mapDeps\(\[(?P<needs>[\d,]*)\]\)"
)
MODULE_LIST = re.compile(
    r"__vite__mapDeps=\(i,m=__vite__mapDeps,d=\(m\.f\|\|\(m\.f=\[(?P<files>[^\]]*)\]"
)


@cache
def element_modules() -> dict[str, tuple[str, ...]]:
    """Each lazily loaded element's module and the modules it needs (those the build holds),
    by element name; empty when the build does not read as expected."""
    try:
        named = MAIN_MODULE.search(PAGE.read_text(encoding="utf-8"))
        source = (SCRIPTS / named["file"]).read_text(encoding="utf-8") if named else ""
    except OSError as error:
        logger.info("no preload hints: %s", error)
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


def hints(page: str, html: str) -> str:
    """The <link rel="modulepreload"> tags for `page`'s heaviest element, leaving out the
    modules the page's HTML names already; "" for a page without one."""
    element = HEAVIEST.get(page)
    if element is None:
        return ""
    return "".join(
        f'<link rel="modulepreload" crossorigin href="{SCRIPTS_URL}{module}">'
        for module in element_modules().get(element, ())
        if module not in html
    )
