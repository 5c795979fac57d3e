"""Every spider Scrapy's loader lists, crawled through Scrapy's engine over a faulty network (tests/fault_proxy.py)
in front of its source's recorded responses (tests/<source>/replay.py).

What a user checks, per spider:
- faults that clear (a 500, a 503, a body cut short, a connection closed without an answer, an answer slower
  than the timeout, each on the first attempt of a request) cost nothing: the run is `ok`, no page is lost,
  and the same records are loaded and rejected as over a clean network;
- requests that never succeed (every request after the first one) are retried within the budget, then each is
  counted once as lost where the run reads it (`crawl_runs.pages_lost`, i.e. Scrapy's `<spider>/pages_lost`
  stat), kept as a reject that names its URL and the error, and the run is not `ok`; every record fetched is
  still loaded or rejected. (This found SAM.gov descriptions lost to a server error counted nowhere.)

Why here and not in each source's tests: three spiders once counted lost pages under the wrong stats key and
a MagicMock crawler let it pass. This runs the real crawler on every spider the loader lists, so a new source
gets the same check without a line written for it.

Cost: a spider's clean crawl and its crawl over faults that clear run side by side in ONE process, each its own
Scrapy crawler with its own settings, proxy, replay and staging store, in one reactor (Scrapy runs several
crawlers in one process; Twisted's reactor runs once per process); the crawl that loses pages needs the clean
crawl's first request, so it runs after them, in a second process. Each crawler is set up and read back as
registry.crawl.run_spider does (project settings, the loader's spider class, the preflight, the run's row in
crawl_runs); test_every_spider.py runs each spider through run_spider itself.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import duckdb
import pytest

from registry.crawl import project_settings
from tests.conftest import ROOT
from tests.fault_proxy import FAULTS, FaultProxy, _path
from tests.test_every_spider import spider_names

RETRY_TIMES = 2
FAST = {"RETRY_TIMES": RETRY_TIMES, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1, "DOWNLOAD_TIMEOUT": 1,
        "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}

# Several crawls of one spider in one reactor, each set up and read back as registry.crawl.run_spider does.
RUN_SIDE_BY_SIDE = """
import json, sys
from pathlib import Path
from scrapy.crawler import Crawler, CrawlerProcess
from registry import crawl
name, jobs = sys.argv[1], json.loads(sys.argv[2])
# the runner holds only the project's settings: it merges them into each crawler, whose own (cmdline) ones stay
process, crawlers = CrawlerProcess(crawl.project_settings({"LOG_LEVEL": "WARNING"})), []
for staging, overrides, kwargs in jobs:
    settings = crawl.project_settings({"STAGING_PATH": staging, **overrides})
    cls = crawl.spider_class(name, settings)
    base = cls.preflight_url(settings, kwargs.get("api_url"))
    if base:
        crawl.preflight(base, 5)
    crawler = Crawler(cls, settings, init_reactor=not crawlers)  # the first one installs the reactor
    process.crawl(crawler, **kwargs)
    crawlers.append((crawler, staging))
process.start()
out = []
for crawler, staging in crawlers:
    r = crawl._result(Path(staging), crawler.spider.run_id if crawler.spider else None)
    status = r.status if r.status in crawl.FINISHED else "failed"
    out.append({"status": status, "fetched": r.fetched, "loaded": r.loaded, "rejected": r.rejected,
                "pages_lost": r.pages_lost, "run_id": r.run_id})
