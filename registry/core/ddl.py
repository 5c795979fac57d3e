"""The tables a staging DDL file declares, read by DuckDB itself: one reader for items, migrations and the build.

Why DuckDB reads the DDL instead of a parser of ours: the DDL is the one declaration of every staging column
(name, type, NOT NULL); the item's fields (spiders/items.py), the columns a staging store made by an older
version lacks (registry/core/store.py: migrate) and the columns the build fills in for such a store
(registry/core/steps.py: staging_table) must all agree with what DuckDB makes of it, so DuckDB says.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class Column:
    """One column of a staging table as DuckDB reads the DDL."""

    name: str
    type: str
    not_null: bool


_READER: list[duckdb.DuckDBPyConnection] = []  # one in-memory database per process, made on first use
_READER_LOCK = threading.Lock()


def declared_tables(ddl: Path) -> dict[str, tuple[Column, ...]]:
    """Every table the DDL file declares, with its columns in DDL order."""
    return _declared_tables(ddl.read_text(encoding="utf-8"))


def staging_columns(ddl: Path, table: str) -> tuple[Column, ...]:
    """The columns of `table` as declared in the DDL file, in DDL order; TypeError when it declares no such table."""
    columns = declared_tables(ddl).get(table, ())
    if not columns:
        raise TypeError(f"{ddl}: declares no table {table}")
    return columns


@functools.cache
def _declared_tables(sql: str) -> dict[str, tuple[Column, ...]]:
    """Every table the DDL declares, with its columns; keyed by the DDL's text: the items of one file read it
    once, an edited file is read again.

    Why one in-memory database for every DDL, each run in a transaction that is rolled back: items are made
    when their module is imported, in every crawl process; a new DuckDB database per file (connect, first
    catalog query, close) cost about 80 ms each, most of a source's import time. The rollback leaves the
    database empty for the next file, so two files never see each other's tables."""
    with _READER_LOCK:
        if not _READER:
            _READER.append(duckdb.connect(":memory:"))
        con = _READER[0]
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            rows = con.execute("SELECT table_name, column_name, data_type, NOT is_nullable FROM duckdb_columns() "
                               "WHERE database_name = current_database() ORDER BY table_name, column_index"
                               ).fetchall()
        finally:
            con.execute("ROLLBACK")
    tables: dict[str, list[Column]] = {}
    for table, *column in rows:
        tables.setdefault(table, []).append(Column(*column))
    return {t: tuple(c) for t, c in tables.items()}
