"""Quoting for the few statements that cannot take bound parameters (DDL names, COMMENT ON, COPY targets, paths
inside a view's read_parquet). Everything else binds values with `?`; these two rules are the only way text from
data or files goes into SQL, so they live in one place."""

from __future__ import annotations

from collections.abc import Iterable


def literal(value: object) -> str:
    """A SQL string literal: 'it''s'."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier: "a ""b"" c"."""
    return '"' + name.replace('"', '""') + '"'


def comment_on(view: str, about: str | None, columns: Iterable[tuple[str, str]]) -> str:
    """COMMENT ON statements for a view (when `about` is given) and its (column, text) pairs, as one script.

    Why one script: a view has dozens of columns, and each call to DuckDB has its own overhead; the build
    describes and re-describes (after materializing) every public view."""
    statements = [f"COMMENT ON VIEW {view} IS {literal(about)}"] if about else []
    statements += [f"COMMENT ON COLUMN {view}.{ident(col)} IS {literal(text)}" for col, text in columns]
    return "; ".join(statements)
