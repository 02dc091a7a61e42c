"""Data desk: the secretariat uploads or enters figures and activities, and can undo."""

from datetime import date

import pandas as pd
import streamlit as st

from ctdash import desk, queries, store
from ctdash.db import is_read_only
from ctdash.ingest import MAX_UPLOAD_BYTES
from ctdash.ingest.dates import EXAMPLES, ORDERS
from ctdash.ingest.indicators import DATE_RULE
from ctdash.ingest.newsletter import MAX_NEWSLETTER_BYTES
from ctdash.ingest.sheet import MAX_DATA_ROWS
from ctdash.ingest.templates import activity_template, indicator_template
from ctdash.models import ACTIVITY_KINDS
from ctdash.web import page, readers
from ctdash.web.engine import data_version, engine
from ctdash.web.markdown import md

page.page_start()
database = engine()
if is_read_only(database):
    st.title("Data desk")
    st.warning(
        "Writing is unavailable: this store was opened read-only (its file or the disk it is on "
        "cannot be written). The figures and activities can be seen on every page; ask the "
        "operator to make the store writable to upload, enter or undo.",
        icon=":material/edit_off:",
    )
    st.stop()
viewer = page.require("edit")
MAX_MB = MAX_UPLOAD_BYTES // (1024 * 1024)

st.title("Data desk")
st.caption(
    f"Signed in as {md(viewer.name)} ({viewer.role}). Nothing is written until you "
    "commit, and every commit can be undone."
)

done = st.session_state.pop("desk:done", None)
if done:
    st.success(md(done), icon=":material/check_circle:")


def uploader(label: str, types: list[str], name: str, *, max_mb: int = MAX_MB):
    """A file box within the size limit, emptied after each commit (a fresh key per round)."""
    key = f"desk:{name}:{st.session_state.get('desk:round', 0)}"
    return st.file_uploader(label, type=types, key=key, max_upload_size=max_mb)


def finish(message: str) -> None:
    """Show the outcome after the rerun and start a new round with empty inputs."""
    st.session_state["desk:done"] = message
    st.session_state["desk:round"] = st.session_state.get("desk:round", 0) + 1
    st.session_state.pop("desk:manual", None)
    st.rerun()


def plural(count: int, word: str) -> str:
    """'1 problem', '2 problems', '2 activities'."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def show_problems(problems: list, *, kind: str) -> None:
    """Every problem with its row and column, as a table (its text is data, never markup)."""
    table = pd.DataFrame(
        [{"Row": p.row, "Column": p.column or "", "Problem": p.message} for p in problems]
    ).astype({"Row": "Int64"})
    st.dataframe(table, hide_index=True, key=f"desk:{kind}-table")


COMMITTED_BEFORE = (
    "This exact file was committed before (write {}); committing it again adds nothing."
)


def stopped(
    file_name: str, data: bytes, errors: list, *, kind: str, before: str = COMMITTED_BEFORE
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


def answers(kind: str, data: bytes) -> dict[str, str | None]:
    """The answers given to a file's questions (which sheet, which date order), if any."""
    tag = store.sha256_hex(data)[:16]
    return {
        about: st.session_state.get(f"desk:{kind}-{about}-{tag}")
        for about in ("sheet", "date_order")
    }


def ask(review: desk.Review, *, kind: str) -> None:
    """Each question the file raises, as a choice; the file is read again once it is made.

    An answered question stays on the page, so the answer can be changed (and so that
    Streamlit keeps it: a widget not drawn in a run loses its value).
    """
    tag = store.sha256_hex(review.data)[:16]
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


