"""The data desk's notes on the trends: the current notes, and adding, correcting or removing
one. Each is a write of its own, checked like figures, kept with its revisions, and undone in
History and undo."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import charts, context, freshness, store
from ctdash.context import NoteInput
from ctdash.ingest import Problem
from ctdash.markdown import markdown_table, md
from ctdash.models import Note
from ctdash.web import readers
from ctdash.web.desk_review import current_round, finish
from ctdash.web.engine import data_version
from ctdash.web.signin import Viewer

# A note's fields as the form and the refusals name them.
FIELDS = {
    "on_date": "date",
    "text": "text",
    "source": "source",
    "source_url": "link",
    "indicator_code": "indicator",
}


def notes_tab(*, database: Engine, viewer: Viewer, indicators: list[tuple[str, str]]) -> None:
    """Notes on the trends: the current ones, a form to add one, and one to correct or remove
    a chosen note."""
    labels = dict(indicators)
    notes = readers.notes(data_version())
    today = freshness.clock()
    st.write(
        "Dated notes drawn on the Trends chart, for example when an entity joined the Compact. "
        "Each needs a source. Every addition, correction or removal is a write of its own, "
        "which **History and undo** can undo."
    )
    count = len(notes)
    if notes.empty:
        st.caption("No note is on the trends yet.")
    else:
        st.caption(f"{count} note{'' if count == 1 else 's'} on the trends, oldest first.")
        st.markdown(charts.notes_table(notes, labels))

    st.subheader("Add a note")
    typed = note_form("add", labels=labels, today=today, button="Add the note")
    if typed is not None:
        _attempt(
            lambda: _added(database, typed, user=viewer.name, today=today),
            "Note added (write {}).",
        )

    st.subheader("Correct or remove a note")
    if notes.empty:
        st.caption("No note to correct or remove.")
        return
    chosen = st.selectbox(
        "Note",
        list(notes["key"]),
        index=None,
        format_func=_choice_names(notes).__getitem__,
        placeholder="Choose a note",
        key="desk:note-choice",
    )
    if chosen is not None:
        standing = _row(notes, chosen)
        correct_or_remove(database=database, viewer=viewer, standing=standing, labels=labels)


def correct_or_remove(
    *, database: Engine, viewer: Viewer, standing: dict[str, Any], labels: dict[str, str]
) -> None:
    """The chosen note's form, prefilled, to correct it; its revisions; and its removal, once
    confirmed."""
    key = standing["key"]
    today = freshness.clock()
    typed = note_form(
        f"fix-{key}", labels=labels, today=today, standing=standing, button="Save the correction"
    )
    if typed is not None:
        if typed.cleaned() == _as_input(standing).cleaned():
            st.info("Nothing changed: the note is as it was, and nothing was written.")
        else:
            _attempt(
                lambda: context.correct_note(database, key, typed, user=viewer.name, today=today),
                "Note corrected (write {}).",
            )
    with st.expander("Revisions of this note"):
        st.markdown(markdown_table(revision_rows(context.revisions(database, Note), key)))
    sure = st.checkbox(
        "Remove this note from the trends (its revisions stay, and History and undo can bring "
        "it back)",
        key=f"desk:note-remove-confirm-{key}-{current_round()}",
    )
    clicked = st.button(
        "Remove the note", disabled=not sure, key="desk:note-remove", icon=":material/delete:"
    )
    if clicked and sure:
        _attempt(
            lambda: context.remove_note(database, key, user=viewer.name),
            "Note removed (write {}).",
        )


def note_form(
    name: str,
    *,
    labels: Mapping[str, str],
    today: date,
    button: str,
    standing: Mapping[Any, Any] | None = None,
) -> NoteInput | None:
    """A note's form (prefilled with `standing`, if given); what was typed once it is sent.

    Its inputs are keyed by the desk's round, so they are emptied after a write.
    """
    tag = f"desk:note-{name}-{current_round()}"
    was = standing or {}
    codes = ["", *labels]
    on = was.get("on_date")
    with st.form(f"{tag}-form"):
        on_date = st.date_input(
            "Date",
            value=on,
            min_value=context.EARLIEST,
            # A note dated after today cannot be chosen; one that is (the clock was set back)
            # still opens, and saving it says why it is refused.
            max_value=max(today, on) if on else today,
            format="YYYY-MM-DD",
            key=f"{tag}-date",
            help="The day of the event, up to today.",
        )
        text = st.text_area(
            "Text",
            value=was.get("text", ""),
            max_chars=context.MAX_TEXT,
            key=f"{tag}-text",
            help="What happened, in a sentence or two.",
        )
        source = st.text_input(
            "Source",
            value=was.get("source", ""),
            max_chars=context.MAX_SOURCE,
            key=f"{tag}-source",
            help="The document, page or decision that states it.",
        )
        link = st.text_input(
            "Link (optional)",
            value=was.get("source_url") or "",
            max_chars=context.MAX_URL,
            key=f"{tag}-link",
            help="The source's web address (https://…).",
        )
        code = st.selectbox(
            "Indicator",
            codes,
            index=codes.index(was.get("indicator_code") or ""),
            format_func=lambda c: labels.get(c, charts.WHOLE_COMPACT),
            key=f"{tag}-indicator",
            help="What the note is about: the whole Compact, or one indicator.",
        )
        sent = st.form_submit_button(
            button, type="primary", icon=":material/save:", key=f"desk:note-{name}-save"
        )
    if not sent:
        return None
    return NoteInput(on_date, text, source, link or None, code or None)


def _attempt(write: Callable[[], int], done: str) -> None:
    """Make a write; on success start a new round saying `done` with the write's number, else
    say why nothing was written."""
    try:
        batch = write()
    except context.Refused as refused:
        show_refusal(refused.problems)
        return
    except store.StoreError as error:
        st.error(md(error), icon=":material/cloud_off:")
        return
    finish(done.format(batch))


def show_refusal(problems: list[Problem]) -> None:
    """Each problem of a refused note under the name of its field."""
    lines = [f"- **{md((p.column or 'note').capitalize())}**: {md(p.message)}" for p in problems]
    st.error(
        "The note was not saved; nothing was written.\n\n" + "\n".join(lines),
        icon=":material/error:",
    )


def _added(database: Engine, note: NoteInput, *, user: str, today: date) -> int:
    """Add a note; the write that added it."""
    return context.add_note(database, note, user=user, today=today).write


def _row(notes: pd.DataFrame, key: str) -> dict[str, Any]:
    row = notes[notes["key"] == key].iloc[0].to_dict()
    return {str(k): (None if pd.isna(v) else v) for k, v in row.items()}


def _as_input(row: Mapping[Any, Any]) -> NoteInput:
    return NoteInput(
        row["on_date"], row["text"], row["source"], row["source_url"], row["indicator_code"]
    )


def _choice_names(notes: pd.DataFrame) -> dict[str, str]:
    """Each note as the chooser lists it: its date and the start of its text."""
    return {
        row["key"]: f"{row['on_date']} · {_shortened(row['text'])}"
        for row in notes.to_dict("records")
    }


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changed(before: Mapping[Any, Any] | None, after: Mapping[Any, Any]) -> str:
    """What a revision changed from the one before it: 'added', 'removed', or its fields."""
    if before is None:
        return "added"
    if after["removed"]:
        return "removed"
    if before["removed"]:
        return "restored"

    def same(a: Any, b: Any) -> bool:
        return (pd.isna(a) and pd.isna(b)) if pd.isna(a) or pd.isna(b) else a == b

    fields = [word for field, word in FIELDS.items() if not same(before[field], after[field])]
    return ", ".join(fields) or "nothing"


def revision_rows(revisions: pd.DataFrame, key: str) -> list[dict[str, object]]:
    """A note's revisions (context.revisions), latest first: who wrote each and when, what it
    changed, and whether it stands (one undone says so)."""
    rows = revisions[revisions["key"] == key].sort_values("revision").to_dict("records")
    listed = []
    for before, row in zip([None, *rows], rows, strict=False):
        when = row["recorded_at"]
        undone = not pd.isna(row["superseded_batch_id"])
        listed.append(
            {
                "Revision": row["revision"],
                "When (UTC)": "" if when is None or pd.isna(when) else f"{when:%Y-%m-%d %H:%M}",
                "By": row["recorded_by"],
                "What changed": _changed(before, row),
                "Current": "yes" if row["current"] else ("no, undone" if undone else "no"),
                "Date": row["on_date"],
                "Note": row["text"],
            }
        )
    return listed[::-1]
