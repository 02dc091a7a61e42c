"""The data desk's opening checklist: each indicator, who provides it, its last figure, when
the next is due, and whether it is due or overdue."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ctdash import freshness
from ctdash.freshness import STATES, Freshness, cadence_text
from ctdash.markdown import markdown_table, md
from ctdash.web import readers

# The checklist's order: what is overdue first, then what is due, then the rest.
URGENCY = {"overdue": 0, "due": 1}


def ordered(found: Sequence[Freshness]) -> list[Freshness]:
    """Overdue first, then due, then the rest, each in the newsletter's order."""
    return sorted(found, key=lambda f: URGENCY.get(f.state, len(URGENCY)))


def state_words(item: Freshness) -> str:
    """The state in words with its date: 'Overdue (since 2023-06-30)', 'Due (by 2023-06-30)',
    'Fresh', 'No cadence set', 'No figure yet'."""
    if item.state == "overdue":
        return f"Overdue (since {item.next_due})"
    if item.state == "due":
        return f"Due (by {item.next_due})"
    return item.word


def checklist_rows(found: Sequence[Freshness]) -> list[dict[str, object]]:
    """The checklist's rows, most urgent first, under its headers."""
    return [
        {
            "Indicator": item.label,
            "Provided by": item.provider or "not set",
            "Last figure": "—" if item.last_value is None else f"{item.last_value:,}",
            "As of": item.last_as_of or "—",
            "Cadence": cadence_text(item.cadence_months),
            "Next due": item.next_due or "—",
            "State": state_words(item),
        }
        for item in ordered(found)
    ]


def _soonest(items: Sequence[Freshness]) -> Freshness:
    """The item due first (the longest overdue, among overdue ones)."""
    return min(items, key=lambda f: f.next_due or f.today)


def _are(items: Sequence[Freshness]) -> str:
    return "is" if len(items) == 1 else "are"


def _who(item: Freshness) -> str:
    return f"{item.label}, from {item.provider or 'no provider set'}"


def summary(found: Sequence[Freshness]) -> str:
    """One sentence on what is overdue or due, naming the figure to chase first and who
    provides it."""
    overdue = [f for f in found if f.state == "overdue"]
    due = [f for f in found if f.state == "due"]
    fresh = [f for f in found if f.state == "fresh"]
    total = len(found)
    if overdue:
        first = _soonest(overdue)
        said = (
            f"{len(overdue)} of {total} figures {_are(overdue)} overdue; the longest overdue is "
            f"{_who(first)}, due since {first.next_due}."
        )
        return said + (f" {len(due)} more due by {_soonest(due).next_due}." if due else "")
    if due:
        first = _soonest(due)
        return (
            f"{len(due)} of {total} figures {_are(due)} due; the next is {_who(first)}, "
            f"by {first.next_due}."
        )
    if fresh and len(fresh) == total:
        first = _soonest(fresh)
        return f"All figures are fresh; the next is {_who(first)}, due on {first.next_due}."
    return (
        f"None is due or overdue; {total - len(fresh)} of {total} figures have no cadence set "
        "or no figure yet."
    )


def headline_state(found: Sequence[Freshness]) -> str:
    """The state the summary speaks of, whose icon leads it: overdue, due, fresh (all are), or
    the first other state."""
    states = [f.state for f in ordered(found)]
    if states[0] in URGENCY or all(s == "fresh" for s in states):
        return states[0]
    return next(s for s in states if s != "fresh")


def checklist(*, version: int) -> None:
    """The checklist as a table with headers under a one-line summary led by the icon of the
    most urgent state. Plain Markdown, not an alert: the tabs below keep their alerts to
    themselves."""
    found = readers.freshness_of(version, freshness.clock())
    st.subheader("The secretariat's checklist")
    if not found:
        st.caption("No indicator is defined yet.")
        return
    st.markdown(f"{STATES[headline_state(found)][1]} {md(summary(found))}")
    st.markdown(markdown_table(checklist_rows(found)))
