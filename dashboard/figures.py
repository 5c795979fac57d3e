"""Every chart the pages draw: bars and lines as markup built here (dashboard/svg.py), plotly for the rest.

Why markup for bars and lines: a chart library costs a new tab its JavaScript every time. plotly.js (4.7 MB) was
about 1.9 s of a new tab's CPU on the 2-core benchmark machine, Vega-Lite (which replaced it for bars and lines on
2026-12-03) still about a quarter of a second of a 1.5 s budget on the Overview, Compare and Award pages
(docs/benchmarks.md). Bars with their values printed and lines with their ticks are small HTML and SVG, drawn
with the page's text. Each chart function takes the frame the page passes (and offers as "Chart data") and draws
exactly its rows: no row is added or dropped here (a chart that sums rows, the Map's flows, says so).

Why plotly is kept for the network and the Sankey (Map page): they need plotly's graph, selection and layout
features. They are tabs of the Map that run only when opened, so no page loads plotly.js until a reader opens one
of those two tabs.

The plotly figures are built once per distinct data and kept (st.cache_resource): plotly express validates
every property it sets (about 0.1 s a chart on an idle core), and a rerun would rebuild the same figures from the
same cached query results. Kept as the object itself (not a pickled copy, which Streamlit would validate again);
the key is the data drawn, so a rebuilt registry or another filter draws a new figure.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard import format as fmt
from dashboard import geo, svg
from dashboard import network as net

_cached = st.cache_resource(max_entries=256, show_spinner=False)

WATCHLIST = {True: "#d62728", False: "#1f77b4"}
SERIES_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def show(markup: str) -> None:
    """Put a chart built here on the page (one HTML block: see dashboard/svg.py)."""
    st.markdown(markup, unsafe_allow_html=True)


def _awards(n) -> str:
    n = int(fmt.val(n) or 0)
    return f"{n:,} award{'s' if n != 1 else ''}"


def _month(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m")


SERIES = {"obligated": "All awards", "surveillance_obligated": "Surveillance-tagged"}


def obligations(monthly: pd.DataFrame, *, key: str) -> str:
    """All and surveillance-tagged obligations per month as two lines (overview and agency pages), one point per
    row of `monthly` and series."""
    layers = [svg.TimeLine(monthly.month, monthly[col], name, colour,
                           [f"{_month(m)} · {name}: {fmt.money_exact(v)}" for m, v in zip(monthly.month, monthly[col], strict=True)],
                           points=False)
              for (col, name), colour in zip(SERIES.items(), SERIES_COLOURS, strict=False)]
    return svg.over_time(layers, key=key, label="Obligations per month, all awards and surveillance-tagged awards")


def top_vendors(vendors: pd.DataFrame, *, key: str, href: Callable | None = None) -> str:
    """Overview: the largest vendors as horizontal bars in the query's order (largest on top), watchlist vendors
    in red, each name a link (`href(row)`) to its profile."""
    bars = [svg.Bar(r.vendor_name, [svg.Segment("On watchlist" if r.on_watchlist else "Not on watchlist",
                                                svg.number(r.obligated), WATCHLIST[bool(r.on_watchlist)],
                                                f"{r.vendor_name}: {fmt.money_exact(r.obligated)}, "
                                                f"{_awards(r.awards)}")],
                    tooltip=str(r.vendor_name), href=href(r) if href else None)
            for r in vendors.itertuples()]
    shown = dict.fromkeys(bool(w) for w in vendors.on_watchlist)
    legend = [("On watchlist" if w else "Not on watchlist", WATCHLIST[w]) for w in (True, False) if w in shown]
    return svg.hbars(bars, key=key, label="Top vendors by obligations", legend=legend if len(legend) > 1 else ())


def top_agencies(bars: pd.DataFrame, *, key: str) -> str:
    """Overview: the largest agencies (subtiers, subtier · component, or offices) as horizontal bars, in the
    frame's order."""
    return svg.hbars([svg.Bar(r.agency, [svg.Segment("Obligated", svg.number(r.obligated), "#1f77b4",
                                                     f"{r.agency}: {fmt.money_exact(r.obligated)}, "
                                                     f"{_awards(r.awards)}")], tooltip=str(r.agency))
                      for r in bars.itertuples()], key=key, label="Top agencies by obligations")


