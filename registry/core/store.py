"""The staging store: typed rows with provenance, written in Arrow batches, merged by natural key.

Why batches: DuckDB inserts row by row at ~1-2k rows/s but takes Arrow tables at ~400k rows/s, so
every writer (Scrapy pipeline, CSV loaders) hands whole batches to `merge_records`/`merge_relation`.
Why COALESCE on conflict: two routes (API and bulk files) deliver the same transaction with different
fields filled; a later, thinner record must not erase what an earlier, richer one said.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from registry.core import ddl, sources

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "stg_awards": ("award_key",),
    "stg_transactions": ("award_key", "modification_number", "transaction_number"),
}


def register_primary_key(table: str, key: Sequence[str]) -> None:
    """Override a table's merge key (no longer needed: primary_key() reads it from the staging DDL)."""
    PRIMARY_KEYS[table] = tuple(key)


def primary_key(con: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """A staging table's merge key: its PRIMARY KEY as its staging DDL (spiders/<source>/staging.sql) declares it.

    Why from the catalog: the key is declared once, in the DDL; it used to be declared again in Python and
    registered as a side effect of importing the item module, so a merge before that import failed.
    """
    key = PRIMARY_KEYS.get(table)
    if key is None:
        row = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = ? AND schema_name = 'main' "
            "AND database_name = current_database() AND constraint_type = 'PRIMARY KEY'", [table]).fetchone()
        if row is None:
            raise KeyError(f"{table}: no PRIMARY KEY in its staging DDL, so rows cannot be merged by key")
        key = PRIMARY_KEYS[table] = tuple(row[0])
    return key


def sha256_of(payload: Any) -> str:
    """Stable hash of a raw payload (str, bytes or JSON-able object)."""
    if payload.__class__ is str:  # every item's payload text: checked first (the per-item hot path)
        data = payload.encode("utf-8")
    elif isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        data = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def now_utc() -> datetime:
    return datetime.now(UTC)


