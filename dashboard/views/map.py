"""Map: who sells what to whom. Vendors <-> agencies <-> capabilities as bars of the drawn flows, a network, a
Sankey and a table of every flow (four tabs, the open one in the URL), plus a state tile map.

Why the bars are the first tab and the state map is markup (dashboard/figures.py): the network and the Sankey are
plotly, and a page's first plotly chart makes the browser load and run plotly.js (4.7 MB, ~2 CPU seconds of a new
tab on the benchmark machine: docs/benchmarks.md). The Map's first view loads no chart library at all; the network
and the Sankey run, are sent and load plotly.js only when their tab is opened.
"""

from __future__ import annotations

import streamlit as st

from dashboard import figures, network, ui
from dashboard import format as fmt
from dashboard import queries as q

st.title("Map: who sells what to whom")

opts = q.filter_options().iloc[0]
caps = q.capabilities()
colours = fmt.capability_colours(caps)
cap_name = dict(zip(caps.capability_id, caps.name, strict=False))
min_year, max_year = int(opts.min_year or 2000), int(opts.max_year or 2000)

with st.container(border=True):
    c = st.columns([2, 3, 2, 2, 1])
    agencies = c[0].multiselect("Agency", list(opts.agencies),
                                default=[a for a in ui.param_list("agency") if a in opts.agencies], key="map-agency")
    cap_ids = c[1].multiselect("Capability", list(caps.capability_id), format_func=cap_name.get,
                               default=[x for x in ui.param_list("cap") if x in cap_name], key="map-cap")
    years = c[2].slider("Years (action date)", min_year, max(max_year, min_year + 1),
                        (ui.int_param("from", min_year, min_year, max_year),
                         ui.int_param("to", max_year, min_year, max_year)), key="map-years")
    competition = c[3].multiselect("Competition", list(opts.competition),
                                   default=[x for x in ui.param_list("comp") if x in opts.competition],
                                   key="map-comp")
    top = c[4].number_input("Vendors", 3, 60, ui.int_param("top", 20, 3, 60), key="map-top",
                            help="Show the largest N vendors")
ui.set_params(agency=agencies, cap=cap_ids, comp=competition, top=top if top != 20 else None,
              **{"from": years[0] if years[0] != min_year else None, "to": years[1] if years[1] != max_year else None})

flows = q.flows(years[0], years[1], agencies, cap_ids, competition)
if flows.empty:
    ui.empty("No surveillance-tagged obligations match these filters: widen the years or clear a filter.")
