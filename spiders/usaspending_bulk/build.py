"""Build step: the `subawards` view (subawards.sql beside this file) from `stg_subawards`.

Why a Python step around the SQL: a staging store made before this source's staging.sql had `stg_subawards` has
none; the build then reads an empty copy made from the DDL (registry.core.steps.staging_table) instead of failing.
"""

from __future__ import annotations

from pathlib import Path

from registry.core.steps import describe_from_schema, staging_table

# What this build step reads and writes: registry/build_order.py sorts the steps by them.
READS = ("awards", "vendor_matches", "recipient_key", "stg.stg_subawards")
WRITES = ("t_subawards", "subawards")


def build(ctx) -> None:
    """Create t_subawards and the public view `subawards` (needs awards and vendor_matches)."""
    src = staging_table(ctx.con, "stg_subawards", "usaspending_bulk")
    sql = Path(__file__).with_name("subawards.sql").read_text()
    ctx.con.execute(sql.replace("{subawards}", src))
    describe_from_schema(ctx.con, "usaspending_bulk", "subawards")
