"""`registry crawl usaspending` against transport and paging faults a real feed has (issue 9).

tests/test_crawl_local.py already covers 429 (with Retry-After), one 500, a truncated JSON body, a 200 HTML
error page and an invalid date. This file adds what it does not: 502/503 bursts, connection resets, responses
slower than DOWNLOAD_TIMEOUT, connections cut mid-body, duplicate rows across search and transaction pages,
and paging that breaks (repeats a page, an empty page that says hasNext, a listing that ends early).

What a user checks: the crawl ends (bounded requests), faults that clear are retried and cost nothing,
faults that never clear become rejects with a reason and a partial run, every record is loaded or rejected
(fetched = loaded + rejected), duplicates are stored once, and the next run completes the scope exactly.
"""

from __future__ import annotations

import subprocess
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests import warm_process
from tests.conftest import invoke_cli
from tests.fake_usaspending import FakeUsaspending, Faults, make_awards

N_AWARDS = 60
RETRY_TIMES = 3
FAST = {  # small waits so the suite stays fast; the logic is the same at the production values
    "DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": str(RETRY_TIMES), "RETRY_BACKOFF_BASE": "0.05",
    "RETRY_BACKOFF_MAX": "0.2", "USASPENDING_PAGE_SIZE": "10", "USASPENDING_TRANSACTIONS_PAGE_SIZE": "2",
    "AUTOTHROTTLE_ENABLED": "False", "PROGRESS_INTERVAL": "0",
}


def crawl_args(api: FakeUsaspending, staging: Path, **extra: str) -> list[str]:
    settings = [a for k, v in {**FAST, **extra}.items() for a in ("--setting", f"{k}={v}")]
    return ["crawl", "usaspending", "--api-url", api.base, "--agency", "7012", "--since", "2021-01-01",
            "--until", "2025-12-31", "--staging", str(staging), *settings]


def crawl(api: FakeUsaspending, staging: Path, **extra: str) -> subprocess.CompletedProcess:
    """`registry crawl usaspending` as a process of its own, forked from the suite's warm server (tests/warm_process.py:
    the same entry point, exit code and output; tests/test_crawl_local.py runs the console script itself)."""
    return warm_process.run(*crawl_args(api, staging, **extra), timeout=180)


def build(staging: Path, db: Path) -> None:
    b = invoke_cli("build", "--staging", str(staging), "--out", str(db))
    assert b.returncode == 0, b.stderr


