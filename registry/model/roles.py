"""Money attribution: is a capability the award's PURPOSE or one COMPONENT of a larger buy?

Why: billions of border-barrier construction mention "detection technology"; counting a $3B wall as
surveillance spending makes a wall builder the top "surveillance vendor". The rules live in
data/capabilities.yaml (`roles:`), each with its reason: construction product/industry codes (PSC Y*/Z*,
"CONSTRUCTION OF", NAICS 23*), wall/road/building wording, and vehicle or vessel buys with cameras or
sensors are components - unless the award's own description names the surveillance system as what is
built (a tower or camera system project is its purpose), or the capability comes from a specialised
surveillance vendor's defaults or a named surveillance product (then that is what the award buys). Decided from the award's own description and
codes, never from a later modification (a modification adding cameras to a wall does not change what the
award is for).
"""

from __future__ import annotations

import pandas as pd

from registry.core.sqltext import literal


def assign(con, roles: dict, pairs: pd.DataFrame) -> pd.DataFrame:
    """Add `role` and `role_rule` to pairs (award_key, capability_id), reading temp tables _cls_awards/_texts."""
    out = pairs.copy()
    out["role"] = "purpose"
    out["role_rule"] = None
    if out.empty or not roles.get("component"):
        return out
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _role_text AS
        SELECT a.award_key,
               upper(coalesce(d.text, '')) AS description,
               upper(trim(coalesce(a.psc_code, '') || ' ' || coalesce(a.psc_description, ''))) AS psc,
               upper(trim(coalesce(a.naics_code, '') || ' ' || coalesce(a.naics_description, ''))) AS naics
        FROM _cls_awards a
        -- the award's own description; an award known only from its transactions has the earliest one's
        LEFT JOIN (SELECT award_key,
                          arg_min(text, (field <> 'description', action_date, coalesce(modification_number, '')))
                              AS text
                   FROM _texts WHERE field IN ('description', 'modification_description') GROUP BY award_key) d
            USING (award_key)
        """
    )
    keep = roles.get("purpose_unless")
    keep_sql = f"AND NOT regexp_matches(description, {literal(keep['pattern'])}, 'i')" if keep else ""
    hits: dict[str, list[tuple[str, list | None]]] = {}
    for r in roles["component"]:
        field = {"description": "description", "psc": "psc", "naics": "naics"}[r["field"]]
        unless = f"AND NOT regexp_matches({field}, {literal(r['unless'])}, 'i')" if r.get("unless") else ""
        for (k,) in con.execute(
            f"SELECT award_key FROM _role_text WHERE regexp_matches({field}, {literal(r['pattern'])}, 'i') "  # noqa: S608
            f"{unless} {keep_sql}"
        ).fetchall():
            hits.setdefault(k, []).append((r["id"], r.get("capabilities")))
    con.execute("DROP TABLE IF EXISTS _role_text")
    # a specialised surveillance maker or a named surveillance product is what the award buys, whatever the
    # product code says (CBP files tower orders under "construction of communications facilities")
    made = set(con.execute("SELECT DISTINCT award_key, capability_id FROM _ev "
                           "WHERE method IN ('vendor', 'product')").fetchall())
    roles_col, rule_col = [], []
    for k, cap in zip(out["award_key"], out["capability_id"], strict=True):
        rule = None if (k, cap) in made else next(
            (rid for rid, caps in hits.get(k, []) if not caps or cap in caps), None)
        roles_col.append("component" if rule else "purpose")
        rule_col.append(rule)
    out["role"], out["role_rule"] = roles_col, rule_col
    return out