def capability_mix(mix: pd.DataFrame, colours: dict[str, str], *, key: str, href: Callable | None = None) -> str:
    """Overview: obligations per capability (an award under each of its capabilities), in the query's order from
    the top, each name a link (`href(row)`) to its awards."""
    return svg.hbars([svg.Bar(r.name, [svg.Segment(r.name, svg.number(r.obligated_amount),
                                                   colours.get(r.name, fmt.NOT_TAGGED_COLOUR),
                                                   f"{r.name}: {fmt.money_exact(r.obligated_amount)}, "
                                                   f"{_awards(r.award_count)}, {int(r.vendor_count):,} vendors")],
                              tooltip=str(r.name), href=href(r) if href else None)
                      for r in mix.itertuples()], key=key,
                     label="Obligations per capability (an award under each of its capabilities)")


def vendor_monthly(monthly: pd.DataFrame, *, key: str) -> str:
    """Vendor profile: obligations per month, one bar per row."""
    return svg.over_time([svg.TimeBars(monthly.month, monthly.obligated, "Obligated", SERIES_COLOURS[0],
                                       [f"{_month(m)}: {fmt.money_exact(v)}"
                                        for m, v in zip(monthly.month, monthly.obligated, strict=True)])],
                         key=key, label="Obligations per month")


def compare_years(by_year: pd.DataFrame, *, key: str) -> str:
    """Compare vendors: obligations by fiscal year, one column per vendor side by side (a vendor with no row for
    a year has no column there)."""
    years = [str(y) for y in sorted(by_year.fiscal_year.unique())]
    vendors = list(dict.fromkeys(by_year.vendor_name))
    groups = [(v, SERIES_COLOURS[i % len(SERIES_COLOURS)]) for i, v in enumerate(vendors)]
    cells = {(str(r.fiscal_year), r.vendor_name): svg.number(r.obligated) for r in by_year.itertuples()}
    return svg.columns(years, groups, lambda y, v: cells.get((y, v)),
                       lambda y, v: f"{v}, fiscal year {y}: {fmt.money_exact(cells[(y, v)])}",
                       key=key, label="Obligations by fiscal year per vendor")


def _stacked(rows: pd.DataFrame, label: str, colours: dict[str, str], tip: Callable) -> list[svg.Bar]:
    """One bar per `label` value (largest total on top), one part per row (a row per label and capability, as
    compare_capabilities and flow_bars give them) in the frame's order."""
    order = rows.groupby(label, sort=False).obligated.sum().sort_values(ascending=False, kind="stable").index
    return [svg.Bar(name, [svg.Segment(r.capability, svg.number(r.obligated),
                                       colours.get(r.capability, fmt.NOT_TAGGED_COLOUR), tip(r))
                           for r in rows[rows[label] == name].itertuples()], tooltip=str(name))
            for name in order]


def _capability_legend(capabilities, colours: dict[str, str]) -> list[tuple[str, str]]:
    return [(c, colours.get(c, fmt.NOT_TAGGED_COLOUR)) for c in dict.fromkeys(capabilities)]


def compare_capabilities(caps: pd.DataFrame, colours: dict[str, str], *, key: str) -> str:
    """Compare vendors: each vendor's obligations stacked by capability."""
    bars = _stacked(caps, "vendor_name", colours,
                    lambda r: f"{r.vendor_name} · {r.capability}: {fmt.money_exact(r.obligated)}, {_awards(r.awards)}")
    return svg.hbars(bars, key=key, label="Each vendor's obligations by capability",
                     legend=_capability_legend(caps.capability, colours))


def agency_capabilities(caps: pd.DataFrame, colours: dict[str, str], *, key: str) -> str:
    """Agency profile: obligations per capability, in the query's order from the top."""
    return svg.hbars([svg.Bar(r.capability, [svg.Segment(r.capability, svg.number(r.obligated),
                                                         colours.get(r.capability, fmt.NOT_TAGGED_COLOUR),
                                                         f"{r.capability}: {fmt.money_exact(r.obligated)}, "
                                                         f"{_awards(r.awards)}")], tooltip=str(r.capability))
                      for r in caps.itertuples()], key=key, label="Obligations per capability")


TIMELINE = {"Obligation of the action": "#1f77b4", "Jump (much larger than the total so far)": "#d62728",
            "Running total": "#ff7f0e", "Ceiling": "#2ca02c"}


