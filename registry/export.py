"""`registry export`: every public view as CSV and Parquet, or as Hive-partitioned Parquet.

Why Parquet partitions by fiscal year and agency: that is how people slice this data, and it is the
layout DuckDB, MotherDuck, Trino and Spark all read without a server (see docs/scaling-out.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from registry.core.readonly import DESCRIPTIONS_FILE
from registry.core.sqltext import literal
from registry.glossary import glossary_rows

# Views with an action or award date get partitioned; the rest are written whole.
PARTITIONED = {
    "awards": ("coalesce(first_action_date, date_signed, start_date)", "awarding_subagency"),
    "transactions": ("action_date", "awarding_subagency"),
}


def public_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the registry's public views (internal tables start with t_ and are not exported)."""
    rows = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal "
        "AND schema_name = 'main' ORDER BY view_name"
    ).fetchall()
    return [r[0] for r in rows]


def _fiscal_year(expr: str) -> str:
    return f"(year({expr}) + CASE WHEN month({expr}) >= 10 THEN 1 ELSE 0 END)"


def export(db: Path, out_dir: Path, parquet_dir: Path | None = None) -> list[Path]:
    """Write CSV + Parquet per view into out_dir, or Hive-partitioned Parquet into parquet_dir."""
    if not Path(db).exists():
        raise FileNotFoundError(f"{db} does not exist: run `registry build` first")
    con = duckdb.connect(str(db), read_only=True)
    written: list[Path] = []
    try:
        views = public_views(con)
        if parquet_dir is not None:
            parquet_dir.mkdir(parents=True, exist_ok=True)
            for v in views:
                target = parquet_dir / v
                if v in PARTITIONED:
                    date_expr, agency = PARTITIONED[v]
                    # a missing value stays NULL (DuckDB writes Hive's __HIVE_DEFAULT_PARTITION__, which Spark,
                    # pyarrow and DuckDB read back as NULL): a text 'unknown' made fiscal_year a string column
                    fy = f"CAST({_fiscal_year(date_expr)} AS INTEGER) AS fiscal_year"
                    ag = f"{agency} AS agency"
                    opts = "FORMAT parquet, PARTITION_BY (fiscal_year, agency), OVERWRITE_OR_IGNORE"
                    sql = f"COPY (SELECT *, {fy}, {ag} FROM {v}) TO {literal(target)} ({opts})"  # noqa: S608
                    con.execute(sql)
                else:
                    target.mkdir(parents=True, exist_ok=True)
                    con.execute(f"COPY {v} TO {literal(target / 'data.parquet')} (FORMAT parquet)")  # noqa: S608
                written.append(target)
            # the build's own facts (built_at, is_sample) travel with the Parquet copy, so a reader of it
            # (dashboard on REGISTRY_PARQUET) can still say what it shows
            if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'registry_meta' "
                           "AND database_name = current_database()").fetchone()[0]:
                target = parquet_dir / "registry_meta"
                target.mkdir(parents=True, exist_ok=True)
                con.execute(f"COPY registry_meta TO {literal(target / 'data.parquet')} (FORMAT parquet)")  # noqa: S608
                written.append(target)
            written.append(_write_descriptions(con, parquet_dir / DESCRIPTIONS_FILE))
            return written
        out_dir.mkdir(parents=True, exist_ok=True)
        for v in views:
            for fmt, opts in (("csv", "FORMAT csv, HEADER"), ("parquet", "FORMAT parquet")):
                target = out_dir / f"{v}.{fmt}"
                con.execute(f"COPY {v} TO {literal(target)} ({opts})")  # noqa: S608
                written.append(target)
        return written
    finally:
        con.close()


def _write_descriptions(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Each public view's description and column meanings, for connect_parquet to put back as comments."""
    out: dict[str, dict] = {}
    for view, about, column, _type, meaning in glossary_rows(con):
        d = out.setdefault(view, {"about": about, "columns": {}})
        d["columns"][column] = meaning
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
