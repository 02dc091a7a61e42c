"""Driving the data desk's notes on the trends through AppTest, and reading what it shows: its
Markdown tables, its messages, the write a success names."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from ctdash.web.signin import USER_KEY
from tests.helpers.apptest import APP, page_file


def desk(user: str = "ana") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[USER_KEY] = user
    at.run()
    at.switch_page(page_file("pages/desk.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text: str) -> str:
    """Markdown-escaped text as a reader sees it."""
    return re.sub(r"\\(.)", r"\1", text)


def table(at: AppTest, first_header: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose first header is `first_header`, as shown."""
    body = next(m.value for m in at.markdown if m.value.startswith(f"| {first_header} |"))
    header, _, *rows = body.splitlines()

    def cells(line: str) -> list[str]:
        return [plain(c.strip()) for c in re.split(r"(?<!\\)\|", line)[1:-1]]

    return [dict(zip(cells(header), cells(row), strict=True)) for row in rows]


def successes(at: AppTest) -> list[str]:
    return [plain(s.value) for s in at.success]


def errors(at: AppTest) -> str:
    return " ".join(plain(e.value).replace("**", "") for e in at.error)


def widget(elements, key_start: str):
    """The one widget whose key starts with `key_start` (the desk adds its round to keys)."""
    (found,) = [w for w in elements if w.key and w.key.startswith(key_start)]
    return found


def fill(at: AppTest, form: str, **typed: object) -> AppTest:
    """Type into a note form ("add", or "fix-<key>"): date, text, source, link, indicator."""
    inputs = {
        "date": at.date_input,
        "text": at.text_area,
        "source": at.text_input,
        "link": at.text_input,
        "indicator": at.selectbox,
    }
    for field, value in typed.items():
        element = next(
            w
            for w in inputs[field]
            if w.key and w.key.startswith(f"desk:note-{form}-") and w.key.endswith(f"-{field}")
        )
        element.set_value(value)
    return at


def save(at: AppTest, form: str) -> AppTest:
    at.button(key=f"desk:note-{form}-save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def written(at: AppTest, verb: str) -> int:
    """The write number the desk's success message gives for a note added or corrected."""
    said = [m for s in successes(at) if (m := re.fullmatch(rf"Note {verb} \(write (\d+)\)\.", s))]
    assert said, successes(at)
    return int(said[0].group(1))
