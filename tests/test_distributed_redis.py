"""Two scrapy-redis workers share one crawl of the fake API (with faults) through a real Redis; their staging
stores, merged and built, equal a single worker's registry in every public view; the job's end check runs once
on the whole listing; and the next job with the same name is not silently empty."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests import warm_process
from tests.conftest import invoke_cli
from tests.fake_usaspending import FakeUsaspending, Faults, make_awards

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
N_AWARDS = 60
AGENCY = "U.S. Immigration and Customs Enforcement"
# columns that say when and by which run a row was fetched: they differ between any two crawls by design
RUN_COLUMNS = {"fetched_at", "run_id", "started_at", "finished_at", "rejected_at", "first_rejected_at", "reject_id"}
SKIP_VIEWS = {"crawl_runs"}  # one run against two: compared separately below


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not Path(REDIS).exists():
        pytest.fail("redis-server missing: run `make system` (apt-get install redis-server)")
    port = _port()
    d = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(d)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def faults_for(awards) -> Faults:
    return Faults(rate_limit_first=2, server_errors=1, truncated_awards={awards[3].gid},
                  bad_date_transactions={awards[5].transactions[1]["id"]}, latency=0.02)


# short waits for the same retries (a Retry-After is honoured up to RETRY_BACKOFF_MAX) and for an idle worker's
# look at the shared queue; the pace (AutoThrottle, the server's latency) stays, so that both workers get work
SHORT_WAITS = {"RETRY_BACKOFF_BASE": "0.05", "RETRY_BACKOFF_MAX": "0.1", "REGISTRY_IDLE_POLL": "0.1",
               "PROGRESS_INTERVAL": "0"}


def crawl_args(api: FakeUsaspending, staging: Path) -> list[str]:
    return ["crawl", "usaspending", "--api-url", api.base, "--agency", AGENCY, "--since", "2021-01-01",
            "--until", "2025-12-31", "--staging", str(staging),
            *(a for k, v in SHORT_WAITS.items() for a in ("--setting", f"{k}={v}"))]


def worker(api, staging: Path, redis_url: str, job: str, name: str) -> warm_process.WarmProcess:
    """`registry crawl ... --redis-url --job --worker`, a process of its own (forked from the suite's warm server)."""
    return warm_process.popen(*crawl_args(api, staging), "--redis-url", redis_url, "--job", job, "--worker", name,
                              stdout=warm_process.PIPE, stderr=warm_process.PIPE, text=True)


@pytest.fixture(scope="module")
def crawls(redis_url, tmp_path_factory):
    awards = make_awards(N_AWARDS, mods=3)
    d = tmp_path_factory.mktemp("distributed")
    # the single worker's crawl runs beside the two workers', on its own server with the same awards and faults
    with FakeUsaspending(awards, faults_for(awards)) as api, FakeUsaspending(awards, faults_for(awards)) as alone:
        one = warm_process.popen(*crawl_args(alone, d / "single.duckdb"), stdout=warm_process.PIPE,
                                 stderr=warm_process.PIPE, text=True)
        procs = [worker(api, d / f"w{i}.duckdb", redis_url, "ice-test", f"w{i}") for i in (1, 2)]
        outs = [p.communicate(timeout=300) for p in procs]
        out, err = one.communicate(timeout=240)
        single = subprocess.CompletedProcess(one.args, one.returncode, out, err)
        again = warm_process.run(*crawl_args(api, d / "again.duckdb"), "--redis-url", redis_url, "--job", "ice-test",
                                 "--worker", "w3", timeout=240)
    assert single.returncode in (0, 3), single.stderr  # 3 = partial: the truncated award detail is a lost page
    merged = d / "merged.duckdb"
    m = invoke_cli("merge", str(merged), str(d / "w1.duckdb"), str(d / "w2.duckdb"))
    assert m.returncode == 0, m.stderr
    for name in ("single", "merged"):
        b = invoke_cli("build", "--staging", str(d / f"{name}.duckdb"), "--out", str(d / f"{name}-registry.duckdb"))
        assert b.returncode == 0, b.stderr
    return {"dir": d, "single": single, "workers": [(p.returncode, o, e) for p, (o, e) in zip(procs, outs,
                                                                                                  strict=True)],
            "again": again}


def test_both_workers_did_part_of_the_work(crawls):
    d = crawls["dir"]
    counts = []
    for i in (1, 2):
        con = duckdb.connect(str(d / f"w{i}.duckdb"), read_only=True)
        counts.append(con.execute("SELECT count(*) FROM stg_awards").fetchone()[0])
        con.close()
    assert all(c > 0 for c in counts), f"awards per worker {counts}: one worker did everything"
    assert sum(counts) == N_AWARDS - 1, "each award fetched by exactly one worker (the truncated one rejected)"


def test_the_end_check_runs_once_on_the_whole_listing(crawls):
    d = crawls["dir"]
    reasons = []
    for i in (1, 2):
        con = duckdb.connect(str(d / f"w{i}.duckdb"), read_only=True)
        reasons += [r for (r,) in con.execute("SELECT reason FROM rejects").fetchall()]
        con.close()
    assert not [r for r in reasons if "listing ended early" in r], reasons
    for rc, _out, err in crawls["workers"]:
        assert rc in (0, 3), err  # 3 = partial: the truncated award detail is a lost page, as in one worker


def test_merged_workers_build_the_same_registry_as_one_worker(crawls):
    d = crawls["dir"]
    con = duckdb.connect()
    con.execute("ATTACH ? AS one (READ_ONLY)", [str(d / "single-registry.duckdb")])
    con.execute("ATTACH ? AS two (READ_ONLY)", [str(d / "merged-registry.duckdb")])
    views = [v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'one' AND "
                                       "schema_name = 'main' AND NOT internal ORDER BY 1").fetchall()]
    assert "awards" in views
    compared = 0
    for v in views:
        if v in SKIP_VIEWS:
            continue
        cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'one' "
                                          "AND table_name = ? ORDER BY column_index", [v]).fetchall()
                if c not in RUN_COLUMNS]
        # the single crawl had its own server: its URLs name another port, compared without it
        sel = ", ".join(f"""regexp_replace(CAST("{c}" AS VARCHAR), '127\\.0\\.0\\.1:[0-9]+', '127.0.0.1', 'g')"""
                        for c in cols)
        for x, y in (("one", "two"), ("two", "one")):
            n = con.execute(f'SELECT count(*) FROM (SELECT {sel} FROM {x}."{v}" EXCEPT ALL '
                            f'SELECT {sel} FROM {y}."{v}")').fetchone()[0]
            assert n == 0, f"{v}: {n} rows of {x} not in {y}"
        compared += 1
    assert con.execute("SELECT count(*) FROM two.awards").fetchone()[0] == N_AWARDS - 1
    assert con.execute("SELECT count(*) FROM two.crawl_runs").fetchone()[0] == 2
    assert compared > 10


def test_the_next_job_with_the_same_name_is_not_silently_empty(crawls):
    r = crawls["again"]
    assert r.returncode in (0, 3), r.stderr
    assert "fetched 0" not in r.stdout
    con = duckdb.connect(str(crawls["dir"] / "again.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM stg_awards").fetchone()[0] == N_AWARDS - 1
    con.close()
