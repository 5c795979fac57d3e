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

Cost: a spider's three crawls run in ONE process (Twisted's reactor runs once per process; Scrapy runs several
crawlers in it), forked from the suite's warm server (tests/warm_process.py) so that it does not import Scrapy and
the spiders again; each crawl is its own Scrapy crawler with its own settings, proxy, replay and staging store, set
up and read back by registry.crawl's own prepare() and finish(), the two halves of run_spider that `registry crawl`
runs. The clean crawl and the crawl over faults that clear run side by side; the crawl that loses pages runs after
them, because which request it lets through is the clean crawl's first one (its proxy asks the clean proxy when the
request comes). Several spiders' processes run at once, so that their waits (a timeout, the retries' backoff)
overlap; one process per spider, not one for all, so that one spider's work in the reactor (a CSV load, a store's
migration) never delays another's answers past the timeout.
"""

from __future__ import annotations

import importlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import duckdb
import pytest

from registry.crawl import project_settings
from tests import warm_process
from tests.fault_proxy import FAULTS, FaultProxy, Key, _path

RETRY_TIMES = 2
# A timeout long enough that a real answer through a proxy and a replay (served by threads of this test process,
# beside the other spiders' crawls) never comes after it, even on a loaded machine; the proxy's slow answer comes
# a second after it.
DOWNLOAD_TIMEOUT = 2
FAST = {"RETRY_TIMES": RETRY_TIMES, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1,
        "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT, "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}

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


def start_stages(stages: list[list[tuple[str, object, FaultProxy, Path]]]) -> warm_process.WarmProcess:
    """A process that crawls each (spider, replay, proxy, staging) of each stage, every request through its proxy."""
    middlewares = {**project_settings().getdict("DOWNLOADER_MIDDLEWARES"), "tests.fault_proxy.ThroughFaultProxy": 540}
    spec = [[(name, str(staging), {**replay.settings, **FAST, "FAULT_PROXY": proxy.url,
                                   "DOWNLOADER_MIDDLEWARES": middlewares}, replay.kwargs)
             for name, replay, proxy, staging in stage] for stage in stages]
    env = {k: v for stage in stages for _, replay, _, _ in stage for k, v in replay.env.items()}
    return warm_process.popen("-c", RUN_STAGES, json.dumps(spec), prog="python", env={**os.environ, **env},
                              stdout=warm_process.PIPE, stderr=warm_process.PIPE, text=True)


def stage_results(proc: warm_process.WarmProcess) -> list[list[dict]]:
    """Each run's numbers as run_spider returns them, and its crawl_runs row and rejects as stored."""
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-3000:]
    results = json.loads(stdout.strip().splitlines()[-1])
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
        result["stderr"] = stderr[-3000:]
    return results


# Spiders crawled at once, each in its own process: enough for one's waits to overlap another's work, few enough
# that the proxies and replays (threads of this process) answer each in time.
PROCESSES_AT_ONCE = 3
CRAWL_TEST = "test_spider_crawls_its_recorded_responses_clean_and_over_a_faulty_network"


@pytest.fixture(scope="module")
def crawled(request, tmp_path_factory, shared_data) -> dict[str, dict]:
    """Every selected spider's three crawls (the spiders of this run's selected CRAWL_TEST items, so that running one
    spider's test crawls only that spider): one process per spider, PROCESSES_AT_ONCE at a time. Per spider: its three
    results and its three proxies (what each saw and did)."""
    names = sorted({item.callspec.params["name"] for item in request.session.items
                    if getattr(item, "originalname", None) == CRAWL_TEST and item.module is request.module})
    out: dict[str, dict] = {}
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

            # Stage 1, side by side: a clean network, and faults that clear. Stage 2: every request after the first
            # one the clean crawl made never succeeds: listing pages, detail pages, descriptions, files, each kind
            # this source makes after its start. Requests of kind "count" (a source's own total, for progress and
            # completeness) carry no records: they are not pages.
            faulty = FaultProxy(first_attempt=FAULTS, slow_seconds=DOWNLOAD_TIMEOUT + 1)
            proxies = {"clean": clean_proxy, "faulty": stack.enter_context(faulty),
                       "losing": stack.enter_context(FaultProxy(
                           lose=lambda key, kind, first=first_clean_request: key != first() and kind != "count"))}
            stages = [[(name, stack.enter_context(replay(shared_data)), proxies[k], d / f"{k}.duckdb")
                       for k in ("clean", "faulty")],
                      [(name, stack.enter_context(replay(shared_data)), proxies["losing"], d / "lost.duckdb")]]
            out[name] = {"proxies": proxies, "stages": stages}
        started: list[warm_process.WarmProcess] = []
        stack.callback(lambda: [p.kill() for p in started if p.poll() is None])  # a failed test leaves none

        def crawl(name: str) -> None:
            try:
                started.append(proc := start_stages(out[name].pop("stages")))
                (out[name]["clean"], out[name]["faulty"]), (out[name]["partial"],) = stage_results(proc)
            except Exception as e:  # noqa: BLE001 - raised by that spider's test, the others still checked
                out[name]["error"] = e

        with ThreadPoolExecutor(PROCESSES_AT_ONCE) as pool:
            for done in [pool.submit(crawl, name) for name in out]:
                done.result()
    return out


@pytest.mark.parametrize("name", spider_names())
def test_spider_crawls_its_recorded_responses_clean_and_over_a_faulty_network(name, crawled):
    importlib.import_module(f"tests.{name}.replay")  # a spider without a replay fails here
    if "error" in crawled[name]:
        raise crawled[name]["error"]  # its process failed (the assertion says how)
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
