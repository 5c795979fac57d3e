"""Read-only access for people's SQL: the registry opened read_only, one statement, reads only.

Why both checks: DuckDB's read_only refuses writes to the file, but a statement can still write
elsewhere (COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL/LOAD, SET); those are refused by type.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

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


def connect_readonly(path: Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection that also cannot reach files or the network."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist: run `registry build` first")
    return duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})


def run_readonly(path: Path, query: str) -> tuple[list[str], list[tuple]]:
    """Run one read-only statement; rows as Python values (Decimal stays exact, DATE stays a date)."""
    con = connect_readonly(path)
    try:
        check_statement(con, query)
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        return columns, cur.fetchall()
    finally:
        con.close()


def to_frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Rows as a DataFrame of Python objects (no float conversion of money)."""
    return pd.DataFrame.from_records(rows, columns=columns)
