"""Methods & sources: where the data comes from, crawl health, a glossary of every public column, the taxonomy,
matching and tagging, limits."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from dashboard import format as fmt
from dashboard import queries as q
from dashboard import ui

PUBLIC_VIEWS = ("awards", "transactions", "vendors", "vendor_matches", "agencies", "capabilities",
                "award_capabilities", "award_lifecycle", "competition", "edges", "monthly_obligations",
                "vendor_summary", "agency_summary", "capability_summary", "watchlist", "rejects", "crawl_runs",
                "sam_notices", "fpds_actions", "lobbying_filings", "links", "systems", "ai_use_cases",
                "privacy_notices")
MODEL_DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"

st.title("Methods & sources")
st.markdown("""
**Sources.** Federal contract awards and every modification come from USAspending (API v2, or its download and
search files), which republishes FPDS. Optional sources add SAM.gov contract notices (justifications for limited
competition), FPDS actions, lobbying disclosures (LDA) and the federal AI use-case inventories. Every row keeps
the URL it was fetched from (`source_url`), the time and a hash of the raw payload.

**Method.** Spiders fetch; a validating pipeline writes typed rows (and rejects with their reason) to a staging
DuckDB; `registry build` resolves vendors (exact names, then curated overrides with citations), maps offices to
agency components, decodes competition fields into plain words, scores capabilities (rules over descriptions,
vendor and product gazetteers, product codes, a trained text model, AI-inventory entries, hand annotations with
citations) and swaps the new `registry.duckdb` in atomically. This dashboard only reads it.

**What is counted.** A capability is *tagged* when its score reaches the tagging threshold and *possible* when it
lies between the two thresholds: possible tags are shown (and queued for review) but **never counted**. A tag's
role is *purpose* (the technology is what the award buys) or *component* (one part of a larger buy, such as
cameras in a border-wall project): every surveillance total counts tagged purpose tags only.
""")

# One section at a time (ui.url_tabs).
sections = ui.url_tabs(["Crawls and counts", "Column glossary", "Capability taxonomy", "Matching and tagging",
                        "How totals and agencies are counted", "Known limits"])
if sections[0].open:
    with sections[0]:
        st.markdown("**Crawls**")
        runs = q.crawl_runs()
        if runs.empty:
            ui.empty("No crawl recorded: run `make crawl` (live) or `make registry` (sample).")
        else:
            ui.table(runs, key="methods-runs")
            bad = runs[runs.items_fetched != runs.items_loaded + runs.items_rejected]
            st.caption("Counts reconcile (fetched = loaded + rejected) for every run." if bad.empty
                       else f"{len(bad)} runs do not reconcile: see their error column.")
        rejects = q.rejects_by_reason()
        st.markdown(f"**Rejected records:** {int(rejects.records.sum()) if not rejects.empty else 0:,}")
        if not rejects.empty:
            ui.table(rejects, key="methods-rejects")
        st.markdown("**What the registry holds**")
        ui.table(q.view_counts(PUBLIC_VIEWS), key="methods-views")
if sections[1].open:
    with sections[1]:
        glossary = q.column_glossary()
        if glossary.empty:
            ui.empty("This registry holds no public views yet: run `registry build`.")
        else:
            names = list(dict.fromkeys(glossary["view"]))
            view = st.selectbox("View", names, index=names.index("awards") if "awards" in names else 0,
                                key="methods-glossary-view")
            rows = glossary[glossary["view"] == view]
            st.markdown(f"**{fmt.md_text(view)}**: {fmt.md_text(rows['about'].iloc[0]) or 'no description in this registry.'}")
            ui.table(rows[["column", "type", "meaning"]].fillna({"meaning": "—"}), key="methods-glossary",
                     page_rows=None)
            st.caption("Read from the registry's own column descriptions (COMMENT ON), which the build writes from each "
                       "source's schema.yaml and its view SQL; docs/views.md is rendered from the same text. Query any "
                       "view with `registry sql`.")
if sections[2].open:
    with sections[2]:
        caps = q.capabilities()
        for r in caps.itertuples():
            with st.expander(r.name):
                st.markdown(fmt.md_text(r.definition))
                for ref in list(r.references if r.references is not None else []):
                    ui.link(ref, ref)
if sections[3].open:
    with sections[3]:
        st.markdown("**How matching and tagging work**")
        c = st.columns(2)
        c[0].markdown("**Recipient → vendor matches by method**")
        c[0].dataframe(q.match_methods(), hide_index=True, key="methods-matches")
        c[1].markdown("**Capability tags by method**")
        c[1].dataframe(q.tag_methods(), hide_index=True, key="methods-tags")
        st.markdown("**Precision and recall of capability tagging**")
        text = MODEL_DOC.read_text(encoding="utf-8") if MODEL_DOC.exists() else ""
        section = re.search(r"<!-- figures:heldout -->\n(.*?)<!-- /figures:heldout -->", text, re.S)
        if section:
            st.markdown("Held-out labelled awards (never used to write the rules or train the model). An award counts as "
                        "found when it has a tagged purpose capability; dollars weight awards by obligations; 95% intervals.")
            st.markdown(section.group(1))
            st.caption("From docs/model.md (`registry model evaluate`; checked by tests/test_model_capabilities.py).")
        else:
            st.caption("No measured figures found (docs/model.md).")
if sections[4].open:
    with sections[4]:
        st.markdown("""
