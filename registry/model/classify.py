"""The capability classifier, one code path for the build, training and evaluation.

Why one path: the precision and recall `registry model evaluate` prints must be the build's. The build
(registry/model/capabilities.py), `registry model train` and `registry model evaluate` all fill the same
two temp tables and call `evidence` then `decide`:

  _cls_awards  award_key, recipient_name, parent_name, psc_code, psc_description, naics_code,
               naics_description, obligated
  _texts       award_key, field (description | modification_description | psc | naics | recipient),
               text (upper case), modification_number, action_date, source_url

The build fills them from t_awards/t_transactions; training and evaluation from the labelled corpus
(data/labels/awards_*.csv). Evidence comes from capabilities.yaml rules and PSC/NAICS priors, gazetteer
products (in any description, whoever the recipient) and vendors (recipient OR parent name; a specialised
maker's defaults apply only when no product is named in the text; a reseller's name gives nothing), and
the text model. Regexes run once per DISTINCT text after one combined prefilter pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from registry.core.sqltext import literal
from registry.model import curated, gazetteer, roles, scoring
from registry.model.text_model import TextModel

TEXT_FIELDS = ("description", "modification_description")
PRODUCT_CONFIDENCE = 0.9
VENDOR_DEFAULT_CONFIDENCE = 0.7
TEXT_EVIDENCE_FLOOR = 0.1  # text-model probabilities below this are not written as evidence rows
MODEL_DIR = "model"
TEXT_MODEL_FILE = "text_model.npz"
COMBINER_FILE = "combiner.json"
EVIDENCE_COLUMNS = ("award_key VARCHAR, capability_id VARCHAR, rule_id VARCHAR, method VARCHAR, field VARCHAR, "
                    "modification_number VARCHAR, matched_text VARCHAR, match_count INTEGER, source_url VARCHAR, "
                    "confidence DOUBLE")


EVIDENCE_NAMES = tuple(c.split()[0] for c in EVIDENCE_COLUMNS.split(", "))


def insert_evidence(con, rows: list[tuple]) -> None:
    """Append rows (in EVIDENCE_COLUMNS order) to the temp table _ev in one statement.

    Why not `executemany`: DuckDB runs it as one statement per row, and the text model's hundreds of
    evidence rows cost most of a second that way; a registered frame is one INSERT (same values, same order).
    """
    if not rows:
        return
    con.register("_ev_rows", pd.DataFrame(rows, columns=list(EVIDENCE_NAMES)))
    try:
        con.execute(f"INSERT INTO _ev SELECT {', '.join(EVIDENCE_NAMES)} FROM _ev_rows")  # noqa: S608
    finally:
        con.unregister("_ev_rows")


@dataclass
class Knowledge:
    """Everything curated the classifier reads, checked."""

    caps: dict
    capability_ids: list[str]
    watch: list[dict]
    gaz: gazetteer.Gazetteer
    annotations: list[dict]


def _knowledge_files(data_dir: Path) -> tuple:
    """Identity of every curated file the knowledge is read from: (path, mtime, size) each."""
    files = sorted([*data_dir.glob("*.yaml"), *(data_dir / "gazetteer").glob("*.yaml")])
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


_KNOWLEDGE: dict[tuple, Knowledge] = {}


def load_knowledge(data_dir: Path) -> Knowledge:
    """The checked knowledge, read once per process for the same files.

    Why cache: reading and checking every gazetteer pattern takes about a second, and a process that builds
    several registries (tests, `registry crawl all`) would pay it each time. Any change to a file's size or
    modification time reads everything again; callers only read the result.
    """
    key = (str(data_dir.resolve()), _knowledge_files(data_dir))
    if key not in _KNOWLEDGE:
        _KNOWLEDGE.clear()
        _KNOWLEDGE[key] = _read_knowledge(data_dir)
    return _KNOWLEDGE[key]


def _read_knowledge(data_dir: Path) -> Knowledge:
    caps = curated.load_capabilities(data_dir)
    ids = [c["id"] for c in caps["capabilities"]]
    watch = curated.load_watchlist(data_dir, set(ids))
    return Knowledge(caps, ids, watch, gazetteer.load(data_dir, set(ids), watch),
                     curated.load_annotations(data_dir, set(ids)))


def load_model(data_dir: Path, capability_ids: list[str]) -> tuple[TextModel, scoring.Combiner]:
    """The shipped model; a clear error when it is missing or was trained on another taxonomy."""
    d = data_dir / MODEL_DIR
    tm, cb = d / TEXT_MODEL_FILE, d / COMBINER_FILE
    for p in (tm, cb):
        if not p.exists():
            raise curated.CuratedDataError(f"{p}: missing; run `registry model train`")
    model = TextModel.load(tm)
    if model.capabilities != capability_ids:
        raise curated.CuratedDataError(f"{tm}: trained on capabilities {model.capabilities}, the taxonomy has "
                                       f"{capability_ids}; run `registry model train`")
    return model, scoring.Combiner.load(cb)


def rules_frame(k: Knowledge) -> pd.DataFrame:
    """Every pattern the text matching runs: rules, priors and products, with their method and confidence."""
    rows = []
    for r in k.caps["rules"]:
        rows.append({"rule_id": r["id"], "capability_id": r["capability"], "fields": list(r["fields"]),
                     "pattern": r["pattern"], "unless": r.get("unless"), "confidence": float(r["confidence"]),
                     "method": "rule"})
    for p in k.caps["priors"]:
        rows.append({"rule_id": p["id"], "capability_id": p["capability"], "fields": [p["field"]],
                     "pattern": p["pattern"], "unless": None, "confidence": float(p["weight"]), "method": "prior"})
    for p in k.gaz.products:
        for cap in p.capabilities:
            rows.append({"rule_id": f"product:{p.id}", "capability_id": cap, "fields": list(TEXT_FIELDS),
                         "pattern": p.pattern, "unless": p.unless, "confidence": PRODUCT_CONFIDENCE,
                         "method": "product"})
    return pd.DataFrame(rows)


MATCH_CHUNK = 50  # rules evaluated per scan of the texts (one SQL statement each)


def match_texts(con, texts: str, rules: pd.DataFrame, out: str, *, matched_text: bool = True) -> None:
    """Create table `out` (field, text, rule_id, matched_text) for rules matching rows of `texts`.

    `rules` has columns rule_id, fields (list), pattern, unless (None or a pattern). With matched_text=False
    the matched_text column stays NULL (a caller that needs only which rules matched skips the extraction).

    `texts` must have columns field and text (upper-cased). Each distinct text is tested once.

    Why chunks of rules in one scan: with the gazetteers there are about a thousand rules, and one statement per
    rule spent most of the build in statement overhead (15 s of a 23 s sample build). Here one pass over the
    distinct texts evaluates MATCH_CHUNK constant patterns per row (each compiled once by DuckDB), and the
    matched text is extracted afterwards for the matching (text, rule) pairs only.

    Why each chunk filters the texts with its own patterns joined by `|`: only a text that matches one of the
    chunk's patterns can take one of its rules, so the chunk's CASE list runs on those texts alone. One
    alternation of every pattern would filter as well, but RE2 runs an alternation of hundreds of patterns far
    more slowly than several of a few dozen (its automaton outgrows its memory budget): on the AI inventory's
    thousand texts, 1.2 s of CPU for one alternation of 437 patterns against 0.1 s for nine of 50.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dt AS SELECT DISTINCT field, text FROM {texts}")  # noqa: S608
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} (field VARCHAR, text VARCHAR, rule_id VARCHAR, "
                "matched_text VARCHAR)")
    items = list(rules.itertuples(index=False))
    for i in range(0, len(items), MATCH_CHUNK):
        chunk = items[i:i + MATCH_CHUNK]
        cases = []
        for r in chunk:
            fields = ", ".join(literal(f) for f in r.fields)
            unless = (f" AND NOT regexp_matches(text, {literal(r.unless)}, 'i')" if isinstance(r.unless, str)
                      else "")
            cases.append(f"CASE WHEN field IN ({fields}) AND regexp_matches(text, {literal(r.pattern)}, 'i')"
                         f"{unless} THEN {literal(r.rule_id)} END")
        any_pattern = "|".join(f"(?:{p})" for p in dict.fromkeys(r.pattern for r in chunk))
        con.execute(
            f"INSERT INTO {out} SELECT field, text, rule_id, NULL FROM ("  # noqa: S608
            f"SELECT field, text, unnest(list_filter([{', '.join(cases)}], lambda x: x IS NOT NULL)) AS rule_id "
            f"FROM _dt WHERE regexp_matches(text, {literal(any_pattern)}, 'i'))"
        )
    if not matched_text:
        con.execute("DROP TABLE IF EXISTS _dt")
        return
    # The words that matched, for the evidence: one extraction per matching (text, rule) pair, each rule's pattern
    # written into the statement as a constant. Why not the pattern joined from a table: DuckDB compiles a pattern
    # that comes from a column once per row, and a sample build has about a thousand pairs of its ~90 matched rules.
    pattern_of = dict(rules[["rule_id", "pattern"]].drop_duplicates("rule_id").itertuples(index=False))
    matched = [r for (r,) in con.execute(f"SELECT DISTINCT rule_id FROM {out} ORDER BY rule_id").fetchall()]  # noqa: S608
    for i in range(0, len(matched), MATCH_CHUNK):
        chunk = matched[i:i + MATCH_CHUNK]
        whens = " ".join(f"WHEN {literal(r)} THEN regexp_extract(text, {literal(pattern_of[r])}, 0, 'i')"
                         for r in chunk)
        con.execute(f"UPDATE {out} SET matched_text = CASE rule_id {whens} END "  # noqa: S608
                    f"WHERE rule_id IN ({', '.join(literal(r) for r in chunk)})")
    con.execute("DROP TABLE IF EXISTS _dt")