def show_review(review: desk.Review, *, kind: str) -> None:
    """Errors (nothing can be written), or what was assumed, the preview, the questions, the
    warnings and the commit button."""
    if stopped(review.file_name, review.data, review.errors, kind="errors"):
        return
    show_assumed(review.assumed())
    ask(review, kind=kind)
    if review.questions:
        st.caption("Nothing is read from the file, and nothing can be written, until you answer.")
        return
    labels = {c.code: c.label for c in review.changes}
    warned = {w.row for w in review.warnings}
    if review.observations:
        preview = pd.DataFrame(
            [
                {
                    "Row": c.row,
                    "Indicator": labels[c.code],
                    "As of": c.as_of,
                    "Current": "—" if c.old is None else f"{c.old:,}",
                    "New": f"{c.new:,}",
                    "Change": c.status,
                    "Warning": "see below" if c.row in warned else "",
                }
                for c in review.changes
            ]
        )
        counts = preview["Change"].value_counts()
        st.write(
            f"**Preview**: {counts.get('new', 0)} new, {counts.get('changed', 0)} changed, "
            f"{counts.get('unchanged', 0)} unchanged."
        )
        st.dataframe(preview, hide_index=True, key=f"desk:{kind}-preview")
        if not (counts.get("new", 0) or counts.get("changed", 0)):
            st.info("Every figure equals the current one: nothing to commit.")
            return
    if review.warnings:
        st.warning(
            f"{plural(len(review.warnings), 'warning')}: check before you commit.\n\n"
            + "\n".join(f"- {md(w)}" for w in review.warnings),
            icon=":material/warning:",
        )
        if not review.observations:
            show_problems(review.warnings, kind="warnings")
    accepted = bool(review.warnings) and st.checkbox(
        "I have checked the warnings and want to commit anyway",
        # Keyed by the file's content: a confirmation never carries over to another file.
        key=f"desk:{kind}-confirm-{store.sha256_hex(review.data)[:16]}",
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
        try:
            result = store.commit(
                database,
                file_name=review.file_name,
                data=review.data,
                user=viewer.name,
                kind="manual" if kind == "manual" else "upload",
                observations=review.observations,
                activities=review.activities,
            )
        except store.StoreError as error:
            st.error(md(error), icon=":material/error:")
            return
        if result.duplicate_of is not None:
            finish(f"This file was committed before (write {result.duplicate_of}); nothing added.")
        finish(
            f"Committed write {result.batch_id}: {plural(result.observations, 'figure')} and "
            f"{plural(result.activities, 'activity')} from {review.file_name}."
        )


figures_tab, enter_tab, activities_tab, newsletter_tab, history_tab = st.tabs(
    [
        "Upload figures",
        "Enter figures",
        "Upload activities",
        "Import the newsletter",
        "History and undo",
    ]
)
pairs = desk.indicator_pairs(database)

with figures_tab:
    st.write(
        "A spreadsheet in **long** layout (`date, indicator, value[, note]`) or **wide** "
        "layout (a `date` column, then one column per indicator). Indicators are matched by "
        f"code or label. {DATE_RULE} Numbers may use thousands separators. At most {MAX_MB} MB "
        f"and {MAX_DATA_ROWS:,} rows."
    )
    with st.container(horizontal=True):
        for layout in ("long", "wide"):
            for fmt in ("csv", "xlsx"):
                st.download_button(
                    f"Template: {layout} {fmt.upper()}",
                    indicator_template(
                        layout=layout, fmt=fmt, indicators=pairs, example_date=date.today()
                    ),
                    file_name=f"ctdash-figures-{layout}.{fmt}",
                    on_click="ignore",
                    icon=":material/download:",
                    key=f"desk:template-{layout}-{fmt}",
                )
    upload = uploader("Spreadsheet of figures (CSV or XLSX)", ["csv", "xlsx"], "figures")
    if upload is not None:
        data = upload.getvalue()
        show_review(
            desk.review_indicators(
                database,
                file_name=upload.name,
                data=data,
                today=date.today(),
                **answers("figures", data),  # type: ignore[arg-type]
            ),
            kind="figures",
        )

with enter_tab:
    st.write(
        "Enter a new snapshot: change the values that differ from the latest figures, then "
        "check. The entry goes through the same checks as an upload."
    )
    as_of = st.date_input(
        "As of",
        value=date.today(),
        max_value=date.today(),
        format="YYYY-MM-DD",
        key="desk:manual-date",
    )
    latest = readers.tiles(data_version(), date.today())
    table = pd.DataFrame(
        [
            {
                "Indicator": t.label,
                "Code": t.code,
                "Latest": t.value,
                "Latest as of": t.as_of,
                "New value": t.value,
            }
            for t in latest
        ]
    )
    edited = st.data_editor(
        table.astype({"Latest": "Int64", "New value": "Int64"}),
        hide_index=True,
        disabled=["Indicator", "Code", "Latest", "Latest as of"],
        key="desk:manual-table",
        column_config={"New value": st.column_config.NumberColumn(min_value=0, step=1)},
    )
    if st.button("Check the entry", key="desk:manual-check", icon=":material/fact_check:"):
        lines = ["date,indicator,value"] + [
            f"{as_of.isoformat()},{row['Code']},{int(row['New value'])}"
            for row in edited.to_dict("records")
            if pd.notna(row["New value"])
        ]
        st.session_state["desk:manual"] = (
            f"manual entry as of {as_of} by {viewer.name}",
            "\n".join(lines).encode(),
        )
    if "desk:manual" in st.session_state:
        name, data = st.session_state["desk:manual"]
        show_review(
            desk.review_indicators(database, file_name=name, data=data, today=date.today()),
            kind="manual",
        )

with activities_tab:
    st.write(
        "A spreadsheet with the columns `title, kind, start, end, country, city, entities, "
        "working group, url, internal` (country as a name or ISO3 code, entities separated "
        "by `;`, and `internal` yes for an activity that only signed-in users may see). "
        f"{DATE_RULE} Places are found offline; a city the gazetteer does not know is "
        "flagged, and you can give its latitude and longitude. "
        f"At most {MAX_MB} MB and {MAX_DATA_ROWS:,} rows."
    )
    with st.container(horizontal=True):
        for fmt in ("csv", "xlsx"):
            st.download_button(
                f"Template: activities {fmt.upper()}",
                activity_template(fmt=fmt),
                file_name=f"ctdash-activities.{fmt}",
                on_click="ignore",
                icon=":material/download:",
                key=f"desk:template-acts-{fmt}",
            )
    upload = uploader("Spreadsheet of activities (CSV or XLSX)", ["csv", "xlsx"], "activities")
    if upload is not None:
        data = upload.getvalue()
        review = desk.review_activities(
            database,
            file_name=upload.name,
            data=data,
            today=date.today(),
            **answers("activities", data),  # type: ignore[arg-type]
        )
        if review.ok and review.activities:
            places = pd.DataFrame(
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
                ]
            )
            st.write(
                f"**Preview**: {len(places)} activities. Settle a flagged place by typing its "
                "country (an ISO3 code or a name), or its latitude and longitude."
            )
            edited = st.data_editor(
                places,
                hide_index=True,
                key="desk:activities-preview",
                disabled=[
                    c for c in places.columns if c not in ("Country", "Latitude", "Longitude")
                ],
                column_config={
                    "Country": st.column_config.TextColumn(help="ISO3 code or name"),
                    "Latitude": st.column_config.NumberColumn(min_value=-90, max_value=90),
                    "Longitude": st.column_config.NumberColumn(min_value=-180, max_value=180),
                },
            )
            review = desk.with_coordinates(review, edited)
        show_review(review, kind="activities")

