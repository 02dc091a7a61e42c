"""Sign in and out: single sign-on where configured, local accounts otherwise."""

import streamlit as st

from ctdash import auth
from ctdash.markdown import md
from ctdash.web import accounts, page, signin
from ctdash.web.engine import store_is_read_only

page.page_start(public=True)

st.title("Account")
viewer = signin.current_viewer()

if viewer is not None:
    st.success(f"Signed in as {md(viewer.name)} ({viewer.role}).", icon=":material/person:")
    if auth.can(viewer.role, "edit"):
        st.page_link(page.page_file("desk"), label="Open the data desk", icon=":material/upload:")
    st.button(
        "Sign out", key="account:sign-out", icon=":material/logout:", on_click=signin.sign_out
    )
elif store_is_read_only():
    # A sign-in records failed attempts (five lock the account): it cannot be counted here.
    st.info(
        "Signing in is unavailable: this store was opened read-only, so nothing can be written, "
        "not even the count of failed attempts that protects accounts. Every page can be seen "
        "without signing in.",
        icon=":material/edit_off:",
    )
elif signin.sso_configured():
    st.write("Sign in with your organisation's account.")
    st.button("Sign in with single sign-on", icon=":material/login:", on_click=st.login)
else:
    st.caption("Viewing needs no account; the secretariat signs in to add or correct figures.")
    with st.form("sign-in"):
        name = st.text_input("Name", max_chars=100, autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", icon=":material/login:")
    if submitted:
        result = accounts.authenticate(name, password)
        if result.ok and result.user is not None:
            signin.sign_in_local(result.user.name)
            st.rerun()
        else:
            st.error(result.message, icon=":material/error:")
