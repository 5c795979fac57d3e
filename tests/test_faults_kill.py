"""SIGKILL `registry crawl usaspending` at random points, re-run it: the result equals an uninterrupted run.

Why: a crawl of a large scope runs for hours and can die at any instant (OOM killer, a closed laptop, a
CI timeout). The staging store is DuckDB with its write-ahead log and the pipeline writes in transactions,
so a kill may lose the batch in flight but never corrupt what was committed; the re-run upserts by natural
key. The test kills at a random moment and checks rows and sums against a run never killed.

Two kill points (seeds): seed 2 kills after 17 of ~90 responses, early in the details, around the first batch of
five rows; seed 3 after 40, with several batches committed and more in flight. A third seed (27 responses, between
the two) was dropped: it killed the same process in the same phase, so it proved nothing the others do not, at
the cost of two more crawl processes and a build.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REGISTRY_BIN, run_cli
from tests.fake_usaspending import FakeUsaspending, Faults, make_awards
from tests.test_faults_crawl import build, registry_rows

N_AWARDS = 25
SETTINGS = {"USASPENDING_PAGE_SIZE": "5", "USASPENDING_TRANSACTIONS_PAGE_SIZE": "2", "STAGING_BATCH_SIZE": "5",
            "AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS": "4", "PROGRESS_INTERVAL": "0"}


def args(api: FakeUsaspending, staging: Path) -> list[str]:
    settings = [a for k, v in SETTINGS.items() for a in ("--setting", f"{k}={v}")]
    return ["crawl", "usaspending", "--api-url", api.base, "--agency", "7012", "--since", "2021-01-01",
            "--until", "2025-12-31", "--staging", str(staging), *settings]


def committed_rows(staging: Path) -> int:
    """Rows the killed run had committed (the WAL replays on open): 0 when it died before its first batch."""
    if not staging.exists():
        return 0
    con = duckdb.connect(str(staging), read_only=True)
    try:
        return con.execute("SELECT (SELECT count(*) FROM stg_awards) + (SELECT count(*) FROM stg_transactions)"
                           ).fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()


@pytest.fixture(scope="module")
def awards():
    return make_awards(N_AWARDS, mods=3, seed=23)


@pytest.fixture(scope="module")
def uninterrupted(awards, tmp_path_factory):
    d = tmp_path_factory.mktemp("uninterrupted")
    with FakeUsaspending(awards, Faults(latency=0.01)) as api:
        r = run_cli(*args(api, d / "staging.duckdb"), timeout=120)
    assert r.returncode == 0, r.stderr
    build(d / "staging.duckdb", d / "registry.duckdb")
    return registry_rows(d / "registry.duckdb")


@pytest.mark.parametrize("seed", [2, 3])
def test_sigkill_mid_crawl_then_rerun_equals_an_uninterrupted_run(awards, uninterrupted, tmp_path, seed):
    rng = random.Random(seed)
    staging = tmp_path / "staging.duckdb"
    with FakeUsaspending(awards, Faults(latency=0.01)) as api:
        proc = subprocess.Popen([REGISTRY_BIN, *args(api, staging)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # kill at a random point of the crawl's progress (between its 10th and 80th of ~90 responses),
        # measured in responses rather than seconds so a loaded machine does not move the point
        target = rng.randint(10, 80)
        deadline = time.monotonic() + 60
        while sum(api.hits.values()) < target and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.2))
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        served_before_kill = sum(api.hits.values())
        committed = committed_rows(staging)
        rerun = run_cli(*args(api, staging), timeout=120)
    print(f"\n[reliability] seed {seed}: killed after {served_before_kill} responses, {committed} rows committed")
    assert killed, "the crawl finished before the kill: the test did not test anything"
    assert served_before_kill >= 10
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    con = duckdb.connect(str(staging), read_only=True)
    statuses = [s for (s,) in con.execute("SELECT status FROM crawl_runs ORDER BY started_at").fetchall()]
    con.close()
    assert statuses == ["aborted", "ok"]  # the killed run is marked, never left 'running'
    build(staging, tmp_path / "registry.duckdb")
    assert registry_rows(tmp_path / "registry.duckdb") == uninterrupted  # same rows, same sums
