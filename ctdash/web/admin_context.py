"""The administration page's section on each indicator's schedule (how often it is reported,
who provides it) and target: the current ones as a table, a form for each, every revision.

Each change is a new revision in its own write, undone from the data desk's history like an
upload; the table shows what the forms changed in the same run.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import context, freshness, queries, store
from ctdash.ingest import Problem
from ctdash.markdown import md
from ctdash.models import Schedule, Target
from ctdash.web.signin import Viewer

# The cadences offered: none, or a number of months.
NO_CADENCE = 0


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))  # type: ignore[call-overload]


def _cadence(months: object) -> str:
    return freshness.cadence_text(None if _blank(months) else int(str(months)))


def current_rows(database: Engine) -> list[dict[str, object]]:
    """Each indicator with its cadence, provider and target, in the newsletter's order."""
    plans = context.schedules(database).set_index("indicator_code")
    goals = context.targets(database).set_index("indicator_code")
    rows = []
    for code, label in zip(
        *(queries.indicators(database)[c] for c in ("code", "label")), strict=True
    ):
        months = None if code not in plans.index else plans.loc[code, "cadence_months"]
        goal = goals.loc[code] if code in goals.index else None
        rows.append(
            {
                "Indicator": label,
                "Cadence": _cadence(months),
                "Provided by": "" if code not in plans.index else plans.loc[code, "provider"],
                "Target": "" if goal is None else f"{int(goal['value']):,}",
                "Target date": "" if goal is None else str(goal["due"]),
                "Target source": "" if goal is None else goal["source"],
            }
        )
    return rows


def _row(frame: pd.DataFrame, code: str) -> dict[str, Any] | None:
    """The row of one indicator in a frame of schedules or targets, if it has one."""
    found = frame[frame["indicator_code"] == code].to_dict("records")
    return {str(k): v for k, v in found[0].items()} if found else None


def _problems(error: store.StoreError) -> None:
    """Each problem of a refused change, naming its field; or the store's one sentence."""
    if isinstance(error, context.Refused):
        for problem in error.problems:
            field = (problem.column or "").capitalize()
            st.error(f"{md(field)}: {md(problem.message)}" if field else md(problem.message))
    else:
        st.error(md(error))


def indicator_section(*, database: Engine, viewer: Viewer) -> None:
    """Cadence, provider and target of each indicator: the table, the forms, the revisions."""
    st.caption(
        "Each indicator's cadence sets when its next figure is due (one cadence after its "
        "latest figure); the provider is who the secretariat asks for it. A target needs the "
        "decision or document that set it. Every change is kept as a revision and can be "
        "undone in the data desk's history."
    )
    listing = st.container()
    frame = queries.indicators(database)
    labels = dict(zip(frame["code"], frame["label"], strict=True))
    code = st.selectbox(
        "Indicator", list(labels), format_func=labels.__getitem__, key="admin:context:indicator"
    )
    if code is not None:
        left, right = st.columns(2)
        with left:
            _schedule_form(database, code=code, label=labels[code], viewer=viewer)
        with right:
            _target_form(database, code=code, label=labels[code], viewer=viewer)
    with listing:
        st.dataframe(current_rows(database), hide_index=True, key="admin:context:table")
    with st.expander("Every revision of the schedules and targets"):
        _revisions(database, labels)


def _schedule_form(database: Engine, *, code: str, label: str, viewer: Viewer) -> None:
    plan = _row(context.schedules(database), code) or {}
    months = plan.get("cadence_months")
    provider = str(plan.get("provider") or "")
    with st.form(f"admin:schedule:{code}"):
        st.subheader("Schedule")
        cadence = st.number_input(
            "Cadence in months (0: no regular cadence)",
            min_value=NO_CADENCE,
            max_value=context.MAX_CADENCE_MONTHS,
            value=NO_CADENCE if _blank(months) else int(str(months)),
            step=1,
            key=f"admin:schedule:{code}:cadence",
        )
        given = st.text_input(
            "Provided by",
            value=provider,
            max_chars=context.MAX_PROVIDER,
            key=f"admin:schedule:{code}:provider",
        )
        if st.form_submit_button("Save schedule"):
            try:
                write = context.set_schedule(
                    database,
                    code=code,
                    cadence_months=int(cadence) or None,
                    provider=given,
                    user=viewer.name,
                )
            except store.StoreError as error:
                _problems(error)
            else:
                st.success(f"Schedule of {md(label)} saved (write {write}).")


