"""Read-only access for people's SQL: the registry opened read_only, one statement, reads only.

Why both checks: DuckDB's read_only refuses writes to the file, but a statement can still write
elsewhere (COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL/LOAD, SET); those are refused by type.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from registry.core.sqltext import ident, literal

ALLOWED = {"SELECT", "EXPLAIN"}


class ReadOnlyViolation(ValueError):
    """The statement would write or change the session; the message says which."""


def check_statement(con: duckdb.DuckDBPyConnection, query: str) -> None:
    """Refuse anything but one SELECT-like statement (DESCRIBE/SHOW/SUMMARIZE parse as SELECT)."""
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as e:
        raise ReadOnlyViolation(f"cannot parse query: {str(e).splitlines()[0]}") from None
    if len(statements) != 1:
        raise ReadOnlyViolation(f"one statement at a time (got {len(statements)})")
    kind = statements[0].type.name
    if kind not in ALLOWED:
        raise ReadOnlyViolation(f"read-only: {kind} statements are refused")
    if kind == "EXPLAIN":  # EXPLAIN ANALYZE runs its statement: check what is being explained too
        inner = re.sub(r"^\s*EXPLAIN\s+(ANALYZE\s+|ANALYSE\s+)?(\([^)]*\)\s*)?", "", statements[0].query,
                       flags=re.IGNORECASE)
        if inner.strip() and inner.strip() != statements[0].query.strip():
            check_statement(con, inner)


def connect_readonly(path: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Read-only connection that also cannot reach files or the network (and, if given, caps its memory)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist: run `registry build` first")
    config: dict[str, str | bool] = {"enable_external_access": False}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return duckdb.connect(str(path), read_only=True, config=config)


# Columns the partitioned export adds (registry/export.py PARTITIONED): not part of the views' answers.
PARTITION_COLUMNS = ("fiscal_year", "agency")
# Beside the exported views: each view's description and its columns' meanings ({view: {"about", "columns"}}),
# which Parquet files cannot carry as DuckDB comments; connect_parquet puts them back as COMMENT ON.
DESCRIPTIONS_FILE = "descriptions.json"


def connect_parquet(directory: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with one view per exported view over `registry export --parquet DIR`.

    Why views over read_parquet: the same SQL (dashboard queries, `registry sql`) runs unchanged on a
    registry that lives as Parquet files (local or synced from object storage); DuckDB prunes the
    Hive partitions (fiscal_year, agency) and reads only the columns a query names. The connection can
    read that folder only, and its configuration is locked.
    """
    root = Path(directory).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder: run `registry export --parquet {directory}` first")
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit} if memory_limit else {})
    try:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            files = list(sub.glob("*/*/*.parquet")) + list(sub.glob("*.parquet"))
            if not files:
                continue
            partitioned = not (sub / "data.parquet").exists()
            glob = literal(str(sub / ("**/*.parquet" if partitioned else "data.parquet")))
            source = f"read_parquet({glob}, hive_partitioning = {1 if partitioned else 0})"
            cols = con.execute(f"SELECT * FROM {source} LIMIT 0").description  # noqa: S608
            extra = [c for c in PARTITION_COLUMNS if partitioned and c in {d[0] for d in cols}]
            select = f"* EXCLUDE ({', '.join(extra)})" if extra else "*"
            name = ident(sub.name)
            con.execute(f"CREATE VIEW {name} AS SELECT {select} FROM {source}")  # noqa: S608
        if not con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()[0]:
            raise FileNotFoundError(f"no exported views in {directory} (expected <view>/**/*.parquet)")
        _describe(con, root / DESCRIPTIONS_FILE)
        con.execute(f"SET allowed_directories = [{literal(str(root) + '/')}]")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _describe(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """COMMENT ON each exported view and column from the export's descriptions file, so the glossary (Methods
    page, docs) reads the same on Parquet as on the registry file. An export without the file (older) has none."""
    if not path.is_file():
        return
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    for view, d in json.loads(path.read_text(encoding="utf-8")).items():
        if view not in views:
            continue
        cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                          [view]).fetchall()}
        if d.get("about") is not None:
            con.execute(f"COMMENT ON VIEW {ident(view)} IS {literal(d['about'])}")
        for col, meaning in (d.get("columns") or {}).items():
            if col in cols and meaning is not None:
                con.execute(f"COMMENT ON COLUMN {ident(view)}.{ident(col)} IS {literal(meaning)}")


def run_on(con: duckdb.DuckDBPyConnection, query: str) -> tuple[list[str], list[tuple]]:
    """Run one checked read-only statement on an open connection, then close it."""
    try:
        check_statement(con, query)
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        return columns, cur.fetchall()
    finally:
        con.close()


def run_readonly(path: Path, query: str) -> tuple[list[str], list[tuple]]:
    """Run one read-only statement; rows as Python values (Decimal stays exact, DATE stays a date)."""
    return run_on(connect_readonly(path), query)


def run_readonly_parquet(directory: Path, query: str) -> tuple[list[str], list[tuple]]:
    """The same as run_readonly, on the Parquet export of a registry instead of its DuckDB file."""
    return run_on(connect_parquet(directory), query)


def to_frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Rows as a DataFrame of Python objects (no float conversion of money)."""
    return pd.DataFrame.from_records(rows, columns=columns)


@dataclass
class Limits:
    """What one `registry sql` statement may take: seconds, DuckDB memory, rows returned (flags raise them).

    Why: `SELECT * FROM range(300000000)` once reached 6 GB in 23 s with no end in sight.
    """

    timeout: float = 30.0
    memory: str = "1GB"
    max_rows: int = 10_000


@dataclass
class Answer:
    columns: list[str]
    rows: list[tuple]
    truncated: bool  # more rows existed than max_rows


class QueryTimeout(RuntimeError):
    """The statement ran past Limits.timeout and was interrupted."""


def run_limited(con: duckdb.DuckDBPyConnection, query: str, limits: Limits) -> Answer:
    """Run one checked read-only statement within the limits, then close the connection.

    Rows are fetched as a stream, at most max_rows + 1 of them (so a huge result is never materialised); a
    timer interrupts the statement at the timeout; the connection's memory_limit was set when it was opened.
    """
    timer = threading.Timer(limits.timeout, con.interrupt)
    try:
        check_statement(con, query)
        timer.start()
        try:
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(limits.max_rows + 1)
        except duckdb.InterruptException:
            raise QueryTimeout(f"query stopped after {limits.timeout:g}s (raise it with --timeout)") from None
        return Answer(columns, rows[: limits.max_rows], len(rows) > limits.max_rows)
    finally:
        timer.cancel()
        con.close()