print(json.dumps(out))
"""


def crawl_side_by_side(name: str, jobs: list[tuple[object, FaultProxy, object]]) -> list[dict]:
    """Crawl `name` once per (replay, proxy, staging), every request through its proxy, all in one process; each
    run's numbers as run_spider returns them, and its crawl_runs row and rejects as stored."""
    middlewares = {**project_settings().getdict("DOWNLOADER_MIDDLEWARES"), "tests.fault_proxy.ThroughFaultProxy": 540}
    spec = [(str(staging), {**replay.settings, **FAST, "FAULT_PROXY": proxy.url, "DOWNLOADER_MIDDLEWARES": middlewares},
             replay.kwargs) for replay, proxy, staging in jobs]
    env = {k: v for replay, _, _ in jobs for k, v in replay.env.items()}
    proc = subprocess.run([sys.executable, "-c", RUN_SIDE_BY_SIDE, name, json.dumps(spec)], capture_output=True,
                          text=True, timeout=240, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for result, (_, _, staging) in zip(results, jobs, strict=True):
        con = duckdb.connect(str(staging), read_only=True)
        try:
            result["run"] = con.execute("SELECT status, pages_lost, items_fetched, items_loaded, items_rejected "
                                        "FROM crawl_runs WHERE run_id = ?", [result["run_id"]]).fetchone()
            result["rejects"] = con.execute("SELECT kind, reason, source_url FROM rejects WHERE run_id = ?",
                                            [result["run_id"]]).fetchall()
        finally:
            con.close()
        result["stderr"] = proc.stderr[-3000:]
    return results


@pytest.mark.parametrize("name", spider_names())
def test_spider_over_a_faulty_network_loses_nothing_it_can_retry_and_counts_what_it_cannot(name, tmp_path,
                                                                                          shared_data):
    replay = importlib.import_module(f"tests.{name}.replay").replay

    # a clean network and faults that clear, side by side (each crawl its own crawler, its own replay)
    with replay(shared_data) as r1, FaultProxy() as clean_proxy, replay(shared_data) as r2, \
            FaultProxy(first_attempt=FAULTS) as proxy:
        clean, faulty = crawl_side_by_side(name, [(r1, clean_proxy, tmp_path / "clean.duckdb"),
                                                  (r2, proxy, tmp_path / "transient.duckdb")])
    requests = clean_proxy.keys()
    assert clean["status"] == "ok" and clean["loaded"] > 0, clean
    assert requests, "the crawl went through the proxy"
    fired = {fault for _, fault in proxy.fired}
    assert len(proxy.fired) == len(proxy.keys()) and fired == set(FAULTS[:len(proxy.keys())]), proxy.fired
    assert faulty["status"] == "ok", faulty
    assert faulty["pages_lost"] == 0 and faulty["run"][1] == 0
    assert (faulty["loaded"], faulty["rejected"]) == (clean["loaded"], clean["rejected"])
    assert faulty["fetched"] == faulty["loaded"] + faulty["rejected"]

    # every request after the first one a clean crawl made never succeeds (a single-request source loses that one):
    # listing pages, detail pages, descriptions, files, each kind this source makes after its start. Requests of
    # kind "count" (a source's own total, for progress and completeness) carry no records: they are not pages.
    first = requests[0] if len(requests) > 1 else None
    with replay(shared_data) as r, FaultProxy(lose=lambda key, kind: key != first and kind != "count") as losing:
        partial, = crawl_side_by_side(name, [(r, losing, tmp_path / "lost.duckdb")])
    lost = list(dict.fromkeys(key for key, _ in losing.fired))  # every request the proxy refused
    assert lost and all(losing.attempts[key] == RETRY_TIMES + 1 for key in lost), "retried within the budget"
    status, pages_lost, fetched, loaded, rejected = partial["run"]
    assert status in {"partial", "failed"}, partial  # never "ok" with a page lost
    assert pages_lost == len(lost) == partial["pages_lost"], (lost, partial)  # each counted once, where the run reads
    assert fetched == loaded + rejected == partial["fetched"]
    assert loaded <= clean["loaded"]
    for key in lost:  # each lost request is a reject naming its URL and the server's answer
        reasons = [reason for _, reason, url in partial["rejects"] if url and _path(url) == key[1]]
        assert any("500" in reason for reason in reasons), (key, partial["rejects"])
