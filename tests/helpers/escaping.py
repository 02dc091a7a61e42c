"""Whether text typed by users reaches what Streamlit renders as Markdown or HTML unescaped,
read from the elements an AppTest run drew."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from tests.helpers.apptest import every_element

RTL = "abc\u202edcba.exe"
# A payload's markup, unescaped: its first character not preceded by a backslash.
RAW_MARKUP = {
    "<script": re.compile(r"(?<!\\)<script", re.IGNORECASE),
    "<img": re.compile(r"(?<!\\)<img", re.IGNORECASE),
    "javascript link": re.compile(r"(?<!\\)\]\(javascript", re.IGNORECASE),
    "markdown image": re.compile(r"(?<!\\)!\[x(?<!\\)\]"),
}
# An entity left unescaped is not markup, but Markdown shows "&lt;b&gt;" as "<b>": not as typed.
RAW_ENTITY = {"html entity": re.compile(r"(?<!\\)&lt;")}
# Any trace of a payload, escaped or not: none may reach HTML that Streamlit does not escape.
TRACES = ("onerror", "alert(1)", "javascript", "example.com", "&lt;b", RTL, "L" * 100)
# Element types whose text is shown as plain text (or is data), never as Markdown or HTML.
PLAIN_ELEMENTS = {"text", "code", "arrow_data_frame", "arrow_table", "deck_gl_json_chart"}
# Fields that hold a widget's data (options, values), which Streamlit shows as plain text.
PLAIN_FIELDS = {"options", "value", "default", "rawValue", "rawValues", "data", "formId", "id"}


def strings(value: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """Every (field, text) in a proto turned into a dict, leaving out data fields."""
    if field in PLAIN_FIELDS:
        return
    if isinstance(value, str):
        yield field, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from strings(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from strings(inner, field)


def unescaped_payloads(at: AppTest, patterns: dict[str, re.Pattern[str]] = RAW_MARKUP) -> list[str]:
    """Where a payload's markup reaches Markdown or HTML unescaped: 'type.field: pattern'."""
    found = []
    for node in every_element(at):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is None or not hasattr(proto, "DESCRIPTOR") or kind in PLAIN_ELEMENTS:
            continue
        fields = MessageToDict(proto)
        texts = list(strings(fields))
        if kind == "html" or fields.get("allowHtml"):
            found += [f"{kind}.{f}: {t!r} in HTML" for f, v in texts for t in TRACES if t in v]
        for field, text in texts:
            found += [f"{kind}.{field}: {name}" for name, rx in patterns.items() if rx.search(text)]
    return found
