"""Quoting for the few statements that cannot take bound parameters (DDL names, COMMENT ON, COPY targets, paths
inside a view's read_parquet). Everything else binds values with `?`; these two rules are the only way text from
data or files goes into SQL, so they live in one place."""

from __future__ import annotations


def literal(value: object) -> str:
    """A SQL string literal: 'it''s'."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier: "a ""b"" c"."""
    return '"' + name.replace('"', '""') + '"'
