"""`registry crawl usaspending` end to end against a local server in the API's shapes, then `registry build`.

The server (tests/fake_usaspending.py) answers on 127.0.0.1 with pages, a 429 with Retry-After, a 500, a
truncated body, an HTML error page and an invalid date. What a user checks: every record is either in the
registry or in `rejects` with its reason, the run's counts reconcile, and running the same crawl again
changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests import warm_process
from tests.conftest import ROOT, invoke_cli, run_cli
from tests.fake_usaspending import FakeUsaspending, Faults, make_awards

N_AWARDS = 120


def faults_for(awards) -> Faults:
    return Faults(rate_limit_first=2, server_errors=1, truncated_awards={awards[3].gid},
                  html_awards={awards[9].gid}, bad_date_transactions={awards[5].transactions[1]["id"]})


def crawl_args(api: FakeUsaspending, staging: Path) -> list[str]:
    return ["crawl", "usaspending", "--api-url", api.base, "--agency", "U.S. Immigration and Customs Enforcement",
            "--since", "2021-01-01", "--until", "2025-12-31", "--staging", str(staging)]


def registry_numbers(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "awards": con.execute("SELECT count(*) FROM awards").fetchone()[0],
            "transactions": con.execute("SELECT count(*) FROM transactions").fetchone()[0],
            "obligations": con.execute("SELECT sum(federal_action_obligation) FROM transactions").fetchone()[0],
            "rejects": sorted(con.execute("SELECT kind, reason FROM rejects").fetchall()),
        }
    finally:
        con.close()


# short waits for the same retries (a Retry-After is honoured up to RETRY_BACKOFF_MAX)
SHORT_WAITS = [a for k, v in {"AUTOTHROTTLE_ENABLED": "False", "RETRY_BACKOFF_BASE": "0.05", "RETRY_BACKOFF_MAX": "0.1",
                             "PROGRESS_INTERVAL": "0"}.items() for a in ("--setting", f"{k}={v}")]
SINCE_LAST_ARGS = ["crawl", "usaspending", "--agency", "7012", "--since", "2021-01-01", "--until", "2025-12-31"]


@pytest.fixture(scope="module")
def first_crawls(tmp_path_factory):
    """Crawls that other tests finish, started at once beside two_crawls (which asks for this first), each on its
    own server and store: `scrapy crawl` from the root, and the full run before a `--since-last` one."""
    d = tmp_path_factory.mktemp("first_crawls")
    with ExitStack() as stack:
        scrapy_api = stack.enter_context(FakeUsaspending(make_awards(5, mods=2)))
        scrapy_staging = d / "scrapy.duckdb"
        scrapy_proc = subprocess.Popen(
            [str(Path(os.sys.executable).with_name("scrapy")), "crawl", "usaspending", "-a", "agencies=7012",
             "-a", "since=2021-01-01", "-a", "until=2025-12-31", "-s", f"USASPENDING_API_URL={scrapy_api.base}",
             "-s", f"STAGING_PATH={scrapy_staging}", "-s", "LOG_LEVEL=WARNING"], cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        since_awards = make_awards(60, mods=2)
        since_api = stack.enter_context(FakeUsaspending(since_awards))
        since_staging = d / "since.duckdb"
        since_proc = warm_process.popen(*SINCE_LAST_ARGS, "--staging", str(since_staging), "--api-url",
                                        since_api.base, stdout=warm_process.PIPE, stderr=warm_process.PIPE, text=True)
        for proc in (scrapy_proc, since_proc):
            stack.callback(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))  # a failed test leaves none
        yield {"scrapy": (scrapy_proc, scrapy_staging), "since": (since_proc, since_staging, since_api, since_awards)}


def finished(proc: subprocess.Popen | warm_process.WarmProcess) -> subprocess.CompletedProcess:
    stdout, stderr = proc.communicate(timeout=240)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory, first_crawls):
    """The same crawl twice into one store, each built. The first is the `registry` console script started from
    nothing, as a user runs it (the suite's one such `registry crawl usaspending`); the second is forked from the
    suite's warm server (tests/warm_process.py). Both wait less between retries than the product does (--setting):
    what they must show (every record loaded or rejected, the same numbers again) does not depend on how long."""
    awards = make_awards(N_AWARDS, mods=3)
    d = tmp_path_factory.mktemp("crawl")
    staging, db = d / "staging.duckdb", d / "registry.duckdb"
    results = []
    with FakeUsaspending(awards, faults_for(awards)) as api:
        for again in (False, True):
            api.faults.rate_limit_first, api.faults.server_errors = 2, 1  # the same faults each run
            t0 = time.perf_counter()
            r = (warm_process.run if again else run_cli)(*crawl_args(api, staging), *SHORT_WAITS, timeout=240)
            seconds = time.perf_counter() - t0
            b = invoke_cli("build", "--staging", str(staging), "--out", str(db))
            assert b.returncode == 0, b.stderr
            results.append({"crawl": r, "seconds": seconds, "hits": dict(api.hits), "numbers": registry_numbers(db)})
            api.hits.clear()
    return awards, staging, db, results


def test_counts_reconcile_and_bad_records_are_rejected_with_reasons(two_crawls):
    awards, staging, db, results = two_crawls
    first = results[0]
    r = first["crawl"]
    # two award details could not be parsed: the run says partial (exit 3) and tells how to complete it
    assert r.returncode == 3, r.stderr
    assert "partial" in r.stdout and "re-run" in r.stderr
    n = first["numbers"]
    assert n["awards"] == N_AWARDS - 2
    assert n["transactions"] == (N_AWARDS - 2) * 3 - 1
    bad = {awards[3].gid, awards[9].gid}
    expected = sum(t["federal_action_obligation"] for a in awards if a.gid not in bad for t in a.transactions
                   if t["id"] != awards[5].transactions[1]["id"])
    assert Decimal(str(n["obligations"])) == expected  # exact to the cent
    kinds = [k for k, _ in n["rejects"]]
    assert kinds == ["award", "award", "transaction"]
    reasons = " | ".join(reason for _, reason in n["rejects"])
    assert "not JSON (application/json" in reasons  # the truncated body
    assert "not JSON (text/html" in reasons          # the 200 HTML error page
    assert "action_date: not a date: '2025-13-45'" in reasons
    con = duckdb.connect(str(staging), read_only=True)
    runs = con.execute("SELECT status, items_fetched, items_loaded, items_rejected, pages_lost, requests "
                       "FROM crawl_runs ORDER BY started_at").fetchall()
    payloads = con.execute("SELECT raw_payload FROM rejects WHERE kind = 'award'").fetchall()
    con.close()
    assert len(runs) == 2
    for status, fetched, loaded, rejected, lost, requests in runs:
        assert fetched == loaded + rejected and rejected == 3 and lost == 2 and status == "partial"
        assert requests >= 2 + N_AWARDS * 2  # searches + one detail and one transactions page per award
    assert all(p[0] for p in payloads)  # raw bodies kept for every reject


def test_rate_limits_and_server_errors_are_retried_not_lost(two_crawls):
    awards, _, _, results = two_crawls
    hits = results[0]["hits"]
    details = sum(v for k, v in hits.items() if k.startswith("GET /api/v2/awards/"))
    assert details == N_AWARDS  # every award detail fetched once: the duplicate filter held
    # 3 fault responses (two 429, one 500) were answered by retries, none became a reject
    assert all("HTTP" not in reason for _, reason in results[0]["numbers"]["rejects"])


def test_second_run_changes_no_counts(two_crawls):
    _, _, _, results = two_crawls
    assert results[1]["numbers"] == results[0]["numbers"]


def test_unknown_agency_is_one_clear_line(tmp_path):
    r = invoke_cli("crawl", "usaspending", "--api-url", "http://127.0.0.1:9", "--agency", "Ministry of Truth",
                   "--staging", str(tmp_path / "s.duckdb"))  # refused before any crawl starts: in this process
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "unknown agency 'Ministry of Truth'" in r.stderr
    assert not (tmp_path / "s.duckdb").exists()


def _online() -> bool:
    try:
        socket.create_connection(("api.usaspending.gov", 443), timeout=3).close()
        return True
    except OSError:
        return False


def test_offline_make_crawl_fails_fast_and_leaves_the_registry(tmp_path, sample_registry):
    if _online():
        pytest.skip("this machine reaches api.usaspending.gov: the offline behaviour cannot be shown here")
    db = tmp_path / "registry.duckdb"
    shutil.copy(sample_registry, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    env = dict(os.environ, REGISTRY_PATH=str(db), STAGING_PATH=str(tmp_path / "staging.duckdb"))
    t0 = time.perf_counter()
    r = subprocess.run(["make", "-s", "crawl"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - t0
    assert r.returncode != 0
    assert elapsed < 30
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: cannot reach api.usaspending.gov"), r.stderr
    assert "Traceback" not in r.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM awards").fetchone()[0] == 970
    con.close()


def test_scrapy_crawl_works_from_the_root(first_crawls):
    """`scrapy crawl usaspending` (Scrapy's own command) runs the same spider and pipeline."""
    proc, staging = first_crawls["scrapy"]
    r = finished(proc)
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(staging), read_only=True)
    assert con.execute("SELECT count(*) FROM stg_awards").fetchone()[0] == 5
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0] == 10
    scope = json.loads(con.execute("SELECT scope FROM crawl_runs").fetchone()[0])
    con.close()
    assert scope["agencies"] == ["U.S. Immigration and Customs Enforcement"]