with newsletter_tab:
    st.write(
        "Drop in the newsletter's text, or paste it as copied from the PDF or the web page: "
        "its eight figures and every dated activity are read, each shown beside the lines it "
        "came from. Correct kinds, dates and places, then commit; the newsletter is kept as "
        "the source of everything it brought. "
        f"At most {MAX_NEWSLETTER_BYTES // 1024} KB (an issue is about 30 KB)."
    )
    upload = uploader("Newsletter (text)", ["txt", "md"], "newsletter", max_mb=1)
    pasted = st.text_area(
        "…or paste its text",
        key=f"desk:nl-pasted-{st.session_state.get('desk:round', 0)}",
        height=160,
        max_chars=MAX_NEWSLETTER_BYTES,
    )
    source = None
    if upload is not None:
        source = (upload.name, upload.getvalue())
    elif pasted.strip():
        source = (f"newsletter pasted by {viewer.name}", pasted.encode("utf-8"))
    if source is not None:
        name, data = source
        tag = store.sha256_hex(data)[:16]
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
        before = "This newsletter was imported before (write {}); importing it again adds nothing."
        if not stopped(name, data, review.errors, kind="nl-errors", before=before):
            show_assumed(review.assumed())
            labels = {c.code: c.label for c in review.figures.changes}
            st.header("Figures")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Line": c.row,
                            "Indicator": labels[c.code],
                            "Value": f"{c.new:,}",
                            "Current": "—" if c.old is None else f"{c.old:,}",
                            "Change": c.status,
                            "As written": review.line(c.row),
                        }
                        for c in review.figures.changes
                    ]
                ),
                hide_index=True,
                key="desk:nl-figures",
            )
            st.header(f"Activities ({len(review.activities)})")
            table = pd.DataFrame(
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
                ]
            )
            edited = st.data_editor(
                table,
                hide_index=True,
                key=f"desk:nl-activities-{tag}",
                disabled=["Line", "As written", "Title", "Placed at", "Placed by"],
                column_config={
                    "Kind": st.column_config.SelectboxColumn(
                        options=list(ACTIVITY_KINDS), required=True
                    ),
                    "Start": st.column_config.DateColumn(format="YYYY-MM-DD", required=True),
                    "End": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "Country": st.column_config.TextColumn(help="ISO3 code or name"),
                },
            )
            activities = desk.with_activity_edits(review.activities, edited)
            for before, after in zip(review.activities, activities, strict=True):
                if (before.country_iso3, before.city) != (after.country_iso3, after.city):
                    where = f"{after.city or ''} {after.country_iso3 or ''}".strip() or "no place"
                    st.caption(
                        md(
                            f"Line {after.row}, {after.title[:60]}: now {where}, "
                            f"placed at {after.location_precision} level."
                        )
                    )
            if review.warnings:
                st.warning(
                    f"{plural(len(review.warnings), 'warning')}: check before you commit.\n\n"
                    + "\n".join(f"- {md(w)}" for w in review.warnings),
                    icon=":material/warning:",
                )
            if review.notes:
                with st.expander(f"{plural(len(review.notes), 'note')} from the reading"):
                    show_problems(review.notes, kind="nl-notes")
            sure = st.checkbox(
                "I have reviewed the figures and activities"
                + (" and checked the warnings" if review.warnings else ""),
                key=f"desk:nl-confirm-{tag}",
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
                try:
                    result = store.commit(
                        database,
                        file_name=name,
                        data=data,
                        user=viewer.name,
                        kind="ingest",
                        observations=review.figures.observations,
                        activities=activities,
                        title=f"Newsletter {name}",
                    )
                except store.StoreError as error:
                    st.error(md(error), icon=":material/error:")
                else:
                    finish(
                        f"Committed write {result.batch_id}: "
                        f"{plural(result.observations, 'figure')} and "
                        f"{plural(result.activities, 'activity')} from {name}."
                    )

with history_tab:
    labels = dict(pairs)
    code = st.selectbox(
        "Indicator", list(labels), format_func=labels.__getitem__, key="desk:history-indicator"
    )
    revisions = queries.history(database, code=code)
    st.dataframe(
        revisions.assign(current=revisions["superseded_by"].isna())[
            [
                "as_of",
                "revision",
                "value",
                "current",
                "recorded_by",
                "recorded_at",
                "source",
                "write",
            ]
        ],
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
    log = queries.audit_log(database)
    undoable = log[log["kind"].isin(store.UNDOABLE) & log["undone_by"].isna()]
    if undoable.empty:
        st.caption("No upload or entry to undo.")
    else:
        choice = st.selectbox(
            "Write",
            undoable["write"].tolist(),
            key="desk:undo-write",
            format_func=lambda w: (
                lambda r: (
                    f"{w}: {r['file']} by {r['recorded_by']}, "
                    f"{r['recorded_at']:%Y-%m-%d %H:%M} UTC — {r['figures']} "
                    f"figures, {r['activities']} activities"
                )
            )(undoable.set_index("write").loc[w]),
        )
        sure = st.checkbox(
            "Its figures stop being current and the earlier values come back; nothing is deleted.",
            key=f"desk:undo-confirm-{choice}",
        )
        if st.button("Undo this write", disabled=not sure, key="desk:undo", icon=":material/undo:"):
            try:
                undone = store.undo(database, batch_id=int(choice), user=viewer.name)
            except store.StoreError as error:
                st.error(md(error))
            else:
                finish(f"Write {choice} undone (write {undone.id}).")
