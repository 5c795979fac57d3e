"""Published snapshots: the registry as Parquet plus a manifest, and `registry pull` that rebuilds it verified.

Why: a newsroom should not have to crawl for hours to get the registry a scheduled job already built. The
snapshot is every stored table of registry.duckdb as one Parquet file, and a manifest.json that says when it was
built, from what scope, how many rows each table holds and the SHA-256 and size of every file. The views are
recreated from their SQL (stored in the manifest), so a pulled registry answers every public view exactly as the
exported one did. `pull` trusts nothing it downloads: each file is size- and checksum-verified, downloads have a
per-read timeout and an overall deadline, and the new registry is built aside and swapped in atomically, so a
corrupt, truncated, tampered or stalled snapshot leaves the previous registry untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import duckdb

from registry import fulltext
from registry.core import store
from registry.core.sqltext import ident, literal

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
CHUNK = 1 << 20
READ_TIMEOUT = 30.0      # seconds without a byte before a download is abandoned
DEADLINE = 3600.0        # seconds for a whole pull
MAX_MANIFEST_BYTES = 10 << 20


class SnapshotError(RuntimeError):
    """A snapshot that cannot be written or trusted; the message says which file and why."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                      "AND table_name = 'registry_meta'").fetchone()[0]
    return dict(con.execute("SELECT key, value FROM registry_meta").fetchall()) if has else {}


def _scope(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """What the registry's crawls asked for: source, scope and the latest status of each distinct scope."""
    has = con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'crawl_runs'").fetchone()[0]
    if not has:
        return []
    rows = con.execute(
        "SELECT source, scope::VARCHAR, arg_max(status, started_at), max(started_at)::VARCHAR FROM crawl_runs "
        "GROUP BY source, scope::VARCHAR ORDER BY source, 2").fetchall()
    return [{"source": s, "scope": json.loads(sc) if sc else None, "latest_status": st, "latest_run": at}
            for s, sc, st, at in rows]


def export_snapshot(db: Path, out_dir: Path) -> dict:
    """Write every stored table of `db` as Parquet into out_dir with manifest.json; returns the manifest."""
    if not Path(db).exists():
        raise FileNotFoundError(f"{db} does not exist: run `registry build` first")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = "
            "current_database() AND NOT internal ORDER BY table_name").fetchall()]
        views = con.execute(
            "SELECT view_name, sql, comment FROM duckdb_views() WHERE schema_name = 'main' AND database_name = "
            "current_database() AND NOT internal ORDER BY view_name").fetchall()
        comments = con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND "
            "database_name = current_database() AND comment IS NOT NULL ORDER BY table_name, column_index"
        ).fetchall()
        files = []
        for t in tables:
            target = out_dir / f"{t}.parquet"
            con.execute(f"COPY {ident(t)} TO {literal(target)} (FORMAT parquet, COMPRESSION zstd)")  # noqa: S608
            rows = con.execute(f"SELECT count(*) FROM {ident(t)}").fetchone()[0]  # noqa: S608
            files.append({"table": t, "file": target.name, "rows": rows, "bytes": target.stat().st_size,
                          "sha256": _sha256(target)})
        meta = _meta(con)
        manifest = {
            "format": FORMAT_VERSION,
            "built_at": meta.get("built_at"),
            "is_sample": meta.get("is_sample") == "true",
            "exported_at": store.now_utc().isoformat(),
            "duckdb_version": duckdb.__version__,
            "scope": _scope(con),
            "files": files,
            "views": [{"name": n, "sql": s, "comment": c} for n, s, c in views],
            "column_comments": [{"relation": r, "column": c, "comment": m} for r, c, m in comments],
        }
    finally:
        con.close()
    tmp = out_dir / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, out_dir / MANIFEST)  # written last: a folder with a manifest is a complete snapshot
    return manifest


# ------------------------------------------------------------------------------------------------- pull

@dataclass
class PullReport:
    out: Path
    files: int
    bytes: int
    rows: int
    built_at: str | None


def _join(base: str, name: str) -> str:
    if "/" in name or "\\" in name or name.startswith("."):
        raise SnapshotError(f"manifest names a file outside the snapshot: {name!r}")
    return urllib.parse.urljoin(base if base.endswith("/") else base + "/", urllib.parse.quote(name))


