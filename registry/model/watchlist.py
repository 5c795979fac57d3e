"""Mark the vendors the registry follows by name (data/watchlist.yaml), whole families included.

Why families: the watchlist names companies as readers know them ("Thomson Reuters"), while awards go
to subsidiaries ("WEST PUBLISHING CORPORATION"); marking the matched vendor, its parents and its
children lets the dashboard filter on "watchlist vendors" without missing a subsidiary.
The `t_watchlist` table (public view `watchlist`) keeps each entry with its citations so every mark can be traced.
"""

from __future__ import annotations

import json

import pandas as pd

from registry.core.sqltext import literal
from registry.model import curated

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_vendors", "t_vendor_matches")
WRITES = ("t_watchlist",)
UPDATES = ("t_vendors",)


def _families(vendors: pd.DataFrame) -> dict[str, list[str]]:
    fam: dict[str, list[str]] = {}
    for vid, root in zip(vendors["vendor_id"], vendors["family_vendor_id"], strict=True):
        fam.setdefault(root, []).append(vid)
    return fam


def build(ctx) -> None:
    """Create `t_watchlist` and fill t_vendors.on_watchlist / watchlist_* from name patterns."""
    con = ctx.con
    caps = curated.load_capabilities(ctx.data_dir)
    entries = curated.load_watchlist(ctx.data_dir, {c["id"] for c in caps["capabilities"]})
    rows = [{
        "watchlist_id": w["id"], "name": w["name"], "match_pattern": w["match"], "website": w.get("website"),
        "default_capabilities": w["default_capabilities"],
        "products": json.dumps(w["products"]),
        "citation_url": w["citations"][0]["url"], "citation_title": w["citations"][0]["title"],
        "citations": json.dumps(w["citations"]),
    } for w in entries]
    wl = pd.DataFrame(rows, columns=["watchlist_id", "name", "match_pattern", "website", "default_capabilities",
                                     "products", "citation_url", "citation_title", "citations"])
    con.register("_wl", wl)
    try:
        con.execute("CREATE TABLE t_watchlist AS SELECT watchlist_id, name, match_pattern, website, "
                    "default_capabilities::VARCHAR[] AS default_capabilities, products::JSON AS products, "
                    "citation_url, citation_title, citations::JSON AS citations FROM _wl")
    finally:
        con.unregister("_wl")
    # A vendor is matched when its display name or any of its raw recipient names matches the pattern.
    # One scan per entry with its pattern as a constant: DuckDB compiles a constant regex once, but a pattern
    # read from a joined column is compiled again for every row (16 s instead of 0.1 s at 100k awards).
    matched = []
    if entries:
        con.execute("CREATE TEMP TABLE _wl_names AS SELECT DISTINCT vendor_id, name FROM ("
                    "SELECT vendor_id, vendor_name AS name FROM t_vendors UNION ALL "
                    "SELECT vendor_id, recipient_name FROM t_vendor_matches WHERE recipient_name IS NOT NULL)")
        per_entry = [
            f"SELECT DISTINCT vendor_id, {literal(w['id'])} AS watchlist_id FROM _wl_names "  # noqa: S608
            f"WHERE regexp_matches(name, {literal(w['match'])}, 'i')"  # curated patterns, not user input
            for w in entries
        ]
        matched = con.execute(" UNION ".join(per_entry) + " ORDER BY 1, 2").fetchall()
        con.execute("DROP TABLE _wl_names")
    vendors = con.execute("SELECT vendor_id, family_vendor_id FROM t_vendors").df()
    fam_of = dict(zip(vendors["vendor_id"], vendors["family_vendor_id"], strict=True))
    families = _families(vendors)
    mark: dict[str, str] = {}
    for vid, wid in matched:
        mark.setdefault(vid, wid)
    direct = set(mark)
    for vid, wid in list(mark.items()):
        for member in families.get(fam_of[vid], []):
            mark.setdefault(member, wid)
    if mark:
        marks = pd.DataFrame({"vendor_id": list(mark), "watchlist_id": list(mark.values()),
                              "direct": [v in direct for v in mark]})
        con.register("_marks", marks)
        try:
            con.execute(
                """
                UPDATE t_vendors SET on_watchlist = true, watchlist_id = m.watchlist_id, watchlist_name = w.name,
                       watchlist_citation = w.citation_url,
                       watchlist_basis = CASE WHEN m.direct THEN 'name matches ' || w.match_pattern
                                              ELSE 'family of a vendor whose name matches ' || w.match_pattern END,
                       website = coalesce(t_vendors.website, CASE WHEN m.direct THEN w.website END)
                FROM _marks m JOIN t_watchlist w USING (watchlist_id)
                WHERE t_vendors.vendor_id = m.vendor_id
                """
            )
        finally:
            con.unregister("_marks")
    ctx.log(f"watchlist: {len(entries)} entries, {len(mark):,} vendors marked")
