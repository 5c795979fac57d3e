"""The dashboard's one read-only connection to registry.duckdb, reopened when a rebuild swaps the file.

Why a signature: `registry build` replaces the file with an atomic rename, so the path stays the same
while the inode and mtime change. Keying the connection (and every cached query) on
(path, inode, mtime, size) makes the dashboard pick up a rebuild on the next rerun, never mixing data
from two builds, and never holding a writer lock (DuckDB allows many read-only readers).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import streamlit as st

from registry.core import paths

Signature = tuple[str, int, int, int]


def registry_path() -> Path:
    """The registry: $REGISTRY_PARQUET (a `registry export --parquet` folder), else $REGISTRY_PATH (set by
    `registry dashboard`), else the project default file."""
    parquet = os.environ.get("REGISTRY_PARQUET")
    if parquet:
        return Path(parquet)
    env = os.environ.get("REGISTRY_PATH")
    return Path(env) if env else Path(paths.registry_path())


def signature() -> Signature | None:
    """Identity of the registry currently at the path; None when there is no registry yet.

    For a Parquet folder, the newest modification time of its view folders stands for the file's mtime,
    so a re-export is picked up like a rebuild."""
    path = registry_path()
    try:
        s = path.stat()
    except FileNotFoundError:
        return None
    if path.is_dir():
        newest = max([s.st_mtime_ns] + [p.stat().st_mtime_ns for p in path.iterdir()])
        return (str(path.resolve()), s.st_ino, newest, 0)
    return (str(path.resolve()), s.st_ino, s.st_mtime_ns, s.st_size)


def open_registry(path: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with the registry ATTACHed read-only, then locked down.

    Why not duckdb.connect(path): DuckDB caches one database instance per path in a process, so after a
    rebuild a new connect would return the old instance (the replaced file), and a connect with different
    settings from another caller fails. An ATTACH gets its own instance on whatever file is at the path
    now. External access is then disabled and the configuration locked, as in `registry sql`.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"{path} does not exist: run `registry build` first")
    if Path(path).is_dir():  # the registry as Parquet: views over read_parquet, equally locked down
        from registry.core.readonly import connect_parquet

        return connect_parquet(Path(path))
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS registry (READ_ONLY)", [str(path)])
    con.execute("USE registry")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


class _Holder:
    """The connection for the current file identity; replaced (not closed) when the file changes.

    Why not close the old one: other sessions' queries may still be running on it (each session runs in
    its own thread); their cursors keep the old instance alive until they finish, then it is freed.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sig: Signature | None = None
        self.con: duckdb.DuckDBPyConnection | None = None

    def cursor(self, sig: Signature) -> duckdb.DuckDBPyConnection:
        with self.lock:
            if self.con is None or self.sig != sig:
                self.con = open_registry(Path(sig[0]))
                self.sig = sig
            cur = self.con.cursor()
        if not Path(sig[0]).is_dir():
            cur.execute("USE registry")  # a cursor starts in the in-memory catalog
        return cur


@st.cache_resource(show_spinner=False)
def _holder(path: str) -> _Holder:
    """One holder per registry path for the whole server (shared by every session)."""
    return _Holder()


def connection(sig: Signature) -> duckdb.DuckDBPyConnection:
    """A new cursor (its own DuckDB connection, safe in this thread) on the registry with this identity."""
    return _holder(sig[0]).cursor(sig)


def reset() -> None:
    """Forget the current connection (the next query opens the file afresh): after a read found it damaged.

    Why not wait for the signature to change: a registry copied over in place can keep size and mtime for
    a moment while its bytes change; the connection that read half-copied pages must not be reused.
    """
    sig = signature()
    if sig is None:
        return
    holder = _holder(sig[0])
    with holder.lock:
        holder.con = None
        holder.sig = None
    st.cache_data.clear()  # results read from the damaged file are not answers
