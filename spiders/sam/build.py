"""Build step: SAM.gov justification and award notices -> `sam_notices`, and their links to awards.

Why several link rules with different confidences: a notice carries no award key, only what a contracting
officer typed — an award number (usually the order's PIID, sometimes the parent IDV's), a solicitation
number, and PIIDs or modification numbers inside the title or description. Each rule says which field
matched which award field, and the subtier code in the notice's office path (fullParentPathCode, e.g.
'070.7012.…') confirms or weakens the match against the award key's agency.
"""

from __future__ import annotations

from registry.core.steps import describe_from_schema, staging_table

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_transactions", "key_part", "stg.stg_sam_notices")
WRITES = ("t_sam_notices", "t_links_sam", "sam_notices")

MAX_ORDERS_PER_IDV = 20  # above this, naming only the parent IDV is too unspecific to link orders

LINK_RULES_SQL = """
CREATE OR REPLACE TEMP TABLE _sam_award_ids AS
SELECT award_key, upper(regexp_replace(piid, '[\\s-]', '', 'g')) AS piid_n,
       upper(regexp_replace(parent_piid, '[\\s-]', '', 'g')) AS parent_n, key_part(award_key, 4) AS agency_code
FROM t_awards WHERE piid IS NOT NULL;

CREATE OR REPLACE TEMP TABLE _sam_candidates AS
WITH n AS (
    SELECT notice_id, award_piid, award_number, solicitation_number,
           upper(regexp_replace(solicitation_number, '[\\s-]', '', 'g')) AS sol_n,
           nullif(split_part(full_parent_path_code, '.', 2), '') AS subtier_code, piids_in_text
    FROM t_sam_notices
),
rules AS (
    SELECT n.notice_id, a.award_key, n.subtier_code, a.agency_code, 'award_number' AS method, 1.0 AS base,
           'notice award number ' || n.award_number || ' = award PIID' AS evidence
    FROM n JOIN _sam_award_ids a ON a.piid_n = n.award_piid
    UNION ALL
    SELECT n.notice_id, a.award_key, n.subtier_code, a.agency_code, 'award_number_is_parent_idv', 0.5,
           'notice award number ' || n.award_number || ' = the award''s parent IDV PIID'
    FROM n JOIN _sam_award_ids a ON a.parent_n = n.award_piid
    UNION ALL
    SELECT n.notice_id, a.award_key, n.subtier_code, a.agency_code, 'piid_in_text', 0.8,
           'PIID ' || t.token || ' written in the notice title/description'
    FROM n, unnest(n.piids_in_text) AS t(token) JOIN _sam_award_ids a ON a.piid_n = t.token
    UNION ALL
    SELECT n.notice_id, a.award_key, n.subtier_code, a.agency_code, 'parent_idv_in_text', 0.4,
           'parent IDV PIID ' || t.token || ' written in the notice title/description'
    FROM n, unnest(n.piids_in_text) AS t(token) JOIN _sam_award_ids a ON a.parent_n = t.token
    UNION ALL
    SELECT n.notice_id, a.award_key, n.subtier_code, a.agency_code, 'solicitation_number', 0.7,
           'notice solicitation number ' || n.solicitation_number || ' = award PIID'
    FROM n JOIN _sam_award_ids a ON a.piid_n = n.sol_n
)
SELECT notice_id, award_key, method,
       CAST(round(CASE WHEN subtier_code IS NULL THEN base * 0.9
                       WHEN subtier_code = agency_code THEN base
                       ELSE base * 0.6 END, 2) AS DOUBLE) AS confidence,
       evidence || CASE WHEN subtier_code IS NULL THEN '; notice office path has no subtier code'
                        WHEN subtier_code = agency_code THEN '; notice subtier ' || subtier_code || ' = award agency'
                        ELSE '; notice subtier ' || subtier_code || ' <> award agency ' || coalesce(agency_code, '?')
                   END AS evidence
FROM rules;

-- A parent IDV (a GSA schedule, say) can have hundreds of orders: a notice that names only the IDV is linked
-- to its orders only when it matched no award directly, and only when the IDV has few orders here.
DELETE FROM _sam_candidates c
WHERE c.method IN ('award_number_is_parent_idv', 'parent_idv_in_text')
  AND (EXISTS (SELECT 1 FROM _sam_candidates d
               WHERE d.notice_id = c.notice_id
                 AND d.method IN ('award_number', 'piid_in_text', 'solicitation_number'))
       OR (SELECT count(*) FROM _sam_award_ids a
           WHERE a.parent_n = (SELECT parent_n FROM _sam_award_ids b WHERE b.award_key = c.award_key))
          > $max_orders);
"""


