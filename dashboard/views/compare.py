"""Compare vendors: two to four vendor families side by side, optionally at chosen agencies only."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, ui
from dashboard import format as fmt
from dashboard import queries as q

st.title("Compare vendors")
st.caption("Pick two to four vendors, e.g. Palantir vs Babel Street vs Clearview at DHS.")

choices = q.vendor_choices()
names = dict(zip(choices.vendor_id, choices.vendor_name, strict=False))
preset = [v for v in ("v:palantir", "v:babel-street", "v:clearview-ai") if v in names]
wanted = [v for v in ui.param_list("v") if v in names][:4] or preset or list(choices.vendor_id[:2])
opts = q.filter_options().iloc[0]

c = st.columns([3, 2])
ui.follow_url("compare-vendors", "v")
picked = c[0].multiselect("Vendors (2–4)", list(choices.vendor_id), default=wanted, max_selections=4,
                          format_func=names.get, key="compare-vendors")
agencies = c[1].multiselect("At agencies (all when empty)", list(opts.agencies),
                            default=[a for a in ui.param_list("agency") if a in opts.agencies], key="compare-agency")
ui.set_params(v=picked, agency=agencies)

if len(picked) < 2:
    ui.empty("Choose at least two vendors to compare.")
    st.stop()

summary = q.compare_summary(picked, agencies)
if summary.empty:
    ui.empty("None of these vendors has awards at the chosen agencies: clear the agency filter.")
    st.stop()

cols = st.columns(len(summary))
for col, r in zip(cols, summary.itertuples(), strict=False):
    with col.container(border=True):
        st.markdown(f"**{fmt.md_text(r.vendor_name)}**")
        st.metric("Obligated", fmt.money(r.obligated))
        reported = r.awards - r.competition_not_reported
        share = fmt.pct(r.sole_source_awards / reported) if reported else "not reported (see Methods & sources)"
        st.markdown(f"**{r.awards:,}** awards · average **{fmt.money(r.average_award)}** · largest "
                    f"**{fmt.money(r.largest_award)}**  \nSole-source share: **{share}**")
        st.caption(f"Agencies: {fmt.md_text(r.agencies)} · {fmt.day(r.first_action)} → {fmt.day(r.last_action)}")

ui.how_computed("Per vendor family (parent and subsidiaries), at the agencies chosen (all when none): its awards, "
                "each once, the sum, average and largest of their obligated amounts, and the sole-source share "
                "(awards not competed over awards reporting competition).",
                queries=[(q.compare_summary, (picked, agencies))],
                figures=["Obligated", "awards · average", "Sole-source share"],
                rows_link=ui.page_url("search", vendor=[names[v] for v in picked], agency=agencies),
                key="compare-how")

st.subheader("Obligations by fiscal year")
by_year = q.compare_by_year(picked, agencies)
figures.show(figures.compare_years(by_year, key="compare-years"))
ui.chart_data(by_year, "compare_by_year", key="compare-years-chart")

# One section at a time (ui.url_tabs).
sections = ui.url_tabs(["Side by side", "Capabilities", "Largest awards"])
if sections[0].open:
    with sections[0]:
        table = summary.assign(source_url="https://www.usaspending.gov/search")
        ui.table(table, key="compare-summary", money=["obligated", "average_award", "largest_award"])
        ui.exports(table, "compare_vendors", key="compare-summary-export", full=True)
if sections[1].open:
    with sections[1]:
        st.caption("An award with several capabilities counts under each.")
        caps = q.compare_capabilities(picked, agencies)
        if caps.empty:
            ui.empty("No capability tags on these vendors' awards.")
        else:
            colours = fmt.capability_colours(q.capabilities())
            figures.show(figures.compare_capabilities(caps, colours, key="compare-capabilities"))
            ui.chart_data(caps, "compare_capabilities", key="compare-capabilities-chart")
if sections[2].open:
    with sections[2]:
        largest = q.compare_largest(picked, agencies)
        ui.table(largest, key="compare-largest", money=["obligated_amount"], hide=["award_key"])
        ui.exports(largest, "compare_largest_awards", key="compare-largest-export")
