"""Capability classifier: tags each award with surveillance capabilities, every tag with its evidence.

Why evidence rows and not a label column: a journalist must be able to check why the registry says
an award bought "license-plate readers" (which rule, which words in which modification, from which
record), and a curator must be able to overrule it. Sources of tags, in order:

  rule          data/capabilities.yaml regexes on the award's description, every modification's
                description, PSC and NAICS;
  vendor        data/watchlist.yaml product names found in any award's descriptions (resellers), and a
                watchlist vendor's default capabilities as a fallback for its awards nothing else tags;
  ai_inventory  the federal AI use-case inventory (staging table stg_ai_use_cases, loaded by
                registry/model/ai_inventory.py) naming the award's PIID (capabilities its text names),
                or naming the award's watchlist vendor and a system the award's descriptions also name
                (capabilities its text names that the vendor is known to sell);
  annotation    data/annotations.yaml adds or removes a tag, with a citation; it wins over all others.

Speed: regexes run once per DISTINCT text (descriptions repeat across modifications and awards), after
one combined prefilter pass, so the cost grows with distinct texts, not with awards x rules.
"""

from __future__ import annotations

import re

import pandas as pd

from registry.core.sqltext import literal
from registry.model import curated

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_transactions", "t_vendors", "t_vendor_matches", "t_watchlist", "stg.stg_ai_use_cases")
WRITES = ("t_capabilities", "t_award_capabilities", "t_award_capability_list", "t_capability_annotations")

TEXT_FIELDS = ("description", "modification_description")
VENDOR_DEFAULT_CONFIDENCE = 0.6
AI_PIID_CONFIDENCE = 0.8
AI_NAME_CONFIDENCE = 0.7
AI_NAME_COVERAGE = 0.75
STOPWORDS = {"AND", "FOR", "THE", "WITH", "FROM", "INTO", "THAT", "THIS", "USING", "BASED", "TOOL", "TOOLS",
             "SYSTEM", "SYSTEMS", "SERVICES", "SERVICE", "DATA", "SUPPORT", "PROGRAM"}


def _rules_frame(caps: dict, watch: list[dict]) -> pd.DataFrame:
    rows = []
    for r in caps["rules"]:
        rows.append({"rule_id": r["id"], "capability_id": r["capability"], "fields": list(r["fields"]),
                     "pattern": r["pattern"], "unless": r.get("unless"), "confidence": float(r["confidence"]),
                     "method": "rule"})
    for w in watch:
        for p in w["products"]:
            for cap in p["capabilities"]:
                rows.append({"rule_id": f"watchlist:{w['id']}:{slug(p['name'])}", "capability_id": cap,
                             "fields": list(TEXT_FIELDS), "pattern": p["pattern"], "unless": None,
                             "confidence": 0.85, "method": "vendor"})
    return pd.DataFrame(rows)


def slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def match_texts(con, texts: str, rules: pd.DataFrame, out: str) -> None:
    """Create table `out` (field, text, rule_id, matched_text) for rules matching rows of `texts`.

    `texts` must have columns field and text (upper-cased). Each distinct text is tested once.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dt AS SELECT DISTINCT field, text FROM {texts}")  # noqa: S608
    combined = "|".join(f"(?:{p})" for p in rules["pattern"].unique())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _cand AS SELECT * FROM _dt "  # noqa: S608
                f"WHERE regexp_matches(text, {literal(combined)}, 'i')")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} (field VARCHAR, text VARCHAR, rule_id VARCHAR, "
                "matched_text VARCHAR)")
    for r in rules.itertuples(index=False):
        fields = ", ".join(literal(f) for f in r.fields)
        unless = f"AND NOT regexp_matches(text, {literal(r.unless)}, 'i')" if isinstance(r.unless, str) else ""
        con.execute(
            f"INSERT INTO {out} SELECT field, text, {literal(r.rule_id)}, "  # noqa: S608
            f"regexp_extract(text, {literal(r.pattern)}, 0, 'i') FROM _cand "
            f"WHERE field IN ({fields}) AND regexp_matches(text, {literal(r.pattern)}, 'i') {unless}"
        )
    con.execute("DROP TABLE IF EXISTS _dt")
    con.execute("DROP TABLE IF EXISTS _cand")


def _award_texts(con) -> None:
    """Every text the rules read, per award, with where it came from."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _texts AS
        SELECT award_key, 'description' AS field, upper(description) AS text, NULL::VARCHAR AS modification_number,
               coalesce(date_signed, first_action_date) AS action_date,
               coalesce(usaspending_url, source_url) AS source_url
        FROM t_awards WHERE description IS NOT NULL AND award_basis <> 'transactions only'
        UNION ALL
        SELECT award_key, 'modification_description', upper(description), modification_number, action_date,
               coalesce(usaspending_url, source_url)
        FROM t_transactions WHERE description IS NOT NULL
        UNION ALL
        SELECT award_key, 'psc', upper(trim(coalesce(psc_code, '') || ' ' || coalesce(psc_description, ''))),
               NULL, coalesce(date_signed, first_action_date), coalesce(usaspending_url, source_url)
        FROM t_awards WHERE psc_code IS NOT NULL OR psc_description IS NOT NULL
        UNION ALL
        SELECT award_key, 'naics', upper(trim(coalesce(naics_code, '') || ' ' || coalesce(naics_description, ''))),
               NULL, coalesce(date_signed, first_action_date), coalesce(usaspending_url, source_url)
        FROM t_awards WHERE naics_code IS NOT NULL OR naics_description IS NOT NULL
        """
    )


def _ai_inventory(con, rules: pd.DataFrame, watch: list[dict]) -> int:
    """Tags from the AI use-case inventory (only when staging holds stg_ai_use_cases); returns rows added."""
    present = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'stg' "
                          "AND table_name = 'stg_ai_use_cases'").fetchone()[0]
    if not present:
        return 0
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
    match_texts(con, "_uc_texts", rules, "_uc_hits")
    caps_of = con.execute(
        "SELECT t.uc, list(DISTINCT r.capability_id) FROM _uc_hits h JOIN _uc_texts t USING (field, text) "
        "JOIN _rules r USING (rule_id) GROUP BY t.uc"
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
        con.executemany("INSERT INTO _tags VALUES (?, ?, ?, ?, 'ai_inventory', ?, ?, ?, ?, ?)",
                        [(a, c, r, m, mod, t, n, u, conf) for a, c, r, m, mod, t, n, u, conf in rows])
    for t in ("_uc", "_uc_texts", "_uc_hits"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return len(rows)


def _annotations(con, annotations: list[dict]) -> None:
    con.execute(
        "CREATE TABLE t_capability_annotations (award_key VARCHAR, piid VARCHAR, capability_id VARCHAR, "
        "action VARCHAR, citation VARCHAR, note VARCHAR, applied BOOLEAN, tags_removed INTEGER)"
    )
    for a in annotations:
        keys = [a["award_key"]] if a.get("award_key") else [
            k for (k,) in con.execute("SELECT award_key FROM t_awards WHERE upper(piid) = upper(?)",
                                      [a["piid"]]).fetchall()]
        keys = [k for (k,) in con.execute("SELECT award_key FROM t_awards WHERE award_key IN (SELECT unnest(?))",
                                          [keys]).fetchall()]
        removed = 0
        for k in keys:
            if a["action"] == "remove":
                removed += con.execute("DELETE FROM _tags WHERE award_key = ? AND capability_id = ?",
                                       [k, a["capability"]]).fetchone()[0]
            else:
                con.execute("INSERT INTO _tags VALUES (?, ?, 'annotation', 'annotation', 'annotation', NULL, ?, 1, "
                            "?, 1.0)", [k, a["capability"], a["note"], a["citation"]])
        con.execute("INSERT INTO t_capability_annotations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [keys[0] if keys else a.get("award_key"), a.get("piid"), a["capability"], a["action"],
                     a["citation"], a["note"], bool(keys), removed])


def build(ctx) -> None:
    """Create `t_capabilities`, `t_award_capabilities` (evidence rows) and `t_award_capability_list`."""
    con = ctx.con
    caps = curated.load_capabilities(ctx.data_dir)
    cap_ids = {c["id"] for c in caps["capabilities"]}
    watch = curated.load_watchlist(ctx.data_dir, cap_ids)
    annotations = curated.load_annotations(ctx.data_dir, cap_ids)
    taxonomy = pd.DataFrame([{"capability_id": c["id"], "name": c["name"], "definition": c["definition"],
                              "references": list(c["references"]),
                              "rule_count": sum(r["capability"] == c["id"] for r in caps["rules"])}
                             for c in caps["capabilities"]])
    con.register("_tax", taxonomy)
    con.execute("CREATE TABLE t_capabilities AS SELECT capability_id, name, definition, "
                "\"references\"::VARCHAR[] AS \"references\", rule_count::INTEGER AS rule_count, "
                "row_number() OVER () AS sort_order FROM _tax")
    con.unregister("_tax")

    rules = _rules_frame(caps, watch)
    con.register("_rules_df", rules)
    con.execute("CREATE OR REPLACE TEMP TABLE _rules AS SELECT * FROM _rules_df")
    con.unregister("_rules_df")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _tags (award_key VARCHAR, capability_id VARCHAR, rule_id VARCHAR, "
        "method VARCHAR, field VARCHAR, modification_number VARCHAR, matched_text VARCHAR, match_count INTEGER, "
        "source_url VARCHAR, confidence DOUBLE)"
    )
    _award_texts(con)
    match_texts(con, "_texts", rules, "_hits")
    con.execute(
        """
        INSERT INTO _tags
        SELECT t.award_key, r.capability_id, r.rule_id, r.method, t.field,
               arg_min(t.modification_number, (t.action_date, t.modification_number)),
               arg_min(h.matched_text, (t.action_date, t.modification_number)),
               count(*),
               arg_min(t.source_url, (t.action_date, t.modification_number)),
               any_value(r.confidence)
        FROM _hits h
        JOIN _texts t USING (field, text)
        JOIN _rules r USING (rule_id)
        GROUP BY t.award_key, r.capability_id, r.rule_id, r.method, t.field
        """
    )
    # Vendor defaults: a fallback only for awards to a directly matched watchlist vendor that nothing tagged.
    con.execute(
        f"""
        INSERT INTO _tags
        SELECT a.award_key, cap, 'watchlist:' || w.watchlist_id || ':default', 'vendor', 'vendor', NULL,
               v.vendor_name, 1, w.citation_url, {VENDOR_DEFAULT_CONFIDENCE}
        FROM t_awards a
        JOIN t_vendor_matches m USING (recipient_key)
        JOIN t_vendors v ON v.vendor_id = m.vendor_id AND v.watchlist_basis LIKE 'name matches%'
        JOIN t_watchlist w ON w.watchlist_id = v.watchlist_id,
             unnest(w.default_capabilities) AS u(cap)
        WHERE a.award_key NOT IN (SELECT award_key FROM _tags)
        """  # noqa: S608
    )
    n_ai = _ai_inventory(con, rules, watch)
    _annotations(con, annotations)
    con.execute(
        """
        CREATE TABLE t_award_capabilities AS
        SELECT * FROM _tags ORDER BY award_key, capability_id, confidence DESC, rule_id
        """
    )
    con.execute(
        """
        CREATE TABLE t_award_capability_list AS
        SELECT t.award_key,
               list(DISTINCT t.capability_id ORDER BY t.capability_id)         AS capability_ids,
               string_agg(DISTINCT c.name, '; ' ORDER BY c.name)                AS capability_names,
               max(t.confidence)                                               AS max_confidence
        FROM t_award_capabilities t JOIN t_capabilities c USING (capability_id)
        GROUP BY t.award_key
        """
    )
    for t in ("_tags", "_texts", "_hits", "_rules"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    n = con.execute("SELECT count(*), count(DISTINCT award_key) FROM t_award_capabilities").fetchone()
    ctx.log(f"capabilities: {n[0]:,} evidence rows on {n[1]:,} awards ({n_ai} from the AI inventory)")
