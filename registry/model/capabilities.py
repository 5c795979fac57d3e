"""Capability tags of the registry's awards, every tag with its evidence, score, tier and role.

Why evidence rows and not a label column: a journalist must be able to check why the registry says an
award bought "license-plate readers" (which rule, which words in which modification, which product or
vendor, what the text model read), and a curator must be able to overrule it. The classifier itself is
registry/model/classify.py (one code path with training and evaluation); this step feeds it the registry's
awards and adds what only a registry has:

  ai_inventory  the federal AI use-case inventory (staging table stg_ai_use_cases) naming the award's
                PIID, or naming the award's watchlist vendor and a system its descriptions also name;
  annotation    data/annotations.yaml adds (score 1.0, tier tagged) or removes a tag; it wins over all.

Each (award, capability) gets one score (scoring.py) and a tier: `tagged` (counted in totals when its role
is `purpose`) or `possible` (shown for review, never counted); and a role: `purpose` or `component`
(roles.py). Totals count tier = 'tagged' AND role = 'purpose' only: t_award_capability_list.capability_ids.
"""


from __future__ import annotations

import re

import numpy as np
import pandas as pd

from registry.model import classify, roles

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_transactions", "t_vendors", "t_vendor_matches", "t_watchlist", "stg.stg_ai_use_cases")
WRITES = ("t_capabilities", "t_award_capabilities", "t_award_capability_list", "t_capability_annotations")

AI_PIID_CONFIDENCE = 0.8
AI_NAME_CONFIDENCE = 0.7
AI_NAME_COVERAGE = 0.75
STOPWORDS = {"AND", "FOR", "THE", "WITH", "FROM", "INTO", "THAT", "THIS", "USING", "BASED", "TOOL", "TOOLS",
             "SYSTEM", "SYSTEMS", "SERVICES", "SERVICE", "DATA", "SUPPORT", "PROGRAM"}


def _ai_texts(con) -> bool:
    """Temp tables _uc (the AI use cases) and _uc_texts (their texts, upper case) when staging holds
    stg_ai_use_cases; False when it does not. Made before the evidence pass, which matches these texts too."""
    present = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'stg' "
                          "AND table_name = 'stg_ai_use_cases'").fetchone()[0]
    if not present:
        return False
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _uc AS
        SELECT row_number() OVER () AS uc, inventory_year, use_case_id, agency, bureau, use_case_name,
               vendor_name, piids, source_url,
               upper(coalesce(use_case_name, '') || ' ' || coalesce(description, '')) AS text
        FROM stg.stg_ai_use_cases
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _uc_texts AS SELECT uc, 'description' AS field, text FROM _uc")
    return True


