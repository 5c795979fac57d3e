"""Helpers every build step shares: reading a staging table that may not exist yet, describing views.

Why a fallback for missing staging tables: a staging store created before a source's migration (or never
crawled for that source) is attached read-only during the build and cannot be migrated there; the build
still has to produce the source's (empty) tables and views so the public interface never changes shape.
"""

from __future__ import annotations

from registry.core import ddl, sources, yamlfile
from registry.core.sqltext import comment_on

EMPTY_SCHEMA = "_empty_staging"


def staging_table(con, table: str, source: str) -> str:
    """Qualified name to read `table` from: stg.<table>, or an empty copy made from the source's staging.sql."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'stg' AND table_name = ?", [table]
    ).fetchone()[0]
    if exists:
        return _with_declared_columns(con, table, source)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {EMPTY_SCHEMA}")
    present = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [EMPTY_SCHEMA, table],
    ).fetchone()[0]
    if not present:
        sql = (sources.folder(source) / "staging.sql").read_text()
        con.execute(f"SET schema = '{EMPTY_SCHEMA}'")
        try:
            con.execute(sql)
        finally:
            con.execute("SET schema = 'main'")
    return f"{EMPTY_SCHEMA}.{table}"


def _with_declared_columns(con, table: str, source: str) -> str:
    """stg.<table>, or where that store predates columns its DDL now declares, a view of it with those columns
    NULL (the store is attached read-only, so it cannot be migrated here; its crawls never read them)."""
    have = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'stg' AND schema_name = 'main' "
        "AND table_name = ?", [table]).fetchall()}
    declared = ddl.staging_columns(sources.folder(source) / "staging.sql", table)
    if all(c.name in have for c in declared):
        return f"stg.{table}"
    cols = ", ".join(f'"{c.name}"' if c.name in have else f'NULL::{c.type} AS "{c.name}"' for c in declared)
    view = f"_stg_{table}"
    # a temporary view: it lives as long as the build's connection and is never written into the registry
    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {cols} FROM stg.{table}")  # noqa: S608 - our own DDL
    return view


def table_exists(con, name: str) -> bool:
    """True if a table or view of that name exists in the registry being built (schema main)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ? "
            "AND table_catalog = current_database()",
            [name],
        ).fetchone()[0]
    )


def describe(con, view: str, about: str, columns: dict[str, str]) -> None:
    """COMMENT ON the view and each of its columns; a column left undescribed is an error, not a gap."""
    actual = [r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()]  # noqa: S608
    missing = [c for c in actual if c not in columns]
    extra = [c for c in columns if c not in actual]
    if missing or extra:
        raise ValueError(f"{view}: undescribed columns {missing}, descriptions for absent columns {extra}")
    con.execute(comment_on(view, about, columns.items()))


_SCHEMAS: dict[tuple[str, int, int], dict] = {}


def _schema_views(path) -> dict:
    """The `views` mapping of a schema.yaml, parsed once per process for the same file (path, mtime, size).

    Why cache: a build describes a dozen views and a test process builds many registries; parsing the YAML
    each time was a third of a second per build. A changed file is parsed again; callers only read the result.
    """
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _SCHEMAS:
        with open(path, encoding="utf-8") as f:
            data = yamlfile.safe_load(f) or {}
        _SCHEMAS[key] = data.get("views") or {}
    return _SCHEMAS[key]


def view_schema(source: str, view: str) -> tuple[str, dict[str, str]]:
    """(what the view is, column -> description) from spiders/<source>/schema.yaml: each declared once."""
    path = sources.folder(source) / "schema.yaml"
    views = _schema_views(path)
    if view not in views:
        raise ValueError(f"{path}: no view {view!r} declared (views: {', '.join(views) or 'none'})")
    return views[view]["description"], {str(k): str(v) for k, v in views[view]["columns"].items()}


def describe_from_schema(con, source: str, view: str) -> None:
    """COMMENT ON a source's public view and its columns from the source's schema.yaml (see describe)."""
    about, columns = view_schema(source, view)
    describe(con, view, about, columns)
