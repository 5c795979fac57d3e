"""Build step: lobbying filings -> `lobbying_filings`, `lobbying_issues`, `lobbying_contacts`,
`lobbying_quarters`, and links from filings to vendors by name with a match confidence.

Why names and a confidence: lobbying filings share no identifier with contract records (no UEI, no DUNS),
so a filing's client (or a self-filing registrant) is matched to a vendor by its normalised name (the
vendor resolver's `normalise_name`), exactly (confidence 0.9) or fuzzily above a threshold with a guard
(confidence scaled from the score, at most 0.8); never 1.0, because equal names are still only names.
Why amounts are counted once per quarter: an amendment re-files the same quarter; for each registrant,
client and period only the latest-posted report counts, so totals never add an original to its amendment.
"""

from __future__ import annotations

import pandas as pd
from rapidfuzz import fuzz, process

from registry.core.names import normalise_name
from registry.core.steps import describe_from_schema, staging_table, table_exists

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("vendors", "vendor_matches", "stg.stg_lda_filings")
WRITES = (
    "t_lobbying_filings", "t_lobbying_issues", "t_lobbying_contacts", "t_lobbying_quarters", "t_links_lda",
    "lobbying_filings", "lobbying_issues", "lobbying_contacts", "lobbying_quarters",
)

FUZZY_THRESHOLD = 92  # token_sort_ratio on normalised names; below this a name is left unlinked
EXACT_CONFIDENCE = 0.9
FUZZY_MAX_CONFIDENCE = 0.8

PERIODS_SQL = """
CREATE OR REPLACE TEMP TABLE _lda_periods (filing_period VARCHAR, quarter INTEGER, start_month INTEGER,
                                           end_month INTEGER);
INSERT INTO _lda_periods VALUES ('first_quarter', 1, 1, 3), ('second_quarter', 2, 4, 6),
    ('third_quarter', 3, 7, 9), ('fourth_quarter', 4, 10, 12), ('mid_year', NULL, 1, 6),
    ('year_end', NULL, 7, 12);
"""


