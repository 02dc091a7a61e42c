"""Data desk: the secretariat's checklist of what is due; figures and activities uploaded or
entered, notes on the trends, and the undo of any write."""

import streamlit as st

from ctdash import desk
from ctdash.markdown import md
from ctdash.web import page
from ctdash.web.desk_checklist import checklist
from ctdash.web.desk_history import history_tab
from ctdash.web.desk_newsletter import newsletter_tab
from ctdash.web.desk_notes import notes_tab
from ctdash.web.desk_review import DONE_KEY
from ctdash.web.desk_uploads import activities_tab, entry_tab, figures_tab
from ctdash.web.engine import data_version, engine, store_is_read_only

page.page_start()
if store_is_read_only():
    st.title("Data desk")
    st.warning(
        "Writing is unavailable: this store was opened read-only (its file or the disk it is on "
        "cannot be written). The figures and activities can be seen on every page; ask the "
        "operator to make the store writable to upload, enter or undo.",
        icon=":material/edit_off:",
    )
    st.stop()
viewer = page.require("edit")
database = engine()

st.title("Data desk")
st.caption(
    f"Signed in as {md(viewer.name)} ({viewer.role}). Nothing is written until you "
    "commit, and every commit can be undone."
)

done = st.session_state.pop(DONE_KEY, None)
if done:
    st.success(md(done), icon=":material/check_circle:")

checklist(version=data_version())

figures, entry, activities, newsletter, notes, history = st.tabs(
    [
        "Upload figures",
        "Enter figures",
        "Upload activities",
        "Import the newsletter",
        "Notes on the trends",
        "History and undo",
    ]
)
indicators = desk.indicator_pairs(database)

with figures:
    figures_tab(database=database, viewer=viewer, indicators=indicators)
with entry:
    entry_tab(database=database, viewer=viewer)
with activities:
    activities_tab(database=database, viewer=viewer)
with newsletter:
    newsletter_tab(database=database, viewer=viewer)
with notes:
    notes_tab(database=database, viewer=viewer, indicators=indicators)
with history:
    history_tab(database=database, viewer=viewer, indicators=indicators)