def remove(path: Path | str) -> Path:
    """Delete a DuckDB file and its write-ahead log, if present (a fresh start); returns the path."""
    path = Path(path)
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    return path


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a staging store and bring its schema up to date (migrations are idempotent)."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    if not read_only:
        migrate(con)
    return con


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply staging migrations not yet recorded in `schema_migrations`; returns those applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, f in sources.staging_migrations():
        if name in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(f.read_text())
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [name, now_utc()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    applied += add_declared_columns(con)
    return applied


def add_declared_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Add to each existing staging table the columns its DDL now declares and the store lacks.

    Why: a source's staging.sql is applied once (CREATE TABLE IF NOT EXISTS), so a column added to it later
    (FPDS's funding office) would never reach a store made before; its crawls would then fail or drop the new
    field. Added columns are NULL in old rows, which is what the old crawl knew. A new NOT NULL column has no
    value for the old rows: that needs a migration of its own, so it stops here with the table and column named.
    Returns 'table.column' for each column added."""
    added = []
    existing = {(t, c) for t, c in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main'").fetchall()}
    tables = {t for t, _ in existing}
    for _name, f in sources.staging_migrations():
        for table, columns in ddl.declared_tables(f).items():
            if table not in tables:
                continue
            for col in columns:
                if (table, col.name) in existing:
                    continue
                if col.not_null:
                    raise RuntimeError(f"{f}: {table}.{col.name} is NOT NULL and the staging store's table has no such "
                                       "column: old rows have no value for it (add it as NULL-able, or migrate it)")
                # names and types come from our own DDL, never from input
                con.execute(f'ALTER TABLE {table} ADD COLUMN "{col.name}" {col.type}')
                added.append(f"{table}.{col.name}")
    return added


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns in order."""
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? AND table_schema = 'main' AND table_catalog = current_database() "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _upsert_sql(con: duckdb.DuckDBPyConnection, table: str, relation: str, columns: Sequence[str]) -> str:
    key = primary_key(con, table)
    cols = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(
        f'"{c}" = COALESCE(EXCLUDED."{c}", {table}."{c}")' for c in columns if c not in key
    )
    conflict = ", ".join(f'"{c}"' for c in key)
    # Table and column names come from our own schema, never from input.
    return (
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {relation} "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )


def merge_relation(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> int:
    """Upsert every row of a relation (view/table with the staging columns) into `table`.

    Rows sharing a key inside the relation are reduced to the last one first, since DuckDB cannot
    update the same row twice in one statement.
    """
    target = [c for c, _ in table_columns(con, table)]
    present = {r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()}  # noqa: S608
    columns = [c for c in target if c in present]
    key = ", ".join(f'"{c}"' for c in primary_key(con, table))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _merge_batch AS SELECT * FROM {relation} "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY fetched_at DESC NULLS LAST) = 1"
        if "fetched_at" in present
        else f"CREATE OR REPLACE TEMP TABLE _merge_batch AS SELECT * FROM {relation} "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {key}) = 1"
    )
    n = con.execute("SELECT count(*) FROM _merge_batch").fetchone()[0]
    if n:
        con.execute(_upsert_sql(con, table, "_merge_batch", columns))
    con.execute("DROP TABLE IF EXISTS _merge_batch")
    return int(n)


def _arrow_type(duck_type: str) -> pa.DataType:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        p, s = t[t.index("(") + 1 : t.index(")")].split(",")
        return pa.decimal128(int(p), int(s))
    return {
        "VARCHAR": pa.string(),
        "JSON": pa.string(),
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
        "TIMESTAMP": pa.timestamp("us"),
        "VARCHAR[]": pa.list_(pa.string()),  # e.g. stg_ai_use_cases.piids, which the classifier unnests
    }.get(t, pa.string())


def records_to_arrow(con: duckdb.DuckDBPyConnection, table: str, records: Sequence[dict],
                     columns: Sequence[tuple[str, str]] | None = None) -> pa.Table:
    """Typed Arrow table of records in the staging table's own column types (unknown keys dropped).

    columns: the table's (name, type) pairs when the caller has them already (a pipeline writes the same
    tables batch after batch; looking them up each time was 3% of the ingest benchmark).
    """
    cols = columns or table_columns(con, table)
    schema = pa.schema([pa.field(c, _arrow_type(t)) for c, t in cols])
    # column by column, each straight to an Arrow array: ~2x faster than one dict per row through from_pylist,
    # and ~1.6x faster than from_pydict (ingest benchmark, bench/)
    arrays = [pa.array([r.get(c) for r in records], type=f.type) for (c, _), f in zip(cols, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _distinct_keys(records: Sequence[dict], key: Sequence[str]) -> int:
    try:
        return len(set(map(itemgetter(*key), records)))  # C-level: a generator per record was 5% of ingest
    except KeyError:  # a record without a key field: the write below says which constraint it breaks
        return len({tuple(r.get(k) for k in key) for r in records})


class KeysStored(Exception):
    """A plain insert met keys stored already; the caller's transaction is aborted and must be rolled back.

    Raised by merge_batch(insert_first=True): the caller rolls back and writes the batch again with
    insert_first=False (the COALESCE upsert). Only a re-crawl of stored keys pays for the second write.
    """

    def __init__(self, table: str) -> None:
        super().__init__(f"{table}: the batch meets keys stored already")
        self.table = table


def merge_batch(con: duckdb.DuckDBPyConnection, table: str, records: Sequence[dict],
                insert_first: bool = False, columns: Sequence[tuple[str, str]] | None = None) -> int:
    """Upsert a batch of typed records in one Arrow insert; returns the number of records merged.

    insert_first: write the batch with a plain INSERT, the cheapest write DuckDB has (an ON CONFLICT clause
    doubles the insert's cost, and the COALESCE upsert costs ~1.6x more again: bench/ingest.py). A crawl
    into an empty or unrelated staging store never meets a stored key, so every batch takes this path. If a
    key is stored already the primary key refuses the whole statement, nothing of it is written, and
    KeysStored is raised: the caller rolls back and writes again with insert_first=False. Either way the
    stored rows are the same.
    """
    if not records:
        return 0
    batch = records_to_arrow(con, table, records, columns)
    con.register("_arrow_batch", batch)
    refused = False
    try:
        key = primary_key(con, table)
        if _distinct_keys(records, key) != len(records):
            return merge_relation(con, table, "_arrow_batch")  # repeated keys: de-duplicate first
        cols = ", ".join(f'"{c}"' for c in batch.column_names)
        if insert_first:
            try:
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _arrow_batch")  # noqa: S608
            except duckdb.ConstraintException as e:
                if "Duplicate key" not in str(e):
                    raise  # e.g. a NOT NULL column left empty: a real error, not a re-crawl
                refused = True  # the transaction is aborted: unregistering waits for the caller's rollback
                raise KeysStored(table) from e
            return len(records)
        con.execute(_upsert_sql(con, table, "_arrow_batch", batch.column_names))
        return len(records)
    finally:
        if not refused:
            con.unregister("_arrow_batch")


def merge_records(con: duckdb.DuckDBPyConnection, table: str, records: Sequence[dict]) -> int:
    """Upsert a batch of typed records (dicts keyed by column name) in one Arrow insert."""
    return merge_batch(con, table, records)


def insert_rejects(con: duckdb.DuckDBPyConnection, rejects: Sequence[dict]) -> int:
    """Append rejected records (reason + raw payload); rejects are never merged away."""
    if not rejects:
        return 0
    rows = []
    for r in rejects:
        raw = r.get("raw_payload")
        if raw is not None and not isinstance(raw, str):
            raw = json.dumps(raw, default=str)
        rows.append(
            {
                "run_id": r.get("run_id"),
                "source": r["source"],
                "kind": r.get("kind"),
                "source_url": r.get("source_url"),
                "reason": r["reason"],
                "raw_payload": raw,
                "payload_sha256": sha256_of(raw or ""),
                "rejected_at": r.get("rejected_at") or now_utc(),
            }
        )
    cols = [c for c, _ in table_columns(con, "rejects") if c != "reject_id"]
    schema = pa.schema([pa.field(c, _arrow_type(t)) for c, t in table_columns(con, "rejects") if c in cols])
    tbl = pa.Table.from_pylist(rows, schema=schema)
    con.register("_rej", tbl)
    try:
        collist = ", ".join(cols)
        con.execute(f"INSERT INTO rejects ({collist}) SELECT {collist} FROM _rej")  # noqa: S608
    finally:
        con.unregister("_rej")
    return len(rows)
