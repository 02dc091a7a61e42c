"""Admin: every write to the store, the roles of users, each indicator's schedule and target,
and the subscriptions to briefs."""

import streamlit as st

from ctdash import auth, queries, subscriptions
from ctdash.markdown import md
from ctdash.models import SUBSCRIPTION_FORMATS, SUBSCRIPTION_TRIGGERS
from ctdash.web import accounts, admin_context, page
from ctdash.web import subscriptions as web_subscriptions
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
        "notes": "Notes",
        "settings": "Schedules and targets",
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

st.header("Indicators: schedule and target")
admin_context.indicator_section(database=database, viewer=viewer)

st.header("Brief subscriptions")
st.caption(
    "Each subscription mails the brief of one view (a share link of the Overview, Trends, Map "
    "or Activities) to one address, as PDF or PNG: after each commit of new figures, or in "
    "each new week or month. `ctdash brief send-due`, run by cron or a systemd timer, sends "
    "what is due; one address never gets the same brief of the same data twice."
)
# Filled after the forms below, so that it shows what they changed.
listing = st.container()

with st.form("admin:subscribe"):
    st.subheader("Add a subscription")
    email = st.text_input("E-mail", max_chars=254, key="admin:subscribe:email")
    view = st.text_input(
        "View: a share link of a page",
        max_chars=subscriptions.MAX_VIEW,
        placeholder=subscriptions.VIEW_EXAMPLE,
        key="admin:subscribe:view",
    )
    fmt = st.radio("Format", SUBSCRIPTION_FORMATS, horizontal=True, key="admin:subscribe:format")
    trigger = st.selectbox(
        "When",
        SUBSCRIPTION_TRIGGERS,
        format_func=web_subscriptions.TRIGGERS.__getitem__,
        key="admin:subscribe:trigger",
    )
    if st.form_submit_button("Add subscription"):
        try:
            added = web_subscriptions.add(
                email=email, view=view, fmt=fmt, trigger=trigger, viewer=viewer
            )
        except subscriptions.SubscriptionError as error:
            for problem in error.problems:
                st.error(md(problem))
        else:
            st.success(
                f"Subscription {added.subscription.id} added: {md(added.subscription.email)}, "
                f"{added.subscription.format}, {added.subscription.trigger}."
            )
            for notice in added.notices:
                st.warning(f"The link: {md(notice)} Its briefs print this notice.")

choices = {
    row["Id"]: f"{row['Id']}: {row['E-mail']}, {row['Trigger']}"
    for row in web_subscriptions.active_rows()
}
if choices:
    with st.form("admin:unsubscribe"):
        st.subheader("Remove a subscription")
        chosen = st.selectbox(
            "Subscription",
            list(choices),
            format_func=choices.__getitem__,
            key="admin:unsubscribe:id",
        )
        if st.form_submit_button("Remove subscription") and chosen is not None:
            try:
                removed = web_subscriptions.remove(int(str(chosen)), viewer=viewer)
            except subscriptions.SubscriptionError as error:
                st.error(md(error))
            else:
                st.success(f"Subscription {removed.id} ({md(removed.email)}) removed.")

with listing:
    active = web_subscriptions.active_rows()
    if active:
        st.dataframe(active, hide_index=True, key="admin:subscriptions")
    else:
        st.caption("No active subscriptions.")

st.subheader("Briefs sent")
sent = web_subscriptions.delivery_rows()
if sent:
    st.dataframe(sent, hide_index=True, key="admin:deliveries")
else:
    st.caption("No brief has been sent yet.")
