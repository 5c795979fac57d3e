"""Every spider Scrapy's loader lists, crawled through Scrapy's engine and the project's pipeline against its
source's recorded responses (tests/<source>/replay.py, served on 127.0.0.1): on a clean network, and through a
faulty one (tests/fault_proxy.py, an HTTP proxy on 127.0.0.1 in front of the same replay).

What a user checks, per spider:
- a clean crawl is `ok`, fetched something, and reconciles: fetched = loaded + rejected, its one crawl_runs row
  names the spider as the source, its rejects are stored under its name and number what the run says;
- faults that clear (a 500, a 503, a body cut short, a connection closed without an answer, an answer slower
  than the timeout, each on the first attempt of a request) cost nothing: the run is `ok`, no page is lost,
  and the same records are loaded and rejected as over a clean network;
- requests that never succeed (every request after the first one) are retried within the budget, then each is
  counted once as lost where the run reads it (`crawl_runs.pages_lost`, i.e. Scrapy's `<spider>/pages_lost`
  stat), kept as a reject that names its URL and the error, and the run is not `ok`; every record fetched is
  still loaded or rejected. (This found SAM.gov descriptions lost to a server error counted nowhere.)

Why one test over the loader's list: a spider written beside the others drifts (three counted lost pages under
the wrong stats key while MagicMock crawlers passed their tests). A spider without a tests/<source>/replay.py
fails here, so a new source gets the same checks without a line written for it.

Cost: every spider's three crawls run in ONE process (Twisted's reactor runs once per process; Scrapy runs several
crawlers in it), forked from the suite's warm server (tests/warm_process.py) so that it does not import Scrapy and
the spiders again; each crawl is its own Scrapy crawler with its own settings, proxy, replay and staging store, set
up and read back by registry.crawl's own prepare() and finish(), the two halves of run_spider that `registry crawl`
runs. Every spider's clean crawl and crawl over faults that clear run side by side (their waits, a timeout and the
retries' backoff, overlap); the crawls that lose pages run after them, because which request each lets through is
its clean crawl's first one (its proxy asks the clean proxy when the request comes).
"""

from __future__ import annotations

import importlib
import json
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest

from registry.crawl import project_settings
from tests import warm_process
from tests.fault_proxy import FAULTS, FaultProxy, Key, _path

