"""Agency profile: subtiers, components and offices, vendors, capabilities, spending over time, competition."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, ui
from dashboard import format as fmt
from dashboard import queries as q

choices = q.agency_choices()
if choices.empty:
    ui.empty("No agencies in this registry yet: build it with `make registry` or `make crawl`.")
    st.stop()
labels = {r.agency_id: (r.name if r.level == "subtier" else f"{r.subtier_abbreviation} · {r.name}")
          for r in choices.itertuples()}
ids = list(choices.agency_id)
wanted = ui.param("agency")
ui.follow_url("agency-pick", "agency")
agency_id = st.selectbox("Agency", ids, index=ids.index(wanted) if wanted in ids else 0, format_func=labels.get,
                         key="agency-pick")
ui.set_params(agency=agency_id)
row = choices[choices.agency_id == agency_id].iloc[0]
st.title(row["name"])

comp = q.agency_competition(agency_id)
reported = comp[comp.competition_status.isin(["competed", "not competed"])].awards.sum()
sole = comp[comp.competition_status == "not competed"].awards.sum()
c = st.columns(3)
c[0].metric("Awards", f"{int(row.award_count):,}")
c[1].metric("Obligated", fmt.money(row.obligated_amount))
c[2].metric("Sole-source share", fmt.pct(sole / reported) if reported else "not reported",
            help="Share of awards reporting competition that were not competed. "
                 + ("" if reported else "No award here reports competition: " + fmt.NO_COMPETITION_HINT))

rows = (ui.page_url("search", agency=row.subtier_abbreviation) if row.level == "subtier" and row.subtier_abbreviation
        else None)
ui.how_computed("**Awards** and **Obligated**: this agency's awards, each once, and the sum of their obligated "
                "amounts (`agency_summary`, built from `awards` by awarding subtier or attributed component). "
                "**Sole-source share**: awards `not competed` over awards reporting competition."
                + ("" if rows else " Search has no component facet: the rows are in the tables below (CSV)."),
                queries=[(q.agency_choices, ()), (q.agency_competition, (agency_id,))],
                figures=["Awards", "Obligated", "Sole-source share"], rows_link=rows, key="agency-how")

# Below the headline figures, one section at a time (ui.url_tabs): only the open section's queries run.
sections = ui.url_tabs(["Vendors", "Spending over time", "Capabilities", "Subtiers, components and offices",
                        "Competition"])
if sections[0].open:
    with sections[0]:
        vendors = q.agency_vendors(agency_id).assign(source_url="https://www.usaspending.gov/search")
        ui.table(vendors, key="agency-vendors", money=["obligated"], hide=["vendor_id"])
        ui.exports(vendors, f"vendors_{agency_id}", key="agency-vendors-export", full=True)
        pick = st.selectbox("Open a vendor profile", [None, *vendors.vendor_id], key="agency-open-vendor",
                            format_func=lambda v: "—" if v is None else
                            vendors.set_index("vendor_id").vendor_name[v])
        if pick:
            st.page_link("views/vendor.py", label="Open vendor profile", query_params={"vendor": pick},
                         icon=":material/arrow_forward:")
if sections[1].open:
    with sections[1]:
        agency_monthly = q.agency_monthly(agency_id)
        ui.obligations_chart(agency_monthly, key="agency-monthly")
        ui.chart_data(agency_monthly, f"monthly_{agency_id}", key="agency-monthly-chart")
if sections[2].open:
    with sections[2]:
        st.caption("An award with several capabilities counts under each.")
        caps = q.agency_capabilities(agency_id)
        if caps.empty:
            ui.empty("No capability tags on this agency's awards.")
        else:
            colours = fmt.capability_colours(q.capabilities())
            figures.show(figures.agency_capabilities(caps, colours, key="agency-capabilities"))
            ui.chart_data(caps, f"capabilities_{agency_id}", key="agency-capabilities-chart")
if sections[3].open:
    with sections[3]:
        offices = q.agency_offices(agency_id).assign(source_url="https://www.usaspending.gov/search")
        if row.level == "component":
            # which rule attributed this component's awards (registry/model/agencies.py), in the order the build
            # tries them
            by_rule = offices.groupby("attributed_by").awards.sum()
            st.caption("Attributed to this component by " + "; ".join(
                f"{q.COMPONENT_RULES.get(rule, rule)} ({int(by_rule[rule]):,} awards)"
                for rule in [*q.COMPONENT_RULES, *sorted(set(by_rule.index) - set(q.COMPONENT_RULES))]
                if rule in by_rule)
                + ". An award is counted under a component only when its funding office, awarding office, "
                "description or PIID office code names that one component (see Methods & sources).")
            ui.how_computed("Per rule (`awards.component_basis`), this component's awards that the rule attributed, "
                            "each once: the sum of the **awards** column below by **attributed by**; the rows are "
                            "in the table below (CSV).", queries=[(q.agency_offices, (agency_id,))],
                            figures=["Attributed to this component by"], key="agency-attributed-how")
        ui.table(offices, key="agency-offices", money=["obligated"])
        ui.exports(offices, f"offices_{agency_id}", key="agency-offices-export")
if sections[4].open:
    with sections[4]:
        ui.table(comp.assign(source_url="https://www.usaspending.gov/search"), key="agency-competition",
                 money=["obligated"])