def _ai_inventory(con, watch: list[dict]) -> int:
    """Tags from the AI use-case inventory (after _ai_texts made its tables); returns rows added.

    The use cases' rule and product hits are in _hits (the evidence pass matched their texts with the award
    texts); a prior (a PSC or NAICS code) never applies to a use case."""
    caps_of = con.execute(
        "SELECT t.uc, list(DISTINCT r.capability_id) FROM _hits h JOIN _uc_texts t USING (field, text) "
        "JOIN _rules r USING (rule_id) WHERE r.method IN ('rule', 'product') GROUP BY t.uc"
    ).fetchall()
    uc_caps = {uc: set(c) for uc, c in caps_of}
    ucs = con.execute("SELECT uc, use_case_id, use_case_name, vendor_name, bureau, source_url, "
                      "inventory_year FROM _uc").df()
    # What each watchlist company is known to sell (defaults and products): a use case matched to an award
    # only by vendor and system name gives the capabilities its text names AND the company sells, so a
    # sentence like "this is not a biometric system" in the inventory cannot tag a tower as biometrics.
    wl_patterns = [(w["id"], re.compile(w["match"], re.I),
                    set(w["default_capabilities"]) | {c for p in w["products"] for c in p["capabilities"]})
                   for w in watch]
    rows = []
    # (a) the inventory names the award's PIID
    for uc, award_key, piid in con.execute(
        "SELECT u.uc, a.award_key, a.piid FROM (SELECT uc, upper(trim(unnest(piids))) AS piid FROM _uc "
        "WHERE piids IS NOT NULL) u JOIN t_awards a ON upper(a.piid) = u.piid"
    ).fetchall():
        r = ucs.loc[ucs["uc"] == uc].iloc[0]
        for cap in sorted(uc_caps.get(uc, ())):
            rows.append((award_key, cap, f"ai_inventory:{r.use_case_id}", "ai_inventory", None,
                         f"{r.use_case_id} {r.use_case_name} (names PIID {piid})", 1, r.source_url,
                         AI_PIID_CONFIDENCE))
    # (b) the inventory names the award's watchlist vendor and a system its descriptions also name
    texts = dict(con.execute(
        "SELECT a.award_key, string_agg(DISTINCT t.text, ' | ') FROM t_awards a "
        "JOIN t_vendor_matches m USING (recipient_key) JOIN t_vendors v ON v.vendor_id = m.vendor_id "
        "JOIN _texts t ON t.award_key = a.award_key AND t.field IN ('description', 'modification_description') "
        "WHERE v.watchlist_id IS NOT NULL GROUP BY a.award_key"
    ).fetchall())
    award_wl = dict(con.execute(
        "SELECT a.award_key, v.watchlist_id FROM t_awards a JOIN t_vendor_matches m USING (recipient_key) "
        "JOIN t_vendors v ON v.vendor_id = m.vendor_id WHERE v.watchlist_id IS NOT NULL"
    ).fetchall())
    by_wl: dict[str, list[str]] = {}
    for k, w in award_wl.items():
        by_wl.setdefault(w, []).append(k)
    for row in ucs.itertuples(index=False):
        name = row.use_case_name if isinstance(row.use_case_name, str) else ""
        tokens = [t for t in re.findall(r"[A-Z]{4,}", name.upper()) if t not in STOPWORDS]
        if len(tokens) < 2 or not isinstance(row.vendor_name, str):
            continue
        for wid, pat, sells in wl_patterns:
            if not pat.search(row.vendor_name):
                continue
            for award_key in by_wl.get(wid, []):
                text = texts.get(award_key, "")
                hit = [t for t in tokens if re.search(r"\b" + t[: max(4, len(t) - 1)], text)]
                if len(hit) / len(tokens) >= AI_NAME_COVERAGE:
                    for cap in sorted(uc_caps.get(row.uc, set()) & sells):
                        rows.append((award_key, cap, f"ai_inventory:{row.use_case_id}", "ai_inventory", None,
                                     f"{row.use_case_id} {row.use_case_name} (vendor {row.vendor_name}; "
                                     f"descriptions name {', '.join(hit)})", 1, row.source_url,
                                     AI_NAME_CONFIDENCE))
    if rows:
        con.executemany("INSERT INTO _ev VALUES (?, ?, ?, ?, 'ai_inventory', ?, ?, ?, ?, ?)",
                        [(a, c, r, m, mod, t, n, u, conf) for a, c, r, m, mod, t, n, u, conf in rows])
    for t in ("_uc", "_uc_texts"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return len(rows)


def _annotations(con, annotations: list[dict]) -> tuple[set, set]:
    """Record every annotation; return the (award, capability) pairs added and removed."""
    con.execute(
        "CREATE TABLE t_capability_annotations (award_key VARCHAR, piid VARCHAR, capability_id VARCHAR, "
        "action VARCHAR, citation VARCHAR, note VARCHAR, reviewer VARCHAR, reviewed_at VARCHAR, applied BOOLEAN, "
        "tags_removed INTEGER)"
    )
    added, removed = set(), set()
    for a in annotations:
        keys = [a["award_key"]] if a.get("award_key") else [
            k for (k,) in con.execute("SELECT award_key FROM t_awards WHERE upper(piid) = upper(?)",
                                      [a["piid"]]).fetchall()]
        keys = [k for (k,) in con.execute("SELECT award_key FROM t_awards WHERE award_key IN (SELECT unnest(?))",
                                          [keys]).fetchall()]
        n_removed = 0
        for k in keys:
            pair = (k, a["capability"])
            if a["action"] == "remove":
                n_removed += con.execute("DELETE FROM _ev WHERE award_key = ? AND capability_id = ?",
                                         list(pair)).fetchone()[0]
                removed.add(pair)
                added.discard(pair)
            else:
                con.execute("INSERT INTO _ev VALUES (?, ?, 'annotation', 'annotation', 'annotation', NULL, ?, 1, "
                            "?, 1.0)", [k, a["capability"], a["note"], a["citation"]])
                added.add(pair)
                removed.discard(pair)
        reviewed = a.get("reviewed_at")
        con.execute("INSERT INTO t_capability_annotations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [keys[0] if keys else a.get("award_key"), a.get("piid"), a["capability"], a["action"],
                     a["citation"], a["note"], a.get("reviewer"), None if reviewed is None else str(reviewed),
                     bool(keys), n_removed])
    return added, removed


