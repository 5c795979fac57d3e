"""Build step: named systems (data/systems.yaml) -> `systems`, t_links_systems and the modification view.

Why curated systems: no public record has a "system" key. Journalists write about ImmigrationOS, FALCON or
Mobile Fortify; the records name PIIDs, modification numbers, inventory ids and SORN identifiers. The YAML
says, with a citation each, which of those identifiers belong to which system; the build links only the
records the registry actually holds, and adds weaker links where a system's name is written in a record.
It is what lets the registry say that ImmigrationOS came as modifications P00009 and P00012 of order
70CTD022FR0000170 rather than as a new award.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from registry.core.steps import describe, table_exists
from registry.core.yamlfile import safe_load

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = (
    "t_awards", "t_transactions", "t_vendors", "t_agencies", "t_ai_use_cases", "t_privacy_notices",
    "t_sam_notices", "t_links_sam", "t_transaction_competition", "competition",
)
WRITES = ("t_systems", "t_links_systems", "system_modifications", "systems")

LINK_COLUMNS = ["from_kind", "from_id", "to_kind", "to_id", "method", "evidence", "confidence"]


def load_systems(data_dir) -> list[dict]:
    """Entries of data/systems.yaml (an absent file is no systems, not an error)."""
    path = data_dir / "systems.yaml"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        systems = safe_load(f).get("systems") or []
    for s in systems:
        if not s.get("citations"):
            raise ValueError(f"data/systems.yaml: system {s.get('id')!r} has no citation")
    return systems


def _piid_norm(p: str) -> str:
    return re.sub(r"[\s-]+", "", str(p)).upper()


def build(ctx) -> None:
    """t_systems, t_links_systems, views `systems` and `system_modifications`."""
    con = ctx.con
    systems = load_systems(ctx.data_dir)
    vendor_of = dict(con.execute(
        "SELECT watchlist_id, arg_min(vendor_id, (vendor_name <> watchlist_name)::INT) FROM t_vendors "
        "WHERE watchlist_id IS NOT NULL GROUP BY 1").fetchall()) if table_exists(con, "t_vendors") else {}
    rows, links = [], []
    for s in systems:
        sid = s["id"]
        cite = "; ".join(c["url"] for c in s["citations"])
        vendor_id = vendor_of.get(s.get("vendor")) if s.get("vendor") else None
        rows.append({"system_id": sid, "name": s["name"], "aliases": s.get("aliases") or [],
                     "agency_id": s.get("agency"), "vendor_id": vendor_id, "summary": s.get("summary"),
                     "curated_piids": [_piid_norm(a["piid"]) for a in s.get("awards") or []],
                     "curated_modifications": [f"{_piid_norm(a['piid'])} {m}" for a in s.get("awards") or []
                                               for m in a.get("modifications") or []],
                     "sorns": s.get("sorns") or [], "citations": json.dumps(s["citations"]),
                     "source_url": s["citations"][0]["url"]})
        if vendor_id:
            links.append(("system", sid, "vendor", vendor_id, "curated_vendor",
                          f"data/systems.yaml: vendor {s['vendor']} ({cite})", 1.0))
        if s.get("agency"):
            links.append(("system", sid, "agency", s["agency"], "curated_agency",
                          f"data/systems.yaml: agency {s['agency']}", 1.0))
        for a in s.get("awards") or []:
            piid = _piid_norm(a["piid"])
            for (award_key,) in con.execute("SELECT award_key FROM t_awards WHERE upper(replace(piid, '-', '')) = ?",
                                            [piid]).fetchall():
                mods = a.get("modifications") or []
                how = (f"funded as modifications {', '.join(mods)} of {a['piid']}, not a new award"
                       if a.get("funded_as") == "modification" else f"order {a['piid']}")
                links.append(("system", sid, "award", award_key, "curated_piid",
                              f"data/systems.yaml: {how} ({cite})", 1.0))
                for mod in mods:
                    for mod_n, tx_n, day, amount in con.execute(
                            "SELECT modification_number, transaction_number, action_date, federal_action_obligation "
                            "FROM t_transactions WHERE award_key = ? AND upper(modification_number) = ?",
                            [award_key, mod.upper()]).fetchall():
                        links.append(("system", sid, "transaction", f"{award_key}|{mod_n}|{tx_n}",
                                      "curated_modification",
                                      f"data/systems.yaml: modification {mod_n} of {a['piid']} ({day}, "
                                      f"${amount:,.2f}) funds {s['name']}", 1.0))
        for uc in s.get("ai_use_cases") or []:
            links.append(("system", sid, "ai_use_case", uc, "curated_use_case",
                          f"data/systems.yaml: inventory entry {uc} ({cite})", 1.0))
        for sorn in s.get("sorns") or []:
            links.append(("system", sid, "sorn_identifier", sorn, "curated_sorn", f"data/systems.yaml ({cite})", 1.0))
    frame = pd.DataFrame(rows, columns=["system_id", "name", "aliases", "agency_id", "vendor_id", "summary",
                                        "curated_piids", "curated_modifications", "sorns", "citations",
                                        "source_url"])
    con.register("_systems", frame)
    con.register("_sys_links", pd.DataFrame(links, columns=LINK_COLUMNS))
    try:
        con.execute("CREATE TABLE t_systems AS SELECT system_id::VARCHAR AS system_id, name::VARCHAR AS name, "
                    "aliases::VARCHAR[] AS aliases, agency_id::VARCHAR AS agency_id, vendor_id::VARCHAR AS vendor_id, "
                    "summary::VARCHAR AS summary, curated_piids::VARCHAR[] AS curated_piids, "
                    "curated_modifications::VARCHAR[] AS curated_modifications, sorns::VARCHAR[] AS sorns, "
                    "citations::JSON AS citations, source_url::VARCHAR AS source_url FROM _systems")
        con.execute("CREATE TEMP TABLE _sys_curated AS SELECT from_kind::VARCHAR AS from_kind, "
                    "from_id::VARCHAR AS from_id, to_kind::VARCHAR AS to_kind, to_id::VARCHAR AS to_id, "
                    "method::VARCHAR AS method, evidence::VARCHAR AS evidence, confidence::DOUBLE AS confidence "
                    "FROM _sys_links")
    finally:
        con.unregister("_systems")
        con.unregister("_sys_links")
    _derived_links(con)
    _views(con)


def _derived_links(con) -> None:
    """Curated links that point at records the registry holds, plus links where a system's name is written."""
    con.execute("CREATE TABLE t_links_systems AS SELECT * FROM _sys_curated WHERE to_kind IN "
                "('vendor', 'award', 'transaction', 'agency') AND (to_kind <> 'agency' OR to_id IN "
                "(SELECT agency_id FROM t_agencies))")
    con.execute(
        """
        INSERT INTO t_links_systems
        SELECT c.from_kind, c.from_id, 'ai_use_case', c.to_id, c.method, c.evidence, c.confidence
        FROM _sys_curated c JOIN t_ai_use_cases u ON u.inventory_year || ':' || u.use_case_id = c.to_id
        WHERE c.to_kind = 'ai_use_case';
        INSERT INTO t_links_systems
        SELECT c.from_kind, c.from_id, 'privacy_notice', n.document_number, 'sorn_identifier',
               'notice system identifier ' || n.system_identifier || ' = ' || c.to_id || ' (' || c.evidence || ')', 1.0
        FROM _sys_curated c JOIN t_privacy_notices n ON upper(n.system_identifier) = upper(c.to_id)
        WHERE c.to_kind = 'sorn_identifier';
        CREATE OR REPLACE TEMP TABLE _sys_alias AS
        SELECT system_id, unnest(aliases) AS alias FROM t_systems;
        INSERT INTO t_links_systems
        SELECT DISTINCT 'system', a.system_id, 'ai_use_case', u.inventory_year || ':' || u.use_case_id,
               'alias_in_use_case', 'use case name/system names ''' || a.alias || '''', 0.7
        -- candidates first, as for awards below: the regex is compiled for every pair it is tried on
        FROM _sys_alias a JOIN t_ai_use_cases u
          ON contains(lower(coalesce(u.use_case_name, '') || ' ' || coalesce(u.system_name, '')), lower(a.alias))
         AND regexp_matches(coalesce(u.use_case_name, '') || ' ' || coalesce(u.system_name, ''),
                            '\\b' || regexp_escape(a.alias) || '\\b', 'i')
        WHERE (a.system_id, u.inventory_year || ':' || u.use_case_id) NOT IN
              (SELECT (from_id, to_id) FROM t_links_systems WHERE to_kind = 'ai_use_case');
        INSERT INTO t_links_systems
        SELECT DISTINCT 'system', a.system_id, 'privacy_notice', n.document_number, 'alias_in_notice',
               'notice title/abstract names ''' || a.alias || '''', 0.7
        FROM _sys_alias a JOIN t_privacy_notices n
          ON contains(lower(coalesce(n.title, '') || ' ' || coalesce(n.abstract, '')), lower(a.alias))
         AND regexp_matches(coalesce(n.title, '') || ' ' || coalesce(n.abstract, ''),
                            '\\b' || regexp_escape(a.alias) || '\\b', 'i')
        WHERE (a.system_id, n.document_number) NOT IN
              (SELECT (from_id, to_id) FROM t_links_systems WHERE to_kind = 'privacy_notice');
        INSERT INTO t_links_systems
        SELECT DISTINCT 'system', a.system_id, 'award', w.award_key, 'alias_in_award_description',
               'award description names ''' || a.alias || '''', 0.6
        -- candidates first (a case-insensitive substring is necessary for the word match): a regex whose pattern
        -- comes from a joined row is compiled for every pair, minutes at 100k awards (bench/, issue 8)
        FROM _sys_alias a JOIN (WITH cand AS MATERIALIZED (
                  SELECT x.alias, y.award_key, y.description FROM (SELECT DISTINCT alias FROM _sys_alias) x
                  JOIN t_awards y ON contains(lower(coalesce(y.description, '')), lower(x.alias)))
              SELECT * FROM cand) w ON w.alias = a.alias
          AND regexp_matches(coalesce(w.description, ''), '\\b' || regexp_escape(a.alias) || '\\b', 'i')
        WHERE (a.system_id, w.award_key) NOT IN (SELECT (from_id, to_id) FROM t_links_systems WHERE to_kind = 'award');
        INSERT INTO t_links_systems
        SELECT DISTINCT 'system', a.system_id, 'transaction',
               t.award_key || '|' || t.modification_number || '|' || t.transaction_number,
               'alias_in_modification_description',
               'modification ' || t.modification_number || ' description names ''' || a.alias || '''', 0.6
        FROM _sys_alias a JOIN (WITH cand AS MATERIALIZED (
                  SELECT x.alias, y.award_key, y.modification_number, y.transaction_number, y.description
                  FROM (SELECT DISTINCT alias FROM _sys_alias) x
                  JOIN t_transactions y ON y.modification_number NOT IN ('0', '')
                   AND contains(lower(coalesce(y.description, '')), lower(x.alias)))
              SELECT * FROM cand) t ON t.alias = a.alias
         AND regexp_matches(coalesce(t.description, ''), '\\b' || regexp_escape(a.alias) || '\\b', 'i')
        WHERE (a.system_id, t.award_key || '|' || t.modification_number || '|' || t.transaction_number) NOT IN
              (SELECT (from_id, to_id) FROM t_links_systems WHERE to_kind = 'transaction')
          -- a system already linked to the whole award needs no link per modification naming it
          AND (a.system_id, t.award_key) NOT IN (SELECT (from_id, to_id) FROM t_links_systems WHERE to_kind = 'award');
        DROP TABLE _sys_alias; DROP TABLE _sys_curated;
        """
    )


