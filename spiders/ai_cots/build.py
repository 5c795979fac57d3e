"""Build step: OMB's COTS AI use cases -> `ai_cots`, and their links (t_links_ai_cots) to agencies and vendors.

Why these two links: the COTS list names an agency by its full name and products in free text. The agency
is matched on the registry's agency name, exactly (an unmatched name stays unlinked: 'Department of
Treasury' is not guessed to be the Treasury). A product is matched only against the surveillance watchlist's
own curated patterns (data/watchlist.yaml: the company's name and its product names), never by fuzzy name:
a product cell such as 'Palantir Foundry' then says which watchlisted company's product an agency runs, with
the pattern that matched as evidence.
"""

from __future__ import annotations

import json
import re

import pandas as pd

from registry.core.steps import describe_from_schema, staging_table, table_exists

# What this build step reads and writes: registry/build_order.py sorts the steps by them.
READS = ("t_agencies", "t_vendors", "t_watchlist", "stg.stg_ai_cots")
WRITES = ("t_ai_cots", "t_links_ai_cots", "ai_cots")

LINK_COLUMNS = ["from_kind", "from_id", "to_kind", "to_id", "method", "evidence", "confidence"]


def cots_key(agency: str, use_case: str) -> str:
    """The id a COTS answer has in `links`: '<agency> | <use case>' (the file's own key, readable)."""
    return f"{agency} | {use_case}"


def build(ctx) -> None:
    """t_ai_cots, t_links_ai_cots and the `ai_cots` view."""
    con = ctx.con
    src = staging_table(con, "stg_ai_cots", "ai_cots")
    con.execute(
        f"""
        CREATE TABLE t_ai_cots AS
        SELECT agency || ' | ' || use_case AS cots_key, agency, use_case, agency_use, products,
               coalesce(product_names, []::VARCHAR[]) AS product_names, licenses, source_line,
               source, source_url, fetched_at, payload_sha256
        FROM {src}
        """  # noqa: S608 - table name from our own schema
    )
    rows = _agency_links(con) + _watchlist_links(con)
    frame = pd.DataFrame(rows, columns=LINK_COLUMNS)
    con.execute("CREATE TABLE t_links_ai_cots (from_kind VARCHAR, from_id VARCHAR, to_kind VARCHAR, "
                "to_id VARCHAR, method VARCHAR, evidence VARCHAR, confidence DOUBLE)")
    con.register("_cots_links", frame)
    try:
        con.execute("INSERT INTO t_links_ai_cots SELECT * FROM _cots_links")
    finally:
        con.unregister("_cots_links")
    con.execute(
        """
        CREATE VIEW ai_cots AS
        SELECT c.cots_key, c.agency,
               (SELECT min(l.to_id) FROM t_links_ai_cots l
                WHERE l.from_id = c.cots_key AND l.to_kind = 'agency') AS agency_id,
               c.use_case, c.agency_use, c.products, c.product_names, c.licenses,
               (SELECT list(DISTINCT l.to_id ORDER BY l.to_id) FROM t_links_ai_cots l
                WHERE l.from_id = c.cots_key AND l.to_kind = 'vendor') AS watchlist_vendor_ids,
               c.source_line, c.source, c.source_url, c.fetched_at, c.payload_sha256
        FROM t_ai_cots c
        """
    )
    describe_from_schema(con, "ai_cots", "ai_cots")


def _agency_links(con) -> list[tuple]:
    """COTS answer -> agency whose registry name equals the published agency name (case aside)."""
    if not table_exists(con, "t_agencies"):
        return []
    return [("ai_cots", key, "agency", aid, "agency_name_exact", f"COTS list agency '{agency}' = registry "
             f"agency '{name}'", 1.0)
            for key, agency, aid, name in con.execute(
                "SELECT c.cots_key, c.agency, a.agency_id, a.name FROM t_ai_cots c "
                "JOIN t_agencies a ON upper(trim(a.name)) = upper(c.agency) ORDER BY 1, 3").fetchall()]


def _watchlist_links(con) -> list[tuple]:
    """COTS answer -> vendor of a watchlisted company whose name or product pattern the product cell matches."""
    if not (table_exists(con, "t_watchlist") and table_exists(con, "t_vendors")):
        return []
    entries = []
    for wid, wname, pattern, products in con.execute(
            "SELECT watchlist_id, name, match_pattern, products FROM t_watchlist ORDER BY 1").fetchall():
        vids = [v for (v,) in con.execute(
            "SELECT vendor_id FROM t_vendors WHERE watchlist_id = ? ORDER BY (vendor_name = ?) DESC, vendor_id "
            "LIMIT 1", [wid, wname]).fetchall()]
        if not vids:
            continue  # the company has no vendor in this registry: nothing to link to
        patterns = [(f"watchlist name pattern {pattern}", pattern)] if pattern else []
        patterns += [(f"watchlist product '{p['name']}' pattern {p['pattern']}", p["pattern"])
                     for p in json.loads(products or "[]")]
        entries.append((wname, vids[0], [(why, re.compile(p, re.I)) for why, p in patterns]))
    out = []
    for key, products in con.execute("SELECT cots_key, products FROM t_ai_cots WHERE products IS NOT NULL "
                                     "ORDER BY 1").fetchall():
        for wname, vid, patterns in entries:
            hit = next(((why, m.group(0)) for why, rx in patterns if (m := rx.search(products))), None)
            if hit:
                out.append(("ai_cots", key, "vendor", vid, "product_watchlist_pattern",
                            f"COTS product '{products[:160]}' names {wname}: '{hit[1]}' ({hit[0]})", 0.8))
    return out
