"""Records other sources link to an award or a vendor, shown when the build has those views.

Why optional: the SAM.gov, AI-inventory, Federal Register and systems steps add `links`, `timeline`,
`systems`, `ai_use_cases` and `privacy_notices` only when their sources were loaded; a registry without
them must still render, saying there is nothing linked.
"""

from __future__ import annotations

import streamlit as st

from dashboard import queries as q
from dashboard import ui

NO_LINKS = ("No linked records (justification notices, privacy documents, systems, AI use cases) in this "
            "registry for this entry.")


def award_links(award_key: str) -> None:
    """Systems, dated linked records and raw links for an award."""
    shown = False
    systems = q.award_systems(award_key)
    if not systems.empty:
        shown = True
        st.markdown("**Named systems this award funds**")
        ui.table(systems, key="award-systems")
    timeline = q.award_linked_timeline(award_key)
    if not timeline.empty:
        shown = True
        st.markdown("**Linked records, by date** (notices, AI inventory entries, privacy documents, lobbying)")
        ui.table(timeline, key="award-timeline-links", money=["amount"])
        ui.exports(timeline, f"linked_{award_key}", key="award-timeline-links-export")
    shown = _raw_links(award_key, "award") or shown
    if not shown:
        st.caption(NO_LINKS)


def _raw_links(entity_id: str, kind: str) -> bool:
    """Every link to an award or vendor with how it was made, folded away; True when there was any."""
    links = q.links_to(entity_id, kind)
    if links.empty:
        return False
    with st.expander(f"All {len(links)} links to this {kind} and how each was made"):
        ui.table(links, key=f"{kind}-links-raw")
    return True


def vendor_links(vendor_id: str, name: str) -> None:
    """Systems, AI use cases and raw links for a vendor."""
    shown = False
    systems = q.vendor_systems(vendor_id)
    if not systems.empty:
        shown = True
        st.markdown("**Named systems the vendor builds or runs**")
        ui.table(systems, key="vendor-systems", money=["modification_obligations"])
    ai = q.vendor_ai_use_cases(vendor_id, name)
    st.markdown("**AI use cases naming the vendor**")
    if ai.empty:
        st.caption("None in this registry (shown when the federal AI use-case inventories are loaded).")
    else:
        shown = True
        ui.table(ai, key="vendor-ai")
        ui.exports(ai, f"ai_use_cases_{vendor_id}", key="vendor-ai-export")
    shown = _raw_links(vendor_id, "vendor") or shown
    if not shown:
        st.caption(NO_LINKS)
