"""Every chart the pages draw: Vega-Lite specs for the plain bar and line charts, plotly for the rest.

Why Vega-Lite for bars and lines: a page's first plotly chart makes the browser load and run plotly.js (4.7 MB),
about 1.9 s of a new tab's CPU on the 2-core benchmark machine (bench/page_settle.py, docs/benchmarks.md), while
Streamlit's Vega-Lite charts cost about a third of that for the same four Overview charts. A spec is a small
dict built from the data's shape, so it needs no cache; st.vega_lite_chart sends the rows as Arrow beside it.
Each chart shows exactly the frame the page passes (and offers as "Chart data"): no row is added or dropped here.

Why plotly is kept for the network and the Sankey (Map page): they need plotly's graph, selection and layout
features. They are tabs of the Map that run only when opened; the Map's first view (bars of the drawn flows and
the state tile map) is Vega-Lite, so no page loads plotly.js until a reader opens one of those two tabs.

The plotly figures are built once per distinct data and kept (st.cache_resource): plotly express validates
every property it sets (about 0.1 s a chart on an idle core), and a rerun would rebuild the same figures from the
same cached query results. Kept as the object itself (not a pickled copy, which Streamlit would validate again);
the key is the data drawn, so a rebuilt registry or another filter draws a new figure.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import format as fmt
from dashboard import geo
from dashboard import network as net

_cached = st.cache_resource(max_entries=256, show_spinner=False)

# Dollar axes as $1.5B, $300M (d3's SI prefix G is a billion).
_DOLLAR_AXIS = {"title": "Obligated ($)", "labelExpr": "'$' + replace(format(datum.value, '.3~s'), 'G', 'B')"}
_LABELS = {"labelLimit": 320}  # long agency and vendor names are not cut at Vega-Lite's default 180 px
WATCHLIST = {True: "#d62728", False: "#1f77b4"}


def _money(field: str, title: str = "Obligated") -> dict:
    """A tooltip line with the exact dollars."""
    return {"field": field, "type": "quantitative", "title": title, "format": "$,.0f"}


def _colour_scale(values, colours: dict[str, str]) -> dict:
    """The capability colours the pages share (fmt.capability_colours), for the values this chart draws."""
    domain = [v for v in dict.fromkeys(values) if v in colours]
    return {"domain": domain, "range": [colours[v] for v in domain]}


def show(data: pd.DataFrame, spec: dict, *, key: str) -> None:
    """Draw a Vega-Lite chart across the container's width, its rows sent as Arrow."""
    st.vega_lite_chart(data, spec, key=key, width="stretch")


SERIES = {"obligated": "All awards", "surveillance_obligated": "Surveillance-tagged"}


