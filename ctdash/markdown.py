"""Text from data or a URL shown in Streamlit's Markdown exactly as typed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:=&")


def md(text: object) -> str:
    """Text from data or a URL, escaped so that Streamlit's Markdown shows it as typed."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def markdown_table(rows: Sequence[Mapping[str, object]], *, right: Sequence[str] = ()) -> str:
    """A Markdown table of rows (dicts with the same keys), every cell shown as typed.

    Streamlit draws it with code every page has loaded already; st.table and st.dataframe
    make a fresh browser fetch and run theirs (the latter 0.5 MB) first.
    """
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value: object) -> str:
        return md(" ".join(str(value).split())) or " "

    lines = [
        "| " + " | ".join(cell(c) for c in columns) + " |",
        "| " + " | ".join("---:" if c in right else "---" for c in columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def svg_image(svg: str, alt: str, title: str | None = None) -> str:
    """An SVG as a Markdown image, `alt` (and `title`, if any) shown as typed.

    The picture is percent-encoded in a data URL rather than base64-encoded: a third shorter,
    and every character is parsed as Markdown in the browser. Pictures written with single
    quotes and commas between their numbers gain almost nothing from the encoding; no space,
    bracket or double quote of Markdown's is left in it."""

    def shown(text: str) -> str:
        # Quotes escaped too: a title is written in quotes.
        return md(text).replace('"', '\\"')

    titled = "" if title is None else f' "{shown(title)}"'
    picture = quote(svg, safe="/:=',;.")
    return f"![{shown(alt)}](data:image/svg+xml,{picture}{titled})"
