"""What the data desk shows, as tables and sentences built from reviews and reads; no Streamlit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

import pandas as pd

from ctdash import queries, store
from ctdash.desk import Change, NewsletterReview, Review
from ctdash.ingest import ActivityRecord, Problem


def plural(count: int, word: str) -> str:
    """'1 problem', '2 problems', '2 activities'."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def content_tag(data: bytes) -> str:
    """A short tag of a file's bytes: what the desk asks and confirms about a file is keyed by
    it, so that an answer or a confirmation never carries over to another file."""
    return store.sha256_hex(data)[:16]


def committed(result: store.CommitResult, file_name: str) -> str:
    """What the desk says once a commit is done: what it wrote, or that the file came before."""
    if result.duplicate_of is not None:
        return f"This file was committed before (write {result.duplicate_of}); nothing added."
    if result.batch_id is None:
        return (
            f"Nothing was written: the store holds every figure and activity of {file_name} "
            f"already{result.already_stored_text()}."
        )
    return (
        f"Committed write {result.batch_id}: {plural(result.observations, 'figure')} and "
        f"{plural(result.activities, 'activity')} from {file_name}"
        f"{result.already_stored_text()}."
    )


PROBLEM_COLUMNS = ["Row", "Column", "Problem"]


def problem_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Every problem with its row and column; a problem of the whole file has neither."""
    table = pd.DataFrame(
        [{"Row": p.row, "Column": p.column or "", "Problem": p.message} for p in problems],
        columns=PROBLEM_COLUMNS,
    )
    return table.astype({"Row": "Int64"})


FIGURE_COLUMNS = ["Row", "Indicator", "As of", "Current", "New", "Change", "Warning"]


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def figures_preview(review: Review) -> pd.DataFrame:
    """Each figure of an upload or entry beside the current one: new, changed or unchanged,
    and whether a warning below is about its row."""
    warned = {w.row for w in review.warnings}
    return pd.DataFrame(
        [
            {
                "Row": c.row,
                "Indicator": c.label,
                "As of": c.as_of,
                "Current": _count(c.old),
                "New": f"{c.new:,}",
                "Change": c.status,
                "Warning": "see below" if c.row in warned else "",
            }
            for c in review.changes
        ],
        columns=FIGURE_COLUMNS,
    )


def preview_counts(changes: Sequence[Change]) -> str:
    """'1 new, 2 changed, 0 unchanged.'"""
    counts = Counter(c.status for c in changes)
    return f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged."


def changes_anything(changes: Sequence[Change]) -> bool:
    """Whether committing these figures would write any: one is new or differs."""
    return any(c.status != "unchanged" for c in changes)


ENTRY_COLUMNS = ["Indicator", "Code", "Latest", "Latest as of", "New value"]


def entry_table(tiles: Sequence[queries.Tile]) -> pd.DataFrame:
    """The manual entry's table: each indicator's latest figure, and a new value to edit that
    starts as the latest one."""
    table = pd.DataFrame(
        [
            {
                "Indicator": t.label,
                "Code": t.code,
                "Latest": t.value,
                "Latest as of": t.as_of,
                "New value": t.value,
            }
            for t in tiles
        ],
        columns=ENTRY_COLUMNS,
    )
    return table.astype({"Latest": "Int64", "New value": "Int64"})


def entry_file(edited: pd.DataFrame, *, as_of: date, user: str) -> tuple[str, bytes]:
    """The manual entry as the file it stands for, so it goes through an upload's checks: its
    name, and a CSV in long layout of every indicator given a value (an emptied one is left
    out)."""
    lines = ["date,indicator,value"] + [
        f"{as_of.isoformat()},{row['Code']},{int(row['New value'])}"
        for row in edited.to_dict("records")
        if pd.notna(row["New value"])
    ]
    return f"manual entry as of {as_of} by {user}", "\n".join(lines).encode()


# An activity as both previews show it, and how it was placed.
ACTIVITY_PLACED = ["Title", "Kind", "Start", "End", "Country", "City", "Placed at", "Placed by"]
ACTIVITY_COLUMNS = ["Row", *ACTIVITY_PLACED, "Latitude", "Longitude", "Internal", "Flag"]
# What a reviewer may type in the activities preview: a place (desk.with_coordinates).
PLACE_COLUMNS = ("Country", "Latitude", "Longitude")


def activities_preview(review: Review) -> pd.DataFrame:
    """Each activity of an upload where the gazetteer placed it, with its warnings as a flag."""
    return pd.DataFrame(
        [
            {
                "Row": a.row,
                "Title": a.title,
                "Kind": a.kind,
                "Start": a.start_date,
                "End": a.end_date,
                "Country": a.country_iso3 or "",
                "City": a.city or "",
                "Placed at": a.location_precision,
                "Placed by": a.place_basis or "",
                "Latitude": a.lat,
                "Longitude": a.lon,
                "Internal": a.internal,
                "Flag": "; ".join(w.message for w in review.warnings if w.row == a.row),
            }
            for a in review.activities
        ],
        columns=ACTIVITY_COLUMNS,
    )


NEWSLETTER_FIGURE_COLUMNS = ["Line", "Indicator", "Value", "Current", "Change", "As written"]


def newsletter_figures(review: NewsletterReview) -> pd.DataFrame:
    """Each figure the newsletter gives, beside the current one and the line it was read from."""
    return pd.DataFrame(
        [
            {
                "Line": c.row,
                "Indicator": c.label,
                "Value": f"{c.new:,}",
                "Current": _count(c.old),
                "Change": c.status,
                "As written": review.line(c.row),
            }
            for c in review.figures.changes
        ],
        columns=NEWSLETTER_FIGURE_COLUMNS,
    )


NEWSLETTER_ACTIVITY_COLUMNS = ["Line", "As written", *ACTIVITY_PLACED]
# What the reviewer reads but may not change in the newsletter's activities.
NEWSLETTER_FIXED_COLUMNS = ["Line", "As written", "Title", "Placed at", "Placed by"]


def newsletter_activities(review: NewsletterReview) -> pd.DataFrame:
    """Each dated activity the newsletter names, beside the paragraph it was read from; its
    kind, dates and place are for the reviewer to correct (desk.with_activity_edits)."""
    return pd.DataFrame(
        [
            {
                "Line": a.row,
                "As written": review.written(a.row),
                "Title": a.title,
                "Kind": a.kind,
                "Start": a.start_date,
                "End": a.end_date,
                "Country": a.country_iso3 or "",
                "City": a.city or "",
                "Placed at": a.location_precision,
                "Placed by": a.place_basis or "",
            }
            for a in review.activities
        ],
        columns=NEWSLETTER_ACTIVITY_COLUMNS,
    )


def moved_places(before: Sequence[ActivityRecord], after: Sequence[ActivityRecord]) -> list[str]:
    """A sentence for each activity whose country or city the reviewer changed: where, and at
    what level, the gazetteer now places it."""
    said = []
    for old, new in zip(before, after, strict=True):
        if (old.country_iso3, old.city) != (new.country_iso3, new.city):
            where = f"{new.city or ''} {new.country_iso3 or ''}".strip() or "no place"
            said.append(
                f"Line {new.row}, {new.title[:60]}: now {where}, "
                f"placed at {new.location_precision} level."
            )
    return said


HISTORY_COLUMNS = [
    "as_of",
    "revision",
    "value",
    "current",
    "recorded_by",
    "recorded_at",
    "source",
    "write",
]


def history_table(revisions: pd.DataFrame) -> pd.DataFrame:
    """An indicator's revisions (queries.history) as the desk lists them, each marked current
    unless a later write superseded it."""
    return revisions.assign(current=revisions["superseded_by"].isna())[HISTORY_COLUMNS]


def undo_choices(log: pd.DataFrame, kinds: Sequence[str] = store.UNDOABLE) -> dict[int, str]:
    """The writes that can be undone (uploads, entries, imports, notes, schedules and targets
    not undone yet), latest first as the audit log lists them, each with what it brought."""
    undoable = log[log["kind"].isin(list(kinds)) & log["undone_by"].isna()]
    choices = {}
    for r in undoable.to_dict("records"):
        write = int(r["write"])
        what = (
            r["note"]
            if r["kind"] in ("note", "setting")
            else f"{r['figures']} figures, {r['activities']} activities"
        )
        choices[write] = (
            f"{write}: {r['file'] or r['kind']} by {r['recorded_by']}, "
            f"{r['recorded_at']:%Y-%m-%d %H:%M} UTC — {what}"
        )
    return choices
