"""Last build step: the public views the dashboard reads most are stored once as tables, views kept as names.

Why: the views join the base tables with the model tables and aggregate (vendor, agency and capability
summaries, monthly obligations) on every read. At 1M awards / 5M transactions that is seconds per page;
computed once at build time it is a scan of a stored table. The build rebuilds the registry from scratch
each time, so the stored copy can never go stale. The view names, their column order and every COMMENT ON
stay exactly as before: `awards` is still a view (now `SELECT * FROM t_mv_awards`), so exports, the
Parquet route and users' SQL see no difference.
"""

from __future__ import annotations

import time

from registry.core.sqltext import comment_on

# Dependency order: later views read earlier ones, so each is computed from stored tables.
MATERIALIZED = [
    "awards", "transactions", "vendor_summary", "agency_summary", "capability_summary", "monthly_obligations",
    "edges", "competition", "award_years", "search_index",
]

# Views stored slice by slice: view -> (table macro over a row-id range [lo, hi), the table whose row ids it
# ranges over). One statement over all 5M transactions spills its joins under the build's memory cap; slices of
# SLICE_ROWS keep each slice's hash tables in memory (900_core_views.sql says more; README, "Made faster").
# What this build step reads and writes (registry/build_order.py sorts the steps by them): every view it stores,
# so it runs after each one is final. It replaces those views by views over the stored tables (same rows).
READS = ("awards", "transactions", "vendor_summary", "agency_summary", "capability_summary", "monthly_obligations",
         "edges", "competition", "award_years", "search_index", "transactions_between")
WRITES = ("t_mv_awards", "t_mv_transactions", "t_mv_vendor_summary", "t_mv_agency_summary", "t_mv_capability_summary",
          "t_mv_monthly_obligations", "t_mv_edges", "t_mv_competition", "t_mv_award_years", "t_mv_search_index")

SLICED = {"transactions": ("transactions_between", "t_transactions")}
SLICE_ROWS = 1_000_000


def materialize(con, view: str) -> bool:
    """Store one view as t_mv_<view> and point the view at it, keeping its comments; False if absent."""
    row = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ? AND database_name = current_database() "
                      "AND schema_name = 'main'", [view]).fetchone()
    if row is None:
        return False
    view_comment = row[0]
    col_comments = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? AND database_name = current_database() "
        "AND schema_name = 'main' AND comment IS NOT NULL", [view]).fetchall()
    table = f"t_mv_{view}"
    # names come from the fixed lists above, never from input
    if view in SLICED:
        macro, base = SLICED[view]
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {view} LIMIT 0")  # noqa: S608
        end = con.execute(f"SELECT coalesce(max(rowid) + 1, 0) FROM {base}").fetchone()[0]  # noqa: S608
        for lo in range(0, end, SLICE_ROWS):
            con.execute(f"INSERT INTO {table} SELECT * FROM {macro}(?, ?)", [lo, lo + SLICE_ROWS])  # noqa: S608
    else:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {view}")  # noqa: S608
    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table}")  # noqa: S608
    comments = comment_on(view, view_comment, col_comments)
    if comments:
        con.execute(comments)
    if view in SLICED:
        con.execute(f"DROP MACRO TABLE {SLICED[view][0]}")  # the view no longer reads it
    return True


def build(ctx) -> None:
    done = []
    for v in MATERIALIZED:
        t0 = time.perf_counter()
        if materialize(ctx.con, v):
            done.append(v)
            ctx.timings[f"materialize:{v}"] = time.perf_counter() - t0  # per view, for bench/ profiles
    ctx.log(f"materialized {len(done)} views: {', '.join(done)}")
