"""Servers that would keep a crawl going forever or flood its memory (issue 19): each ends, bounded, and says so.

Bounds asserted are request counts and run statuses; the small deadlines (seconds) keep each test short.
"""

from __future__ import annotations

import time

from tests.hostile.common import crawl, query, rejects_of, runs_of, stored_awards
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


def test_a_detail_that_stalls_after_its_headers_costs_its_timeout_and_the_rest_is_stored(tmp_path):
    awards = awards_with(20, seed=45, mods=1)
    stalled = awards[3].gid
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(stall_after_headers={stalled}, stall_seconds=3)) as api:
        t0 = time.monotonic()
        r = crawl(api.base, staging)
        seconds = time.monotonic() - t0
    print(f"\n[reliability] one stalling detail: {seconds:.1f}s for a 20-award crawl")
    assert stored_awards(staging) == {a.gid for a in awards} - {stalled}
    assert r.returncode == 3 and any(stalled in (x[2] or "") for x in rejects_of(staging))


def test_every_detail_stalling_ends_the_crawl_partial_at_the_host_stall_budget(tmp_path):
    awards = awards_with(40, seed=46, mods=1)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(stall_every_detail=True, stall_seconds=3)) as api:
        t0 = time.monotonic()
        # three stalls in flight at once, each given up after 0.5 s: the budget of 2 is passed in one round
        r = crawl(api.base, staging, HOST_STALL_BUDGET="2", CONCURRENT_REQUESTS="3", DOWNLOAD_TIMEOUT="0.5")
        seconds = time.monotonic() - t0
        stalls = api.hostile.hits["stall"]
    print(f"\n[reliability] every detail stalling: ended after {seconds:.1f}s, {stalls} stalled requests")
    assert r.returncode in (1, 3), r.stderr
    assert "stalled 3 times (HOST_STALL_BUDGET=2)" in r.stderr and "Traceback" not in r.stderr
    assert stalls < 40
    assert runs_of(staging)[0][0] in ("partial", "failed")


def test_a_crawl_wide_deadline_ends_the_run_partial(tmp_path):
    awards = awards_with(30, seed=47, mods=1)
    staging = tmp_path / "staging.duckdb"
    # each detail stalls 1 s, twice (a retry): the 30 awards, two at a time, would take 30 s without the deadline
    with HostileUsaspending(awards, hostile=Hostile(stall_every_detail=True, stall_seconds=1)) as api:
        t0 = time.monotonic()
        r = crawl(api.base, staging, CRAWL_DEADLINE="0.5", HOST_STALL_BUDGET="0", DOWNLOAD_TIMEOUT="5",
                  CONCURRENT_REQUESTS="2")
        seconds = time.monotonic() - t0
        stalls = api.hostile.hits["stall"]
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


def test_a_crawl_past_its_memory_budget_ends_partial_in_one_line(tmp_path):
    """A budget below what the crawl process already uses (any Python + Scrapy is > 16 MB) trips at once."""
    awards = awards_with(10, seed=49, mods=1)
    staging = tmp_path / "staging.duckdb"
    with HostileUsaspending(awards, hostile=Hostile(stall_every_detail=True, stall_seconds=0.5)) as api:
        r = crawl(api.base, staging, CRAWL_MEMORY_LIMIT_MB="16", CRAWL_GUARD_INTERVAL="0.2")
    assert r.returncode in (1, 3) and "memory budget exceeded" in r.stderr, r.stderr
    assert "CRAWL_MEMORY_LIMIT_MB=16" in r.stderr and "Traceback" not in r.stderr
    assert runs_of(staging)[0][0] in ("partial", "failed")