def build(ctx) -> None:
    """Create the lobbying tables and views and t_links_lda (filing -> vendor)."""
    con = ctx.con
    src = staging_table(con, "stg_lda_filings", "lda")
    con.execute(PERIODS_SQL)
    con.execute(
        f"""
        CREATE TABLE t_lobbying_filings AS
        WITH f AS (
            SELECT s.* EXCLUDE (raw_payload),
                   coalesce(s.income, s.expenses) AS amount,
                   CASE WHEN s.income IS NOT NULL THEN 'income'
                        WHEN s.expenses IS NOT NULL THEN 'expenses' END AS amount_kind,
                   upper(s.filing_type) LIKE 'R%' AS is_registration,
                   p.quarter,
                   make_date(s.filing_year, p.start_month, 1) AS period_start,
                   last_day(make_date(s.filing_year, p.end_month, 1)) AS period_end
            FROM {src} s LEFT JOIN _lda_periods p USING (filing_period)
        )
        SELECT f.*,
               NOT is_registration AND row_number() OVER (
                   PARTITION BY registrant_id, client_id, filing_year, filing_period, is_registration
                   ORDER BY dt_posted DESC NULLS LAST, filing_uuid) = 1 AS counted
        FROM f
        """  # noqa: S608 - table name from our own schema
    )
    con.execute(
        """
        CREATE TABLE t_lobbying_issues AS
        SELECT f.filing_uuid, a.idx AS activity_index,
               json_extract_string(a.act, '$.general_issue_code') AS general_issue_code,
               json_extract_string(a.act, '$.general_issue_code_display') AS general_issue,
               json_extract_string(a.act, '$.description') AS description,
               coalesce(json_array_length(json_extract(a.act, '$.lobbyists')), 0) AS lobbyist_count
        FROM t_lobbying_filings f,
             LATERAL (SELECT unnest(from_json(f.lobbying_activities, '["JSON"]')) AS act,
                             generate_subscripts(from_json(f.lobbying_activities, '["JSON"]'), 1) AS idx) a;

        CREATE TABLE t_lobbying_contacts AS
        SELECT i.filing_uuid, i.activity_index, i.general_issue_code,
               TRY_CAST(json_extract_string(e.ent, '$.id') AS BIGINT) AS entity_id,
               json_extract_string(e.ent, '$.name') AS entity_name
        FROM t_lobbying_filings f
        JOIN t_lobbying_issues i USING (filing_uuid),
             LATERAL (SELECT unnest(from_json(coalesce(json_extract(f.lobbying_activities,
                 '$[' || (i.activity_index - 1) || '].government_entities'), '[]'), '["JSON"]')) AS ent) e;
        """
    )
    _links(ctx)
    con.execute(
        """
        CREATE TABLE t_lobbying_quarters AS
        WITH v AS (
            SELECT from_id AS filing_uuid, arg_max(to_id, confidence) AS vendor_id, max(confidence) AS confidence
            FROM t_links_lda GROUP BY from_id
        ),
        issues AS (
            SELECT filing_uuid, list(DISTINCT general_issue_code ORDER BY general_issue_code) AS issue_codes
            FROM t_lobbying_issues WHERE general_issue_code IS NOT NULL GROUP BY filing_uuid
        ),
        contacts AS (
            SELECT filing_uuid, list(DISTINCT entity_name ORDER BY entity_name) AS agencies
            FROM t_lobbying_contacts WHERE entity_name IS NOT NULL GROUP BY filing_uuid
        )
        SELECT v.vendor_id, f.client_name, f.filing_year, f.filing_period, f.quarter, f.period_start,
               f.period_end, sum(f.amount) AS amount, count(*) AS filings,
               count(DISTINCT f.registrant_id) AS registrants,
               list_sort(list_distinct(flatten(list(coalesce(i.issue_codes, []))))) AS issue_codes,
               list_sort(list_distinct(flatten(list(coalesce(c.agencies, []))))) AS agencies_contacted,
               min(v.confidence) AS min_match_confidence
        FROM t_lobbying_filings f
        LEFT JOIN v USING (filing_uuid)
        LEFT JOIN issues i USING (filing_uuid)
        LEFT JOIN contacts c USING (filing_uuid)
        WHERE f.counted
        GROUP BY ALL
        """
    )
    _views(con)


def _vendor_names(con) -> pd.DataFrame:
    """Every name the registry knows a vendor by: vendor display names and raw recipient names."""
    frames = []
    if table_exists(con, "vendors"):
        frames.append(con.execute("SELECT vendor_id, vendor_name AS name, 'vendor name' AS via FROM vendors").df())
    if table_exists(con, "vendor_matches"):
        frames.append(con.execute(
            "SELECT vendor_id, recipient_name AS name, 'recipient name' AS via FROM vendor_matches"
        ).df())
    if not frames:
        return pd.DataFrame(columns=["vendor_id", "name", "via", "norm"])
    names = pd.concat(frames, ignore_index=True).dropna(subset=["name", "vendor_id"])
    names["norm"] = names["name"].map(normalise_name)
    return names[names["norm"] != ""].drop_duplicates(subset=["norm", "vendor_id"])


def match_name(norm: str, index: dict[str, tuple[str, str, str]], choices: list[str]):
    """(vendor_id, matched name, via, method suffix, score) for a normalised name, or None.

    Fuzzy matches must also agree on the first word, so 'ACME DATA' never becomes 'ZENITH DATA'.
    """
    if not norm:
        return None
    if norm in index:
        vid, name, via = index[norm]
        return vid, name, via, "exact", 100.0
    if len(norm) < 5 or not choices:
        return None
    hit = process.extractOne(norm, choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_THRESHOLD)
    if not hit or hit[0].split()[0] != norm.split()[0]:
        return None
    vid, name, via = index[hit[0]]
    return vid, name, via, "fuzzy", float(hit[1])


