"""The data desk's newsletter tab: read an issue, review and correct it beside its lines, commit."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from ctdash import desk
from ctdash.desk_tables import (
    NEWSLETTER_FIXED_COLUMNS,
    content_tag,
    moved_places,
    newsletter_activities,
    newsletter_figures,
    plural,
)
from ctdash.ingest import ActivityRecord
from ctdash.ingest.newsletter import MAX_NEWSLETTER_BYTES
from ctdash.markdown import md
from ctdash.models import ACTIVITY_KINDS
from ctdash.web.desk_review import (
    commit_and_finish,
    current_round,
    show_assumed,
    show_problems,
    show_warnings,
    stopped,
    uploaded,
)
from ctdash.web.signin import Viewer

IMPORTED_BEFORE = "This newsletter was imported before (write {}); importing it again adds nothing."


def newsletter_tab(*, database: Engine, viewer: Viewer) -> None:
    """Import the newsletter: its text dropped in or pasted, read, reviewed and committed."""
    st.write(
        "Drop in the newsletter's text, or paste it as copied from the PDF or the web page: "
        "its eight figures and every dated activity are read, each shown beside the lines it "
        "came from. Correct kinds, dates and places, then commit; the newsletter is kept as "
        "the source of everything it brought. "
        f"At most {MAX_NEWSLETTER_BYTES // 1024} KB (an issue is about 30 KB)."
    )
    source = newsletter_source(viewer)
    if source is None:
        return
    name, data = source
    review = read_newsletter(database, name, data)
    if stopped(database, name, data, review.errors, kind="nl-errors", before=IMPORTED_BEFORE):
        return
    show_assumed(review.assumed())
    st.header("Figures")
    st.dataframe(newsletter_figures(review), hide_index=True, key="desk:nl-figures")
    activities = correct_activities(review)
    show_warnings(review.warnings)
    if review.notes:
        with st.expander(f"{plural(len(review.notes), 'note')} from the reading"):
            show_problems(review.notes, kind="nl-notes")
    sure = st.checkbox(
        "I have reviewed the figures and activities"
        + (" and checked the warnings" if review.warnings else ""),
        key=f"desk:nl-confirm-{content_tag(data)}",
    )
    blocked = not sure or bool(desk.blockers(review, accept_warnings=sure))
    clicked = st.button(
        "Commit",
        type="primary",
        disabled=blocked,
        key="desk:nl-commit",
        icon=":material/save:",
    )
    if clicked and not blocked:
        commit(review, activities, database=database, viewer=viewer)


def newsletter_source(viewer: Viewer) -> tuple[str, bytes] | None:
    """The newsletter's name and bytes: a file dropped in, or else the text pasted."""
    upload = uploaded("Newsletter (text)", ["txt", "md"], "newsletter", max_mb=1)
    pasted = st.text_area(
        "…or paste its text",
        key=f"desk:nl-pasted-{current_round()}",
        height=160,
        max_chars=MAX_NEWSLETTER_BYTES,
    )
    if upload is not None:
        return upload
    if pasted.strip():
        return f"newsletter pasted by {viewer.name}", pasted.encode("utf-8")
    return None


def read_newsletter(database: Engine, name: str, data: bytes) -> desk.NewsletterReview:
    """The newsletter read for review, in the year and with the figures' date the reviewer
    gives when the text does not settle them."""
    tag = content_tag(data)
    year = st.number_input(
        "Year of the issue's first month, if the text does not make it clear",
        min_value=2000,
        max_value=2100,
        value=None,
        step=1,
        key=f"desk:nl-year-{tag}",
    )
    review = desk.review_newsletter(
        database, file_name=name, data=data, today=date.today(), year=year
    )
    as_of = st.date_input(
        "Figures as of",
        value=review.as_of,
        max_value=date.today(),
        format="YYYY-MM-DD",
        key=f"desk:nl-asof-{tag}",
        help="The newsletter states no date for its figures; this one is the last day of "
        "the period it names, or of the latest month its items name.",
    )
    if as_of != review.as_of:
        # Read again only when the reviewer gives the figures another date.
        review = desk.review_newsletter(
            database, file_name=name, data=data, today=date.today(), year=year, as_of=as_of
        )
    return review


def correct_activities(review: desk.NewsletterReview) -> list[ActivityRecord]:
    """The newsletter's activities in a table whose kind, dates and place the reviewer may
    correct; the activities with the corrections, each moved place said beneath."""
    st.header(f"Activities ({len(review.activities)})")
    edited = st.data_editor(
        newsletter_activities(review),
        hide_index=True,
        key=f"desk:nl-activities-{content_tag(review.data)}",
        disabled=NEWSLETTER_FIXED_COLUMNS,
        column_config={
            "Kind": st.column_config.SelectboxColumn(options=list(ACTIVITY_KINDS), required=True),
            "Start": st.column_config.DateColumn(format="YYYY-MM-DD", required=True),
            "End": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Country": st.column_config.TextColumn(help="ISO3 code or name"),
        },
    )
    activities = desk.with_activity_edits(review.activities, edited)
    for sentence in moved_places(review.activities, activities):
        st.caption(md(sentence))
    return activities


def commit(
    review: desk.NewsletterReview,
    activities: list[ActivityRecord],
    *,
    database: Engine,
    viewer: Viewer,
) -> None:
    """Write the newsletter's figures and the corrected activities in one transaction."""
    commit_and_finish(
        database,
        viewer,
        review.file_name,
        review.data,
        kind="ingest",
        observations=review.figures.observations,
        activities=activities,
        title=f"Newsletter {review.file_name}",
    )
