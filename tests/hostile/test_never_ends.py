"""Servers that would keep a crawl going forever or flood its memory (issue 19): each ends, bounded, and says so.

Bounds asserted are request counts and run statuses; the small deadlines (seconds) keep each test short.
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import pytest

from tests import warm_process
from tests.hostile.common import crawl, crawl_args, query, rejects_of, runs_of, stored_awards
from tests.hostile.server import Hostile, HostileUsaspending, awards_with


def test_transactions_paging_with_hasnext_always_true_stops_at_the_first_repeated_page(tmp_path):
    awards = awards_with(10, seed=41, mods=2)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(tx_has_next_forever=True)) as api:
        r = crawl(api.base, staging, USASPENDING_TRANSACTIONS_PAGE_SIZE="5000")
        pages = api.hostile.hits["transactions page"]
    assert pages == 10 * 2  # each award: its page, then the same page again, then stop
    (status, fetched, loaded, rejected, lost), = runs_of(staging)
    assert status == "partial" and lost == 10 and fetched == loaded + rejected and r.returncode == 3
    assert query(staging, "SELECT count(*) FROM stg_transactions")[0][0] == 10 * 2  # the repeat stored once
    assert all("repeats earlier pages; paging stopped" in x[1] for x in rejects_of(staging))


def test_transactions_paging_with_new_rows_forever_stops_at_the_page_cap(tmp_path):
    awards = awards_with(3, seed=42, mods=2)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(tx_new_rows_forever=True)) as api:
        r = crawl(api.base, staging, USASPENDING_MAX_TRANSACTION_PAGES="6")
        pages = api.hostile.hits["transactions page"]
    assert pages == 3 * 6 and r.returncode == 3
    assert {x[1] for x in rejects_of(staging)} == {
        "transactions page 6: page cap reached (USASPENDING_MAX_TRANSACTION_PAGES); paging stopped"}


def test_search_pages_alternating_a_b_stop_at_the_first_repeat_not_only_a_consecutive_one(tmp_path):
    def one_year(awards):  # one fiscal-year listing, two full pages of ten
        for a in awards:
            a.detail["date_signed"] = "2022-03-01"

    awards = awards_with(25, seed=43, mods=1, change=one_year)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(search_alternate=True)) as api:
        r = crawl(api.base, staging)
        pages = api.hostile.hits["search page"]
    assert pages == 3 + 5  # the listing with the awards: A, B, then A again stops it; five other windows: 1 each
    assert r.returncode == 3 and runs_of(staging)[0][0] == "partial"
    assert any("repeats an earlier page; paging stopped" in x[1] for x in rejects_of(staging))
    assert len(stored_awards(staging)) == 20  # what the two distinct pages listed is stored


def test_a_listing_past_its_expected_count_is_stopped(tmp_path):
    """New ids on every page: the count endpoint said 12; the listing is stopped past 12 + margin + a page."""
    awards = awards_with(12, seed=44, mods=1)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(search_new_ids_forever=True)) as api:
        r = crawl(api.base, staging)
        pages = api.hostile.hits["search page"]
    assert pages <= 5 * 4, pages  # per fiscal-year listing a few pages, never thousands
    assert r.returncode == 3
    assert any("the listing passed its expected count" in x[1] for x in rejects_of(staging))


# The crawls that wait on stalled answers: (awards, how the server stalls, settings on top of FAST). Each waits on
# the clock (a timeout, a deadline, a stall budget, a memory check), not on its CPU, so the `stalled` fixture runs
# them side by side, each with its own server, store and process: the waits overlap instead of adding up (about
# 6.5 s one after another, 2.5 s at once), and what each test checks is its own crawl's.
STALLING = {
    # one detail sends its headers and half its body, then nothing: it costs its timeout (1 s, one retry)
    "one detail": (lambda: awards_with(20, seed=45, mods=1), lambda awards: Hostile(
        stall_after_headers={awards[3].gid}, stall_seconds=3), {}),
    # three stalls in flight at once, each given up after 0.5 s: the budget of 2 is passed in one round
    "every detail": (lambda: awards_with(40, seed=46, mods=1), lambda awards: Hostile(
        stall_every_detail=True, stall_seconds=3),
        {"HOST_STALL_BUDGET": "2", "CONCURRENT_REQUESTS": "3", "DOWNLOAD_TIMEOUT": "0.5"}),
    # each detail stalls 1 s, twice (a retry): the 30 awards, two at a time, would take 30 s without the deadline
    "deadline": (lambda: awards_with(30, seed=47, mods=1), lambda awards: Hostile(
        stall_every_detail=True, stall_seconds=1),
        {"CRAWL_DEADLINE": "0.5", "HOST_STALL_BUDGET": "0", "DOWNLOAD_TIMEOUT": "5", "CONCURRENT_REQUESTS": "2"}),
    # a budget below what the crawl process already uses (any Python + Scrapy is > 16 MB) trips at once
    "memory": (lambda: awards_with(10, seed=49, mods=1), lambda awards: Hostile(
        stall_every_detail=True, stall_seconds=0.5), {"CRAWL_MEMORY_LIMIT_MB": "16", "CRAWL_GUARD_INTERVAL": "0.2"}),
}


@pytest.fixture(scope="module")
def stalled(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Each STALLING crawl, all started at once: its awards, result, stalled requests (as its server counted them
    when the crawl had ended), seconds from the common start to its end, and staging store."""
    out: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        t0 = time.monotonic()
        for name, (make_awards, hostile, settings) in STALLING.items():
            awards = make_awards()
            api = stack.enter_context(HostileUsaspending(awards, hostile=hostile(awards)))
            staging = tmp_path_factory.mktemp("stalled") / "staging.duckdb"
            proc = warm_process.popen(*crawl_args(api.base, staging, **settings), stdout=warm_process.PIPE,
                                      stderr=warm_process.PIPE, text=True)
            stack.callback(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))  # a failed test leaves none
            out[name] = {"awards": awards, "api": api, "proc": proc, "staging": staging}

        def finish(crawl_: dict[str, Any]) -> None:
            proc = crawl_.pop("proc")
            stdout, stderr = proc.communicate(timeout=120)
            crawl_["seconds"] = time.monotonic() - t0
            crawl_["stalls"] = crawl_.pop("api").hostile.hits.get("stall", 0)
            crawl_["r"] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)

        with ThreadPoolExecutor(len(out)) as pool:  # each read as it ends
            list(pool.map(finish, out.values()))
    return out


