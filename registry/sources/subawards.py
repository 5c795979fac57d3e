"""Build step: the `subawards` view (registry/sql/940_subawards.sql) from `stg_subawards`.

Why a Python step around the SQL: a staging store made before migration 031 has no `stg_subawards`; the build
then reads an empty copy made from the migration (sources.common.staging_table) instead of failing.
"""

from __future__ import annotations

from importlib import resources

from registry.sources.common import staging_table


def build(ctx) -> None:
    """Create t_subawards and the public view `subawards` (needs awards and vendor_matches)."""
    src = staging_table(ctx.con, "stg_subawards", "031_subawards.sql")
    sql = resources.files("registry.sql").joinpath("940_subawards.sql").read_text()
    ctx.con.execute(sql.replace("{subawards}", src))