def _target_form(database: Engine, *, code: str, label: str, viewer: Viewer) -> None:
    goal = _row(context.targets(database), code)
    with st.form(f"admin:target:{code}"):
        st.subheader("Target")
        value = st.number_input(
            "Target value",
            min_value=0,
            value=None if goal is None else int(goal["value"]),
            step=1,
            key=f"admin:target:{code}:value",
        )
        due = st.date_input(
            "To be reached by",
            value=None if goal is None else goal["due"],
            min_value=context.EARLIEST,
            max_value=context.LATEST,
            format="YYYY-MM-DD",
            key=f"admin:target:{code}:due",
        )
        source = st.text_input(
            "Source: the decision or document that set it",
            value="" if goal is None else str(goal["source"]),
            max_chars=context.MAX_SOURCE,
            key=f"admin:target:{code}:source",
        )
        link = st.text_input(
            "Link to the source (optional)",
            value="" if goal is None or _blank(goal["source_url"]) else str(goal["source_url"]),
            max_chars=context.MAX_URL,
            key=f"admin:target:{code}:link",
        )
        if st.form_submit_button("Save target"):
            _save_target(
                database,
                code=code,
                label=label,
                viewer=viewer,
                value=value,
                due=due,
                source=source,
                link=link,
            )
    # Read again: the form may have just set or changed it.
    if _row(context.targets(database), code) is not None:
        sure = st.checkbox(
            f"Remove the target of {md(label)} (kept as a revision; can be undone)",
            key=f"admin:target:{code}:remove-sure",
        )
        if st.button("Remove target", disabled=not sure, key=f"admin:target:{code}:remove"):
            try:
                write = context.remove_target(database, code=code, user=viewer.name)
            except store.StoreError as error:
                _problems(error)
            else:
                st.success(f"Target of {md(label)} removed (write {write}).")


def _save_target(
    database: Engine,
    *,
    code: str,
    label: str,
    viewer: Viewer,
    value: int | float | None,
    due: date | None,
    source: str,
    link: str,
) -> None:
    try:
        if value is None:
            others = context.check_target(value=0, due=due, source=source, source_url=link)
            raise context.Refused([Problem(None, "value", "is empty; it is required."), *others])
        write = context.set_target(
            database,
            code=code,
            value=int(value),
            due=due,  # type: ignore[arg-type]
            source=source,
            source_url=link or None,
            user=viewer.name,
        )
    except store.StoreError as error:
        _problems(error)
    else:
        st.success(f"Target of {md(label)} saved (write {write}).")


def _revisions(database: Engine, labels: dict[str, str]) -> None:
    schedules = context.revisions(database, Schedule)
    targets = context.revisions(database, Target)
    rows = [
        {
            "Indicator": labels.get(r["indicator_code"], r["indicator_code"]),
            "What": "schedule",
            "Revision": r["revision"],
            "Set to": f"{_cadence(r['cadence_months'])}, provided by {r['provider']}",
            "Current": r["current"],
            "By": r["recorded_by"],
            "When (UTC)": r["recorded_at"],
            "Write": r["batch_id"],
        }
        for r in schedules.to_dict("records")
    ] + [
        {
            "Indicator": labels.get(r["indicator_code"], r["indicator_code"]),
            "What": "target",
            "Revision": r["revision"],
            "Set to": "removed"
            if _blank(r["value"])
            else f"{int(r['value']):,} by {r['due']} ({r['source']})",
            "Current": r["current"],
            "By": r["recorded_by"],
            "When (UTC)": r["recorded_at"],
            "Write": r["batch_id"],
        }
        for r in targets.to_dict("records")
    ]
    rows.sort(key=lambda row: int(str(row["Write"])), reverse=True)
    st.dataframe(rows, hide_index=True, key="admin:context:revisions")
