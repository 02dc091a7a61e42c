"""The data desk's history tab: every revision of a figure, and the undo of a write."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import queries, store
from ctdash.desk_tables import history_table, undo_choices
from ctdash.markdown import md
from ctdash.web.desk_review import finish
from ctdash.web.signin import Viewer


def history_tab(*, database: Engine, viewer: Viewer, indicators: list[tuple[str, str]]) -> None:
    """History and undo: an indicator's revisions, then the writes that can be undone."""
    labels = dict(indicators)
    code = st.selectbox(
        "Indicator", list(labels), format_func=labels.__getitem__, key="desk:history-indicator"
    )
    st.dataframe(
        history_table(queries.history(database, code=code)),
        hide_index=True,
        key="desk:history-table",
        column_config={
            "as_of": "As of",
            "revision": "Revision",
            "value": st.column_config.NumberColumn("Value", format="localized"),
            "current": "Current",
            "recorded_by": "By",
            "recorded_at": "When (UTC)",
            "source": "File or source",
            "write": "Write",
        },
    )
    st.header("Undo a write")
    undo(database=database, viewer=viewer)


def undo(*, database: Engine, viewer: Viewer) -> None:
    """Choose a write, confirm, and undo it: what it wrote stops being current."""
    # Schedules and targets are an administrator's: an editor cannot undo them either.
    kinds = store.UNDOABLE if viewer.role == "admin" else store.EDITOR_UNDOABLE
    choices = undo_choices(queries.audit_log(database), kinds)
    if not choices:
        st.caption("No write to undo.")
        return
    choice = st.selectbox(
        "Write", list(choices), key="desk:undo-write", format_func=choices.__getitem__
    )
    sure = st.checkbox(
        "What it wrote (figures, activities, a note or a setting) stops being current and what "
        "it replaced comes back; nothing is deleted.",
        key=f"desk:undo-confirm-{choice}",
    )
    if st.button("Undo this write", disabled=not sure, key="desk:undo", icon=":material/undo:"):
        try:
            undone = store.undo(database, batch_id=int(choice), user=viewer.name, kinds=kinds)
        except store.StoreError as error:
            st.error(md(error))
        else:
            finish(f"Write {choice} undone (write {undone.id}).")