def obligations(monthly: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """All and surveillance-tagged obligations per month as two lines (overview and agency pages): the monthly
    rows in long form (one row per month and series), and the spec."""
    long = monthly.melt(id_vars="month", value_vars=list(SERIES), var_name="series", value_name="dollars")
    long["series"] = long.series.map(SERIES)
    return long, {
        "height": 320, "mark": {"type": "line", "point": False},
        "encoding": {"x": {"field": "month", "type": "temporal", "title": None},
                     "y": {"field": "dollars", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "color": {"field": "series", "type": "nominal", "title": None, "sort": list(SERIES.values()),
                               "legend": {"orient": "top"}},
                     "tooltip": [{"field": "month", "type": "temporal", "title": "Month", "format": "%Y-%m"},
                                 {"field": "series", "title": "Awards"}, _money("dollars")]}}


def top_vendors(vendors: pd.DataFrame) -> dict:
    """Overview: the largest vendors as horizontal bars, largest on top, watchlist vendors in red."""
    return {
        "height": 360, "mark": "bar",
        "encoding": {"x": {"field": "obligated", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "y": {"field": "vendor_name", "type": "nominal", "sort": "-x", "title": None, "axis": _LABELS},
                     "color": {"field": "on_watchlist", "type": "nominal", "title": "On watchlist",
                               "scale": {"domain": list(WATCHLIST), "range": list(WATCHLIST.values())},
                               "legend": {"orient": "bottom"}},
                     "tooltip": [{"field": "vendor_name", "title": "Vendor"}, _money("obligated"),
                                 {"field": "awards", "type": "quantitative", "title": "Awards"},
                                 {"field": "on_watchlist", "title": "On watchlist"}]}}


def top_agencies(bars: pd.DataFrame) -> dict:
    """Overview: the largest agencies (subtiers, subtier · component, or offices) as horizontal bars."""
    return {
        "height": 360, "mark": "bar",
        "encoding": {"x": {"field": "obligated", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "y": {"field": "agency", "type": "nominal", "sort": "-x", "title": None, "axis": _LABELS},
                     "tooltip": [{"field": "agency", "title": "Agency"}, _money("obligated"),
                                 {"field": "awards", "type": "quantitative", "title": "Awards"}]}}


def capability_mix(mix: pd.DataFrame, colours: dict[str, str]) -> dict:
    """Overview: obligations per capability (an award under each of its capabilities), in the query's order from
    the top; horizontal, so that every capability's name is printed whole."""
    return {
        "height": 380, "mark": "bar",
        "encoding": {"y": {"field": "name", "type": "nominal", "sort": None, "title": None, "axis": _LABELS},
                     "x": {"field": "obligated_amount", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "color": {"field": "name", "type": "nominal", "legend": None,
                               "scale": _colour_scale(mix.name, colours)},
                     "tooltip": [{"field": "name", "title": "Capability"}, _money("obligated_amount"),
                                 {"field": "award_count", "type": "quantitative", "title": "Awards"},
                                 {"field": "vendor_count", "type": "quantitative", "title": "Vendors"}]}}


def vendor_monthly(monthly: pd.DataFrame) -> dict:
    """Vendor profile: obligations per month."""
    return {
        "height": 320, "mark": "bar",
        "encoding": {"x": {"field": "month", "type": "temporal", "title": None},
                     "y": {"field": "obligated", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "tooltip": [{"field": "month", "type": "temporal", "title": "Month", "format": "%Y-%m"},
                                 _money("obligated")]}}


def compare_years(by_year: pd.DataFrame) -> dict:
    """Compare vendors: obligations by fiscal year, one bar per vendor side by side."""
    return {
        "height": 360, "mark": "bar",
        "encoding": {"x": {"field": "fiscal_year", "type": "ordinal", "title": "Fiscal year",
                           "axis": {"labelAngle": 0}},
                     "xOffset": {"field": "vendor_name", "type": "nominal"},
                     "y": {"field": "obligated", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "color": {"field": "vendor_name", "type": "nominal", "title": "Vendor",
                               "legend": {"orient": "top"}},
                     "tooltip": [{"field": "vendor_name", "title": "Vendor"},
                                 {"field": "fiscal_year", "title": "Fiscal year"}, _money("obligated")]}}


def compare_capabilities(caps: pd.DataFrame, colours: dict[str, str]) -> dict:
    """Compare vendors: each vendor's obligations stacked by capability."""
    return {
        "height": 320, "mark": "bar",
        "encoding": {"x": {"field": "obligated", "type": "quantitative", "aggregate": "sum", "axis": _DOLLAR_AXIS},
                     "y": {"field": "vendor_name", "type": "nominal", "title": None, "axis": _LABELS},
                     "color": {"field": "capability", "type": "nominal", "title": None,
                               "scale": _colour_scale(caps.capability, colours),
                               "legend": {"orient": "bottom", "columns": 2, "labelLimit": 260}},
                     "tooltip": [{"field": "vendor_name", "title": "Vendor"},
                                 {"field": "capability", "title": "Capability"}, _money("obligated")]}}


def agency_capabilities(caps: pd.DataFrame, colours: dict[str, str]) -> dict:
    """Agency profile: obligations per capability, in the query's order from the top."""
    return {
        "height": 320, "mark": "bar",
        "encoding": {"x": {"field": "obligated", "type": "quantitative", "axis": _DOLLAR_AXIS},
                     "y": {"field": "capability", "type": "nominal", "sort": None, "title": None, "axis": _LABELS},
                     "color": {"field": "capability", "type": "nominal", "legend": None,
                               "scale": _colour_scale(caps.capability, colours)},
                     "tooltip": [{"field": "capability", "title": "Capability"}, _money("obligated"),
                                 {"field": "awards", "type": "quantitative", "title": "Awards"}]}}


TIMELINE = {"Obligation of the action": "#1f77b4", "Jump (much larger than the total so far)": "#d62728",
            "Running total": "#ff7f0e", "Ceiling": "#2ca02c"}


def award_timeline(mods: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Award page: each action's obligation (jumps in red), the running total and the ceiling over time: the
    modifications' rows with the fields drawn, and the spec (one layer per series, one legend for all)."""
    data = pd.DataFrame({
        "action_date": mods.action_date, "modification_number": mods.modification_number,
        "obligation": mods.obligation.astype(float), "running_total": mods.running_obligated.astype(float),
        "ceiling": mods.ceiling_after.astype(float), "jump": mods.is_jump.fillna(False).astype(bool),
        "amount": [fmt.money_exact(v) for v in mods.obligation]})
    names = list(TIMELINE)
    drawn = [names[0], *([names[1]] if data.jump.any() else []), names[2],
             *([names[3]] if mods.ceiling_after.notna().any() else [])]
    colour = {"scale": {"domain": drawn, "range": [TIMELINE[n] for n in drawn]}, "title": None,
              "legend": {"orient": "bottom", "labelLimit": 400}}
    x = {"field": "action_date", "type": "temporal", "title": None}
    if mods.action_date.nunique() == 1:  # one date: give the bar room instead of a full-width block
        day = pd.Timestamp(mods.action_date.iloc[0])
        x["scale"] = {"domain": [str((day - pd.Timedelta(days=90)).date()), str((day + pd.Timedelta(days=90)).date())]}
    tip = [{"field": "modification_number", "title": "Modification"},
           {"field": "action_date", "type": "temporal", "title": "Date", "format": "%Y-%m-%d"},
           {"field": "amount", "title": "Obligation"}, _money("running_total", "Running total")]

    def bars(jump: bool) -> dict:
        return {"transform": [{"filter": "datum.jump" if jump else "!datum.jump"}],
                "mark": {"type": "bar", "width": 8},
                "encoding": {"x": x, "y": {"field": "obligation", "type": "quantitative", "axis": _DOLLAR_AXIS},
                             "color": {"datum": names[1 if jump else 0], **colour}, "tooltip": tip}}

    layers = [bars(False), bars(True),
              {"mark": {"type": "line", "interpolate": "step-after", "point": True},
               "encoding": {"x": x, "y": {"field": "running_total", "type": "quantitative"},
                            "color": {"datum": names[2], **colour}, "tooltip": tip}}]
    if mods.ceiling_after.notna().any():
        layers.append({"transform": [{"filter": "isValid(datum.ceiling)"}],
                       "mark": {"type": "line", "strokeDash": [4, 4]},
                       "encoding": {"x": x, "y": {"field": "ceiling", "type": "quantitative"},
                                    "color": {"datum": names[3], **colour}}})
    return data, {"height": 360, "layer": layers}


def map_flows(shown: pd.DataFrame, colours: dict[str, str]) -> dict:
    """Map: the drawn flows as one bar per vendor, largest on top, split by capability (an award under each of its
    capabilities, as in the network and the Sankey); the tooltip names the vendor, the capability, its dollars
    and awards over the agencies drawn."""
    return {
        "height": {"step": 22}, "mark": "bar",
        "encoding": {"x": {"field": "obligated", "type": "quantitative", "aggregate": "sum", "axis": _DOLLAR_AXIS},
                     "y": {"field": "vendor_name", "type": "nominal", "title": None, "axis": _LABELS,
                           "sort": {"op": "sum", "field": "obligated", "order": "descending"}},
                     "color": {"field": "capability", "type": "nominal", "title": None,
                               "scale": _colour_scale(shown.capability, colours),
                               "legend": {"orient": "bottom", "columns": 2, "labelLimit": 400}},
                     "tooltip": [{"field": "vendor_name", "title": "Vendor"},
                                 {"field": "capability", "title": "Capability"},
                                 {**_money("obligated"), "aggregate": "sum"},
                                 {"field": "awards", "type": "quantitative", "aggregate": "sum",
                                  "title": "Awards (per agency, summed)"}]}}


TILE = 46  # px: one state's square


def state_tiles(by_state: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Map: the US tile grid (geo.TILES, one square per state) shaded by obligations, grey where no award reports
    the state. The rows drawn are by_state's, each with its tile's place (`col`, `row`); a state off the grid (a
    territory other than PR) is in the rows and the download but has no tile. The grey tiles and the state codes
    are the grid itself (inline in the spec), not data."""
    data = by_state.assign(col=[geo.TILES.get(s, (None, None))[1] for s in by_state.state],
                           row=[geo.TILES.get(s, (None, None))[0] for s in by_state.state],
                           obligated=by_state.obligated.astype(float))
    grid = [{"state": s, "col": c, "row": r} for s, (r, c) in geo.TILES.items()]
    x = {"field": "col", "type": "ordinal", "axis": None, "scale": {"domain": list(range(11)), "paddingInner": 0.08}}
    y = {"field": "row", "type": "ordinal", "axis": None, "scale": {"domain": list(range(8)), "paddingInner": 0.08}}
    return data, {
        "width": 11 * TILE, "height": 8 * TILE, "view": {"stroke": None},
        "layer": [
            {"data": {"values": grid}, "mark": {"type": "rect", "color": "#e5e5e5"},
             "encoding": {"x": x, "y": y, "tooltip": [{"field": "state", "title": "State"}]}},
            {"transform": [{"filter": "isValid(datum.col)"}], "mark": "rect",
             "encoding": {"x": x, "y": y,
                          "color": {"field": "obligated", "type": "quantitative",
                                    "scale": {"range": ["#fde0dd", "#e34a33"]},  # light enough for the codes
                                    "legend": {"title": "Obligated ($)", "format": "$,.3~s"}},
                          "tooltip": [{"field": "state", "title": "State"}, _money("obligated"),
                                      {"field": "awards", "type": "quantitative", "title": "Awards"}]}},
            {"data": {"values": grid}, "mark": {"type": "text", "fontSize": 11, "color": "#333"},
             "encoding": {"x": x, "y": y, "text": {"field": "state"}}}]}


network = _cached(net.network)
sankey = _cached(net.sankey)
