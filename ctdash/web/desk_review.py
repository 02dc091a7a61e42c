"""The data desk's shared review: file boxes, problems, questions, warnings, preview, commit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NoReturn, TypedDict

import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import desk, store
from ctdash.desk_tables import (
    changes_anything,
    committed,
    content_tag,
    figures_preview,
    plural,
    preview_counts,
    problem_table,
)
from ctdash.ingest import MAX_UPLOAD_BYTES, ActivityRecord, ObservationRecord, Problem
from ctdash.ingest.dates import EXAMPLES, ORDERS, Order
from ctdash.markdown import md
from ctdash.web.signin import Viewer

MAX_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
# The outcome of the last commit or undo, shown at the top of the desk after the rerun.
DONE_KEY = "desk:done"
# Counts the commits of this session: every file box is keyed by it, so a commit empties them.
ROUND_KEY = "desk:round"
MANUAL_KEY = "desk:manual"
COMMITTED_BEFORE = (
    "This exact file was committed before (write {}); committing it again adds nothing."
)


def current_round() -> int:
    """How many commits this session has made; part of the key of every input to empty."""
    return int(st.session_state.get(ROUND_KEY, 0))


def uploaded(
    label: str, types: list[str], name: str, *, max_mb: int = MAX_MB
) -> tuple[str, bytes] | None:
    """A file box within the size limit, emptied after each commit (a fresh key per round);
    the name and bytes of the file dropped in it, if any."""
    key = f"desk:{name}:{current_round()}"
    upload = st.file_uploader(label, type=types, key=key, max_upload_size=max_mb)
    return None if upload is None else (upload.name, upload.getvalue())


def finish(message: str) -> NoReturn:
    """Show the outcome after the rerun and start a new round with empty inputs."""
    st.session_state[DONE_KEY] = message
    st.session_state[ROUND_KEY] = current_round() + 1
    st.session_state.pop(MANUAL_KEY, None)
    st.rerun()


def show_problems(problems: list[Problem], *, kind: str) -> None:
    """Every problem with its row and column, as a table (its text is data, never markup)."""
    st.dataframe(problem_table(problems), hide_index=True, key=f"desk:{kind}-table")


def stopped(
    database: Engine,
    file_name: str,
    data: bytes,
    errors: list[Problem],
    *,
    kind: str,
    before: str = COMMITTED_BEFORE,
) -> bool:
    """Say why a file cannot be committed (its problems, or it came before); True if so."""
    if errors:
        st.error(
            f"{plural(len(errors), 'problem')} in {md(file_name)}: "
            "nothing was written. Correct the file and upload it again.",
            icon=":material/error:",
        )
        show_problems(errors, kind=kind)
        return True
    earlier = store.known_upload(database, data)
    if earlier is not None:
        st.info(before.format(earlier), icon=":material/content_copy:")
        return True
    return False


class Answers(TypedDict):
    """The answers given to a file's questions, as desk.review_indicators and
    desk.review_activities take them."""

    sheet: str | None
    date_order: Order | None


def answers(kind: str, data: bytes) -> Answers:
    """The answers given to a file's questions (which sheet, which date order), if any."""
    tag = content_tag(data)
    return Answers(
        sheet=st.session_state.get(f"desk:{kind}-sheet-{tag}"),
        date_order=st.session_state.get(f"desk:{kind}-date_order-{tag}"),
    )


def ask(review: desk.Review, *, kind: str) -> None:
    """Each question the file raises, as a choice; the file is read again once it is made.

    An answered question stays on the page, so the answer can be changed (and so that
    Streamlit keeps it: a widget not drawn in a run loses its value).
    """
    tag = content_tag(review.data)
    memory = f"desk:{kind}-asked-{tag}"
    asked = {q.about: q for q in st.session_state.get(memory, [])}
    asked |= {q.about: q for q in review.questions}
    st.session_state[memory] = list(asked.values())
    for question in asked.values():
        if question in review.questions:
            st.warning(md(question.message), icon=":material/help:")
        key = f"desk:{kind}-{question.about}-{tag}"
        if question.about == "date_order":
            st.radio(
                "How does the file write its dates?",
                list(question.options),
                format_func=lambda order: f"{ORDERS[order].capitalize()}: {EXAMPLES[order]}",
                index=None,
                key=key,
            )
        else:
            st.selectbox("Read the sheet", list(question.options), index=None, key=key)


