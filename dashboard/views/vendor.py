"""Vendor profile: family and matching, agencies, capabilities with evidence, awards, money over time."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, ui
from dashboard import format as fmt
from dashboard import queries as q
from dashboard.views.common import vendor_links

choices = q.vendor_choices()
if choices.empty:
    ui.empty("No vendors in this registry yet: build it with `make registry` or `make crawl`.")
    st.stop()
names = dict(zip(choices.vendor_id, choices.vendor_name, strict=False))
watch = set(choices[choices.on_watchlist].vendor_id)
wanted = ui.param("vendor")
default = wanted if wanted in names else ("v:palantir" if "v:palantir" in names else choices.vendor_id.iloc[0])
ui.follow_url("vendor-pick", "vendor")
vendor_id = st.selectbox("Vendor", list(choices.vendor_id), index=list(choices.vendor_id).index(default),
                         format_func=lambda v: names[v] + ("  ★ watchlist" if v in watch else ""), key="vendor-pick")
ui.set_params(vendor=vendor_id)

v = q.vendor(vendor_id).iloc[0]
st.title(names[vendor_id])
if v.on_watchlist:
    st.markdown(f"On the project's surveillance-vendor watchlist as **{fmt.md_text(v.watchlist_name)}**.")
    ui.link("Watchlist citation", v.watchlist_citation)
if fmt.safe_url(v.website):
    ui.link("Vendor website", v.website)

awards = q.vendor_awards(vendor_id)
reported = awards.competition_status.isin(["competed", "not competed"]).sum()
sole = (awards.competition_status == "not competed").sum()
tagged = q.vendor_tagged_total(vendor_id).iloc[0]
# Two rows: in five columns at 1440 px "not reported" and the active months were cut ("not repor…").
c = [*st.columns(3), *st.columns(3)[:2]]
c[0].metric("Awards", f"{int(tagged.all_awards):,}")
c[1].metric("Obligated", fmt.money(tagged.all_obligated))
c[2].metric("Surveillance-tagged", fmt.money(tagged.obligated), delta=f"{int(tagged.awards):,} awards",
            delta_color="off",
            help="Obligations of this vendor family's awards with a counted capability tag, each award once.")
c[3].metric("Sole-source share", fmt.pct(sole / reported) if reported else "not reported",
            help="Share of awards reporting competition that were not competed. "
                 + ("" if reported else "No award here reports competition: " + fmt.NO_COMPETITION_HINT))
c[4].metric("Active", f"{fmt.day(v.first_award_date)[:7]} → {fmt.day(v.last_action_date)[:7]}")

ui.how_computed(f"Awards of the vendor family **{fmt.md_text(names[vendor_id])}** (parent and subsidiaries), each "
                "once; surveillance-tagged ones have a counted capability tag. **Sole-source share**: awards "
                "`not competed` over awards reporting competition (`competed` or `not competed`), from the awards "
                "list; **Active**: first award to last action.", q.VENDOR_TOTALS_SQL,
                params=[vendor_id, vendor_id], queries=[(q.vendor_awards, (vendor_id,)), (q.vendor, (vendor_id,))],
                figures=["Awards", "Obligated", "Surveillance-tagged", "Sole-source share", "Active"],
                rows_link=ui.page_url("search", vendor=names[vendor_id]), key="vendor-how")
# Only the open tab runs (ui.url_tabs, ?tab=): the other six tabs' tables and chart were built, sent and drawn
# hidden on every view of the page.
tabs = ui.url_tabs(["Awards", "Money over time", "Agencies", "Capabilities & evidence", "Family & matching",
                    "Largest modifications", "Linked records"], key="tab")
if tabs[0].open:
    with tabs[0]:
        ui.table(awards, key="vendor-awards", money=["obligated_amount", "base_and_all_options"], hide=["award_key"])
        ui.exports(awards, f"awards_{vendor_id}", key="vendor-awards-export", full=True)
        pick = st.selectbox("Open an award", [None, *awards.piid], key="vendor-open-award")
        if pick:
            st.page_link("views/award.py", label=f"Award {pick}", query_params={"award": pick},
                         icon=":material/arrow_forward:")
if tabs[1].open:
    with tabs[1]:
        monthly = q.vendor_monthly(vendor_id)
        if monthly.empty:
            ui.empty("No dated actions for this vendor.")
        else:
            figures.show(figures.vendor_monthly(monthly, key="vendor-monthly"))
            ui.chart_data(monthly, f"monthly_{vendor_id}", key="vendor-monthly-chart")
if tabs[2].open:
    with tabs[2]:
        ag = q.vendor_agencies(vendor_id)
        ui.table(ag, key="vendor-agencies", money=["obligated"])
        ui.exports(ag, f"agencies_{vendor_id}", key="vendor-agencies-export")
if tabs[3].open:
    with tabs[3]:
        ev = q.vendor_capabilities(vendor_id)
        if ev.empty:
            ui.empty("No capability tags on this vendor's awards: see Methods & sources for how tagging works.")
        else:
            ui.table(ev, key="vendor-capabilities", hide=["award_key"])
            ui.exports(ev, f"capabilities_{vendor_id}", key="vendor-capabilities-export")
if tabs[4].open:
    with tabs[4]:
        fam = q.vendor_family(vendor_id).assign(source_url=lambda d: d.parent_evidence)
        st.markdown("**Parent and children** (how each was linked)")
        ui.table(fam, key="vendor-family")
        matches = q.vendor_matches(vendor_id)
        st.markdown("**Recipient names in the records matched to this vendor**")
        ui.table(matches, key="vendor-matches")
        ui.exports(matches.assign(source_url=None), f"matches_{vendor_id}", key="vendor-matches-export")
if tabs[5].open:
    with tabs[5]:
        mods = q.largest_modifications(vendor_id)
        ui.table(mods, key="vendor-mods", money=["obligation", "running_obligated"], hide=["award_key"])
        ui.exports(mods, f"largest_modifications_{vendor_id}", key="vendor-mods-export")
if tabs[6].open:
    with tabs[6]:
        vendor_links(vendor_id, names[vendor_id].split(",")[0])
        if q.has_view("lobbying_quarters"):
            lob = q.vendor_lobbying(vendor_id)
            if not lob.empty:
                st.markdown("**Lobbying reported (LDA)**")
                ui.table(lob, key="vendor-lobbying")
