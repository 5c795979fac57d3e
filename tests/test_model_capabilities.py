"""Capability tags: the ImmigrationOS order's tags with their evidence, and the classifier's measured quality."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest

from registry.model.evaluate import load_labels, markdown_table, measure
from tests.conftest import ROOT
from tests.model_support import build_registry

PIID = "70CTD022FR0000170"
LABELS = ROOT / "tests" / "labels" / "capability_labels.csv"
HELDOUT = ROOT / "tests" / "labels" / "capability_labels_heldout.csv"
DOCS = ROOT / "README.md"


@pytest.fixture(scope="module")
def con(sample_registry):
    c = duckdb.connect(str(sample_registry), read_only=True)
    yield c
    c.close()


def _evidence(con, capability: str) -> list[tuple]:
    return con.execute(
        "SELECT c.method, c.rule_id, c.field, c.modification_number, c.matched_text, c.source_url, c.confidence, "
        "coalesce(t.description, a.description) FROM award_capabilities c JOIN awards a USING (award_key) "
        "LEFT JOIN transactions t ON t.award_key = c.award_key AND t.modification_number = c.modification_number "
        "WHERE c.piid = ? AND c.capability_id = ?",
        [PIID, capability]).fetchall()


@pytest.mark.parametrize("capability", ["analytics_case_management", "risk_scoring_targeting"])
def test_immigrationos_order_is_tagged_from_its_own_descriptions(con, capability):
    rows = _evidence(con, capability)
    assert rows, f"{PIID} not tagged {capability}"
    for method, rule_id, field, _mod, matched, url, conf, description in rows:
        if method == "ai_inventory":  # inventory evidence is checked in test_model_ai_inventory.py
            continue
        assert method in ("rule", "vendor") and rule_id  # a description rule or a product name
        assert field in ("description", "modification_description")
        assert matched and matched.upper() in description.upper()  # the words are really in that modification
        assert url.startswith("https://") and 0 < conf <= 1


def test_immigrationos_evidence_names_the_words(con):
    analytics = {r[4] for r in _evidence(con, "analytics_case_management")}
    targeting = {r[4] for r in _evidence(con, "risk_scoring_targeting")}
    assert "INVESTIGATIVE CASE MANAGEMENT" in analytics
    assert "TARGET ANALYSIS" in targeting or "TARGETING" in targeting
    names = con.execute("SELECT capability_names FROM awards WHERE piid = ?", [PIID]).fetchone()[0]
    assert "Data analytics & case management platforms" in names
    assert "Risk scoring, targeting & predictive analytics" in names


def test_annotation_wins_over_rules(con):
    ann = con.execute("SELECT award_key, capability_id, action, applied, citation FROM capability_annotations"
                      ).fetchall()
    assert ann and all(a[3] and a[4].startswith("https://") for a in ann)
    for key, cap, action, _, _ in ann:
        tagged = con.execute("SELECT count(*) FROM award_capabilities WHERE award_key = ? AND capability_id = ?",
                             [key, cap]).fetchone()[0]
        assert (tagged > 0) == (action == "add"), (key, cap, action)


def test_every_tag_carries_its_evidence(con):
    bad = con.execute(
        "SELECT count(*) FROM award_capabilities WHERE rule_id IS NULL OR method IS NULL OR source_url IS NULL "
        "OR matched_text IS NULL OR confidence IS NULL OR confidence <= 0 OR confidence > 1").fetchone()[0]
    methods = {m for (m,) in con.execute("SELECT DISTINCT method FROM award_capabilities").fetchall()}
    assert bad == 0
    assert methods <= {"rule", "vendor", "ai_inventory", "annotation"} and {"rule", "vendor"} <= methods


def test_label_file_is_big_and_spread_enough():
    labels = load_labels(LABELS)
    assert len(labels) >= 150 and labels["award_key"].is_unique
    caps = pd.Series([c for g in labels["gold"] for c in g]).value_counts()
    assert len(caps) >= 12 and caps.min() >= 4  # spread over the taxonomy, four awards or more each
    assert labels["recipient_name"].nunique() >= 100
    assert (labels["gold"].map(len) == 0).sum() >= 50  # awards that are not surveillance count too


def _docs_table(name: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(rf"<!-- pr:{name} -->\n(.*?)\n<!-- /pr:{name} -->", text, re.S)
    assert m, f"README.md has no <!-- pr:{name} --> table"
    return m.group(1).strip()


def test_precision_and_recall_on_the_labelled_awards(con):
    scores, overall, errors = measure(con, LABELS)
    print("\n" + markdown_table(scores, overall))
    for e in errors:
        print(e)
    assert overall.precision >= 0.85, f"precision {overall.precision:.3f} < 0.85"
    assert overall.recall >= 0.75, f"recall {overall.recall:.3f} < 0.75"
    assert _docs_table("development") == markdown_table(scores, overall), "README.md figures are stale"


def test_precision_on_held_out_awards_and_the_documented_figures(tmp_path_factory, shared_data):
    """Awards from the ICE/Minnesota download (2005-2024 wording) the rules were not tuned on.

    Recall here is the honest figure for unseen wording and is reported in README.md, not held to
    the bar (it is 0.556). Precision is: the classifier must not invent tags.
    """
    out = build_registry(tmp_path_factory.mktemp("heldout"), shared_data, with_sample=False)
    c = duckdb.connect(str(out), read_only=True)
    try:
        scores, overall, _ = measure(c, HELDOUT)
    finally:
        c.close()
    print("\n" + markdown_table(scores, overall))
    assert overall.tp + overall.fn >= 50
    assert overall.precision >= 0.85
    assert _docs_table("heldout") == markdown_table(scores, overall), "README.md figures are stale"
