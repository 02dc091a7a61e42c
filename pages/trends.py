"""Trends: chosen indicators over time, absolute or indexed, every point with its source."""

import streamlit as st

from ctdash import chart_picture, charts, queries, urlstate, views
from ctdash.markdown import svg_image
from ctdash.web import links, page, readers
from ctdash.web.engine import data_version
from ctdash.web.tables import dictionary_encoded

page.page_start()

PAGE = "trends"
MODES = views.TREND_MODES

version = data_version()
indicator_frame = readers.indicators(version)
obs = readers.observations(version)
labels = dict(zip(indicator_frame["code"], indicator_frame["label"], strict=True))
codes = list(labels)

st.title("Trends")
# With nothing chosen, show every indicator that has more than one snapshot.
default_choice = views.default_trend_indicators(obs, codes)
links.url_view(PAGE, {"ind": codes, "mode": tuple(MODES)}, defaults={"ind": default_choice})
key = links.widget_key

with st.sidebar:
    st.header("Filters")
    chosen = st.multiselect(
        "Indicators",
        codes,
        key=key(PAGE, "ind"),
        format_func=labels.__getitem__,
        placeholder="Choose indicators",
    )
    mode = st.radio("Scale", tuple(MODES), key=key(PAGE, "mode"), format_func=MODES.__getitem__)
    date_from, date_to = (
        st.date_input(
            label,
            key=key(PAGE, name),
            min_value=urlstate.EARLIEST,
            max_value=urlstate.LATEST,
            format="YYYY-MM-DD",
        )
        for label, name in (("From", "from"), ("To", "to"))
    )

params = links.sync_url(
    PAGE,
    {
        "ind": chosen,
        "mode": mode,
        "from": date_from,
        "to": date_to,
    },
)

frame = queries.trend_frame(
    obs, chosen, indexed=mode == "indexed", date_from=date_from, date_to=date_to
)
if not chosen:
    st.info("Choose one or more indicators in the sidebar.")
elif frame.empty:
    st.info("No figures for the chosen indicators in this date range.")
else:
    notes, targets = readers.notes(version), readers.targets(version)
    shown = frame["indicator_code"].unique().tolist()
    indexed = mode == "indexed"
    figure = charts.trend_figure(
        frame, indexed=indexed, notes=notes, targets=targets, date_from=date_from, date_to=date_to
    )
    picture = svg_image(
        chart_picture.trend_picture(
            frame,
            indexed=indexed,
            notes=notes,
            targets=targets,
            date_from=date_from,
            date_to=date_to,
        ),
        chart_picture.description(frame, indexed=indexed),
    )
    # The chart as a picture first, which a fresh browser draws with the code it has; Plotly's
    # chart takes its place once drawn (preload.STYLE lays one over the other).
    with st.container(key="trend-chart-box"):
        st.markdown(picture)
        st.plotly_chart(figure, key="trend-chart")
    single = [labels[c] for c in chosen if (frame["indicator_code"] == c).sum() == 1]
    if single:
        st.caption(
            "One snapshot only, drawn as a single point (no earlier public figure is known): "
            + ", ".join(single)
            + "."
        )
    aimed = charts.target_sentences(targets, {c: labels[c] for c in shown})
    if aimed:
        scale = " (on the index scale of this chart)" if mode == "indexed" else ""
        st.caption(f"Targets, drawn as dashed lines{scale}: " + "; ".join(aimed) + ".")
    in_view = charts.notes_in_view(notes, shown, charts.chart_span(frame, date_from, date_to))
    st.subheader("Notes on the chart")
    if in_view.empty:
        st.caption("No note falls within these dates.")
    else:
        st.caption(
            f"{len(in_view)} note{'' if len(in_view) == 1 else 's'} in these dates, each drawn "
            "as a dotted line with a marker at the top of the chart."
        )
        st.markdown(charts.notes_table(in_view, labels))
    # Drawn when opened: the table's code (1.3 MB) would otherwise load and run beside the
    # chart's before the chart is drawn.
    behind = st.expander("The figures behind the chart", key="trends:figures", on_change="rerun")
    if behind.open:
        behind.dataframe(
            dictionary_encoded(
                frame[["label", "as_of", "value", "plotted", "as_of_inferred", "source"]]
            ),
            hide_index=True,
            column_config={
                "label": "Indicator",
                "as_of": "As of",
                "value": st.column_config.NumberColumn("Value", format="localized"),
                "plotted": "Plotted",
                "as_of_inferred": "Date inferred",
                "source": "Source",
            },
        )

links.share_link(PAGE, params)
