"""Overview: headline totals, top vendors and agencies, capability mix, obligations over time, freshness."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from dashboard import format as fmt
from dashboard import queries as q
from dashboard import ui

st.title("Surveillance Tech Registry")
st.caption("Who sells surveillance and data-analytics technology to which US agencies, for how much, since when, "
           "and on what terms. Every number links to its public record.")

scope = st.segmented_control("Obligations counted", ["Surveillance-tagged awards", "All awards"],
                             default="All awards" if ui.param("scope") == "all" else "Surveillance-tagged awards",
                             key="overview-scope")
surveillance_only = scope != "All awards"
ui.set_params(scope="all" if not surveillance_only else None)

t = q.totals().iloc[0]
c = st.columns(5)
c[0].metric("Awards", f"{t.awards:,}")
c[1].metric("Modifications & actions", f"{t.transactions:,}")
c[2].metric("Vendors", f"{t.vendors:,}")
c[3].metric("Obligated (all awards)", fmt.money(t.obligated))
c[4].metric(f"Surveillance-tagged ({t.surveillance_awards:,} awards)", fmt.money(t.surveillance_obligated))
st.caption(f"Actions from {fmt.day(t.first_action)} to {fmt.day(t.last_action)}.")

caps = q.capabilities()
colours = fmt.capability_colours(caps)

left, right = st.columns(2)
with left:
    st.subheader("Top vendors")
    vendors = q.top_vendors(10, surveillance_only)
    if vendors.empty:
        ui.empty("No vendor has obligations here yet: build the registry (`make registry`).")
    else:
        fig = px.bar(vendors.iloc[::-1], x="obligated", y="vendor_name", orientation="h",
                     color="on_watchlist", color_discrete_map={True: "#d62728", False: "#1f77b4"},
                     labels={"obligated": "Obligated ($)", "vendor_name": "", "on_watchlist": "On watchlist"})
        fig.update_layout(height=360, margin=dict(l=0, r=0, t=10, b=0), yaxis=dict(categoryorder="total ascending"),
                          legend=dict(orientation="h", y=-0.2))
        st.plotly_chart(fig, key="overview-vendors")
        ui.table(vendors, key="overview-vendors-table", money=["obligated"], hide=["vendor_id"])
        ui.exports(vendors, "top_vendors", key="overview-vendors-export")
with right:
    st.subheader("Top agencies")
    agencies = q.top_agencies(surveillance_only)
    subtiers = agencies[agencies.level == "subtier"]
    fig = px.bar(agencies[agencies.level == "component"].sort_values("obligated"), x="obligated", y="agency",
                 orientation="h", labels={"obligated": "Obligated ($)", "agency": ""})
    fig.update_layout(height=360, margin=dict(l=0, r=0, t=10, b=0))
    st.plotly_chart(fig, key="overview-agencies")
    shown = agencies.assign(source_url="https://www.usaspending.gov/search")
    ui.table(shown, key="overview-agencies-table", money=["obligated"], hide=["agency_id"])
    ui.exports(shown, "top_agencies", key="overview-agencies-export")
    st.caption(" · ".join(f"{r.subtier_abbreviation}: {fmt.money(r.obligated)}" for r in subtiers.itertuples()))

st.subheader("Capability mix")
mix = q.capability_mix()
fig = px.bar(mix, x="name", y="obligated_amount", color="name", color_discrete_map=colours,
             hover_data=["award_count", "vendor_count"], labels={"obligated_amount": "Obligated ($)", "name": ""})
fig.update_layout(showlegend=False, height=380, margin=dict(l=0, r=0, t=10, b=0))
st.plotly_chart(fig, key="overview-capabilities")
st.caption("An award tagged with two capabilities counts under both. See Methods & sources for how tags are made.")

st.subheader("Obligations over time")
ui.obligations_chart(q.obligations_by_month(), key="overview-monthly")

left, right = st.columns(2)
with left:
    st.subheader("Data freshness")
    fresh = q.freshness()
    if fresh.empty:
        ui.empty("No crawl recorded yet: run `make crawl` (live) or `make registry` (sample).")
    else:
        st.dataframe(fresh, hide_index=True, key="overview-freshness")
with right:
    st.subheader("What's new since the last crawl")
    counts = q.new_action_count().iloc[0]
    if counts.sources_with_earlier_crawl == 0:
        st.caption("Only one crawl per source so far, so everything is new: these are its latest actions.")
    else:
        st.caption(f"{counts.new_actions:,} actions first fetched by the latest crawl.")
    new = q.whats_new(15)
    ui.table(new, key="overview-new", money=["obligation"], hide=["award_key"], height=320)
    ui.exports(new, "whats_new", key="overview-new-export")
