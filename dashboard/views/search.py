"""Search awards, vendors and modification descriptions, with datasette-style facets; results open the award."""

from __future__ import annotations

import streamlit as st

from dashboard import format as fmt
from dashboard import queries as q
from dashboard import ui

FACETS = ("agency", "capability", "vendor", "year", "competition")

st.title("Search")
ui.follow_url("search-q", "q")
text = st.text_input("Search awards: words, \"exact phrases\", vendors and their brands, systems, PIIDs",
                     value=ui.param("q", ""), key="search-q",
                     placeholder="e.g. ImmigrationOS, \"license plate reader\", social-media, Lexis, 70CTD022FR0000170",
                     help="Full-text search ranked by relevance over award and modification descriptions, vendor "
                          "names, aliases and parents, products, named systems and their aliases, PIIDs and award "
                          "ids. Quote a phrase for the words in order; a hyphen joins words into a phrase. With no "
                          "exact match, one spelling slip per word is allowed.").strip()

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

summary = q.search_summary(text, filters).iloc[0]
total = int(summary.n)
if total == 0:
    ui.empty("No award matches: try a shorter word (e.g. 'plate'), a vendor name, or clear a facet.")
    st.stop()
pages = max(1, -(-total // q.SEARCH_PAGE_SIZE))
page_no = ui.int_param("page", 1, 1, pages)
st.markdown(f"**{total:,} award{'s** match' if total != 1 else '** matches'}, **{fmt.money(summary.obligated)}** "
            "obligated in all "
            f"(every match, each award once).")
ui.how_computed("Every award matching the text and the facets, each once: how many, and the sum of their "
                "obligated amounts (`awards.obligated_amount`), never only the page of rows shown. With text, the "
                "full-text index's ranked hits are the first two parameters. The rows: the table below, and the "
                "CSV/Parquet downloads hold every match.", queries=[(q.search_summary, (text, filters))],
                figures=["obligated in all"], key="search-how",
                rows_link=ui.page_url("search", q=text, **{k: v for k, v in chosen.items() if v}))
hits = q.fulltext_hits(text) if text else None
if hits is not None and hits[2]:
    st.caption(f"No award has these exact words: showing close spellings of {fmt.md_text(text)}.")
elif text and hits is None:
    st.caption("This registry has no full-text index (rebuild it with `registry build`): matching the text "
               "literally, largest awards first.")
elif text:
    st.caption("Most relevant first (full-text ranking); synonyms from data/search_synonyms.yaml included.")
if pages > 1:
    page_no = int(st.number_input(f"Page (of {pages:,}; {q.SEARCH_PAGE_SIZE:,} awards a page, largest first)",
                                  1, pages, page_no, key="search-page"))
ui.set_params(page=page_no if page_no > 1 else None)
results = q.search(text, filters, page=page_no)
first = (page_no - 1) * q.SEARCH_PAGE_SIZE + 1
st.caption(f"Showing awards {first:,}–{first + len(results) - 1:,} of {total:,}. The downloads hold every "
           f"match ({total:,}).")
if text and page_no == 1 and not results.empty:
    best = results.iloc[0]
    st.markdown(f"Best match: [{fmt.md_text(best.piid)}]({ui.page_url('award', award=best.piid)}) · "
                f"{fmt.md_text(best.vendor)} · {fmt.money(best.obligated_amount)} · "
                f"{fmt.md_text(str(best.description or '')[:140])}")
shown = results.assign(award_page=[ui.page_url("award", award=p) for p in results.piid])
shown = shown[["award_page", *results.columns]].drop(columns=["piid"])
ui.table(shown, key="search-results", money=["obligated_amount"], hide=["award_key", "description", "relevance"],
         pages=["award_page"])
ui.streamed_exports(lambda: q.search_export(text, filters), "search_results", key="search-export", rows=total)
pick = st.selectbox("Open an award", [None, *results.piid], key="search-open",
                    format_func=lambda p: "—" if p is None else p)
if pick:
    st.page_link("views/award.py", label=f"Open award {pick}", query_params={"award": pick},
                 icon=":material/arrow_forward:")