def test_a_detail_that_stalls_after_its_headers_costs_its_timeout_and_the_rest_is_stored(stalled):
    awards, r, staging = (stalled["one detail"][k] for k in ("awards", "r", "staging"))
    stalled_gid = awards[3].gid
    print(f"\n[reliability] one stalling detail: {stalled['one detail']['seconds']:.1f}s for a 20-award crawl")
    assert stored_awards(staging) == {a.gid for a in awards} - {stalled_gid}
    assert r.returncode == 3 and any(stalled_gid in (x[2] or "") for x in rejects_of(staging))


def test_every_detail_stalling_ends_the_crawl_partial_at_the_host_stall_budget(stalled):
    r, stalls, staging, seconds = (stalled["every detail"][k] for k in ("r", "stalls", "staging", "seconds"))
    print(f"\n[reliability] every detail stalling: ended after {seconds:.1f}s, {stalls} stalled requests")
    assert r.returncode in (1, 3), r.stderr
    assert "stalled 3 times (HOST_STALL_BUDGET=2)" in r.stderr and "Traceback" not in r.stderr
    assert stalls < 40
    assert runs_of(staging)[0][0] in ("partial", "failed")


def test_a_crawl_wide_deadline_ends_the_run_partial(stalled):
    r, stalls, staging, seconds = (stalled["deadline"][k] for k in ("r", "stalls", "staging", "seconds"))
    print(f"\n[reliability] crawl deadline 0.5s: ended after {seconds:.1f}s, {stalls} stalled requests")
    assert r.returncode in (1, 3) and stalls < 30, r.stderr  # stopped before even one try per award
    assert "crawl deadline reached" in r.stderr and "CRAWL_DEADLINE=0.5" in r.stderr
    assert runs_of(staging)[0][0] in ("partial", "failed")


def test_a_gzip_bomb_is_a_lost_page_not_gigabytes_of_memory(tmp_path):
    """64 MB of JSON from 64 KB of gzip; DOWNLOAD_MAXSIZE (here 8 MB) is checked on the decompressed body."""
    awards = awards_with(10, seed=48, mods=1)
    bomb = awards[2].gid
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(gzip_bomb={bomb}, bomb_mb=64)) as api:
        print(f"\n[reliability] gzip bomb: {len(api.bomb):,} bytes on the wire -> 64 MB decompressed")
        r = crawl(api.base, staging, DOWNLOAD_MAXSIZE=str(8 * 2**20), DOWNLOAD_WARNSIZE=str(2**20))
    assert stored_awards(staging) == {a.gid for a in awards} - {bomb}
    reasons = [x[1] for x in rejects_of(staging) if bomb in (x[2] or "")]
    assert reasons and "award detail" in reasons[0], reasons
    assert r.returncode == 3


def test_a_crawl_past_its_memory_budget_ends_partial_in_one_line(stalled):
    """A budget below what the crawl process already uses (any Python + Scrapy is > 16 MB) trips at once."""
    r, staging = stalled["memory"]["r"], stalled["memory"]["staging"]
    assert r.returncode in (1, 3) and "memory budget exceeded" in r.stderr, r.stderr
    assert "CRAWL_MEMORY_LIMIT_MB=16" in r.stderr and "Traceback" not in r.stderr
    assert runs_of(staging)[0][0] in ("partial", "failed")