def build(ctx) -> None:
    """Create t_sam_notices, the `sam_notices` view and t_links_sam (notice -> award, notice -> transaction)."""
    con = ctx.con
    src = staging_table(con, "stg_sam_notices", "sam")
    con.execute(
        f"""
        CREATE TABLE t_sam_notices AS
        SELECT n.* EXCLUDE (raw_payload, piids_in_text, resource_links),
               coalesce(from_json(n.piids_in_text, '["VARCHAR"]'), []::VARCHAR[]) AS piids_in_text,
               coalesce(from_json(n.resource_links, '["VARCHAR"]'), []::VARCHAR[]) AS resource_links,
               'https://sam.gov/opp/' || n.notice_id || '/view' AS sam_url,
               regexp_extract_all(upper(coalesce(n.title, '') || ' ' || coalesce(n.description_text, '')),
                                  '\\bP\\d{{5}}\\b') AS modifications_in_text
        FROM {src} n
        """  # noqa: S608 - table name from our own schema
    )
    con.execute(LINK_RULES_SQL.replace("$max_orders", str(MAX_ORDERS_PER_IDV)))
    con.execute(
        """
        CREATE TABLE t_links_sam AS
        WITH best AS (
            SELECT notice_id, award_key, arg_max(method, confidence) AS method, max(confidence) AS confidence,
                   string_agg(evidence, ' | ' ORDER BY confidence DESC) AS evidence
            FROM _sam_candidates GROUP BY notice_id, award_key
        ),
        to_awards AS (
            SELECT 'sam_notice' AS from_kind, notice_id AS from_id, 'award' AS to_kind, award_key AS to_id,
                   method, evidence, confidence
            FROM best
        ),
        to_modifications AS (
            SELECT 'sam_notice', b.notice_id, 'transaction',
                   t.award_key || '|' || t.modification_number || '|' || t.transaction_number,
                   'modification_in_text',
                   'modification ' || m.mod || ' written in the notice, of the award linked by ' || b.method,
                   CAST(round(b.confidence * 0.9, 2) AS DOUBLE)
            FROM best b
            JOIN t_sam_notices n USING (notice_id)
            CROSS JOIN unnest(n.modifications_in_text) AS m(mod)
            JOIN t_transactions t ON t.award_key = b.award_key AND upper(t.modification_number) = m.mod
        )
        SELECT * FROM to_awards UNION ALL SELECT * FROM to_modifications
        """
    )
    con.execute("DROP TABLE IF EXISTS _sam_candidates; DROP TABLE IF EXISTS _sam_award_ids")
    con.execute(
        """
        CREATE VIEW sam_notices AS
        SELECT notice_id, ptype, notice_type, base_type, title, solicitation_number,
               full_parent_path_name, full_parent_path_code, posted_date, response_deadline, archive_type,
               archive_date, active, naics_code, classification_code, set_aside_code, set_aside,
               award_number, award_piid, award_amount, award_date, awardee_name, awardee_uei,
               description_url, description_text, authority_cited, piids_in_text, modifications_in_text,
               resource_links, ui_link, sam_url, source, source_url, fetched_at, payload_sha256
        FROM t_sam_notices
        """
    )
    describe_from_schema(con, "sam", "sam_notices")