def prepare_from_frame(con, awards: pd.DataFrame) -> None:
    """Fill _cls_awards/_texts from a labelled corpus (data/labels/awards_*.csv columns).

    `descriptions` holds every distinct description, oldest first, joined with " || ": the first is read
    as the award's own description, the rest as modifications' descriptions.
    """
    a = awards.fillna("").astype(str)
    cls = pd.DataFrame({
        "award_key": a["award_key"], "recipient_name": a["recipient_name"],
        "parent_name": a.get("parent_recipient_name", ""), "psc_code": a["psc_code"],
        "psc_description": a["psc_description"], "naics_code": a["naics_code"],
        "naics_description": a["naics_description"],
        "obligated": pd.to_numeric(a["obligated"], errors="coerce"), "source_url": a["source_url"],
    })
    rows = []
    for r in a.itertuples(index=False):
        descs = [d.strip() for d in r.descriptions.split(" || ") if d.strip()]
        for i, d in enumerate(descs):
            rows.append((r.award_key, "description" if i == 0 else "modification_description", d.upper(),
                         None if i == 0 else str(i), None, r.source_url))
    texts = pd.DataFrame(rows, columns=["award_key", "field", "text", "modification_number", "action_date",
                                        "source_url"])
    con.register("_cls_df", cls)
    con.execute("CREATE OR REPLACE TEMP TABLE _cls_awards AS SELECT award_key, nullif(recipient_name, '') AS "
                "recipient_name, nullif(parent_name, '') AS parent_name, nullif(psc_code, '') AS psc_code, "
                "nullif(psc_description, '') AS psc_description, nullif(naics_code, '') AS naics_code, "
                "nullif(naics_description, '') AS naics_description, obligated::DOUBLE AS obligated, "
                "source_url FROM _cls_df")
    con.unregister("_cls_df")
    con.register("_texts_df", texts)
    con.execute("CREATE OR REPLACE TEMP TABLE _texts AS SELECT award_key, field, text, modification_number, "
                "action_date::DATE AS action_date, source_url FROM _texts_df")
    con.unregister("_texts_df")
    _code_texts(con)