def _links(ctx) -> None:
    """t_links_lda: lobbying_filing -> vendor, by client name (and by registrant name for self-filers)."""
    con = ctx.con
    names = _vendor_names(con)
    index = {r.norm: (r.vendor_id, r.name, r.via) for r in names.itertuples(index=False)}
    choices = list(index)
    filings = con.execute(
        "SELECT filing_uuid, client_name, registrant_name FROM t_lobbying_filings"
    ).df()
    rows = []
    for f in filings.itertuples(index=False):
        for role, name in (("client", f.client_name), ("registrant", f.registrant_name)):
            hit = match_name(normalise_name(name), index, choices) if isinstance(name, str) else None
            if not hit:
                continue
            vid, matched, via, kind, score = hit
            confidence = EXACT_CONFIDENCE if kind == "exact" else round(FUZZY_MAX_CONFIDENCE * score / 100, 2)
            evidence = (f"{role} name '{name}' ~ {via} '{matched}' (normalised "
                        f"'{normalise_name(name)}'{'' if kind == 'exact' else f', score {score:.0f}'})")
            rows.append(("lobbying_filing", f.filing_uuid, "vendor", vid, f"{role}_name_{kind}", evidence,
                         confidence))
    links = pd.DataFrame(rows, columns=["from_kind", "from_id", "to_kind", "to_id", "method", "evidence",
                                        "confidence"])
    # One link per filing and vendor: the client match wins over the registrant match (same vendor).
    links = links.sort_values("confidence", ascending=False, kind="stable").drop_duplicates(["from_id", "to_id"])
    con.register("_lda_links", links)
    try:
        con.execute(
            "CREATE TABLE t_links_lda (from_kind VARCHAR, from_id VARCHAR, to_kind VARCHAR, to_id VARCHAR, "
            "method VARCHAR, evidence VARCHAR, confidence DOUBLE)"
        )
        if len(links):
            con.execute("INSERT INTO t_links_lda SELECT * FROM _lda_links")
    finally:
        con.unregister("_lda_links")


def _views(con) -> None:
    con.execute(
        """
        CREATE VIEW lobbying_filings AS
        SELECT f.filing_uuid, f.filing_type, f.filing_type_display, f.filing_year, f.filing_period,
               f.quarter, f.period_start, f.period_end, f.income, f.expenses, f.amount, f.amount_kind,
               f.counted, f.dt_posted, f.termination_date, f.registrant_id, f.registrant_name, f.client_id,
               f.client_name, f.client_description, l.to_id AS vendor_id, l.confidence AS match_confidence,
               l.method AS match_method, l.evidence AS match_evidence, f.filing_document_url, f.api_url,
               f.matched_query, f.source, f.source_url, f.fetched_at, f.payload_sha256
        FROM t_lobbying_filings f
        LEFT JOIN (SELECT from_id, arg_max(to_id, confidence) AS to_id, max(confidence) AS confidence,
                          arg_max(method, confidence) AS method, arg_max(evidence, confidence) AS evidence
                   FROM t_links_lda GROUP BY from_id) l ON l.from_id = f.filing_uuid;

        CREATE VIEW lobbying_issues AS
        SELECT filing_uuid, activity_index, general_issue_code, general_issue, description, lobbyist_count
        FROM t_lobbying_issues;

        CREATE VIEW lobbying_contacts AS
        SELECT filing_uuid, activity_index, general_issue_code, entity_id, entity_name FROM t_lobbying_contacts;

        CREATE VIEW lobbying_quarters AS
        SELECT vendor_id, client_name, filing_year, filing_period, quarter, period_start, period_end, amount,
               filings, registrants, issue_codes, agencies_contacted, min_match_confidence
        FROM t_lobbying_quarters;
        """
    )
    describe_from_schema(con, "lda", "lobbying_filings")
    describe_from_schema(con, "lda", "lobbying_issues")
    describe_from_schema(con, "lda", "lobbying_contacts")
    describe_from_schema(con, "lda", "lobbying_quarters")
