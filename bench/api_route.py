"""Figures for docs/crawling.md: the API route's requests, time and disk per award, and the daily --since-last refresh.

Why a script of its own: `make bench` measures the crawl's overhead against a bare spider; the crawl guide needs
absolute figures a reader can scale to the real scope: requests per award, seconds per request with the real
API's latency (200 ms a response, the politeness settings of spiders/settings.py on), staging bytes per award,
and what a daily refresh costs when 1% of the awards changed. Against the synthetic API of bench/serve.py on
127.0.0.1, every crawl in its own process as a user runs it.

Usage: python -m bench.api_route [AWARDS] [LATENCY_AWARDS]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from bench.crawl import ROOT, project_crawl, server
from registry.core import store


def run(work: Path, awards: int = 1000, latency_awards: int = 200, latency: float = 0.2) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average": os.getloadavg(),
                 "cpus": os.cpu_count()}
    staging = work / "api-route-staging.duckdb"
    store.remove(staging)
    with server(awards) as base:
        out["full"] = {**project_crawl(base, staging), "awards": awards, "staging_bytes": staging.stat().st_size}
    with server(awards, touched=0.01) as base:
        out["since_last"] = {**project_crawl(base, staging, since_last=True), "awards": awards}
    lat = work / "api-route-latency-staging.duckdb"
    store.remove(lat)
    with server(latency_awards, latency=latency) as base:
        out["latency"] = {**project_crawl(base, lat), "awards": latency_awards, "latency_s": latency}
    with server(latency_awards, latency=latency, touched=0.01) as base:
        out["latency_since_last"] = {**project_crawl(base, lat, since_last=True), "awards": latency_awards,
                                     "latency_s": latency}
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    print(json.dumps(run(ROOT / "bench" / "work", n, m), indent=1, default=str))