def build(ctx) -> None:
    """Create `t_capabilities`, `t_award_capabilities` (evidence rows with score, tier, role) and the list."""
    con = ctx.con
    k = classify.load_knowledge(ctx.data_dir)
    model, combiner = classify.load_model(ctx.data_dir, k.capability_ids)
    taxonomy = pd.DataFrame([{"capability_id": c["id"], "name": c["name"], "definition": c["definition"],
                              "references": list(c["references"]),
                              "rule_count": sum(r["capability"] == c["id"] for r in k.caps["rules"])}
                             for c in k.caps["capabilities"]])
    con.register("_tax", taxonomy)
    con.execute("CREATE TABLE t_capabilities AS SELECT capability_id, name, definition, "
                "\"references\"::VARCHAR[] AS \"references\", rule_count::INTEGER AS rule_count, "
                "row_number() OVER () AS sort_order FROM _tax")
    con.unregister("_tax")

    classify.prepare_from_registry(con)
    has_ai = _ai_texts(con)
    classify.evidence(con, k, also="_uc_texts" if has_ai else None)
    text_p = classify.text_pass(con, model)
    n_ai = _ai_inventory(con, k.watch) if has_ai else 0
    added, removed = _annotations(con, k.annotations)
    decisions = classify.decide(con, k, combiner, text_p)
    decisions = decisions[np.array([(a, c) not in removed for a, c in
                                    zip(decisions["award_key"], decisions["capability_id"], strict=True)], dtype=bool)]
    # an annotation's add is a decision: score 1.0, tagged; its role still follows the award (a wall stays one)
    ann = pd.DataFrame(sorted(added), columns=["award_key", "capability_id"])
    ann = roles.assign(con, k.caps["roles"], ann).assign(score=1.0, tier="tagged")
    keep = decisions[["award_key", "capability_id", "score", "tier", "role", "role_rule"]]
    keep = pd.concat([keep[~keep.set_index(["award_key", "capability_id"]).index.isin(
        ann.set_index(["award_key", "capability_id"]).index)], ann[keep.columns]], ignore_index=True)
    con.register("_dec", keep)
    con.execute(
        """
        CREATE TABLE t_award_capabilities AS
        SELECT e.*, d.tier, d.role, d.role_rule, round(d.score, 4) AS score
        FROM _ev e JOIN _dec d USING (award_key, capability_id)
        ORDER BY e.award_key, e.capability_id, e.confidence DESC, e.rule_id
        """
    )
    con.unregister("_dec")
    con.execute(
        """
        CREATE TABLE t_award_capability_list AS
        SELECT t.award_key,
               coalesce(list(DISTINCT t.capability_id ORDER BY t.capability_id)
                        FILTER (t.tier = 'tagged' AND t.role = 'purpose'), [])     AS capability_ids,
               string_agg(DISTINCT c.name, '; ' ORDER BY c.name)
                   FILTER (t.tier = 'tagged' AND t.role = 'purpose')               AS capability_names,
               coalesce(list(DISTINCT t.capability_id ORDER BY t.capability_id)
                        FILTER (t.tier = 'tagged' AND t.role = 'component'), [])   AS component_capability_ids,
               coalesce(list(DISTINCT t.capability_id ORDER BY t.capability_id)
                        FILTER (t.tier = 'possible'), [])                          AS possible_capability_ids,
               max(t.score)                                                       AS max_score,
               max(t.confidence)                                                  AS max_confidence
        FROM t_award_capabilities t JOIN t_capabilities c USING (capability_id)
        GROUP BY t.award_key
        """
    )
    for t in ("_ev", "_hits", "_texts", "_rules", "_cls_awards", "_vendor_hits", "_reseller_awards"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    n = con.execute("SELECT count(*), count(DISTINCT award_key), count(DISTINCT award_key) FILTER "
                    "(tier = 'tagged' AND role = 'purpose') FROM t_award_capabilities").fetchone()
    ctx.log(f"capabilities: {n[0]:,} evidence rows on {n[1]:,} awards, {n[2]:,} counted (tagged purpose); "
            f"{n_ai} from the AI inventory; thresholds tagged >= {combiner.t_tag}, possible >= {combiner.t_possible}")
