"""The registry's glossary: every public view (and registry_meta), its columns, their types and meanings.

Why one query here: docs/views.md (registry/docs.py) and the dashboard's Methods page both show it, and both
must say what the registry says about itself. The meanings are the registry's own `COMMENT ON` text, which
the build writes from the one declaration of each column: a source's `spiders/<source>/schema.yaml`
(registry.core.steps.describe_from_schema) or the build's SQL (registry/sql/9*_views.sql). Nothing here is
written by hand, so neither page can drift from the other or from the registry.
"""

from __future__ import annotations

# Base tables that are part of the public interface (everything else public is a view).
PUBLIC_TABLES = ("registry_meta",)

# One row per public column: (view, what the view is, column, DuckDB type, meaning), views by name, columns
# in their order. `?` is PUBLIC_TABLES. current_database(): the dashboard ATTACHes the registry and USEs it.
GLOSSARY_SQL = """
WITH objects AS (
    SELECT view_name AS name, comment AS about FROM duckdb_views()
    WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
    UNION ALL
    SELECT table_name, comment FROM duckdb_tables()
    WHERE schema_name = 'main' AND database_name = current_database() AND list_contains(?, table_name)
)
SELECT o.name AS view, o.about, c.column_name AS "column", c.data_type AS type, c.comment AS meaning
FROM objects o
JOIN duckdb_columns() c
  ON c.table_name = o.name AND c.schema_name = 'main' AND c.database_name = current_database()
ORDER BY o.name, c.column_index
"""


def glossary_rows(con) -> list[tuple[str, str | None, str, str, str | None]]:
    """(view, about, column, type, meaning) of every public column of the registry open on `con`."""
    return con.execute(GLOSSARY_SQL, [list(PUBLIC_TABLES)]).fetchall()
