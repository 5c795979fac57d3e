"""Review queue: "possible" capability tags, most score x dollars first, for a person to confirm or reject.

Why here: the model is least sure between its two thresholds, and those awards are never counted in totals.
A reviewer's confirm or reject becomes an annotation with their reason in data/annotations.yaml (the only
file the dashboard writes, and only when started with `registry dashboard --review`); the next build tags or
drops the pair with that annotation as its evidence, and the next `registry model train` learns from it.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard import format as fmt
from dashboard import queries as q
from dashboard import ui
from registry.core import paths
from registry.model import annotations

PER_PAGE = 20
REVIEW_MODE = os.environ.get("REGISTRY_REVIEW") == "1"
ANNOTATIONS = Path(os.environ.get("REGISTRY_ANNOTATIONS") or paths.DATA_DIR / "annotations.yaml")

st.title("Review queue")
if flash := st.session_state.pop("rev-flash", None):
    st.success(flash)
st.markdown(
    "Awards the capability model scores between its two thresholds are **possible**: shown here and on the "
    "award page, **never counted in any total**. Confirming one writes an annotation that makes it *tagged* "
    "at the next `registry build`; rejecting one drops the tag. Most score × dollars first."
)
if not q.has_view("review_queue"):
    ui.empty("This registry has no review queue: rebuild it with the current code (`registry build`).")
    st.stop()

queue = q.review_queue()
decided = annotations.decided_pairs(ANNOTATIONS)
open_rows = queue[[(k, c) not in decided for k, c in zip(queue.award_key, queue.capability_id, strict=True)]]
pending = queue[[(k, c) in decided for k, c in zip(queue.award_key, queue.capability_id, strict=True)]]

caps = sorted(open_rows.capability_name.dropna().unique())
chosen = st.multiselect("Capability", caps, default=[c for c in ui.param_list("cap") if c in caps], key="rev-cap")
if chosen:
    open_rows = open_rows[open_rows.capability_name.isin(chosen)]
pages = max(1, -(-len(open_rows) // PER_PAGE))
page = ui.int_param("page", 1, 1, pages)
page = st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, value=page, key="rev-page")
ui.set_params(cap=chosen, page=page if page > 1 else None)
st.markdown(f"**{len(open_rows):,} possible tags** waiting for a decision"
            f"{' in the chosen capabilities' if chosen else ''}, on awards obligating "
            f"{fmt.money(open_rows.drop_duplicates('award_key').obligated.sum())} (each award counted once; "
            "none of it is in any total).")

if REVIEW_MODE:
    reviewer = st.sidebar.text_input("Reviewer (recorded with each decision)",
                                     value=os.environ.get("REGISTRY_REVIEWER", ""), key="rev-who")
    st.sidebar.caption(f"Decisions are written to `{ANNOTATIONS.name}`; the registry file is never written.")
else:
    reviewer = ""
    st.info("Read-only. To confirm or reject, start the dashboard with `registry dashboard --review`.",
            icon=":material/visibility:")

capability_ids = set(q.capabilities().capability_id)
for r in open_rows.iloc[(page - 1) * PER_PAGE: page * PER_PAGE].itertuples(index=False):
    with st.container(border=True):
        st.markdown(f"**{fmt.md_text(r.piid)}** · {fmt.md_text(r.recipient_name)} · {fmt.md_text(r.agency_label)} · "
                    f"{fmt.money(r.obligated)}")
        st.markdown(f"Possible **{fmt.md_text(r.capability_name)}**, score {r.score:.2f}. "
                    f"Evidence: {fmt.md_text(r.evidence_summary) or '—'}")
        st.page_link("views/award.py", label="Award page", query_params={"award": r.piid},
                     icon=":material/description:")
        if not REVIEW_MODE:
            continue
        with st.form(key=f"rev-{r.award_key}-{r.capability_id}", border=False):
            reason = st.text_input("Reason (what in the record shows it)", key=f"why-{r.award_key}-{r.capability_id}")
            c = st.columns(2, width=320)
            confirm = c[0].form_submit_button("Confirm", type="primary")
            reject = c[1].form_submit_button("Reject")
        if confirm or reject:
            try:
                annotations.record_decision(
                    ANNOTATIONS, award_key=r.award_key, piid=r.piid, capability=r.capability_id,
                    decision="confirm" if confirm else "reject", note=reason, reviewer=reviewer,
                    citation=r.source_url, capability_ids=capability_ids)
            except annotations.ReviewError as e:
                st.error(str(e))
            else:
                st.session_state["rev-flash"] = (
                    f"{'Confirmed' if confirm else 'Rejected'} {r.piid} / {r.capability_name}: written to "
                    f"{ANNOTATIONS.name}; it takes effect at the next `registry build`.")
                st.rerun()

# After the cards: a popover between the sentence and the cards' forms made Chromium lose the reason typed into
# the first form when Confirm was clicked (tests/test_browser_review.py), so it comes last.
ui.how_computed("**Possible tags**: rows of `review_queue` (an award and a capability the model scores between its "
                "two thresholds), less those already decided in the annotations file, in the capabilities "
                "chosen; their awards' obligations each once. The rows are the cards above.",
                queries=[(q.review_queue, ())], figures=["possible tags"], key="review-how")

if not pending.empty:
    st.subheader("Decided, waiting for the next build")
    ui.table(pending.assign(decision=[decided[(k, c)]["action"] for k, c in zip(pending.award_key,
                                                                                pending.capability_id,
                                                                                strict=True)])
             [["piid", "recipient_name", "capability_name", "decision", "obligated", "source_url"]],
             key="rev-pending", money=["obligated"])
