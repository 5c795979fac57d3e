"""Agencies: department -> subtier -> office, and the components readers ask about (HSI, ERO, OFO, ...).

Why a rule per award: award records name a department and subtier reliably (codes), an office
sometimes, and a component (Homeland Security Investigations, Border Patrol) only in office names or
free-text descriptions. The registry says which of these decided, so "ICE HSI bought X" can be checked.
In order, the first that names exactly one component of the award's subtier decides:
  subtier         the component is the whole subtier agency (FBI = subtier 1549);
  funding_office  the funding office name names the component: the award record's, else the name FPDS gives its
                  fundingRequestingOfficeID (latest action that has one, and only when FPDS's paying agency is the
                  award's own subtier; the rule then says "FPDS funding office <code>"); a record's funding
                  office counts only when its funding subtier is the awarding one (or not given): CBP and ICE both
                  have an "Office of Training and Development". It comes first because the funding office is
                  the program that pays: "which component bought it" is whose money it is, while the awarding
                  (contracting) office often signs for several components;
  office          the awarding office name names the component (detention contracting offices buy for ERO);
  description     the award's own (base) description names the component (modifications are not used: they
                  often add work for other offices);
  program         the base description names a program that exactly one component runs, as a public page
                  states (data/component_programs.yaml: ISAP and detention for ERO, SEVIS for HSI, ...);
                  a description that names one component and another's program names two: ambiguous; a
                  program's `unless` words in the same description keep it from deciding (MPP hearing tents);
  piid_office     the office code that opens the PIID (data/contracting_offices.yaml gives its name, from public
                  records) names the component: search exports carry no office, but the PIID does;
  ambiguous       the description names several components (left unresolved, all are listed).
An office name that matches two components decides nothing (the next signal is read). No rule guesses: an office
that buys for several components ("MISSION SUPPORT DALLAS", "DHS CLOSEOUT INITIATIVE") names none, and the award
stays "component not identified".
Components are configured in data/agency_components.yaml; the code table is
data/code_tables/agency_codes.csv (see data/code_tables/README.md).
"""

from __future__ import annotations

import pandas as pd

from registry.core.sqltext import literal
from registry.core.yamlfile import safe_load
from registry.model.curated import CuratedDataError, check_url

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_fpds_actions")
WRITES = ("t_agencies", "t_award_agency")


def _components(data_dir) -> pd.DataFrame:
    path = data_dir / "agency_components.yaml"
    with open(path, encoding="utf-8") as f:
        comps = (safe_load(f) or {}).get("components") or []
    rows = []
    for c in comps:
        if not c.get("id") or not c.get("name") or not c.get("subtier_code"):
            raise CuratedDataError(f"{path}: component {c.get('id')!r}: needs id, name, subtier_code")
        if not c.get("whole_subtier") and not (c.get("office_pattern") or c.get("description_pattern")):
            raise CuratedDataError(f"{path}: component {c['id']!r}: needs a pattern or whole_subtier")
        check_url(path, f"component {c['id']!r}", c.get("citation"))
        for url in c.get("office_citations") or []:
            check_url(path, f"component {c['id']!r} office_citations", url)
        rows.append({"component_id": c["id"], "component_name": c["name"], "subtier_code": str(c["subtier_code"]),
                     "whole_subtier": bool(c.get("whole_subtier")), "office_pattern": c.get("office_pattern"),
                     "description_pattern": c.get("description_pattern"), "citation": c["citation"]})
    return pd.DataFrame(rows, columns=["component_id", "component_name", "subtier_code", "whole_subtier",
                                       "office_pattern", "description_pattern", "citation"])


def _programs(data_dir, component_ids: set[str]) -> pd.DataFrame:
    """Programs one component runs (data/component_programs.yaml): the description pattern that names each, with
    the public page that says which component runs it, and optionally `unless`: words that, found in the same
    description, mean the program's words are about something else (soft-sided facilities for Border Patrol
    custody, but not the ones built for MPP immigration hearings)."""
    path = data_dir / "component_programs.yaml"
    rows = []
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for g in (safe_load(f) or {}).get("programs") or []:
                where = f"program {g.get('program')!r}"
                if not g.get("program") or not g.get("component") or not g.get("pattern"):
                    raise CuratedDataError(f"{path}: {where}: needs program, component, pattern")
                if g["component"] not in component_ids:
                    raise CuratedDataError(f"{path}: {where}: unknown component {g['component']!r}")
                check_url(path, where, g.get("citation"))
                rows.append({"component_id": g["component"], "program": g["program"], "pattern": g["pattern"],
                             "unless": g.get("unless"), "citation": g["citation"]})
    return pd.DataFrame(rows, columns=["component_id", "program", "pattern", "unless", "citation"])


