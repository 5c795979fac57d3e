"""Every chart the pages draw, built once per distinct data and kept (st.cache_resource).

Why cached: building a plotly figure is the costliest Python in a page view. plotly express validates every
property it sets, about 0.1 s a chart on an idle core of the 2-core benchmark machine and several times that
when it is busy, and a page rerun (a reader moving between pages, or changing a filter and back) rebuilds the
same figures from the same cached query results. The figure is kept as the object itself (cache_resource,
not cache_data): Streamlit serialises a Figure without validating it again, but would validate a figure
rebuilt from a pickled or dict copy, which costs half as much as building it. The key is the data drawn
(Streamlit hashes the DataFrame), so a rebuilt registry or another filter draws a new figure. Nothing
here mutates a figure after it is returned; st.plotly_chart only reads it.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboard import format as fmt
from dashboard import geo
from dashboard import network as net

_cached = st.cache_resource(max_entries=256, show_spinner=False)
MARGIN = dict(l=0, r=0, t=10, b=0)


@_cached
def obligations(monthly: pd.DataFrame) -> go.Figure:
    """All and surveillance-tagged obligations per month as two lines (overview and agency pages)."""
    long = monthly.melt(id_vars="month", value_vars=["obligated", "surveillance_obligated"], var_name="series",
                        value_name="dollars")
    fig = px.line(long, x="month", y="dollars", color="series", labels={"dollars": "Obligated ($)", "month": ""})
    fig.update_layout(height=320, margin=MARGIN)
    return fig


@_cached
def top_vendors(vendors: pd.DataFrame) -> go.Figure:
    """Overview: the largest vendors as horizontal bars, watchlist vendors in red."""
    fig = px.bar(vendors.iloc[::-1], x="obligated", y="vendor_name", orientation="h",
                 color="on_watchlist", color_discrete_map={True: "#d62728", False: "#1f77b4"},
                 labels={"obligated": "Obligated ($)", "vendor_name": "", "on_watchlist": "On watchlist"})
    fig.update_layout(height=360, margin=MARGIN, yaxis=dict(categoryorder="total ascending"),
                      legend=dict(orientation="h", y=-0.2))
    return fig


@_cached
def top_agencies(bars: pd.DataFrame) -> go.Figure:
    """Overview: the largest agencies (subtiers or subtier · component) as horizontal bars."""
    fig = px.bar(bars.iloc[::-1], x="obligated", y="agency", orientation="h", hover_data=["awards"],
                 labels={"obligated": "Obligated ($)", "agency": "", "awards": "Awards"})
    fig.update_layout(height=360, margin=MARGIN)
    return fig


@_cached
def capability_mix(mix: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Overview: obligations per capability (an award under each of its capabilities)."""
    fig = px.bar(mix, x="name", y="obligated_amount", color="name", color_discrete_map=colours,
                 hover_data=["award_count", "vendor_count"], labels={"obligated_amount": "Obligated ($)", "name": ""})
    fig.update_layout(showlegend=False, height=380, margin=MARGIN)
    return fig


@_cached
def vendor_monthly(monthly: pd.DataFrame) -> go.Figure:
    """Vendor profile: obligations per month."""
    fig = px.bar(monthly, x="month", y="obligated", labels={"obligated": "Obligated ($)", "month": ""})
    fig.update_layout(height=320, margin=MARGIN)
    return fig


@_cached
def compare_years(by_year: pd.DataFrame) -> go.Figure:
    """Compare vendors: obligations by fiscal year, one bar per vendor."""
    fig = px.bar(by_year, x="fiscal_year", y="obligated", color="vendor_name", barmode="group",
                 labels={"obligated": "Obligated ($)", "fiscal_year": "Fiscal year", "vendor_name": "Vendor"})
    fig.update_layout(height=360, margin=MARGIN)
    return fig


@_cached
def compare_capabilities(caps: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Compare vendors: each vendor's obligations stacked by capability."""
    fig = px.bar(caps, x="obligated", y="vendor_name", color="capability", orientation="h",
                 color_discrete_map=colours, labels={"obligated": "Obligated ($)", "vendor_name": ""})
    fig.update_layout(height=320, margin=MARGIN, legend=dict(orientation="h", y=-0.3))
    return fig


@_cached
def agency_capabilities(caps: pd.DataFrame, colours: dict[str, str]) -> go.Figure:
    """Agency profile: obligations per capability."""
    fig = px.bar(caps.iloc[::-1], x="obligated", y="capability", color="capability", orientation="h",
                 color_discrete_map=colours, hover_data=["awards"],
                 labels={"obligated": "Obligated ($)", "capability": "", "awards": "Awards"})
    fig.update_layout(height=320, margin=MARGIN, showlegend=False)
    return fig


@_cached
def award_timeline(mods: pd.DataFrame) -> go.Figure:
    """Award page: each action's obligation (jumps in red), the running total and the ceiling over time."""
    fig = go.Figure()
    fig.add_trace(go.Bar(x=mods.action_date, y=mods.obligation.astype(float), name="Obligation of the action",
                         width=12 * 86_400_000,  # 12 days, in ms on a date axis (the default is invisible)
                         text=mods.modification_number, hovertext=[fmt.money_exact(v) for v in mods.obligation],
                         marker_color=["#d62728" if j else "#1f77b4" for j in mods.is_jump.fillna(False)]))
    fig.add_trace(go.Scatter(x=mods.action_date, y=mods.running_obligated.astype(float), name="Running total",
                             mode="lines+markers", line_shape="hv"))
    if mods.ceiling_after.notna().any():
        fig.add_trace(go.Scatter(x=mods.action_date, y=mods.ceiling_after.astype(float), name="Ceiling",
                                 mode="lines", line=dict(dash="dot")))
    if mods.action_date.nunique() == 1:  # one date: give the bar room instead of a full-width block
        day = pd.Timestamp(mods.action_date.iloc[0])
        fig.update_xaxes(range=[day - pd.Timedelta(days=90), day + pd.Timedelta(days=90)])
    fig.update_layout(height=360, margin=MARGIN, yaxis_title="$", legend=dict(orientation="h", y=-0.2))
    return fig


network = _cached(net.network)
sankey = _cached(net.sankey)
tile_map = _cached(geo.tile_map)
