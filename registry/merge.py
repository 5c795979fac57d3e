"""`registry merge OUT STAGING...`: several workers' staging stores into one, the same whatever the order.

Why not `INSERT ... ON CONFLICT DO NOTHING` per file: every worker numbers its rejects from 1, so colliding reject
ids silently dropped rejects; and "first file wins" made the result depend on the merge order (an older file
merged last put back an old recipient name). Here each keyed staging table is rebuilt from the union of the inputs
with, per column, the newest non-null value by `fetched_at` (ties broken by the payload hash, then the value), so
any order gives the same store and merging a store into itself changes nothing. Rejects are de-duplicated and
renumbered in a fixed order; every crawl run is kept. The output is written aside and swapped in atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from registry.core import store
from registry.core.sqltext import ident, literal

BOOKKEEPING = {"rejects", "crawl_runs", "schema_migrations"}


@dataclass
class MergeReport:
    out: Path
    inputs: int
    rows: dict[str, int]
    rejects: int
    runs: int


def _keyed_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Staging tables of the (new, migrated) output with their primary-key columns, from the schema itself."""
    rows = con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND constraint_type = 'PRIMARY KEY' ORDER BY table_name"
    ).fetchall()
    return {t: list(cols) for t, cols in rows if t not in BOOKKEEPING}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    return [c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index", [catalog, table]).fetchall()]


def _union(con: duckdb.DuckDBPyConnection, aliases: list[str], table: str, columns: list[str]) -> str | None:
    """UNION ALL of the table in every input that has it, on the output's columns (absent ones as NULL)."""
    parts = []
    for a in aliases:
        present = set(_columns(con, a, table))
        if not present:
            continue
        cols = ", ".join(ident(c) if c in present else f"NULL AS {ident(c)}" for c in columns)
        parts.append(f"SELECT {cols} FROM {ident(a)}.main.{ident(table)}")  # noqa: S608
    return " UNION ALL ".join(parts) if parts else None


def merge(out: Path, inputs: list[Path], *, log=lambda _m: None) -> MergeReport:
    """Merge staging stores into `out` (itself included when it exists, so merging again is a no-op)."""
    out = Path(out)
    sources = [Path(p).resolve() for p in inputs]
    if out.exists():
        sources.append(out.resolve())
    for p in sources:
        if not p.exists():
            raise FileNotFoundError(f"no staging store at {p}")
    sources = sorted(set(sources))
    tmp = out.with_name(f"{out.name}.tmp-merge-{os.getpid()}")
    store.remove(tmp)
    con = store.connect(tmp)  # every staging table, by the same migrations a crawl applies
    try:
        aliases = []
        for i, p in enumerate(sources):
            alias = f"in{i}"
            try:
                con.execute(f"ATTACH {literal(p)} AS {ident(alias)} (READ_ONLY)")
            except duckdb.IOException as e:
                raise RuntimeError(f"cannot open {p}: {str(e).splitlines()[0]} (is a crawl still writing it?)") \
                    from None
            aliases.append(alias)
        here = con.execute("SELECT current_database()").fetchone()[0]
        rows: dict[str, int] = {}
        for table, key in _keyed_tables(con).items():
            columns = _columns(con, here, table)
            union = _union(con, aliases, table, columns)
            if union is None:
                continue
            order = "(fetched_at, payload_sha256, {c}::VARCHAR)" if {"fetched_at", "payload_sha256"} <= set(
                columns) else ("(fetched_at, {c}::VARCHAR)" if "fetched_at" in columns else "({c}::VARCHAR)")
            picks = ", ".join(
                ident(c) if c in key else
                f"arg_max({ident(c)}, {order.format(c=ident(c))}) FILTER (WHERE {ident(c)} IS NOT NULL) "
                f"AS {ident(c)}"
                for c in columns)
            keys = ", ".join(ident(c) for c in key)
            con.execute(f"INSERT INTO {ident(table)} SELECT {picks} FROM ({union}) u GROUP BY {keys}")  # noqa: S608
            rows[table] = con.execute(f"SELECT count(*) FROM {ident(table)}").fetchone()[0]  # noqa: S608
            log(f"merge: {table}: {rows[table]:,} rows")
        run_cols = _columns(con, here, "crawl_runs")
        union = _union(con, aliases, "crawl_runs", run_cols)
        if union:
            picks = ", ".join("run_id" if c == "run_id" else
                              f"arg_max({ident(c)}, (coalesce(finished_at, started_at), {ident(c)}::VARCHAR)) "
                              f"AS {ident(c)}" for c in run_cols)
            con.execute(f"INSERT INTO crawl_runs SELECT {picks} FROM ({union}) u GROUP BY run_id")  # noqa: S608
        rej_cols = [c for c in _columns(con, here, "rejects") if c != "reject_id"]
        union = _union(con, aliases, "rejects", rej_cols)
        if union:
            cols = ", ".join(ident(c) for c in rej_cols)
            order = ", ".join(f"{ident(c)} NULLS FIRST" for c in ("rejected_at", "run_id", "source", "kind",
                                                                   "source_url", "reason", "payload_sha256"))
            con.execute(f"INSERT INTO rejects (reject_id, {cols}) SELECT row_number() OVER (ORDER BY {order}), "  # noqa: S608
                        f"{cols} FROM (SELECT DISTINCT {cols} FROM ({union}) u) d")
        n_rej = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
        # the ids were given explicitly: move the sequence past them, or the next crawl's first reject collides
        con.execute("SELECT max(nextval('rejects_seq')) FROM range(?)", [n_rej])
        n_runs = con.execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
        for a in aliases:
            con.execute(f"DETACH {ident(a)}")
        con.execute("CHECKPOINT")
        con.close()
        os.replace(tmp, out)
        Path(str(out) + ".wal").unlink(missing_ok=True)
    except BaseException:
        try:
            con.close()
        except Exception:
            pass
        store.remove(tmp)
        raise
    return MergeReport(out=out, inputs=len(sources), rows=rows, rejects=n_rej, runs=n_runs)
