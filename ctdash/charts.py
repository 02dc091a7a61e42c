"""Plotly figures built from query frames; pure, no streamlit."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito: distinguishable by readers with the common forms of colour blindness.
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
)


def trend_figure(frame: pd.DataFrame, *, indexed: bool) -> go.Figure:
    """One trace per indicator; a single snapshot is drawn as a marker, never a line."""
    figure = go.Figure()
    for number, (code, rows) in enumerate(frame.groupby("indicator_code", sort=False)):
        rows = rows.sort_values("as_of")
        colour = OKABE_ITO[number % len(OKABE_ITO)]
        customdata = list(
            zip(
                [f"{int(v):,}" for v in rows["value"]],
                [html.escape(str(s)) for s in rows["source"]],
                ["inferred" if inferred else "stated" for inferred in rows["as_of_inferred"]],
                strict=True,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=[d.isoformat() for d in rows["as_of"]],
                y=[float(v) for v in rows["plotted"]],
                name=html.escape(str(rows["label"].iloc[0])),
                mode="lines+markers" if len(rows) > 1 else "markers",
                marker={"size": 10, "color": colour},
                line={"color": colour, "width": 2},
                customdata=customdata,
                meta=code,
                hovertemplate=(
                    "<b>%{fullData.name}</b><br>"
                    + ("index %{y:.1f} (value %{customdata[0]})" if indexed else "%{customdata[0]}")
                    + "<br>as of %{x} (%{customdata[2]} date)"
                    + "<br>source: %{customdata[1]}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        yaxis_title="index (first point = 100)" if indexed else "value",
        xaxis_title="as of",
        hovermode="closest",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
    )
    figure.update_xaxes(type="date")
    return figure
