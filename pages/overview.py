"""Overview: the eight headline figures as of a date, how fresh each is, and the activities of
that period; with `?compare=DATE`, each figure and the period beside those of another snapshot."""

from datetime import date

import streamlit as st

from ctdash import comparison, freshness, geo
from ctdash.markdown import markdown_table, md
from ctdash.web import links, page, readers
from ctdash.web import tiles as tile_view
from ctdash.web.engine import data_version

viewer = page.page_start()

PAGE = "overview"

version = data_version()
dates = readers.snapshot_dates(version)

st.title("Counter-Terrorism Compact in Numbers")
if not dates:
    st.info("There are no figures in the store yet. The secretariat adds them in the data desk.")
    st.stop()
view = links.url_view(
    PAGE, {"asof": dates, "compare": dates}, defaults={"asof": dates[0], "compare": None}
)
as_of: date = view["asof"]
compare_to: date | None = view["compare"]


def as_of_label(d: date) -> str:
    """An as-of date as the selector and its button show it."""
    return d.isoformat() + (" (latest)" if d == dates[0] else "")


def compare_label(d: date | None) -> str:
    """A date to compare with, as its selector shows it."""
    return "No comparison" if d is None else as_of_label(d)


# In a popover, which draws its content only when opened: a fresh browser then fetches the
# selector's code (some twenty files) after the tiles' code instead of before it.
button = f"As of {as_of_label(as_of)}" + (f", compared with {compare_to}" if compare_to else "")
with st.popover(button, icon=":material/calendar_month:"):
    as_of = st.selectbox(
        "As of",
        dates,
        key=links.widget_key(PAGE, "asof"),
        format_func=as_of_label,
        help="Each tile shows its indicator's latest snapshot on or before this date.",
    )
    compare_to = st.selectbox(
        "Compare with",
        [None, *dates],
        key=links.widget_key(PAGE, "compare"),
        format_func=compare_label,
        placeholder="No comparison",
        help="Each tile shows its figure beside its figure at this date, with the change; "
        "the activities of both periods are set side by side.",
    )
params = links.sync_url(PAGE, {"asof": as_of, "compare": compare_to})

tiles = readers.tiles(version, as_of)
compared = (
    {}
    if compare_to is None
    else {c.now.code: c for c in comparison.compare(tiles, readers.tiles(version, compare_to))}
)
# How fresh each indicator's latest figure is today, whatever date the page shows.
fresh = {f.code: f for f in readers.freshness_of(version, freshness.clock())}
goals = tile_view.goals(version)
# Rows of four, created row by row so that reading order is the newsletter's order.
for number, tile in enumerate(tiles):
    if number % 4 == 0:
        columns = st.columns(4)
    with columns[number % 4], st.container(border=True, key=f"tile-{tile.code}"):
        tile_view.show_tile(
            version,
            tile,
            as_of=as_of,
            fresh=fresh.get(tile.code),
            goal=goals.get(tile.code),
            compared=compared.get(tile.code),
            compare_to=compare_to,
        )

if compare_to is not None:
    st.header(f"Compared with {compare_to}")
    st.markdown(tile_view.comparison_table(list(compared.values()), as_of, compare_to))

# The tiles in one table, to read or copy: each sparkline's figures are here too. Drawn when
# opened: a fresh page draws the tiles sooner without it.
table = st.expander(
    "The tiles as a table, with the figures of each sparkline",
    key="overview:table",
    on_change="rerun",
)
if table.open:
    table.markdown(
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


def show_period(day: date, key: str) -> None:
    """What the activities of the period that the snapshot `day` reports on add up to."""
    period, summary = readers.period_summary(version, day, viewer)
    period_start = period.date_from
    if summary is None:
        st.info("No activities are recorded for this period.")
        return
    with st.container(horizontal=True, key=key):
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
            "to": day.isoformat(),
        },
    )


def period_words(day: date) -> str:
    """'After 2022-04-30, up to 2023-04-30', or 'Up to 2018-02-23' for the first snapshot."""
    start = readers.period_summary(version, day, viewer)[0].date_from
    return f"After {start}, up to {day}" if start else f"Up to {day}"


if compare_to is None:
    st.header("Activities of the period")
    start = readers.period_summary(version, as_of, viewer)[0].date_from
    if start:
        st.caption(f"After the previous snapshot ({start}), up to {as_of}.")
    else:
        st.caption(f"Up to {as_of}.")
    show_period(as_of, "period-counts")
else:
    st.header("Activities of each period")
    for column, (day, key) in zip(
        st.columns(2),
        ((as_of, "period-counts"), (compare_to, "period-counts-compared")),
        strict=True,
    ):
        with column:
            st.subheader(period_words(day))
            show_period(day, key)

links.share_link(PAGE, {"asof": as_of.isoformat(), **params})
