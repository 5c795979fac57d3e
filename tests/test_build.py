"""`registry build` is atomic: a failed or killed build leaves the previous registry readable and unchanged."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from registry import build as build_mod
from registry.core import store
from tests import warm_process
from tests.conftest import REGISTRY_BIN, copy_registry, invoke_cli


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
    return sample_registry.parent / "sample-staging.duckdb", copy_registry(sample_registry, tmp_path)


def test_build_writes_schema_version_and_meta(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    steps = [r[0] for r in con.execute("SELECT step FROM schema_version").fetchall()]
    assert steps[0] == "100_base.sql"
    assert con.execute("SELECT value FROM registry_meta WHERE key = 'is_sample'").fetchone() == ("true",)


def test_failed_build_leaves_previous_registry(staging_and_registry, monkeypatch):
    staging, out = staging_and_registry
    before = _counts(out)
    found = build_mod.steps()
    # The build writes a temporary file and renames it only after the last step, so a step failing after the
    # first has written tables tests the same path as one failing at the end (without running the whole build).
    monkeypatch.setattr(build_mod, "steps", lambda: [found[0], "sql:does_not_exist.sql", *found[1:]])
    with pytest.raises(FileNotFoundError):
        build_mod.build(staging, out)
    assert _counts(out) == before
    assert not list(out.parent.glob("registry.duckdb.tmp-*")), "temporary file left behind"


def test_missing_staging_is_one_clear_error(tmp_path):
    proc = invoke_cli("build", "--staging", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "r.duckdb"))
    assert proc.returncode != 0
    assert "staging store not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sigkill_mid_build_leaves_previous_registry_and_an_empty_store_builds(staging_and_registry):
    """Three `registry build` processes killed at random moments (seeds 1-3, as a user's Ctrl-\\ or the OOM
    killer would) each leave the registry byte for byte as it was; then one build, with a reader holding the old
    file open, succeeds, removes every temporary file the killed ones left, and the reader keeps a whole registry.
    (Each seed was its own test with its own rebuild; the rebuild proves the same thing once for all three.)"""
    staging, out = staging_and_registry
    before = _counts(out)
    before_bytes = out.read_bytes()
    staging_bytes = staging.read_bytes()
    killed = 0
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        args = ["build", "--staging", str(staging), "--out", str(out)]
        # the first is the console script as a user starts it; the others fork from the suite's warm interpreter
        # (the same entry point, their own pid, killed the same way), without ~2 s of imports each
        proc = (subprocess.Popen([REGISTRY_BIN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if seed == 1 else warm_process.popen(*args, stdout=warm_process.DEVNULL, stderr=warm_process.DEVNULL))
        # Wait until the build has really started writing its temporary file, then kill it at a random moment.
        deadline = time.monotonic() + 60
        while not list(out.parent.glob(f"registry.duckdb.tmp-{proc.pid}")) and proc.poll() is None:
            assert time.monotonic() < deadline, "build never started"
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.15))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            killed += 1
            assert out.read_bytes() == before_bytes, f"the registry changed under a killed build (seed {seed})"
        assert _counts(out)[:2] == before[:2]
    assert killed, "no build was killed mid-way"
    assert staging.read_bytes() == staging_bytes, "a killed build changed the staging store it read"
    # The next build succeeds and cleans up what the killed ones left; a reader of the old file keeps it whole.
    # It builds a store with no records (a quick build) so the new registry differs from the old in every count:
    # the reader still reading the old counts shows it kept the old file, not that the two happen to agree.
    # It is also a first crawl's store with no contracts yet (only notices, or nothing): it still builds a registry,
    # every table there and empty.
    empty = out.parent / "empty-staging.duckdb"
    store.connect(empty).close()
    reader = duckdb.connect(str(out), read_only=True)
    try:
        n = reader.execute("SELECT count(*) FROM transactions").fetchone()[0]
        build_mod.build(empty, out)
        assert reader.execute("SELECT count(*) FROM transactions").fetchone()[0] == n == before[1] > 0
    finally:
        reader.close()
    assert _counts(out)[:2] == (0, 0)
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM vendor_matches").fetchone()[0] == 0
    assert not list(out.parent.glob("registry.duckdb.tmp-*"))