RETRY_TIMES = 2
FAST = {"RETRY_TIMES": RETRY_TIMES, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1, "DOWNLOAD_TIMEOUT": 1,
        "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}

# The bulk route's rows are read by the CSV loader (registry/loaders/bulk_csv.py), which names its row rejects by
# the file route; its page and file rejects carry the spider's name.
ROW_LOADER_SOURCES = {"usaspending_bulk": {"usaspending_csv"}}

# Stages of crawls in one reactor: the crawls of a stage side by side, each stage after the one before; each crawl
# (spider name, staging store, settings, spider arguments) prepared and read back as registry.crawl.run_spider does.
RUN_STAGES = """
import json, sys
from scrapy.crawler import Crawler, CrawlerProcess
from twisted.internet import defer
from registry import crawl
stages = json.loads(sys.argv[1])
jobs = [[crawl.prepare(name, staging, overrides, kwargs, preflight_timeout=5)
         for name, staging, overrides, kwargs in stage] for stage in stages]
# the runner holds only the project's settings: it merges them into each crawler, whose own (cmdline) ones stay
process = CrawlerProcess(crawl.project_settings({"LOG_LEVEL": "WARNING"}))
crawlers = [[Crawler(job.cls, job.settings, init_reactor=not (i or k)) for k, job in enumerate(stage)]  # the first
            for i, stage in enumerate(jobs)]                                                     # installs the reactor

@defer.inlineCallbacks
def run_stages():
    try:
        for stage, stage_crawlers in zip(jobs, crawlers):
            yield defer.DeferredList([process.crawl(c, **job.kwargs) for c, job in zip(stage_crawlers, stage)])
    finally:
        from twisted.internet import reactor
        reactor.stop()

run_stages()
process.start(stop_after_crawl=False)
out = [[vars(crawl.finish(c, job.staging)) | {"staging": str(job.staging)} for c, job in zip(stage_crawlers, stage)]
       for stage, stage_crawlers in zip(jobs, crawlers)]
print(json.dumps(out))
"""


def spider_names() -> list[str]:
    from scrapy.spiderloader import SpiderLoader

    return sorted(SpiderLoader.from_settings(project_settings()).list())


def test_the_loader_lists_every_source_folder():
    from registry.core import sources

    assert spider_names() == sources.names()
    assert len(spider_names()) >= 7


def crawl_stages(stages: list[list[tuple[str, object, FaultProxy, Path]]]) -> list[list[dict]]:
    """Crawl each (spider, replay, proxy, staging), every request through its proxy, all in one process; each
    run's numbers as run_spider returns them, and its crawl_runs row and rejects as stored."""
    middlewares = {**project_settings().getdict("DOWNLOADER_MIDDLEWARES"), "tests.fault_proxy.ThroughFaultProxy": 540}
    spec = [[(name, str(staging), {**replay.settings, **FAST, "FAULT_PROXY": proxy.url,
                                   "DOWNLOADER_MIDDLEWARES": middlewares}, replay.kwargs)
             for name, replay, proxy, staging in stage] for stage in stages]
    env = {k: v for stage in stages for _, replay, _, _ in stage for k, v in replay.env.items()}
    proc = warm_process.run("-c", RUN_STAGES, json.dumps(spec), prog="python", env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for result in (r for stage in results for r in stage):
        con = duckdb.connect(result["staging"], read_only=True)
        try:
            result["runs"] = con.execute("SELECT source, status, items_fetched, items_loaded + items_rejected "
                                         "FROM crawl_runs").fetchall()
            result["run"] = con.execute("SELECT status, pages_lost, items_fetched, items_loaded, items_rejected "
                                        "FROM crawl_runs WHERE run_id = ?", [result["run_id"]]).fetchone()
            result["rejects"] = con.execute("SELECT kind, reason, source_url FROM rejects WHERE run_id = ?",
                                            [result["run_id"]]).fetchall()
            result["reject_sources"] = {s for (s,) in con.execute("SELECT DISTINCT source FROM rejects").fetchall()}
        finally:
            con.close()
        result["stderr"] = proc.stderr[-3000:]
    return results


CRAWL_TEST = "test_spider_crawls_its_recorded_responses_clean_and_over_a_faulty_network"


@pytest.fixture(scope="module")
def crawled(request, tmp_path_factory, shared_data) -> dict[str, dict]:
    """Every selected spider's three crawls (the spiders of this run's selected CRAWL_TEST items, so that running one
    spider's test crawls only that spider), all in ONE process: stage 1, side by side, a clean network and faults that
    clear, for every spider; stage 2, every spider's crawl that loses pages. Per spider: its three results and its
    three proxies (what each saw and did)."""
    names = sorted({item.callspec.params["name"] for item in request.session.items
                    if getattr(item, "originalname", None) == CRAWL_TEST and item.module is request.module})
    out: dict[str, dict] = {}
    stage1, stage2 = [], []
    with ExitStack() as stack:
        for name in names:
            try:
                replay = importlib.import_module(f"tests.{name}.replay").replay
            except ModuleNotFoundError:
                continue  # its test fails on the same import, with the error
            d = tmp_path_factory.mktemp(name)
            clean_proxy = stack.enter_context(FaultProxy())

            def first_clean_request(clean_proxy: FaultProxy = clean_proxy) -> Key | None:
                """The clean crawl's first request, when it made more than one (a single-request source loses that
                one)."""
                requests = clean_proxy.keys()
                return requests[0] if len(requests) > 1 else None

            # Stage 2: every request after the first one the clean crawl made never succeeds: listing pages, detail
            # pages, descriptions, files, each kind this source makes after its start. Requests of kind "count" (a
            # source's own total, for progress and completeness) carry no records: they are not pages.
            proxies = {"clean": clean_proxy, "faulty": stack.enter_context(FaultProxy(first_attempt=FAULTS)),
                       "losing": stack.enter_context(FaultProxy(
                           lose=lambda key, kind, first=first_clean_request: key != first() and kind != "count"))}
            stage1 += [(name, stack.enter_context(replay(shared_data)), proxies[k], d / f"{k}.duckdb")
                       for k in ("clean", "faulty")]
            stage2.append((name, stack.enter_context(replay(shared_data)), proxies["losing"], d / "lost.duckdb"))
            out[name] = {"proxies": proxies}
        first, second = crawl_stages([stage1, stage2])
    for (name, *_), result in zip(stage1 + stage2, first + second, strict=True):
        key = {"clean.duckdb": "clean", "faulty.duckdb": "faulty", "lost.duckdb": "partial"}[Path(result["staging"]).name]
        out[name][key] = result
    return out


@pytest.mark.parametrize("name", spider_names())
def test_spider_crawls_its_recorded_responses_clean_and_over_a_faulty_network(name, crawled):
    importlib.import_module(f"tests.{name}.replay")  # a spider without a replay fails here
    clean, faulty, partial = (crawled[name][k] for k in ("clean", "faulty", "partial"))
    clean_proxy, proxy, losing = (crawled[name]["proxies"][k] for k in ("clean", "faulty", "losing"))

    # a clean network: ok, and the run reconciles in what it returns and what it stored
    assert clean["status"] == "ok", clean
    assert clean["fetched"] > 0 and clean["loaded"] > 0
    assert clean["fetched"] == clean["loaded"] + clean["rejected"]
    assert clean["runs"] == [(name, "ok", clean["fetched"], clean["fetched"])]  # the run's source is the spider's
    assert clean["reject_sources"] <= {name, *ROW_LOADER_SOURCES.get(name, ())}
    assert len(clean["rejects"]) == clean["rejected"]
    assert clean_proxy.keys(), "the crawl went through the proxy"

    # faults that clear cost nothing
    fired = {fault for _, fault in proxy.fired}
    assert len(proxy.fired) == len(proxy.keys()) and fired == set(FAULTS[:len(proxy.keys())]), proxy.fired
    assert faulty["status"] == "ok", faulty
    assert faulty["pages_lost"] == 0 and faulty["run"][1] == 0
    assert (faulty["loaded"], faulty["rejected"]) == (clean["loaded"], clean["rejected"])
    assert faulty["fetched"] == faulty["loaded"] + faulty["rejected"]

    # requests that never succeed: retried within the budget, each counted once and kept as a reject
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