def _views(con) -> None:
    con.execute(
        """
        CREATE VIEW system_modifications AS
        WITH mods AS (
            SELECT l.from_id AS system_id, split_part(l.to_id, '|', 1) AS award_key,
                   split_part(l.to_id, '|', 2) AS modification_number,
                   TRY_CAST(split_part(l.to_id, '|', 3) AS INTEGER) AS transaction_number, l.to_id AS transaction_id,
                   l.method AS link_method, l.confidence AS link_confidence
            FROM t_links_systems l WHERE l.to_kind = 'transaction'
        ),
        ja AS (
            SELECT l.to_id AS target, string_agg(n.notice_id || coalesce(' (' || n.authority_cited || ')', ''), '; ')
                       AS notices
            FROM t_links_sam l JOIN t_sam_notices n ON n.notice_id = l.from_id AND n.ptype = 'u'
            GROUP BY l.to_id
        )
        SELECT m.system_id, m.award_key, a.piid, m.modification_number, m.link_method, m.link_confidence,
               t.action_date, t.federal_action_obligation,
               t.description AS modification_description,
               c.competition_status AS award_competition_status, c.extent_competed_plain AS award_extent_competed,
               tc.competition_status AS modification_competition_status,
               tc.extent_competed_plain AS modification_extent_competed,
               tc.other_than_full_and_open_plain AS modification_not_competed_reason,
               tc.fair_opportunity_limited_sources_plain AS modification_fair_opportunity_exception,
               jt.notices AS justification_notices,
               ja_award.notices AS award_justification_notices,
               CASE
                 WHEN c.competition_status IS NULL OR c.competition_status = 'not reported'
                   THEN 'award-level competition not reported in the records held'
                 WHEN c.competition_status = 'competed'
                      AND (coalesce(tc.sole_source, false) OR jt.notices IS NOT NULL)
                   THEN 'disagree: award reported as competed (' || coalesce(c.extent_competed_plain, '?')
                        || ') but this modification is justified as not competed ('
                        || concat_ws('; ', CASE WHEN tc.sole_source THEN tc.sole_source_basis END,
                                     'J&A ' || jt.notices)
                        || ')'
                 WHEN c.competition_status = 'competed' AND coalesce(tc.competition_status, 'not reported') = 'not reported'
                   THEN 'award reported as competed; this modification reports no competition fields and has no '
                        || 'J&A of its own'
                 WHEN c.competition_status = 'competed' THEN 'agree: competed, no sole-source basis on the modification'
                 ELSE 'agree: award reported as ' || c.competition_status
               END AS competition_check,
               'modification ' || m.modification_number || ' of ' || a.piid || ', not a new award' AS funded_as,
               coalesce(t.usaspending_url, t.source_url) AS source_url
        FROM mods m
        JOIN t_transactions t ON t.award_key = m.award_key AND t.modification_number = m.modification_number
             AND t.transaction_number = m.transaction_number
        JOIN t_awards a ON a.award_key = m.award_key
        LEFT JOIN competition c ON c.award_key = m.award_key
        LEFT JOIN t_transaction_competition tc ON tc.award_key = m.award_key
             AND tc.modification_number = m.modification_number AND tc.transaction_number = m.transaction_number
        LEFT JOIN ja jt ON jt.target = m.transaction_id
        LEFT JOIN ja ja_award ON ja_award.target = m.award_key
        """
    )
    describe(con, "system_modifications", "Contract modifications that fund a named system (data/systems.yaml), "
             "with the award-level competition code beside the modification's own and any J&A notice.", {
        "system_id": "System (systems.system_id).",
        "award_key": "The award the modification belongs to.",
        "piid": "The award's PIID.",
        "modification_number": "Modification number (e.g. P00009).",
        "link_method": "curated_modification (data/systems.yaml, cited) or alias_in_modification_description (the "
                       "modification's description names the system).",
        "link_confidence": "Confidence of that link (1.0 curated, 0.6 name in description).",
        "action_date": "Action date of the modification.",
        "federal_action_obligation": "Obligation of the modification, USD.",
        "modification_description": "The modification's description as reported.",
        "award_competition_status": "Competition status of the award as a whole (competition view).",
        "award_extent_competed": "Award-level extent competed, in plain words.",
        "modification_competition_status": "Competition status reported on this modification.",
        "modification_extent_competed": "Extent competed reported on this modification, in plain words.",
        "modification_not_competed_reason": "Reason not competed (other than full and open) on this modification.",
        "modification_fair_opportunity_exception": "Fair-opportunity exception on this modification.",
        "justification_notices": "SAM.gov J&A notices linked to this very modification, with the authority "
                                 "they cite (notice id (authority); ...).",
        "award_justification_notices": "SAM.gov J&A notices linked to the award as a whole (they may concern "
                                       "another modification).",
        "competition_check": "'disagree: ...' when the award-level code says competed but the modification has a "
                             "sole-source basis or a J&A of its own; 'agree: ...'; or which side is not reported.",
        "funded_as": "States that the money came as a modification of the award, not as a new award.",
        "source_url": "Public page of the modification's record.",
    })
    con.execute(
        """
        CREATE VIEW systems AS
        SELECT s.system_id, s.name, s.aliases, s.summary, s.agency_id, s.vendor_id, v.vendor_name,
               (SELECT count(DISTINCT to_id) FROM t_links_systems l
                 WHERE l.from_id = s.system_id AND l.to_kind = 'award') AS award_count,
               (SELECT count(*) FROM system_modifications m WHERE m.system_id = s.system_id
                 AND m.link_method = 'curated_modification') AS modification_count,
               (SELECT sum(federal_action_obligation) FROM system_modifications m
                 WHERE m.system_id = s.system_id AND m.link_method = 'curated_modification') AS modification_obligations,
               (SELECT CASE WHEN count(*) > 0 THEN 'modifications ' || string_agg(modification_number, ', '
                       ORDER BY modification_number) || ' of ' || string_agg(DISTINCT piid, ', ')
                       || ', not a new award' END
                  FROM system_modifications m WHERE m.system_id = s.system_id
                   AND m.link_method = 'curated_modification') AS funded_as,
               (SELECT count(DISTINCT to_id) FROM t_links_systems l
                 WHERE l.from_id = s.system_id AND l.to_kind = 'ai_use_case') AS ai_use_case_count,
               (SELECT count(DISTINCT to_id) FROM t_links_systems l
                 WHERE l.from_id = s.system_id AND l.to_kind = 'privacy_notice') AS privacy_notice_count,
               s.sorns, s.citations, s.source_url
        FROM t_systems s LEFT JOIN t_vendors v ON v.vendor_id = s.vendor_id
        """
    )
    describe(con, "systems", "Named systems (ImmigrationOS, ICM, ELITE, FALCON, Mobile Fortify, ...) curated in "
             "data/systems.yaml with citations, and how many public records of each kind link to them.", {
        "system_id": "Short id of the system.",
        "name": "System name.",
        "aliases": "Other names the system goes by (matched as whole words in records).",
        "summary": "One-paragraph description, from the citations.",
        "agency_id": "Registry agency that runs the system.",
        "vendor_id": "Registry vendor that builds or runs it (watchlist vendor), when known.",
        "vendor_name": "Vendor display name.",
        "award_count": "Awards linked to the system (curated PIID or name in the description).",
        "modification_count": "Modifications curated as funding the system (system_modifications rows with "
                              "link_method curated_modification).",
        "modification_obligations": "Sum of those curated modifications' obligations, USD.",
        "funded_as": "E.g. 'modifications P00009, P00012 of 70CTD022FR0000170, not a new award'.",
        "ai_use_case_count": "AI inventory entries linked to the system.",
        "privacy_notice_count": "Privacy Act notices linked to the system.",
        "sorns": "System-of-records identifiers curated for the system.",
        "citations": "Sources for the curated facts (JSON list of url, title).",
        "source_url": "First citation.",
    })