def show_assumed(sentences: list[str], *, shown: int = 8) -> None:
    """What was assumed to read a file, so that a wrong assumption is caught before commit;
    past the first few sentences, the rest folded away."""
    if not sentences:
        return
    st.info(
        "**How the file was read**\n\n" + "\n".join(f"- {md(s)}" for s in sentences[:shown]),
        icon=":material/info:",
    )
    if len(sentences) > shown:
        with st.expander(f"{plural(len(sentences) - shown, 'more note')} on how it was read"):
            st.markdown("\n".join(f"- {md(s)}" for s in sentences[shown:]))


def show_warnings(warnings: list[Problem]) -> None:
    """The warnings that hold a file back until a person has checked them, if any."""
    if warnings:
        st.warning(
            f"{plural(len(warnings), 'warning')}: check before you commit.\n\n"
            + "\n".join(f"- {md(w)}" for w in warnings),
            icon=":material/warning:",
        )


def show_review(review: desk.Review, *, kind: str, database: Engine, viewer: Viewer) -> None:
    """Errors (nothing can be written), or what was assumed, the preview, the questions, the
    warnings and the commit button."""
    if stopped(database, review.file_name, review.data, review.errors, kind="errors"):
        return
    show_assumed(review.assumed())
    ask(review, kind=kind)
    if review.questions:
        st.caption("Nothing is read from the file, and nothing can be written, until you answer.")
        return
    if review.observations:
        st.write(f"**Preview**: {preview_counts(review.changes)}")
        st.dataframe(figures_preview(review), hide_index=True, key=f"desk:{kind}-preview")
        if not changes_anything(review.changes):
            st.info("Every figure equals the current one: nothing to commit.")
            return
    show_warnings(review.warnings)
    if review.warnings and not review.observations:
        show_problems(review.warnings, kind="warnings")
    accepted = bool(review.warnings) and st.checkbox(
        "I have checked the warnings and want to commit anyway",
        # Keyed by the file's content: a confirmation never carries over to another file.
        key=f"desk:{kind}-confirm-{content_tag(review.data)}",
    )
    # The button is disabled while anything holds the file back; a click that reaches the
    # server anyway (a message made by hand) is refused too.
    blocked = bool(desk.blockers(review, accept_warnings=accepted))
    clicked = st.button(
        "Commit",
        type="primary",
        disabled=blocked,
        key=f"desk:{kind}-commit",
        icon=":material/save:",
    )
    if clicked and not blocked:
        _commit(review, kind=kind, database=database, viewer=viewer)


def _commit(review: desk.Review, *, kind: str, database: Engine, viewer: Viewer) -> None:
    commit_and_finish(
        database,
        viewer,
        review.file_name,
        review.data,
        kind="manual" if kind == "manual" else "upload",
        observations=review.observations,
        activities=review.activities,
    )


def commit_and_finish(
    database: Engine,
    viewer: Viewer,
    file_name: str,
    data: bytes,
    *,
    kind: Literal["upload", "manual", "ingest"],
    observations: Sequence[ObservationRecord],
    activities: Sequence[ActivityRecord],
    title: str | None = None,
) -> None:
    """Write a reviewed file in one transaction and start a new round saying what was written;
    a refusal is shown, with nothing written."""
    try:
        result = store.commit(
            database,
            file_name=file_name,
            data=data,
            user=viewer.name,
            kind=kind,
            observations=observations,
            activities=activities,
            title=title,
        )
    except store.StoreError as error:
        st.error(md(error), icon=":material/error:")
        return
    finish(committed(result, file_name))