def registry_rows(db: Path, awards: str = "awards", transactions: str = "transactions") -> dict:
    """Awards and transactions of a registry (or, with the stg_ tables, of a staging store), with the sum."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "awards": con.execute(f"SELECT award_key, total_obligation FROM {awards} ORDER BY 1").fetchall(),
            "transactions": con.execute("SELECT award_key, transaction_key, action_date, federal_action_obligation "
                                        f"FROM {transactions} ORDER BY 1, 2").fetchall(),
            "sum": con.execute(f"SELECT sum(federal_action_obligation) FROM {transactions}").fetchone()[0],
        }
    finally:
        con.close()


def runs_of(staging: Path) -> list[tuple]:
    con = duckdb.connect(str(staging), read_only=True)
    try:
        return con.execute("SELECT status, items_fetched, items_loaded, items_rejected, pages_lost, requests "
                           "FROM crawl_runs ORDER BY started_at").fetchall()
    finally:
        con.close()


def rejects_of(staging: Path) -> list[tuple]:
    con = duckdb.connect(str(staging), read_only=True)
    try:
        return con.execute("SELECT kind, reason, source_url, raw_payload FROM rejects ORDER BY rejected_at").fetchall()
    finally:
        con.close()


def expected_sum(awards, skip: set[str] = frozenset()) -> Decimal:
    return sum((t["federal_action_obligation"] for a in awards if a.gid not in skip for t in a.transactions),
               Decimal(0))


BROKEN_PAGING = ("repeat_page", "empty_page_with_next", "end_early_page")


@pytest.fixture(scope="module")
def faulty_then_clean(tmp_path_factory, paging_crawls):
    """One crawl through every transport fault (two details never answer), then the same command again."""
    awards = make_awards(N_AWARDS, mods=3, seed=9)
    slow, cut = awards[7].gid, awards[11].gid
    faults = Faults(rate_limit_no_header=2, server_errors=2, bad_gateway=3, unavailable=3, resets=3, slow_first=2, cut_first=2, slow_seconds=2.5,
                    slow_awards={slow}, cut_awards={cut}, duplicate_search_rows=True, duplicate_transactions=True)
    d = tmp_path_factory.mktemp("faults")
    staging = d / "staging.duckdb"
    out = {"awards": awards, "lost": {slow, cut}, "staging": staging}
    with FakeUsaspending(awards, faults) as api:
        out["first"] = crawl(api, staging)
        out["fired"] = dict(faults.fired)
        out["hits"] = dict(api.hits)
        out["rejects"] = rejects_of(staging)
        # what the partial run stored (the staging store; tests/test_crawl_local.py builds a partial run's registry)
        out["first_rows"] = registry_rows(staging, "stg_awards", "stg_transactions")
        # the faults clear (the API recovered); the user re-runs the same command
        api.faults = Faults(duplicate_search_rows=True, duplicate_transactions=True)
        api.hits.clear()
        out["second"] = crawl(api, staging)
        out["second_hits"] = dict(api.hits)
        build(staging, d / "second.duckdb")
        out["second_rows"] = registry_rows(d / "second.duckdb")
    out["runs"] = runs_of(staging)
    return out


def test_every_transport_fault_fired_and_the_crawl_ended_partial(faulty_then_clean):
    r = faulty_then_clean["first"]
    fired = faulty_then_clean["fired"]
    print(f"\n[reliability] faults fired in one crawl: {sum(fired.values())} {dict(fired)}")
    assert fired["429 without Retry-After"] == 2 and fired["500"] == 2
    assert fired["502"] == 3 and fired["503"] == 3 and fired["reset"] == 3
    assert fired["slow"] == 2 + (RETRY_TIMES + 1) and fired["cut"] == 2 + (RETRY_TIMES + 1)
    assert r.returncode == 3, r.stderr  # partial: two details never answered
    assert "partial" in r.stdout and "pages lost 2" in r.stdout and "re-run" in r.stderr
    assert "Traceback" not in r.stderr


def test_hopeless_requests_are_retried_within_the_budget_then_rejected_with_a_reason(faulty_then_clean):
    hits = faulty_then_clean["hits"]
    for gid in faulty_then_clean["lost"]:
        assert hits[f"GET /api/v2/awards/{gid}/"] == RETRY_TIMES + 1  # the budget, not one more
    # bounded: every request is one a clean run makes, or a retry one of the 17 faults (and the two
    # hopeless details' retry budgets) caused
    clean = sum(faulty_then_clean["second_hits"].values())
    assert sum(hits.values()) <= clean + 13 + 4 + 2 * RETRY_TIMES
    lost = [(kind, reason, url) for kind, reason, url, _ in faulty_then_clean["rejects"]]
    assert len(lost) == 2 and {k for k, _, _ in lost} == {"page"}
    reasons = " | ".join(reason for _, reason, _ in lost)
    assert "award detail: DownloadTimeoutError" in reasons and "took longer than 1.0 seconds" in reasons
    assert "award detail: ResponseDataLossError" in reasons
    assert {url.rstrip("/").rsplit("/", 1)[1] for _, _, url in lost} == faulty_then_clean["lost"]


def test_every_other_record_is_loaded_exactly_once(faulty_then_clean):
    awards, lost = faulty_then_clean["awards"], faulty_then_clean["lost"]
    rows = faulty_then_clean["first_rows"]
    assert [k for k, _ in rows["awards"]] == sorted(a.gid for a in awards if a.gid not in lost)
    tx_keys = [t[1] for t in rows["transactions"]]
    assert len(tx_keys) == len(set(tx_keys)) == (N_AWARDS - 2) * 3  # duplicates across pages stored once
    assert Decimal(str(rows["sum"])) == expected_sum(awards, lost)   # exact to the cent
    status, fetched, loaded, rejected, pages_lost, _ = faulty_then_clean["runs"][0]
    assert (status, pages_lost, rejected) == ("partial", 2, 2)
    assert fetched == loaded + rejected


def test_rerun_after_faults_completes_the_scope(faulty_then_clean):
    awards = faulty_then_clean["awards"]
    r = faulty_then_clean["second"]
    assert r.returncode == 0, r.stderr
    status, fetched, loaded, rejected, pages_lost, _ = faulty_then_clean["runs"][1]
    assert (status, pages_lost, rejected) == ("ok", 0, 0) and fetched == loaded
    rows = faulty_then_clean["second_rows"]
    assert len(rows["awards"]) == N_AWARDS and len(rows["transactions"]) == N_AWARDS * 3
    assert Decimal(str(rows["sum"])) == expected_sum(awards)
    # the second run only added what was missing: the first run's rows are unchanged
    assert set(faulty_then_clean["first_rows"]["transactions"]) <= set(rows["transactions"])


@pytest.fixture(scope="module")
def paging_crawls(tmp_path_factory):
    """One crawl per way paging breaks, the three started side by side (each its own server and store) and left
    running beside faulty_then_clean's crawls (which mostly wait on timeouts); broken_paging collects them."""
    awards = make_awards(30, mods=1, seed=19)
    with ExitStack() as stack:
        running = {}
        for fault in BROKEN_PAGING:
            value = 2 if fault == "end_early_page" else True
            api = stack.enter_context(FakeUsaspending(awards, Faults(**{fault: value})))
            staging = tmp_path_factory.mktemp(fault) / "staging.duckdb"
            proc = warm_process.popen(*crawl_args(api, staging, USASPENDING_PAGE_SIZE="3"), stdout=warm_process.PIPE,
                                      stderr=warm_process.PIPE, text=True)
            stack.callback(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))  # a failed test leaves none
            running[fault] = (proc, api, staging)
        yield running


