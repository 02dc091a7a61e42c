"""The Overview's tiles: each figure with its sparkline, how fresh it is, its target, and in a
comparison its figure at the other date."""

from __future__ import annotations

from datetime import date
from typing import Literal, cast

import streamlit as st

from ctdash import context, freshness, queries
from ctdash.comparison import Compared
from ctdash.markdown import markdown_table, md
from ctdash.sparkline import sparkline_markdown
from ctdash.web import readers

# The colours st.badge takes; freshness.COLOURS names one of them for each state.
BadgeColour = Literal["green", "orange", "red", "gray"]


def goals(version: int) -> dict[str, context.Goal]:
    """Each indicator's current target, by indicator code."""
    return context.goals(readers.targets(version))


def figure_help(tile: queries.Tile) -> str:
    """The metric's hover: the indicator's definition and the figure's source, as typed."""
    url = f" ({md(tile.source_url)})" if tile.source_url else ""
    return md(tile.definition) + "\n\n**Source:** " + md(tile.source) + url


def show_tile(
    version: int,
    tile: queries.Tile,
    *,
    as_of: date,
    fresh: freshness.Freshness | None,
    goal: context.Goal | None,
    compared: Compared | None,
    compare_to: date | None,
) -> None:
    """One tile, in the container it is drawn in."""
    if tile.value is None:
        show_metric(tile.code, tile.label, "—", help=md(tile.definition))
        st.caption(f"No figure on or before {as_of}.")
    else:
        show_figure(tile, as_of=as_of, compared=compared, compare_to=compare_to)
        show_sparkline(version, tile)
        inferred = " (date inferred)" if tile.as_of_inferred else ""
        first = "" if tile.previous_as_of else " · first snapshot"
        st.caption(f"as of {tile.as_of}{inferred}{first}")
    if compared is not None and compare_to is not None:
        show_compared(compared, compare_to)
    if fresh is not None:
        show_freshness(fresh, tile)
    if goal is not None:
        show_goal(goal, tile)


def show_figure(
    tile: queries.Tile, *, as_of: date, compared: Compared | None, compare_to: date | None
) -> None:
    """The figure, and its change since the previous snapshot or, in a comparison, since the
    compared date (against it, when that date is the later one)."""
    assert tile.value is not None
    if compared is not None and compare_to is not None:
        delta = None if compared.change is None else compared.change_text()
        word = "since" if compare_to <= as_of else "against"
        described = f"{word} {compare_to} (compared)"
    else:
        delta = None if tile.delta is None else f"{tile.delta:+,}"
        described = f"since {tile.previous_as_of}"
    show_metric(
        tile.code,
        tile.label,
        f"{tile.value:,}",
        delta=delta,
        described=described if delta is not None else None,
        help=figure_help(tile),
    )


def show_metric(
    code: str,
    label: str,
    value: str,
    *,
    help: str,
    delta: str | None = None,
    described: str | None = None,
) -> None:
    """A tile's metric, drawn first in Markdown, whose code every page has, until the metric
    takes its place: a fresh browser fetches the metric's code when the first metric arrives,
    and Streamlit's frontend draws it only after the rest of the run (preload.STYLE lays one
    over the other, in the same place and as high)."""
    with st.container(key=f"figure-{code}"):
        st.markdown(figure_markdown(label, value, delta, described or ""))
        st.metric(label, value, delta=delta, delta_description=described, help=help)


def figure_markdown(label: str, value: str, delta: str | None, described: str) -> str:
    """A tile's figure as Markdown, as its metric shows it: the label, the figure, and the
    change with its arrow, green for a rise and red for a fall, and what it is measured from."""
    lines = [md(label), f"**{value}**"]
    if delta is not None:
        fell = delta.startswith("-")
        arrow = ":material/arrow_downward:" if fell else ":material/arrow_upward:"
        colour = "red" if fell else "green"
        lines.append(f":{colour}-background[:{colour}[{arrow} {md(delta)}]] :gray[{md(described)}]")
    return "\n\n".join(lines)


def show_sparkline(version: int, tile: queries.Tile) -> None:
    """The tile's snapshots up to its figure as a line, with its figures as its text
    alternative; nothing for a single snapshot."""
    if len(tile.history) < 2 or tile.as_of is None:
        return
    obs = readers.observations(version)
    dated = obs[(obs["indicator_code"] == tile.code) & (obs["as_of"] <= tile.as_of)]
    st.markdown(sparkline_markdown(tile.label, tile.history, min(dated["as_of"]), tile.as_of))


def show_compared(compared: Compared, compare_to: date) -> None:
    """The figure at the compared date beside the one shown, with the change in both terms."""
    then = compared.then
    if then.value is None:
        st.caption(f"On {compare_to}: — (no figure on or before it)")
        return
    dated = "" if then.as_of == compare_to else f" (as of {then.as_of})"
    change = ""
    if compared.change is not None:
        change = f" · change {compared.change_text()} ({compared.percent_text()})"
    st.caption(f"On {compare_to}: **{then.value:,}**{dated}{change}")


def show_freshness(fresh: freshness.Freshness, tile: queries.Tile) -> None:
    """When the latest figure came and the next is due, and the state in words with an icon.

    About the latest figure whatever date the page shows, so a past figure is not read as
    current."""
    updated = fresh.updated_text()
    if tile.as_of is not None and tile.as_of == fresh.last_as_of:
        said = updated[0].upper() + updated[1:]
    else:
        said = f"Latest figure: {updated}"
    st.caption(said)
    # The state's word alone: a badge does not wrap, and in a quarter-width tile the longer
    # "Overdue since 2023-06-30" was cut to "Overdue since 2023-…". The caption has the dates.
    st.badge(
        fresh.word,
        icon=fresh.icon,
        color=cast(BadgeColour, freshness.COLOURS.get(fresh.state, "gray")),
        help=fresh.status_text(),
    )


def show_goal(goal: context.Goal, tile: queries.Tile) -> None:
    """Progress towards the target, with the decision that set it."""
    url = f" ({md(goal.source_url)})" if goal.source_url else ""
    if tile.value is None:
        st.caption(f"Target {goal.value:,} by {goal.due} · no figure yet")
    else:
        st.progress(
            goal.share(tile.value), text=f"Target {goal.text()} · {goal.progress(tile.value)}"
        )
    st.caption("Source of the target: " + md(goal.source) + url)


def comparison_table(compared: list[Compared], as_of: date, compare_to: date) -> str:
    """Each figure at both dates with the change, as a Markdown table headed Indicator | <as-of
    date> | <compared date> | Change | Change %; '—' where a date has no figure."""
    then = f"{compare_to} (compared)" if compare_to == as_of else str(compare_to)
    now = str(as_of)
    return markdown_table(
        [
            {
                "Indicator": c.label,
                now: "—" if c.now.value is None else f"{c.now.value:,}",
                then: "—" if c.then.value is None else f"{c.then.value:,}",
                "Change": c.change_text(),
                "Change %": c.percent_text(),
            }
            for c in compared
        ],
        right=(now, then, "Change", "Change %"),
    )
