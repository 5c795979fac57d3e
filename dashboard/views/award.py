"""Award: the lifecycle of one contract — modifications, running total, ceiling, competition, linked records."""

from __future__ import annotations

import streamlit as st

from dashboard import figures, ui
from dashboard import format as fmt
from dashboard import queries as q
from dashboard.views.common import award_links

DEFAULT = "70CTD022FR0000170"

ui.follow_url("award-id", "award")
ident = st.text_input("Award (PIID or USAspending award id)", value=ui.param("award", DEFAULT), key="award-id")
ident = (ident or "").strip()
found = q.find_awards(ident) if ident else q.find_awards(DEFAULT)
if found.empty:
    ui.set_params(award=ident)
    ui.empty(f"No award {fmt.md_text(ident)} in this registry. Find one on the Search page, or check the PIID.")
    st.stop()
if len(found) > 1:
    key = st.selectbox("Several awards share this PIID", list(found.award_key), key="award-which",
                       format_func=lambda k: f"{k} ({found.set_index('award_key').vendor_name[k]})")
else:
    key = found.award_key.iloc[0]
ui.set_params(award=ident)

a = q.award(key).iloc[0]
st.title(f"Award {a.piid}")
st.markdown(" · ".join(fmt.md_text(x) for x in (a.vendor_name, a.awarding_subagency, a.agency_component,
                                                  a.awarding_office) if fmt.val(x) is not None))
st.page_link("views/vendor.py", label=f"Vendor profile: {a.family_vendor_name}",
             query_params={"vendor": a.family_vendor_id}, icon=":material/business:")
ui.text("Description", a.description)
if fmt.val(a.capability_names):
    ui.text("Capabilities", a.capability_names)

mods = q.award_modifications(key)
c = st.columns(5)
c[0].metric("Obligated", fmt.money(a.obligated_amount))
c[1].metric("Ceiling (base + all options)", fmt.money(a.base_and_all_options))
c[2].metric("Modifications", f"{max(len(mods) - 1, 0):,}")
c[3].metric("First action", fmt.day(a.first_action_date))
c[4].metric("Performance ends", fmt.day(fmt.val(a.potential_end_date) or fmt.val(a.end_date)))
ui.how_computed("**Obligated**: the award's obligated amount (`awards.obligated_amount`: the total USAspending "
                "reports for the award, else the sum of the registry's actions); **Ceiling**: base and all "
                "options; **Modifications**: the award's actions after the first (`award_lifecycle`); the dates "
                "from the same award row.", queries=[(q.award, (key,)), (q.award_modifications, (key,))],
                figures=["Obligated", "Ceiling (base + all options)", "Modifications", "First action",
                         "Performance ends"], rows_link=ui.page_url("search", q=a.piid), key="award-how")
ui.link("Open on USAspending", a.usaspending_url)
built = dict(q.registry_meta().itertuples(index=False, name=None)).get("built_at", "unknown")[:10]
citation = (f"{a.family_vendor_name}, contract {a.piid} ({a.awarding_subagency}), "  # noqa: S608 (citation text shown to the reader, never executed)
            f"{fmt.money_exact(a.obligated_amount)} obligated. USAspending: {fmt.safe_url(a.usaspending_url) or '—'} . "
            f"Surveillance Tech Registry, build of {built}; query: "
            f"select * from awards where award_key = '{a.award_key}'")
ui.cite("Cite this", citation, key="award-cite")

# One section at a time (ui.url_tabs).
sections = ui.url_tabs(["Modifications", "Competition, in plain words", "Capability evidence", "Linked records"])
if sections[0].open:
    with sections[0]:
        if mods.empty:
            ui.empty("No transactions recorded for this award.")
        else:
            figures.show(figures.award_timeline(mods, key="award-timeline"))
            st.caption("Red bars: jumps (an action much larger than the award's total so far).")
            table = mods[["modification_number", "action_date", "obligation", "running_obligated",
                          "action_type_description", "event_basis", "description", "source_url"]]
            ui.table(table, key="award-mods", money=["obligation", "running_obligated"])
            ui.exports(table, f"award_{a.piid}_modifications", key="award-mods-export", full=True)
if sections[1].open:
    with sections[1]:
        competition = {
            "Extent competed": fmt.val(a.extent_competed_plain),
            "Why not full and open": fmt.val(a.other_than_full_and_open_plain),
            "Fair-opportunity exception": fmt.val(a.fair_opportunity_limited_sources_plain),
            "Solicitation procedure": fmt.val(a.solicitation_procedures_plain),
            "Offers received": fmt.val(a.number_of_offers),
        }
        competition = {k: (None if str(v).strip().lower() == "not reported" else v) for k, v in competition.items()}
        if all(v is None for v in competition.values()):
            st.info("Competition fields " + fmt.missing_competition_reason(a.source, a.piid), icon=":material/info:")
        else:
            for label, value in competition.items():
                ui.text(label, value if value is not None else "not reported in this record")
            ui.text("Basis", fmt.val(a.sole_source_basis) or fmt.val(a.competition_status))
        by_mod = q.award_competition_by_modification(key)
        if not by_mod.empty:
            with st.expander("Competition reported on each modification"):
                ui.table(by_mod, key="award-competition")
                ui.exports(by_mod, f"award_{a.piid}_competition", key="award-competition-export")
if sections[2].open:
    with sections[2]:
        ev = q.award_capability_evidence(key)
        if ev.empty:
            st.caption("No capability tag on this award.")
        else:
            ui.table(ev, key="award-evidence")
            ui.exports(ev, f"award_{a.piid}_capabilities", key="award-evidence-export")
if sections[3].open:
    with sections[3]:
        if q.has_view("sam_notices"):
            notices = q.sam_notices_for(a.piid)
            if not notices.empty:
                st.markdown("**SAM.gov notices naming this award** (e.g. justifications for limited competition)")
                ui.table(notices, key="award-sam")
        award_links(key)
st.caption(f"Source: {fmt.md_text(a.source_url)}")
