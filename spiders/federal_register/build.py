"""Build step: Federal Register privacy documents -> `privacy_notices`, and their links (t_links_fr).

Why links by system identifier and name: a SORN shares no key with a contract or an inventory entry; what
it shares is the system — its identifier ('DHS/ICE-009') and its name ('External Investigations'), which an
AI inventory entry may quote as the system it runs on, and an award description may name. Each link says
which text matched; name matches are weaker than identifier matches and need a name long enough to mean it.
"""

from __future__ import annotations

from registry.core.steps import describe_from_schema, staging_table, table_exists

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_agencies", "t_ai_use_cases", "stg.stg_fr_documents")
WRITES = ("t_privacy_notices", "t_links_fr", "privacy_notices")

# Federal Register agency slug -> registry agency id (links only to agencies the registry holds).
AGENCY_SLUGS = {
    "homeland-security-department": "dept:070",
    "justice-department": "dept:015",
    "u-s-immigration-and-customs-enforcement": "sub:7012",
    "u-s-customs-and-border-protection": "sub:7014",
}
MIN_NAME_CHARS = 12  # a shorter extracted system name ('Case Files') is too generic to match on its own


def build(ctx) -> None:
    """t_privacy_notices, the `privacy_notices` view and t_links_fr (notice -> agency, AI use case, award)."""
    con = ctx.con
    src = staging_table(con, "stg_fr_documents", "federal_register")
    con.execute(
        f"""
        CREATE TABLE t_privacy_notices AS
        SELECT d.* EXCLUDE (raw_payload, agency_names, agency_slugs, docket_ids),
               coalesce(from_json(d.agency_names, '["VARCHAR"]'), []::VARCHAR[]) AS agency_names,
               coalesce(from_json(d.agency_slugs, '["VARCHAR"]'), []::VARCHAR[]) AS agency_slugs,
               coalesce(from_json(d.docket_ids, '["VARCHAR"]'), []::VARCHAR[]) AS docket_ids
        FROM {src} d
        """  # noqa: S608 - table name from our own schema
    )
    con.execute("CREATE TABLE t_links_fr (from_kind VARCHAR, from_id VARCHAR, to_kind VARCHAR, to_id VARCHAR, "
                "method VARCHAR, evidence VARCHAR, confidence DOUBLE)")
    slugs = ", ".join(f"('{k}', '{v}')" for k, v in AGENCY_SLUGS.items())
    if table_exists(con, "t_agencies"):
        con.execute(
            f"""
            INSERT INTO t_links_fr
            SELECT DISTINCT 'privacy_notice', n.document_number, 'agency', m.agency_id, 'federal_register_agency',
                   'Federal Register agency ' || s.slug, 1.0
            FROM t_privacy_notices n, unnest(n.agency_slugs) AS s(slug)
            JOIN (VALUES {slugs}) m(slug, agency_id) ON m.slug = s.slug
            JOIN t_agencies a ON a.agency_id = m.agency_id
            UNION
            SELECT 'privacy_notice', n.document_number, 'agency', a.agency_id, 'system_identifier_component',
                   'system identifier ' || n.system_identifier || ' names ' || a.abbreviation, 0.9
            FROM t_privacy_notices n
            JOIN t_agencies a ON a.level = 'subtier'
                AND upper(a.abbreviation) = regexp_extract(n.system_identifier, '/([A-Z]+)-', 1)
            """  # noqa: S608 - constants of this module only
        )
    if table_exists(con, "t_ai_use_cases"):
        con.execute(
            f"""
            INSERT INTO t_links_fr
            SELECT 'privacy_notice', n.document_number, 'ai_use_case', u.inventory_year || ':' || u.use_case_id,
                   'system_identifier_in_use_case',
                   'use case names ' || n.system_identifier || ' (from ' || n.system_evidence || ')', 0.9
            FROM t_privacy_notices n JOIN t_ai_use_cases u
              ON n.system_identifier IS NOT NULL
             AND strpos(upper(coalesce(u.system_name, '') || ' ' || coalesce(u.description, '')),
                        upper(n.system_identifier)) > 0
            UNION
            SELECT 'privacy_notice', n.document_number, 'ai_use_case', u.inventory_year || ':' || u.use_case_id,
                   'system_name_match', 'use case system ''' || u.system_name || ''' ~ notice system '''
                   || n.system_name || '''', 0.6
            FROM t_privacy_notices n JOIN t_ai_use_cases u
              ON length(n.system_name) >= {MIN_NAME_CHARS}
             AND strpos(upper(u.system_name), upper(n.system_name)) > 0
            """  # noqa: S608 - constants of this module only
        )
    con.execute(
        f"""
        INSERT INTO t_links_fr
        SELECT DISTINCT 'privacy_notice', n.document_number, 'award', a.award_key,
               'system_name_in_award_description',
               'award description names the notice''s system ''' || n.system_name || '''', 0.5
        FROM t_privacy_notices n JOIN t_awards a
          ON length(n.system_name) >= {MIN_NAME_CHARS} AND n.system_name LIKE '% %'
         AND strpos(upper(a.description), upper(n.system_name)) > 0
        """  # noqa: S608 - constants of this module only
    )
    _view(con)


def _view(con) -> None:
    con.execute(
        """
        CREATE VIEW privacy_notices AS
        SELECT document_number, document_kind, title, type, action, publication_date, effective_on,
               comments_close_on, citation, agency_names, agency_slugs, docket_ids, system_identifier,
               system_name, system_evidence, abstract, dates, html_url, pdf_url, body_html_url, raw_text_url,
               source, source_url, fetched_at, payload_sha256
        FROM t_privacy_notices
        """
    )
    describe_from_schema(con, "federal_register", "privacy_notices")