def award_timeline(mods: pd.DataFrame, *, key: str) -> str:
    """Award page: each action's obligation (jumps in red), the running total (held until the next action) and the
    ceiling over time, one mark per modification and series."""
    names = list(TIMELINE)
    jump = mods.is_jump.fillna(False).astype(bool)

    def tips(rows: pd.DataFrame) -> list[str]:
        return [f"Modification {fmt.val(r.modification_number) or '—'} · {fmt.day(r.action_date)}: obligation "
                f"{fmt.money_exact(r.obligation)}, running total {fmt.money_exact(r.running_obligated)}"
                for r in rows.itertuples()]

    layers: list = [svg.TimeBars(rows.action_date, rows.obligation.astype(float), name, TIMELINE[name], tips(rows),
                                 width=8)
                    for rows, name in ((mods[~jump], names[0]), (mods[jump], names[1])) if not rows.empty]
    layers.append(svg.TimeLine(mods.action_date, mods.running_obligated.astype(float), names[2], TIMELINE[names[2]],
                               tips(mods), step=True))
    ceiling = mods[mods.ceiling_after.notna()]
    if not ceiling.empty:
        layers.append(svg.TimeLine(ceiling.action_date, ceiling.ceiling_after.astype(float), names[3],
                                   TIMELINE[names[3]],
                                   [f"Ceiling after modification {fmt.val(r.modification_number) or '—'}: "
                                    f"{fmt.money_exact(r.ceiling_after)}" for r in ceiling.itertuples()],
                                   dashed=True, points=False))
    return svg.over_time(layers, key=key, height=360, pad_days=90,
                         label="Each action's obligation, the running total and the ceiling over time")


def flow_bars(shown: pd.DataFrame) -> pd.DataFrame:
    """Map: the rows the flows' bars draw, one per vendor and capability (an award under each of its capabilities,
    as in the network and the Sankey), each the sum of the vendor's flows for that capability over the agencies
    drawn: vendor_id, vendor_name, capability, obligated, awards (summed over agencies), the largest vendor first.
    The bars' "Chart data" download is this frame."""
    sums = shown.groupby(["vendor_id", "vendor_name", "capability"], sort=False, as_index=False).agg(
        obligated=("obligated", "sum"), awards=("awards", "sum"))
    total = sums.groupby("vendor_id").obligated.transform("sum")
    return (sums.assign(_total=total).sort_values("_total", ascending=False, kind="stable")
            .drop(columns="_total").reset_index(drop=True))


def map_flows(bars: pd.DataFrame, colours: dict[str, str], *, key: str) -> str:
    """Map: flow_bars' rows as one bar per vendor in their order, split by capability; each part's tooltip names
    the vendor, the capability, the dollars and the awards."""
    drawn = _stacked(bars, "vendor_name", colours,
                     lambda r: f"{r.vendor_name} · {r.capability}: {fmt.money_exact(r.obligated)}, "
                               f"{_awards(r.awards)} (per agency, summed)")
    return svg.hbars(drawn, key=key, label="Flows by vendor, split by capability",
                     legend=_capability_legend(bars.capability, colours))


def state_tiles(by_state: pd.DataFrame, *, key: str) -> tuple[pd.DataFrame, str]:
    """Map: the US tile grid (geo.TILES, one square per state) shaded by obligations, grey where no award reports
    the state: by_state's rows with each tile's place (`col`, `row`), and the chart. A state off the grid (a
    territory other than PR) is in the rows and the download but has no tile."""
    data = by_state.assign(col=[geo.TILES.get(s, (None, None))[1] for s in by_state.state],
                           row=[geo.TILES.get(s, (None, None))[0] for s in by_state.state],
                           obligated=by_state.obligated.astype(float))
    found = {r.state: r for r in data.itertuples()}
    cells = []
    for state, (row, col) in geo.TILES.items():
        r = found.get(state)
        value = None if r is None else svg.number(r.obligated)
        tip = (f"{state}: no award reports this state" if r is None
               else f"{state}: {fmt.money_exact(r.obligated)}, {_awards(r.awards)}")
        cells.append((state, row, col, value, tip))
    return data, svg.tiles(cells, key=key, label="Obligations by place-of-performance state")


network = _cached(net.network)
sankey = _cached(net.sankey)