def prepare_from_registry(con) -> None:
    """Fill _cls_awards/_texts from the registry being built (t_awards, t_transactions)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _cls_awards AS
        SELECT award_key, recipient_name, recipient_parent_name AS parent_name, psc_code, psc_description,
               naics_code, naics_description,
               coalesce(total_obligation, obligated_in_registry)::DOUBLE AS obligated,
               coalesce(usaspending_url, source_url) AS source_url
        FROM t_awards
        """
    )
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
        """
    )
    _code_texts(con)


def _code_texts(con) -> None:
    """PSC, NAICS and the recipient/parent names as texts (the same for both sources)."""
    con.execute(
        """
        INSERT INTO _texts
        SELECT award_key, 'psc', upper(trim(coalesce(psc_code, '') || ' ' || coalesce(psc_description, ''))),
               NULL, NULL, source_url
        FROM _cls_awards WHERE psc_code IS NOT NULL OR psc_description IS NOT NULL
        UNION ALL
        SELECT award_key, 'naics', upper(trim(coalesce(naics_code, '') || ' ' || coalesce(naics_description, ''))),
               NULL, NULL, source_url
        FROM _cls_awards WHERE naics_code IS NOT NULL OR naics_description IS NOT NULL
        UNION ALL
        SELECT award_key, 'recipient', upper(trim(n)), NULL, NULL, source_url
        FROM _cls_awards, unnest([recipient_name, parent_name]) AS u(n) WHERE n IS NOT NULL AND trim(n) <> ''
        """
    )


def documents(con) -> pd.DataFrame:
    """award_key, doc: what the text model reads (descriptions, recipient, parent, PSC and NAICS text).

    A general reseller's name (gazetteer kind reseller, not specialised) is left out: Carahsoft sells
    Cellebrite and Salesforce alike, so its name must not teach the model either (needs the
    _reseller_awards table that `evidence` makes).
    """
    return con.execute(
        """
        SELECT a.award_key,
               concat_ws(' ', d.descs,
                         CASE WHEN r.award_key IS NULL
                              THEN concat_ws(' ', 'RECIPIENT ' || a.recipient_name, 'PARENT ' || a.parent_name) END,
                         'PSC ' || a.psc_code, a.psc_description, 'NAICS ' || a.naics_code, a.naics_description)
                   AS doc
        FROM _cls_awards a
        LEFT JOIN _reseller_awards r USING (award_key)
        LEFT JOIN (SELECT award_key, string_agg(DISTINCT text, ' . ' ORDER BY text) AS descs FROM _texts
                   WHERE field IN ('description', 'modification_description') GROUP BY award_key) d
            USING (award_key)
        ORDER BY a.award_key
        """
    ).df()


def evidence(con, k: Knowledge, also: str | None = None) -> None:
    """Create temp table _ev: one row per award, capability, rule/product/prior/vendor and field.

    `also` names a table of more (field, text) rows to match with the same rules in the same pass: their hits
    are left in temp table _hits (field, text, rule_id, matched_text) for the caller, who drops it. Why: the
    build matches the AI inventory's texts with these rules too, and compiling the patterns (DuckDB compiles
    each constant pattern once per statement) was most of the cost of a second pass on a small registry.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev ({EVIDENCE_COLUMNS})")
    rules = rules_frame(k)
    con.register("_rules_df", rules)
    con.execute("CREATE OR REPLACE TEMP TABLE _rules AS SELECT * FROM _rules_df")
    con.unregister("_rules_df")
    excl = [e["pattern"] for e in k.caps.get("text_exclusions") or []]
    excl_sql = (f"AND NOT (field IN ('description', 'modification_description') AND "
                f"regexp_matches(text, {literal('|'.join(f'(?:{p})' for p in excl))}, 'i'))") if excl else ""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _texts_read AS SELECT * FROM _texts WHERE field <> 'recipient' "  # noqa: S608
                f"{excl_sql}")
    texts = "_texts_read" if also is None else f"(SELECT field, text FROM _texts_read UNION ALL SELECT field, text FROM {also})"  # noqa: E501, S608
    match_texts(con, texts, rules, "_hits")
    con.execute(
        """
        INSERT INTO _ev
        SELECT t.award_key, r.capability_id, r.rule_id, r.method, t.field,
               arg_min(t.modification_number, (t.action_date, t.modification_number)),
               arg_min(h.matched_text, (t.action_date, t.modification_number)),
               count(*),
               arg_min(t.source_url, (t.action_date, t.modification_number)),
               any_value(r.confidence)
        FROM _hits h
        JOIN _texts_read t USING (field, text)
        JOIN _rules r USING (rule_id)
        GROUP BY t.award_key, r.capability_id, r.rule_id, r.method, t.field
        """
    )
    _vendors(con, k)
    for t in ("_texts_read",) if also else ("_hits", "_texts_read"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _vendors(con, k: Knowledge) -> None:
    """Vendor matches on recipient and parent names; specialised makers' defaults when no product is named.

    The vendor patterns run as rules of `match_texts` on the distinct names (one scan per chunk of vendors,
    not one statement per vendor: the gazetteer has about three hundred).
    """
    vendors = {v.id: v for v in k.gaz.vendors}
    con.execute("CREATE OR REPLACE TEMP TABLE _names AS SELECT DISTINCT field, text FROM _texts "
                "WHERE field = 'recipient'")
    patterns = pd.DataFrame([{"rule_id": v.id, "fields": ["recipient"], "pattern": v.pattern, "unless": None}
                             for v in k.gaz.vendors], columns=["rule_id", "fields", "pattern", "unless"])
    match_texts(con, "_names", patterns, "_name_vendors", matched_text=False)
    con.execute("CREATE OR REPLACE TEMP TABLE _vendor_hits AS SELECT DISTINCT t.award_key, n.rule_id AS vendor_id, "
                "t.text AS name FROM _texts t JOIN _name_vendors n USING (field, text)")
    con.execute("DROP TABLE IF EXISTS _name_vendors")
    rows = []
    named_product = {a for (a,) in con.execute("SELECT DISTINCT award_key FROM _ev WHERE method = 'product'"
                                               ).fetchall()}
    for award_key, vid, name in con.execute(
        "SELECT award_key, vendor_id, min(name) FROM _vendor_hits GROUP BY ALL ORDER BY ALL").fetchall():
        v = vendors[vid]
        if not v.specialised or award_key in named_product:
            continue  # a general reseller's name says nothing (the text decides); a product named in the text wins
        for cap in v.default_capabilities:
            rows.append((award_key, cap, f"vendor:{vid}:default", "vendor", "vendor", None, name, 1,
                         v.citation_url, VENDOR_DEFAULT_CONFIDENCE))
    insert_evidence(con, rows)
    resellers = [v.id for v in k.gaz.vendors if v.kind == "reseller" and not v.specialised]
    con.execute("CREATE OR REPLACE TEMP TABLE _reseller_awards AS SELECT DISTINCT award_key FROM _vendor_hits "
                "WHERE vendor_id IN (SELECT unnest(?::VARCHAR[]))", [resellers])
    con.execute("DROP TABLE IF EXISTS _names")


BATCH = 5_000  # documents vectorised at a time: bounded memory (a batch holds its n-gram matrix and counts)


def text_pass(con, model: TextModel) -> pd.DataFrame:
    """Score every award with the text model; write p >= floor as evidence rows naming the n-grams that drove
    them; return (award_key, capability_id, p) for those pairs."""
    docs = documents(con)
    keys, texts = docs["award_key"].tolist(), docs["doc"].tolist()
    urls = dict(con.execute("SELECT award_key, source_url FROM _cls_awards").fetchall())
    longs = []
    for lo in range(0, len(texts), BATCH):
        chunk = texts[lo:lo + BATCH]
        x = model.features(chunk)
        p = model.predict_features(x)
        i, j = np.nonzero(p >= TEXT_EVIDENCE_FLOOR)
        if not len(i):
            continue
        terms = model.top_terms_features(x, list(zip(i.tolist(), j.tolist(), strict=True)))
        rows = [(keys[lo + a], model.capabilities[c], "text_model", "text_model", "text", None, t, 1,
                 urls.get(keys[lo + a]), round(float(p[a, c]), 4)) for a, c, t in zip(i, j, terms, strict=True)]
        insert_evidence(con, rows)
        longs.append(pd.DataFrame({"award_key": [keys[lo + a] for a in i],
                                   "capability_id": [model.capabilities[c] for c in j], "p": p[i, j]}))
    if not longs:
        return pd.DataFrame({"award_key": pd.Series(dtype=str), "capability_id": pd.Series(dtype=str),
                             "p": pd.Series(dtype=float)})
    return pd.concat(longs, ignore_index=True)


def decide(con, k: Knowledge, combiner: scoring.Combiner, text_p: pd.DataFrame) -> pd.DataFrame:
    """Scores, tiers and roles per (award, capability) with evidence: the classifier's decision."""
    ev = con.execute("SELECT award_key, capability_id, method, confidence FROM _ev").df()
    x = scoring.feature_frame(ev, text_p)
    if x.empty:
        return x.assign(score=[], tier=[], role=[], role_rule=[])
    x["score"] = combiner.score(x)
    # a federal record (the AI use-case inventory) linking the award is always shown, at least as possible
    ai = set(con.execute("SELECT DISTINCT award_key, capability_id FROM _ev WHERE method = 'ai_inventory'"
                         ).fetchall())
    if ai:
        linked = np.array([(a, c) in ai for a, c in zip(x["award_key"], x["capability_id"], strict=True)])
        x.loc[linked, "score"] = np.maximum(x.loc[linked, "score"], combiner.t_possible)
    x["tier"] = combiner.tier(x["score"].to_numpy())
    x = x[x["tier"] != ""].reset_index(drop=True)
    return roles.assign(con, k.caps["roles"], x)


def run(con, k: Knowledge, model: TextModel, combiner: scoring.Combiner) -> pd.DataFrame:
    """Evidence, text model and decision over the prepared _cls_awards/_texts (build and evaluation)."""
    evidence(con, k)
    return decide(con, k, combiner, text_pass(con, model))
