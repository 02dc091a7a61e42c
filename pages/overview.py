"""Overview: the eight headline figures as of a date, and the activities of that period."""

from datetime import date

import streamlit as st

from ctdash import geo
from ctdash.markdown import markdown_table, md
from ctdash.web import links, page, readers
from ctdash.web.engine import data_version

viewer = page.page_start()

PAGE = "overview"

version = data_version()
dates = readers.snapshot_dates(version)

st.title("Counter-Terrorism Compact in Numbers")
if not dates:
    st.info("There are no figures in the store yet. The secretariat adds them in the data desk.")
    st.stop()
as_of: date = links.url_view(PAGE, {"asof": dates}, defaults={"asof": dates[0]})["asof"]


def as_of_label(d: date) -> str:
    """An as-of date as the selector and its button show it."""
    return d.isoformat() + (" (latest)" if d == dates[0] else "")


# In a popover, which draws its content only when opened: a fresh browser then fetches the
# selector's code (some twenty files) after the tiles' code instead of before it.
with st.popover(f"As of {as_of_label(as_of)}", icon=":material/calendar_month:"):
    as_of = st.selectbox(
        "As of",
        dates,
        key=links.widget_key(PAGE, "asof"),
        format_func=as_of_label,
        help="Each tile shows its indicator's latest snapshot on or before this date.",
    )
params = links.sync_url(PAGE, {"asof": as_of})

tiles = readers.tiles(version, as_of)
# Rows of four, created row by row so that reading order is the newsletter's order.
for number, tile in enumerate(tiles):
    if number % 4 == 0:
        columns = st.columns(4)
    with columns[number % 4], st.container(border=True, key=f"tile-{tile.code}"):
        if tile.value is None:
            st.metric(tile.label, "—", help=md(tile.definition))
            st.caption(f"No figure on or before {as_of}.")
            continue
        st.metric(
            tile.label,
            f"{tile.value:,}",
            delta=None if tile.delta is None else f"{tile.delta:+,}",
            delta_description=f"since {tile.previous_as_of}" if tile.delta is not None else None,
            # One snapshot makes no trend: no sparkline rather than a flat invented line.
            chart_data=tile.history if len(tile.history) > 1 else None,
            help=md(tile.definition)
            + "\n\n**Source:** "
            + md(tile.source)
            + (f" ({md(tile.source_url)})" if tile.source_url else ""),
        )
        inferred = " (date inferred)" if tile.as_of_inferred else ""
        first = "" if tile.previous_as_of else " · first snapshot"
        st.caption(f"as of {tile.as_of}{inferred}{first}")

# The tiles' text alternative: the sparklines are pictures only, so their figures are here too.
with st.expander("The tiles as a table, with the figures of each sparkline"):
    st.markdown(
        markdown_table(
            [
                {
                    "Indicator": tile.label,
                    "Figure": "—" if tile.value is None else f"{tile.value:,}",
                    "As of": tile.as_of or "",
                    "Change": "" if tile.delta is None else f"{tile.delta:+,}",
                    "Snapshots, oldest first": " → ".join(f"{v:,}" for v in tile.history),
                }
                for tile in tiles
            ],
            right=("Figure", "Change"),
        )
    )

period, summary = readers.period_summary(version, as_of, viewer)
period_start = period.date_from

st.header("Activities of the period")
if period_start:
    st.caption(f"After the previous snapshot ({period_start}), up to {as_of}.")
else:
    st.caption(f"Up to {as_of}.")
if summary is None:
    st.info("No activities are recorded for this period.")
else:
    with st.container(horizontal=True, key="period-counts"):
        st.metric("Activities", f"{summary.activities:,}", border=True, width=180)
        st.metric("On the map", f"{summary.placed:,}", border=True, width=180)
        st.metric("Countries reached", f"{len(summary.countries):,}", border=True, width=180)
    st.markdown(
        markdown_table(
            [{"Kind": kind, "Activities": f"{n:,}"} for kind, n in summary.by_kind],
            right=("Activities",),
        )
    )
    st.caption("Countries reached: " + ", ".join(geo.country_name(c) for c in summary.countries))

    as_of_assessments = summary.assessments.as_of if summary.assessments else None
    visits = summary.assessment_visits
    st.markdown(
        f"**CTED country assessments: {summary.assessments_figure}** "
        f"(as of {as_of_assessments or 'no date'}). The map holds **{len(visits)}** CTED "
        f"assessment visits in this period: {md(', '.join(visits) or 'none')}."
    )
    st.page_link(
        page.page_file("map"),
        label="See them on the map",
        icon=":material/map:",
        query_params={
            "kind": "assessment",
            **({"from": period_start.isoformat()} if period_start else {}),
            "to": as_of.isoformat(),
        },
    )

links.share_link(PAGE, {**params, "asof": as_of.isoformat()})