def _offices(data_dir) -> pd.DataFrame:
    """Contracting office code -> name (data/contracting_offices.yaml), each with its citation."""
    path = data_dir / "contracting_offices.yaml"
    rows = []
    if path.exists():
        with open(path, encoding="utf-8") as f:
            for o in (safe_load(f) or {}).get("offices") or []:
                if not o.get("code") or not o.get("name") or not o.get("subtier_code"):
                    raise CuratedDataError(f"{path}: office {o.get('code')!r}: needs code, name, subtier_code")
                check_url(path, f"office {o['code']!r}", o.get("citation"))
                rows.append({"office_code": str(o["code"]).upper(), "subtier_code": str(o["subtier_code"]),
                             "office_name": o["name"]})
    return pd.DataFrame(rows, columns=["office_code", "subtier_code", "office_name"])


def build(ctx) -> None:
    """Create `t_agencies` (the hierarchy, public view `agencies`) and `t_award_agency` (each award's place in it, with the rule)."""
    con = ctx.con
    comps = _components(ctx.data_dir)
    programs = _programs(ctx.data_dir, set(comps.component_id))
    for name, df in (("_comp", comps), ("_programs", programs), ("_offices", _offices(ctx.data_dir))):
        con.register(name + "_df", df)
        try:
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {name}_df")  # noqa: S608 - our own names
        finally:
            con.unregister(name + "_df")
    codes = ctx.data_dir / "code_tables" / "agency_codes.csv"
    con.execute(
        "CREATE TEMP TABLE _codes AS SELECT cgac_code, agency_name, agency_abbreviation, subtier_code, "
        "subtier_name, subtier_abbreviation FROM read_csv(?, all_varchar = true, header = true)",
        [str(codes)],
    )
    # The funding office FPDS reports (purchaserInformation/fundingRequestingOfficeID), for awards whose record has
    # none: the latest action that names one, and only where the paying agency is the award's own subtier (an ICE
    # order paid by another agency's office says nothing about ICE's components; two agencies have an "Office of
    # Professional Responsibility").
    con.execute(
        """
        CREATE TEMP TABLE _fpds_funding AS
        SELECT award_key, arg_max(funding_office_name, (signed_date, modification_number, transaction_number))
                   AS funding_office_name,
               arg_max(funding_office_id, (signed_date, modification_number, transaction_number)) AS funding_office_id
        FROM t_fpds_actions
        WHERE funding_office_name IS NOT NULL AND funding_agency_id = agency_id
        GROUP BY award_key
        """
    )
    con.execute(
        r"""
        CREATE TEMP TABLE _aw AS
        WITH a AS (
            -- the record's funding office, only when the paying subtier is the awarding one (or not given): an ICE
            -- order paid by CBP's "OFFICE OF TRAINING AND DEVELOPMENT" is not ICE's office of that name
            SELECT *, CASE WHEN funding_subagency IS NULL
                                OR upper(trim(funding_subagency)) = upper(trim(awarding_subagency))
                           THEN funding_office END AS own_funding_office
            FROM t_awards
        )
        SELECT a.award_key,
               coalesce(nullif(trim(a.awarding_subagency_code), ''),
                        CASE WHEN regexp_full_match(split_part(a.award_key, '_', 4), '\d{4}')
                             THEN split_part(a.award_key, '_', 4) END)            AS subtier_code,
               a.awarding_agency, a.awarding_agency_code, a.awarding_subagency,
               a.awarding_office, a.awarding_office_code,
               coalesce(a.own_funding_office, fp.funding_office_name)         AS funding_office,
               CASE WHEN a.own_funding_office IS NOT NULL THEN 'funding office'
                    WHEN fp.funding_office_name IS NOT NULL
                         THEN 'FPDS funding office' || coalesce(' ' || fp.funding_office_id, '') END AS funding_signal,
               upper(left(a.piid, 6)) AS piid_office_code
        FROM a
        LEFT JOIN _fpds_funding fp USING (award_key)
        """
    )
    # Every office name an award carries, with the signal it is: 1 funding office, 2 awarding office, 3 the name of
    # the PIID's office code (only when the record names no awarding office).
    con.execute(
        """
        CREATE TEMP TABLE _names AS
        SELECT award_key, subtier_code, 1 AS prio, funding_signal AS signal, funding_office AS s,
               NULL::VARCHAR AS code
        FROM _aw WHERE funding_office IS NOT NULL
        UNION ALL
        SELECT award_key, subtier_code, 2, 'awarding office', awarding_office, NULL
        FROM _aw WHERE awarding_office IS NOT NULL
        UNION ALL
        SELECT w.award_key, w.subtier_code, 3, 'PIID office code', f.office_name, f.office_code
        FROM _aw w JOIN _offices f ON f.office_code = w.piid_office_code AND f.subtier_code = w.subtier_code
        WHERE w.awarding_office IS NULL
        """
    )
    # Each distinct (name, pattern) pair is matched once: a pattern that is not a constant is compiled for every
    # row it meets, and the award x component join meets the same few office names thousands of times.
    con.execute(
        """
        CREATE TEMP TABLE _office_match AS
        SELECT DISTINCT n.s, c.office_pattern AS p
        FROM (SELECT DISTINCT subtier_code, s FROM _names) n
        JOIN _comp c ON c.subtier_code = n.subtier_code AND c.office_pattern IS NOT NULL
        """
    )
    # a separate statement: within one, DuckDB pushes the filter below the DISTINCT, back onto every row
    con.execute("DELETE FROM _office_match WHERE NOT regexp_matches(s, p, 'i') OR s IS NULL")
    # Per award and signal, the component its office name names; a name that names two decides nothing.
    con.execute(
        """
        CREATE TEMP TABLE _by_office AS
        WITH hits AS (
            SELECT n.award_key, n.prio, c.component_id,
                   CASE WHEN n.code IS NULL THEN n.signal || ' ''' || n.s || ''''
                        ELSE 'PIID office code ' || n.code || ' (' || n.s || ')' END
                   || ' matches ' || c.office_pattern AS rule
            FROM _names n
            JOIN _comp c ON c.subtier_code = n.subtier_code AND c.office_pattern IS NOT NULL
            WHERE (n.s, c.office_pattern) IN (SELECT s, p FROM _office_match)
        ), decisive AS (
            SELECT award_key, prio, any_value(component_id) AS component_id, any_value(rule) AS rule
            FROM hits GROUP BY award_key, prio HAVING count(DISTINCT component_id) = 1
        )
        SELECT award_key,
               any_value(component_id) FILTER (prio = 1) AS funding_component,
               any_value(rule) FILTER (prio = 1)         AS funding_rule,
               any_value(component_id) FILTER (prio = 2) AS awarding_component,
               any_value(rule) FILTER (prio = 2)         AS awarding_rule,
               any_value(component_id) FILTER (prio = 3) AS piid_component,
               any_value(rule) FILTER (prio = 3)         AS piid_rule
        FROM decisive GROUP BY award_key
        """
    )
    # Descriptions: every pattern that names a component (kind 'component') or a program one component runs
    # (kind 'program'), matched on the award's own (base) description.
    con.execute(
        """
        CREATE TEMP TABLE _desc_rules AS
        SELECT component_id, subtier_code, 'component' AS kind, NULL::VARCHAR AS program, description_pattern AS p,
               NULL::VARCHAR AS unless, NULL::VARCHAR AS citation
        FROM _comp WHERE description_pattern IS NOT NULL
        UNION ALL
        SELECT g.component_id, c.subtier_code, 'program', g.program, g.pattern, g.unless, g.citation
        FROM _programs g JOIN _comp c USING (component_id)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE _desc_pairs AS
        SELECT DISTINCT a.description AS s, r.p
        FROM t_awards a
        JOIN _aw w USING (award_key)
        JOIN _desc_rules r ON r.subtier_code = w.subtier_code
        WHERE a.description IS NOT NULL
        """
    )
    # one statement per pattern, so each is a constant RE2 compiles once (a column pattern compiles per row)
    con.execute("CREATE TEMP TABLE _desc_match (s VARCHAR, p VARCHAR, matched VARCHAR)")
    for (pattern,) in con.execute("SELECT DISTINCT p FROM _desc_pairs ORDER BY p").fetchall():
        q = literal(pattern)
        con.execute(f"INSERT INTO _desc_match SELECT s, p, regexp_extract(s, {q}, 0, 'i') FROM _desc_pairs "  # noqa: S608
                    f"WHERE p = {q} AND regexp_matches(s, {q}, 'i')")
    # a program's `unless` words in the same description: that program's match is dropped (same one-pattern loop)
    for pattern, unless in con.execute("SELECT DISTINCT p, unless FROM _desc_rules WHERE unless IS NOT NULL "
                                       "ORDER BY 1, 2").fetchall():
        q, u = literal(pattern), literal(unless)
        con.execute(f"DELETE FROM _desc_match WHERE p = {q} AND regexp_matches(s, {u}, 'i')")  # noqa: S608
    con.execute(
        """
        CREATE TEMP TABLE _by_desc AS
        WITH hits AS (  -- each distinct (description, pattern) was matched once, in _desc_match
            SELECT a.award_key, r.component_id, r.kind, r.program, r.citation, m.matched
            FROM t_awards a
            JOIN _aw w USING (award_key)
            JOIN _desc_rules r ON r.subtier_code = w.subtier_code
            JOIN _desc_match m ON m.s = a.description AND m.p = r.p
            WHERE a.description IS NOT NULL
        ), per_award AS (
            SELECT award_key, count(DISTINCT component_id) AS n,
                   any_value(component_id) AS component_id,
                   bool_or(kind = 'component') AS names_component,
                   -- the words that decided: the component's own name if the text gives it, else the program
                   arg_min(CASE WHEN kind = 'component' THEN 'award description names ''' || matched || ''''
                                ELSE 'award description names ''' || matched || ''', the ' || program
                                     || ' program that ' || component_id || ' runs (source: ' || citation || ')'
                           END, (kind <> 'component', program, matched)) AS rule,
                   string_agg(DISTINCT component_id, ', ' ORDER BY component_id) AS named
            FROM hits GROUP BY award_key
        )
        SELECT award_key, n,
               CASE WHEN n = 1 THEN component_id END AS component_id,
               CASE WHEN n = 1 AND names_component THEN 'description' WHEN n = 1 THEN 'program' END AS basis,
               CASE WHEN n = 1 THEN rule
                    ELSE 'award description names several components or their programs: ' || named END AS rule
        FROM per_award
        """
    )
    con.execute(
        """
        CREATE TABLE t_award_agency AS
        SELECT w.award_key,
               coalesce(k.cgac_code, w.awarding_agency_code)                AS department_code,
               coalesce(k.agency_name, w.awarding_agency)                   AS department_name,
               w.subtier_code,
               coalesce(k.subtier_name, w.awarding_subagency)               AS subtier_name,
               k.subtier_abbreviation,
               coalesce(w.awarding_office_code, po.office_code)             AS office_code,
               coalesce(w.awarding_office, po.office_name)                  AS office_name,
               CASE WHEN w.awarding_office IS NOT NULL THEN 'award record'
                    WHEN po.office_name IS NOT NULL THEN 'PIID office code' END AS office_basis,
               -- the funding office, the awarding office, the award's description (component or program named),
               -- then the PIID's office code (the weakest signal: the office that signed, not whose money it is)
               coalesce(cs.component_id, o.funding_component, o.awarding_component, d.component_id,
                        o.piid_component)                                   AS component_id,
               CASE WHEN cs.component_id IS NOT NULL THEN 'subtier'
                    WHEN o.funding_component IS NOT NULL THEN 'funding_office'
                    WHEN o.awarding_component IS NOT NULL THEN 'office'
                    WHEN d.component_id IS NOT NULL THEN d.basis
                    WHEN o.piid_component IS NOT NULL THEN 'piid_office'
                    WHEN d.n > 1 THEN 'ambiguous' END                       AS component_basis,
               CASE WHEN cs.component_id IS NOT NULL
                         THEN 'subtier ' || w.subtier_code || ' (' || coalesce(k.subtier_name, '') || ') is the component'
                    WHEN o.funding_component IS NOT NULL THEN o.funding_rule
                    WHEN o.awarding_component IS NOT NULL THEN o.awarding_rule
                    WHEN d.component_id IS NOT NULL THEN d.rule
                    ELSE coalesce(o.piid_rule, d.rule) END                  AS component_rule
        FROM _aw w
        LEFT JOIN _codes k ON k.subtier_code = w.subtier_code
        LEFT JOIN _comp cs ON cs.subtier_code = w.subtier_code AND cs.whole_subtier
        LEFT JOIN _by_office o USING (award_key)
        LEFT JOIN _by_desc d USING (award_key)
        LEFT JOIN _offices po ON po.office_code = w.piid_office_code AND po.subtier_code = w.subtier_code
                              AND w.awarding_office IS NULL
        """
    )
    con.execute(
        """
        ALTER TABLE t_award_agency ADD COLUMN component_name VARCHAR;
        UPDATE t_award_agency SET component_name = c.component_name FROM _comp c
        WHERE t_award_agency.component_id = c.component_id;
        """
    )
    # The hierarchy as rows: department -> subtier -> component / office, only what the awards use.
    con.execute(
        """
        CREATE TABLE t_agencies AS
        WITH used AS (SELECT * FROM t_award_agency)
        SELECT DISTINCT 'department' AS level, 'dept:' || department_code AS agency_id, department_name AS name,
               NULL::VARCHAR AS abbreviation, department_code AS code, NULL::VARCHAR AS parent_agency_id,
               'code table agency_codes.csv (CGAC ' || department_code || ')' AS rule
        FROM used WHERE department_code IS NOT NULL
        UNION ALL
        SELECT DISTINCT 'subtier', 'sub:' || subtier_code, subtier_name, subtier_abbreviation, subtier_code,
               'dept:' || department_code, 'code table agency_codes.csv (subtier ' || subtier_code || ')'
        FROM used WHERE subtier_code IS NOT NULL
        UNION ALL
        SELECT DISTINCT 'component', 'comp:' || c.component_id, c.component_name, c.component_id, c.subtier_code,
               'sub:' || c.subtier_code,
               CASE WHEN c.whole_subtier THEN 'the whole subtier ' || c.subtier_code
                    ELSE 'data/agency_components.yaml: office ~ ' || coalesce(c.office_pattern, '-')
                         || '; description ~ ' || coalesce(c.description_pattern, '-') END
               || ' (source: ' || c.citation || ')'
               || coalesce('; programs it runs (data/component_programs.yaml): ' || g.programs, '')
        FROM _comp c
        LEFT JOIN (SELECT component_id, string_agg(program, '; ' ORDER BY program) AS programs
                   FROM _programs GROUP BY 1) g USING (component_id)
        WHERE c.component_id IN (SELECT component_id FROM used)
        UNION ALL
        SELECT 'office', 'office:' || subtier_code || ':' || coalesce(office_code, office_name), any_value(office_name),
               NULL, any_value(office_code), 'sub:' || subtier_code,
               string_agg(DISTINCT CASE office_basis WHEN 'PIID office code'
                                   THEN 'office code that opens the PIID (data/contracting_offices.yaml)'
                                   ELSE 'award record awarding office' END, '; ')
        FROM used WHERE office_name IS NOT NULL OR office_code IS NOT NULL
        GROUP BY subtier_code, coalesce(office_code, office_name)
        ORDER BY 1, 2
        """
    )
    for t in ("_comp", "_programs", "_codes", "_fpds_funding", "_aw", "_names", "_by_office", "_by_desc", "_offices", "_office_match",
              "_desc_rules", "_desc_pairs", "_desc_match"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    n = con.execute("SELECT count(*) FILTER (component_id IS NOT NULL), count(*) FROM t_award_agency").fetchone()
    ctx.log(f"agencies: component resolved for {n[0]:,} of {n[1]:,} awards")