@pytest.fixture(scope="module")
def broken_paging(paging_crawls) -> dict[str, tuple[subprocess.CompletedProcess, int, Path]]:
    """Each paging crawl's result, the searches its server answered, and its staging store."""
    out = {}
    for fault, (proc, api, staging) in paging_crawls.items():
        stdout, stderr = proc.communicate(timeout=180)
        out[fault] = (subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
                      api.hits["POST /api/v2/search/spending_by_award/"], staging)
    return out


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("repeat_page", "search page 2: repeats page 1; paging stopped"),
        ("empty_page_with_next", "search page 2: empty with hasNext=true; paging stopped"),
        ("end_early_page", "search listing ended early: "),
    ],
)
def test_broken_paging_stops_and_says_partial(broken_paging, fault, reason):
    r, searches, staging = broken_paging[fault]
    assert r.returncode == 3, r.stdout + r.stderr  # partial, never "ok" with awards missing
    assert searches <= 2 * 6 + 30 // 3  # stopped, did not loop: 2 type groups x 6 fiscal years, 10 full pages
    (status, fetched, loaded, rejected, pages_lost, _), = runs_of(staging)
    assert status == "partial" and pages_lost >= 1 and fetched == loaded + rejected
    reasons = [reason for kind, reason, _, payload in rejects_of(staging) if kind == "page" and payload]
    assert any(reason in x for x in reasons), reasons


def test_setting_option_needs_key_equals_value(tmp_path):
    r = invoke_cli("crawl", "usaspending", "--agency", "7012", "--setting", "DOWNLOAD_TIMEOUT",
                   "--staging", str(tmp_path / "s.duckdb"))  # refused before any crawl starts: in this process
    assert r.returncode == 2 and r.stderr.startswith("error: --setting must be KEY=VALUE"), r.stderr
    assert not (tmp_path / "s.duckdb").exists()
