"""Crawl figures: the project's spider vs a bare Scrapy spider, vs a sequential `requests` loop, and --since-last.

Why over HTTP on loopback at a few thousand awards, not 1M: a crawl is bounded by the API (200 ms a response on
the real one, and politeness), so 1M awards over HTTP would take hours whatever the code; what the code decides is
the overhead per response (zero-latency run, CPU-bound) and how much concurrency hides the latency (200 ms run).
Every crawl runs in its own process (Scrapy's reactor starts once per process), against a server in another.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import requests

from registry.core import store
from spiders.usaspending.spider import SEARCH_FIELDS, fiscal_year_windows

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = str(Path(sys.executable).with_name("registry"))
SINCE, UNTIL = "2020-10-01", "2026-09-30"
AGENCY = {"type": "awarding", "tier": "subtier", "name": "U.S. Immigration and Customs Enforcement"}


@contextmanager
def server(awards: int, latency: float = 0.0, touched: float = 0.0):
    """The synthetic API in a child process; yields its base URL, stops it (by its own pid) on exit."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve", "--awards", str(awards), "--latency", str(latency),
                             "--touched", str(touched)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        base = proc.stdout.readline().strip()
        if not base.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"bench server did not start: {base!r}")
        yield base
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def project_crawl(base: str, staging: Path, since_last: bool = False) -> dict:
    """`registry crawl usaspending` as a user runs it; requests and seconds from the run's own record."""
    args = [REGISTRY, "crawl", "usaspending", "--api-url", base, "--agency", "7012", "--since", SINCE,
            "--until", UNTIL, "--staging", str(staging)]
    if since_last:
        args.append("--since-last")
    t0 = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"project crawl failed: {proc.stderr[-2000:]}")
    con = duckdb.connect(str(staging), read_only=True)
    try:
        requests_, loaded, status, secs = con.execute(
            "SELECT requests, items_loaded, status, epoch(finished_at) - epoch(started_at) FROM crawl_runs "
            "ORDER BY started_at DESC LIMIT 1").fetchone()
    finally:
        con.close()
    return {"requests": int(requests_), "items": int(loaded), "status": status, "seconds": float(secs),
            "wall_seconds": wall}


def bare_crawl(base: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.bare_spider", base, SINCE, UNTIL], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"bare crawl failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sequential_crawl(base: str, max_awards: int) -> dict:
    """What most public scrapers of this API do: one request after another with `requests` (same URLs)."""
    s = requests.Session()
    n_req = 0
    done = 0
    t0 = time.perf_counter()
    windows = fiscal_year_windows(*(__import__("datetime").date.fromisoformat(d) for d in (SINCE, UNTIL)))
    for w in windows:
        page = 1
        while done < max_awards:
            body = {"filters": {"award_type_codes": ["A", "B", "C", "D"], "agencies": [AGENCY],
                                "time_period": [{"start_date": str(w[0]), "end_date": str(w[1])}]},
                    "fields": SEARCH_FIELDS, "limit": 100, "page": page, "sort": "Award Amount", "order": "desc"}
            data = s.post(f"{base}/api/v2/search/spending_by_award/", json=body, timeout=30).json()
            n_req += 1
            for row in data["results"]:
                if done >= max_awards:
                    break
                gid = row["generated_internal_id"]
                s.get(f"{base}/api/v2/awards/{gid}/", timeout=30).json()
                s.post(f"{base}/api/v2/transactions/", json={"award_id": gid, "page": 1, "limit": 5000},
                       timeout=30).json()
                n_req += 2
                done += 1
            if not data["page_metadata"]["hasNext"]:
                break
            page += 1
    return {"requests": n_req, "awards": done, "seconds": time.perf_counter() - t0}


def run(work: Path, awards: int = 2000, latency_awards: int = 400, seq_awards: int = 60,
        latency: float = 0.2, log=print) -> dict:
    """All crawl figures; returns raw numbers (the report computes ratios and pass/fail)."""
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {"awards": awards, "latency_awards": latency_awards, "seq_awards": seq_awards, "latency": latency}
    staging = work / "crawl-staging.duckdb"
    store.remove(staging)
    with server(awards) as base:
        log(f"crawl: project spider, {awards:,} awards, no latency")
        out["project"] = project_crawl(base, staging)
        log(f"crawl: bare Scrapy spider, {awards:,} awards, no latency")
        out["bare"] = bare_crawl(base)
    with server(awards, touched=0.01) as base:
        log("crawl: --since-last after 1% of awards changed")
        out["incremental"] = project_crawl(base, staging, since_last=True)
    lat_staging = work / "crawl-latency-staging.duckdb"
    store.remove(lat_staging)
    with server(latency_awards, latency=latency) as base:
        log(f"crawl: project spider, {latency_awards:,} awards, {latency * 1000:.0f} ms per response")
        out["project_latency"] = project_crawl(base, lat_staging)
        log(f"crawl: sequential requests loop, {seq_awards} awards, {latency * 1000:.0f} ms per response")
        out["sequential_latency"] = sequential_crawl(base, seq_awards)
    return out


if __name__ == "__main__":
    print(json.dumps(run(ROOT / "bench" / "work", awards=300, latency_awards=60, seq_awards=10), indent=1))
