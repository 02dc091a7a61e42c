"""Text from data or a URL shown in Streamlit's Markdown exactly as typed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