else:
    keep = flows.groupby("vendor_id").obligated.sum().nlargest(int(top)).index
    # One name per vendor family in every chart: a family's flows can carry several recipient names (one per
    # agency and capability row), which would split its bar and its Sankey node. The name of its largest flow.
    vendor_names = flows[flows.vendor_id.isin(keep)].drop_duplicates("vendor_id").set_index("vendor_id").vendor_name
    shown = flows[flows.vendor_id.isin(keep)].assign(vendor_name=lambda f: f.vendor_id.map(vendor_names))
    tot = q.flows_total(years[0], years[1], agencies, cap_ids, competition).iloc[0]
    st.markdown(f"**{fmt.money(tot.obligated)}** obligated by actions dated {years[0]}–{years[1]} on "
                f"**{int(tot.awards):,}** surveillance-tagged awards from **{int(tot.vendors):,}** vendors (each award once). "
                f"The largest {len(keep)} vendors are drawn.")
    rows = ui.page_url("search", agency=agencies,
                       capability=[cap_name[c] for c in (cap_ids or list(cap_name))], competition=competition)
    ui.how_computed("**Obligated by actions dated**: the obligations of actions dated in the years chosen on "
                    "surveillance-tagged awards matching the filters, each award once (`award_years`, one row per "
                    "award and year). **Not on the map**: tagged awards with no dated action, and award totals "
                    "beyond the actions held. **Flows add up to**: the drawn flows, an award under each of its "
                    "capabilities. The link opens Search with the same agencies, capabilities and competition "
                    "(Search's year facet is the award's first action year, so years are left open there).",
                    queries=[(q.flows_total, (years[0], years[1], agencies, cap_ids, competition)),
                             (q.undated_tagged, ()), (q.flows, (years[0], years[1], agencies, cap_ids, competition))],
                    figures=["obligated by actions dated", "Not on the map", "flows add up to"], rows_link=rows,
                    key="map-how")
    undated = q.undated_tagged().iloc[0]
    if undated.awards or undated.gap:
        st.caption(f"Not on the map: {int(undated.awards):,} surveillance-tagged awards "
                   f"({fmt.money(undated.obligated)}) whose records give only an award total, no dated action "
                   f"(e.g. award-summary downloads), and {fmt.money(undated.gap)} of reported award totals beyond "
                   "the actions the registry holds for the awards drawn. The Overview and Search count award "
                   "totals.")
    st.caption("In the bars, the network and the Sankey an award tagged with two capabilities is drawn under both, "
               f"so their flows add up to {fmt.money(flows.obligated.sum())}; the total above counts each award "
               "once.")

    tab_bars, tab_net, tab_sankey, tab_table = ui.url_tabs(
        ["Flows by vendor", "Network (awards with several capabilities drawn under each)",
         "Sankey: agency → capability → vendor (same)", "Flows as a table"],
        key="view")
    # Only the open tab's chart is built and drawn (`.open`): the first is markup, so a Map opened as it comes
    # loads no plotly.js (module docstring); the Sankey animates its links for about half a second after it is
    # drawn, even in a hidden tab, which kept every Map view from settling (bench/page_settle.py). The table is a
    # tab too: in an expander, Streamlit draws it (hidden) on every view, and it was the Map's only table grid.
    if tab_bars.open:
        with tab_bars:
            st.caption(f"Each bar: one of the {len(keep)} largest vendors, split by capability, over the agencies "
                       "drawn. Hover for the dollars; the Network and Sankey tabs draw the same flows.")
            bars = figures.flow_bars(shown)
            figures.show(figures.map_flows(bars, colours, key="map-bars"))
    if tab_net.open:
        with tab_net:
            st.caption(f"Labels name the {network.MAX_LABELS} largest nodes at most (where they fit without "
                       "overlapping); hover over any node for its name and obligations. Click a vendor or agency to "
                       "open its profile.")
            event = st.plotly_chart(figures.network(shown, colours), key="map-network", on_select="rerun",
                                    selection_mode="points")
        points = (event or {}).get("selection", {}).get("points", []) if event else []
        for p in points:
            kind, ident = (p.get("customdata") or [None, None])[:2]
            if kind == "vendor":
                st.switch_page("views/vendor.py", query_params={"vendor": ident})
            elif kind == "agency":
                match = q.agency_choices()
                ids = match[(match.level == "subtier") & (match.subtier_abbreviation == ident)].agency_id
                if len(ids):
                    st.switch_page("views/agency.py", query_params={"agency": ids.iloc[0]})
    if tab_sankey.open:
        with tab_sankey:
            st.plotly_chart(figures.sankey(shown, colours), key="map-sankey")
    if not tab_table.open:  # the rows the open chart draws
        ui.chart_data(bars if tab_bars.open else shown, "map_flows_drawn", key="map-drawn-chart")

    c1, c2 = st.columns(2)
    with c1:
        pick = st.selectbox("Open a vendor profile", [None, *vendor_names.index], key="map-open-vendor",
                            format_func=lambda v: "—" if v is None else vendor_names[v])
        if pick:
            st.page_link("views/vendor.py", label=f"Open {vendor_names[pick]}", query_params={"vendor": pick},
                         icon=":material/arrow_forward:")
    with c2:
        agency_ids = q.agency_choices()
        subtiers = agency_ids[agency_ids.level == "subtier"]
        for r in subtiers.itertuples():
            st.page_link("views/agency.py", label=f"Open {r.name}", query_params={"agency": r.agency_id},
                         icon=":material/account_balance:")

    if tab_table.open:
        with tab_table:
            st.caption("Every flow matching the filters (not only the largest vendors'), one row per agency, "
                       "capability and vendor.")
            table = flows.assign(source_url="https://www.usaspending.gov/search")
            ui.table(table, key="map-flows", money=["obligated"], hide=["sort_order"])
            ui.exports(table, "flows", key="map-flows-export", full=True)

st.subheader("Place of performance by state")
coverage = q.state_coverage().iloc[0]
by_state = q.obligations_by_state(years[0], years[1], agencies)
if coverage.with_state == 0:
    st.caption(f"None of the {coverage.awards:,} awards in this registry reports a place-of-performance state "
               "(the bundled sample's source file has no such column); a live crawl fills it from USAspending.")
else:
    st.caption(f"{coverage.with_state:,} of {coverage.awards:,} awards report a state. All awards, not only "
               "surveillance-tagged ones.")
ui.how_computed("Awards in the registry, each once, and how many report a place-of-performance state; the tile "
                "map sums each state's obligations by action date over the years and agencies chosen.",
                queries=[(q.state_coverage, ()), (q.obligations_by_state, (years[0], years[1], agencies))],
                figures=["awards report a state", "reports a place-of-performance state"],
                rows_link=ui.page_url("search"), key="map-states-how")
if not by_state.empty:  # an empty tile map says nothing: drawn only with data
    tiles, chart = figures.state_tiles(by_state, key="map-states")
    figures.show(chart)
    ui.chart_data(tiles, "obligations_by_state_chart", key="map-states-chart")
    states = by_state.assign(source_url="https://www.usaspending.gov/search")
    ui.exports(states, "obligations_by_state", key="map-states-export")
elif coverage.with_state:
    st.caption("No award with a state in these years or agencies.")