def test_since_last_fetches_only_what_changed(first_crawls):
    """A daily refresh: after a clean full run, `--since-last` asks only for awards modified since then."""
    from datetime import date

    proc, staging, api, awards = first_crawls["since"]
    full = finished(proc)
    assert full.returncode == 0, full.stderr
    full_requests = sum(api.hits.values())
    api.hits.clear()
    changed = awards[10]
    changed.detail["period_of_performance"]["last_modified_date"] = str(date.today())
    changed.transactions.append({**changed.transactions[-1], "id": changed.transactions[-1]["id"] + "9",
                                 "modification_number": "P00099", "action_date": str(date.today()),
                                 "federal_action_obligation": Decimal("1234.56")})
    inc = warm_process.run(*SINCE_LAST_ARGS, "--staging", str(staging), "--api-url", api.base, "--since-last")
    assert inc.returncode == 0, inc.stderr
    inc_requests = sum(api.hits.values())
    details = [k for k in api.hits if k.startswith("GET /api/v2/awards/")]
    assert details == [f"GET /api/v2/awards/{changed.gid}/"]
    assert inc_requests <= 0.05 * full_requests
    con = duckdb.connect(str(staging), read_only=True)
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0] == 60 * 2 + 1
    since = con.execute("SELECT since_date FROM crawl_runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    con.close()
    assert since is not None