def _open(url: str, timeout: float):
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "file"):
        raise SnapshotError(f"{url}: only http(s) and file URLs can be pulled")
    try:
        return urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - scheme checked above
    except urllib.error.HTTPError as e:
        raise SnapshotError(f"{url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise SnapshotError(f"{url}: cannot connect ({reason})") from None


def _download(url: str, target: Path, *, limit: int, deadline: float, timeout: float) -> int:
    """Stream url to target; stops on a stall (no byte for `timeout` s), the deadline, or more than limit bytes."""
    got = 0
    with _open(url, timeout) as r, open(target, "wb") as f:
        while True:
            if time.monotonic() > deadline:
                raise SnapshotError(f"{url}: the pull's deadline passed after {got:,} bytes")
            try:
                block = r.read(min(CHUNK, limit + 1 - got))
            except (TimeoutError, OSError) as e:
                raise SnapshotError(f"{url}: the server stalled after {got:,} bytes ({e})") from None
            if not block:
                return got
            got += len(block)
            f.write(block)
            if got > limit:
                raise SnapshotError(f"{url}: larger than the manifest says ({limit:,} bytes)")


def _check_manifest(m: object, url: str) -> dict:
    if not isinstance(m, dict) or m.get("format") != FORMAT_VERSION or not isinstance(m.get("files"), list):
        raise SnapshotError(f"{url}: not a registry snapshot manifest (format {FORMAT_VERSION})")
    for f in m["files"]:
        if not (isinstance(f, dict) and isinstance(f.get("table"), str) and isinstance(f.get("file"), str)
                and isinstance(f.get("sha256"), str) and isinstance(f.get("bytes"), int)
                and isinstance(f.get("rows"), int)):
            raise SnapshotError(f"{url}: malformed file entry {f!r}")
    return m


def _create_views(con: duckdb.DuckDBPyConnection, views: list[dict]) -> None:
    """Views in any order: each pass creates those whose inputs exist, until all exist or none can be made."""
    pending = list(views)
    while pending:
        failed, last = [], None
        for v in pending:
            try:
                con.execute(v["sql"])
            except duckdb.CatalogException as e:  # a view it reads is not created yet
                failed.append(v)
                last = e
        if len(failed) == len(pending):
            raise SnapshotError(f"cannot recreate views {[v['name'] for v in failed]}: {last}")
        pending = failed
    for v in views:
        if v.get("comment"):
            con.execute(f"COMMENT ON VIEW {ident(v['name'])} IS {literal(v['comment'])}")


def pull(url: str, out: Path, *, timeout: float = READ_TIMEOUT, deadline_s: float = DEADLINE,
         log=lambda _m: None) -> PullReport:
    """Download the snapshot at `url` (a folder URL holding manifest.json), verify it, build `out` from it."""
    deadline = time.monotonic() + deadline_s
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".pull-", dir=out.parent))
    tmp_db = out.with_name(f"{out.name}.tmp-pull-{os.getpid()}")
    fts_name: str | None = None
    try:
        manifest_path = work / MANIFEST
        _download(_join(url, MANIFEST), manifest_path, limit=MAX_MANIFEST_BYTES, deadline=deadline, timeout=timeout)
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise SnapshotError(f"{_join(url, MANIFEST)}: not JSON ({e})") from None
        manifest = _check_manifest(manifest, url)
        total = 0
        for i, f in enumerate(manifest["files"], 1):
            src = _join(url, f["file"])
            target = work / f["file"]
            got = _download(src, target, limit=f["bytes"], deadline=deadline, timeout=timeout)
            if got != f["bytes"]:
                raise SnapshotError(f"{src}: truncated: {got:,} of {f['bytes']:,} bytes")
            digest = _sha256(target)
            if digest != f["sha256"]:
                raise SnapshotError(f"{src}: checksum mismatch (manifest {f['sha256'][:12]}…, file {digest[:12]}…)")
            total += got
            log(f"pull: {i}/{len(manifest['files'])} {f['file']} {got:,} bytes verified")
        store.remove(tmp_db)
        con = duckdb.connect(str(tmp_db))
        rows = 0
        try:
            for f in manifest["files"]:
                con.execute(f"CREATE TABLE {ident(f['table'])} AS "  # noqa: S608
                            f"SELECT * FROM read_parquet({literal(work / f['file'])})")
                n = con.execute(f"SELECT count(*) FROM {ident(f['table'])}").fetchone()[0]  # noqa: S608
                if n != f["rows"]:
                    raise SnapshotError(f"{f['file']}: {n:,} rows, the manifest says {f['rows']:,}")
                rows += n
            _create_views(con, manifest.get("views") or [])
            for c in manifest.get("column_comments") or []:
                con.execute(f"COMMENT ON COLUMN {ident(c['relation'])}.{ident(c['column'])} IS "
                            f"{literal(c['comment'])}")
            # the search index is not in the snapshot (it is a folder beside the file, rebuilt from the views)
            fts_name = fulltext.build_index(con, out, log)
            con.execute("DELETE FROM registry_meta WHERE key IN (?, 'pulled_from', 'pulled_at')", [fulltext.META_KEY])
            con.executemany("INSERT INTO registry_meta VALUES (?, ?)",
                            [(fulltext.META_KEY, fts_name), ("pulled_from", url),
                             ("pulled_at", store.now_utc().isoformat())])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        previous_fts = fulltext.previous_index(out)
        os.replace(tmp_db, out)
        Path(str(out) + ".wal").unlink(missing_ok=True)
        fulltext.prune(out, keep={n for n in (fts_name, previous_fts) if n})
        return PullReport(out=out, files=len(manifest["files"]), bytes=total, rows=rows,
                          built_at=manifest.get("built_at"))
    except BaseException:
        store.remove(tmp_db)
        if fts_name:
            shutil.rmtree(fulltext.index_dir_for(out, fts_name), ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
