"""Admin: every write to the store, and the roles of users."""

import streamlit as st

from ctdash import auth, queries
from ctdash.markdown import md
from ctdash.web import accounts, page
from ctdash.web.engine import engine

page.page_start()
viewer = page.require("admin")
database = engine()

st.title("Administration")

st.header("Every write")
log = queries.audit_log(database)
st.dataframe(
    log,
    hide_index=True,
    key="admin:log",
    column_config={
        "write": "Write",
        "recorded_at": "When (UTC)",
        "recorded_by": "Who",
        "kind": "What",
        "file": "File or source",
        "sha256": "SHA-256",
        "figures": "Figures",
        "activities": "Activities",
        "undone_by": st.column_config.NumberColumn("Undone by write"),
        "note": "Note",
    },
)

st.header("Users and roles")
st.dataframe(
    [
        {
            "Name": u.name,
            "E-mail": u.email or "",
            "Role": u.role,
            "Locked until (UTC)": u.locked_until,
        }
        for u in accounts.users()
    ],
    hide_index=True,
    key="admin:users",
)
st.caption(
    "Single sign-on users get the role given to their e-mail here; anyone else who "
    "signs in is a viewer. Local accounts are added with `ctdash users add`."
)
with st.form("admin:role"):
    who = st.text_input("Name or e-mail", max_chars=200)
    role = st.selectbox("Role", auth.ROLES, index=1)
    if st.form_submit_button("Set role"):
        try:
            accounts.set_role(who, role)
        except auth.AuthError as error:
            st.error(md(error))
        else:
            st.success(f"{md(who.strip())} is now {role}.")
