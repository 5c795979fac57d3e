"""SIGKILL `registry crawl usaspending` at random points, re-run it: the result equals an uninterrupted run.

Why: a crawl of a large scope runs for hours and can die at any instant (OOM killer, a closed laptop, a
CI timeout). The staging store is DuckDB with its write-ahead log and the pipeline writes in transactions,
so a kill may lose the batch in flight but never corrupt what was committed; the re-run upserts by natural
key. The test kills at a random moment and checks rows and sums against what a run never killed loads: every award
and transaction the server holds, to the cent.

Two kill points (seeds): seed 2 kills after 17 of ~90 responses, early in the details, around the first batch of
five rows; seed 3 after 40, with several batches committed and more in flight. A third seed (27 responses, between
the two) was dropped: it killed the same process in the same phase, so it proved nothing the others do not, at
the cost of two more crawl processes and a build. The two seeds run side by side, each against its own server.
"""

from __future__ import annotations

import os
import random
import signal
import time
from contextlib import ExitStack
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests import warm_process
from tests.fake_usaspending import FakeUsaspending, Faults, make_awards
from tests.test_faults_crawl import build, registry_rows

N_AWARDS = 25
SEEDS = (2, 3)
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


def expected_rows(awards) -> dict:
    """What an uninterrupted run loads into the registry: every award and transaction the server holds, in the
    shape of tests/test_faults_crawl.py registry_rows (amounts to the cent, as the registry stores them)."""
    cents = Decimal("0.01")
    txs = sorted((a.gid, t["id"], date.fromisoformat(t["action_date"]),
                  Decimal(t["federal_action_obligation"]).quantize(cents)) for a in awards for t in a.transactions)
    return {"awards": sorted((a.gid, Decimal(a.detail["total_obligation"]).quantize(cents)) for a in awards),
            "transactions": txs, "sum": sum(t[3] for t in txs)}


@pytest.fixture(scope="module")
def awards():
    return make_awards(N_AWARDS, mods=3, seed=23)


@pytest.fixture(scope="module")
def killed_then_rerun(awards, tmp_path_factory):
    """For each seed, a crawl killed at the seed's point, then the same command again; the seeds side by side (each
    its own server and staging store: the kill point is counted in its own server's responses)."""
    with ExitStack() as stack:
        runs = {}
        for seed in SEEDS:
            rng = random.Random(seed)
            api = stack.enter_context(FakeUsaspending(awards, Faults(latency=0.01)))
            staging = tmp_path_factory.mktemp(f"seed{seed}") / "staging.duckdb"
            proc = warm_process.popen(*args(api, staging), stdout=warm_process.DEVNULL, stderr=warm_process.DEVNULL)
            # kill at a random point of the crawl's progress (between its 10th and 80th of ~90 responses),
            # measured in responses rather than seconds so a loaded machine does not move the point
            runs[seed] = {"api": api, "staging": staging, "proc": proc, "target": rng.randint(10, 80),
                          "pause": rng.uniform(0.0, 0.2)}
        deadline, pending = time.monotonic() + 60, dict(runs)
        while pending:
            now = time.monotonic()
            for seed, run in list(pending.items()):
                api, proc = run["api"], run["proc"]
                if proc.poll() is None and now < deadline:
                    if sum(api.hits.values()) < run["target"]:
                        continue
                    run.setdefault("kill_at", now + run["pause"])
                    if now < run["kill_at"]:
                        continue
                run["killed"] = proc.poll() is None
                if run["killed"]:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                run["served_before_kill"] = sum(api.hits.values())
                run["committed"] = committed_rows(run["staging"])
                del pending[seed]
            time.sleep(0.01)
        reruns = {seed: warm_process.popen(*args(run["api"], run["staging"]), stdout=warm_process.PIPE,
                                           stderr=warm_process.PIPE, text=True) for seed, run in runs.items()}
        for seed, proc in reruns.items():
            out, err = proc.communicate(timeout=120)
            runs[seed]["rerun"] = (proc.returncode, out + err)
    return runs


@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_mid_crawl_then_rerun_equals_an_uninterrupted_run(awards, killed_then_rerun, tmp_path, seed):
    run = killed_then_rerun[seed]
    staging = run["staging"]
    print(f"\n[reliability] seed {seed}: killed after {run['served_before_kill']} responses, "
          f"{run['committed']} rows committed")
    assert run["killed"], "the crawl finished before the kill: the test did not test anything"
    assert run["served_before_kill"] >= 10
    returncode, output = run["rerun"]
    assert returncode == 0, output
    con = duckdb.connect(str(staging), read_only=True)
    statuses = [s for (s,) in con.execute("SELECT status FROM crawl_runs ORDER BY started_at").fetchall()]
    con.close()
    assert statuses == ["aborted", "ok"]  # the killed run is marked, never left 'running'
    # what the store holds: every award and transaction once, to the cent (what a kill could break: a batch half
    # written, a row twice)
    assert registry_rows(staging, "stg_awards", "stg_transactions") == expected_rows(awards)
    if seed == SEEDS[-1]:  # and the registry built from it (one seed's build shows the build takes a killed run's
        build(staging, tmp_path / "registry.duckdb")  # store: its 'aborted' run, its re-run's upserts)
        assert registry_rows(tmp_path / "registry.duckdb") == expected_rows(awards)  # same rows, same sums
