"""Search awards, vendors and modification descriptions, with datasette-style facets; results open the award."""

from __future__ import annotations

import streamlit as st

from dashboard import format as fmt
from dashboard import queries as q
from dashboard import ui

FACETS = ("agency", "capability", "vendor", "year", "competition")

st.title("Search")
text = st.text_input("Search PIIDs, vendors, award and modification descriptions", value=ui.param("q", ""),
                     placeholder="e.g. license plate, facial recognition, Palantir", key="search-q").strip()

cap_ids = q.capability_ids_by_name()
cap_by_name = dict(zip(cap_ids.name, cap_ids.capability_id, strict=False))
chosen = {f: ui.param_list(f) for f in FACETS}
filters = {**chosen, "capability": [cap_by_name[c] for c in chosen["capability"] if c in cap_by_name]}

facets = q.search_facets(text, filters)
with st.sidebar:
    st.markdown("**Facets**")
    for f in FACETS:
        counts = facets[facets.facet == f].dropna(subset=["value"])
        options = list(dict.fromkeys([*chosen[f], *counts.value]))
        count_of = dict(zip(counts.value, counts.awards, strict=False))
        chosen[f] = st.multiselect(f.capitalize(), options, default=chosen[f], key=f"search-facet-{f}",
                                   format_func=lambda v, c=count_of: f"{v} ({c.get(v, 0)})")
ui.set_params(q=text, **chosen)
filters = {**chosen, "capability": [cap_by_name[c] for c in chosen["capability"] if c in cap_by_name]}

results = q.search(text, filters)
total = int(q.search_count(text, filters).n.iloc[0])
if results.empty:
    ui.empty("No award matches: try a shorter word (e.g. 'plate'), a vendor name, or clear a facet.")
    st.stop()
more = f" (showing the largest {len(results):,}: narrow with facets, or export)" if total > len(results) else ""
st.markdown(f"**{total:,} awards** match{fmt.md_text(more)}, {fmt.money(results.obligated_amount.sum())} obligated.")
shown = results.assign(award_page=[ui.page_url("award", award=p) for p in results.piid])
shown = shown[["award_page", *results.columns]].drop(columns=["piid"])
ui.table(shown, key="search-results", money=["obligated_amount"], hide=["award_key", "description"],
         pages=["award_page"])
ui.exports(results, "search_results", key="search-export", full=True)
pick = st.selectbox("Open an award", [None, *results.piid], key="search-open",
                    format_func=lambda p: "—" if p is None else p)
if pick:
    st.page_link("views/award.py", label=f"Open award {pick}", query_params={"award": pick},
                 icon=":material/arrow_forward:")
