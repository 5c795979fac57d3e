"""`registry build` is atomic: a failed or killed build leaves the previous registry readable and unchanged."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from registry import build as build_mod
from tests.conftest import REGISTRY_BIN


def _counts(path: Path) -> tuple[int, int, str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        a = con.execute("SELECT count(*) FROM awards").fetchone()[0]
        t = con.execute("SELECT count(*) FROM transactions").fetchone()[0]
        built = con.execute("SELECT value FROM registry_meta WHERE key = 'built_at'").fetchone()[0]
        return a, t, built
    finally:
        con.close()


@pytest.fixture()
def staging_and_registry(tmp_path, sample_registry):
    """A sample staging store and a registry already built from it: a copy of the session's sample build (the
    file and the full-text index folder it names), so each test owns a registry without building one."""
    staging = sample_registry.parent / "sample-staging.duckdb"
    out = tmp_path / "registry.duckdb"
    shutil.copy(sample_registry, out)
    for index in sample_registry.parent.glob(f"{sample_registry.name}.fts-*"):
        shutil.copytree(index, tmp_path / index.name)
    return staging, out


def test_build_writes_schema_version_and_meta(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    steps = [r[0] for r in con.execute("SELECT step FROM schema_version").fetchall()]
    assert steps[0] == "100_base.sql"
    assert con.execute("SELECT value FROM registry_meta WHERE key = 'is_sample'").fetchone() == ("true",)


def test_failed_build_leaves_previous_registry(staging_and_registry, monkeypatch):
    staging, out = staging_and_registry
    before = _counts(out)
    found = build_mod.steps()
    monkeypatch.setattr(build_mod, "steps", lambda: [*found, "sql:does_not_exist.sql"])
    with pytest.raises(FileNotFoundError):
        build_mod.build(staging, out)
    assert _counts(out) == before
    assert not list(out.parent.glob("registry.duckdb.tmp-*")), "temporary file left behind"


def test_missing_staging_is_one_clear_error(tmp_path):
    proc = subprocess.run([REGISTRY_BIN, "build", "--staging", str(tmp_path / "nope.duckdb"),
                           "--out", str(tmp_path / "r.duckdb")], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "staging store not found" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_mid_build_leaves_previous_registry(staging_and_registry, seed):
    staging, out = staging_and_registry
    before = _counts(out)
    before_bytes = out.read_bytes()
    rng = random.Random(seed)
    proc = subprocess.Popen([REGISTRY_BIN, "build", "--staging", str(staging), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Wait until the build has really started writing its temporary file, then kill it at a random moment.
    deadline = time.monotonic() + 60
    while not list(out.parent.glob("registry.duckdb.tmp-*")) and proc.poll() is None:
        assert time.monotonic() < deadline, "build never started"
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.15))
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.returncode == -signal.SIGKILL:
        assert out.read_bytes() == before_bytes, "the registry changed under a killed build"
    assert _counts(out)[:2] == before[:2]
    # The next build succeeds and cleans up what the killed one left.
    build_mod.build(staging, out)
    assert _counts(out)[:2] == before[:2]
    assert not list(out.parent.glob("registry.duckdb.tmp-*"))


def test_readers_keep_a_whole_registry_across_a_rebuild(staging_and_registry):
    staging, out = staging_and_registry
    reader = duckdb.connect(str(out), read_only=True)
    n = reader.execute("SELECT count(*) FROM transactions").fetchone()[0]
    build_mod.build(staging, out)
    assert reader.execute("SELECT count(*) FROM transactions").fetchone()[0] == n
    reader.close()


def test_build_from_an_empty_staging_store(tmp_path):
    """A first crawl of a source with no contracts yet (only notices, or nothing) still builds a registry."""
    import duckdb

    from registry import build
    from registry.core import store

    staging = tmp_path / "staging.duckdb"
    store.connect(staging).close()
    out = tmp_path / "registry.duckdb"
    build.build(staging, out)
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*) FROM awards").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM vendor_matches").fetchone()[0] == 0
    con.close()
