"""Published snapshots: `registry export --snapshot` then `registry pull` from a local HTTP server gives a
registry equal in every public view; a corrupt, truncated, tampered or stalled snapshot gives one clear error
and leaves the previous registry as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from registry import snapshot
from tests.conftest import invoke_cli, run_cli


class SnapshotServer(ThreadingHTTPServer):
    """Serves one folder on 127.0.0.1; `fault` bends one file's answer (corrupt, truncate or stall)."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.root, self.fault, self.fault_file, self.requests = root, None, None, []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/snap/"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *_a) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        srv: SnapshotServer = self.server  # type: ignore[assignment]
        name = self.path.removeprefix("/snap/")
        srv.requests.append(name)
        path = srv.root / name
        if "/" in name or not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        fault = srv.fault if name == srv.fault_file else None
        if fault == "corrupt":
            body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if fault == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "stall":
            self.wfile.write(body[:10])
            self.wfile.flush()
            time.sleep(5)  # longer than the test's read timeout
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def published(sample_registry, tmp_path_factory):
    root = tmp_path_factory.mktemp("published")
    result = run_cli("export", "--db", str(sample_registry), "--snapshot", str(root))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture()
def server(published, tmp_path):
    root = tmp_path / "served"
    shutil.copytree(published, root)
    srv = SnapshotServer(root)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)  # a quick shutdown
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def public_views(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND "
                                          "schema_name = 'main' ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_manifest_says_what_and_when_with_a_checksum_per_file(published, sample_registry):
    m = json.loads((published / "manifest.json").read_text())
    con = duckdb.connect(str(sample_registry), read_only=True)
    built_at = con.execute("SELECT value FROM registry_meta WHERE key = 'built_at'").fetchone()[0]
    awards = con.execute("SELECT count(*) FROM t_awards").fetchone()[0]
    con.close()
    assert m["built_at"] == built_at and m["is_sample"] is True
    assert m["scope"] and {s["source"] for s in m["scope"]} >= {"usaspending_search_csv"}
    files = {f["table"]: f for f in m["files"]}
    assert files["t_awards"]["rows"] == awards
    for f in m["files"]:
        data = (published / f["file"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (f["bytes"], f["sha256"])


def test_pull_over_http_equals_the_exported_registry_in_every_public_view(server, sample_registry, tmp_path):
    out = tmp_path / "registry.duckdb"
    result = run_cli("pull", server.url, "--out", str(out))
    assert result.returncode == 0, result.stderr
    views = public_views(sample_registry)
    assert views == public_views(out) and "awards" in views
    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [str(sample_registry)])
    con.execute("ATTACH ? AS b (READ_ONLY)", [str(out)])
    for v in views:
        for x, y in (("a", "b"), ("b", "a")):
            extra = con.execute(f'SELECT count(*) FROM (SELECT * FROM {x}."{v}" EXCEPT ALL '
                                f'SELECT * FROM {y}."{v}")').fetchone()[0]
            assert extra == 0, f"{v}: {extra} rows of {x} not in {y}"
    commented = con.execute("SELECT count(*) FROM duckdb_columns() WHERE database_name = 'b' "
                            "AND comment IS NOT NULL").fetchone()[0]
    assert commented > 0, "column descriptions travel with the snapshot"
    meta = dict(con.execute("SELECT key, value FROM b.registry_meta").fetchall())
    assert meta["pulled_from"] == server.url
    assert (out.parent / meta["fulltext_index"]).is_dir(), "the search index is rebuilt beside the pulled file"


@pytest.mark.parametrize(("fault", "message"), [
    ("corrupt", "checksum mismatch"),
    ("truncate", "truncated"),
    ("stall", "stalled"),
    ("tampered", "checksum mismatch"),
    ("missing", "HTTP 404"),
])
def test_a_bad_snapshot_leaves_the_previous_registry(server, tmp_path, fault, message):
    out = tmp_path / "registry.duckdb"
    out.write_bytes(b"the previous registry")
    target = "t_awards.parquet"
    if fault == "tampered":  # the manifest's checksum does not match the (intact) file
        m = json.loads((server.root / "manifest.json").read_text())
        next(f for f in m["files"] if f["file"] == target)["sha256"] = "0" * 64
        (server.root / "manifest.json").write_text(json.dumps(m))
    elif fault == "missing":
        (server.root / target).unlink()
    else:
        server.fault, server.fault_file = fault, target
    started = time.monotonic()
    result = invoke_cli("pull", server.url, "--out", str(out), "--timeout", "1")
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and message in lines[0] and "left as it was" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == b"the previous registry"
    assert not list(tmp_path.glob("registry.duckdb.tmp-*")) and not list(tmp_path.glob(".pull-*"))
    assert time.monotonic() - started < 30


def test_a_manifest_cannot_name_files_outside_the_snapshot(server, tmp_path):
    m = json.loads((server.root / "manifest.json").read_text())
    m["files"][0]["file"] = "../../etc/passwd"
    (server.root / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(snapshot.SnapshotError, match="outside the snapshot"):
        snapshot.pull(server.url, tmp_path / "r.duckdb")