- **Each award once.** Every total called "obligated" sums each award's obligated amount once. A chart that
  shows an award under each of its capabilities says so in its title, and its bars add up to more.
- **Surveillance-tagged** awards have at least one counted capability tag (`COUNTED_TAGS` in
  `dashboard/queries.py`, one fragment every page uses).
- **Agencies** are the awarding subtier (ICE, CBP, ...). A component is the whole subtier for the FBI, DEA, USMS
  and ATF (`subtier`); otherwise a component (HSI, ERO, M&A, Border Patrol, ...) is named by the first of these
  that names exactly one (`awards.component_basis`, with the words in `component_rule`):
  `funding_office`, the funding office's name (whose program pays: the best answer to "which component bought
  it"), the record's or else FPDS's, and only an office of the awarding subtier; `office`, the awarding office's
  name; `description`, the award's own description naming the component; `program`, the description naming a
  program only that component runs, as a cited public page states (`data/component_programs.yaml`: alternatives
  to detention for ERO, SEVIS for HSI, Integrated Fixed Towers for the Border Patrol, the border wall for CBP's
  facilities office, ...), unless words listed with it say the text is about something else;
  `piid_office`, the office code that opens the PIID (`data/contracting_offices.yaml`).
  Nothing is guessed: an office that buys for several components (mission support, IT, "DHS CLOSEOUT INITIATIVE")
  names none, and such awards show as "component not identified". The Overview's Top agencies caption, and each
  component's Agency page, count the awards each rule decided. When a training or firearms office pays for a directorate's ammunition, the component
  is the office that paid; the description, shown with the award, names who uses it.
- **Contracting offices** (`awards.agency_office`): the office that signed the award, from the record's
  awarding office, else from the office code that opens a DHS PIID. Many offices buy for several components
  (CBP's Border Enforcement division for the Border Patrol and Field Operations), so an office names a
  component only when its own name does; the Overview shows offices as their own view ("Contracting offices").
""")
if sections[5].open:
    with sections[5]:
        st.markdown("""
- Contracts only: grants, other transactions and purchases below the reporting threshold are not in FPDS.
- Descriptions are short and written by contracting officers; a capability missing from the text is missed.
  Tags are evidence, not proof: each shows the matched text or rule.
- Amounts are obligations (money committed), not outlays; de-obligations appear as negative actions.
- Place of performance and competition fields are empty where the source gave none; nothing is filled in.
- Vendor families follow recorded parents and curated overrides with citations; subsidiaries with different
  names and no UEI link may appear separately.
""")
