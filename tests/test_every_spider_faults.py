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
gets the same check without a line written for it. Each crawl runs in its own process, as test_every_spider.
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
from tests.test_every_spider import RUN, spider_names

RETRY_TIMES = 2
FAST = {"RETRY_TIMES": RETRY_TIMES, "RETRY_BACKOFF_BASE": 0.05, "RETRY_BACKOFF_MAX": 0.1, "DOWNLOAD_TIMEOUT": 1,
        "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}


def start(name: str, replay, proxy: FaultProxy, staging) -> tuple[subprocess.Popen, object]:
    """`registry crawl <name>` as run_spider runs it, every request through the proxy, in its own process."""
    middlewares = {**project_settings().getdict("DOWNLOADER_MIDDLEWARES"), "tests.fault_proxy.ThroughFaultProxy": 540}
    settings = {**replay.settings, **FAST, "FAULT_PROXY": proxy.url, "DOWNLOADER_MIDDLEWARES": middlewares}
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, name, str(staging), json.dumps(settings), json.dumps(replay.kwargs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **replay.env})
    return proc, staging


def finish(started: tuple[subprocess.Popen, object]) -> dict:
    """The run's numbers as run_spider returned them, and its crawl_runs row and rejects as stored."""
    proc, staging = started
    try:
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    con = duckdb.connect(str(staging), read_only=True)
    try:
        result["run"] = con.execute("SELECT status, pages_lost, items_fetched, items_loaded, items_rejected "
                                    "FROM crawl_runs WHERE run_id = ?", [result["run_id"]]).fetchone()
        result["rejects"] = con.execute("SELECT kind, reason, source_url FROM rejects WHERE run_id = ?",
                                        [result["run_id"]]).fetchall()
    finally:
        con.close()
    result["stderr"] = err[-3000:]
    return result


@pytest.mark.parametrize("name", spider_names())
def test_spider_over_a_faulty_network_loses_nothing_it_can_retry_and_counts_what_it_cannot(name, tmp_path,
                                                                                          shared_data):
    replay = importlib.import_module(f"tests.{name}.replay").replay

    # a clean network and faults that clear, side by side (each crawl in its own process, its own replay)
    with replay(shared_data) as r1, FaultProxy() as clean_proxy, replay(shared_data) as r2, \
            FaultProxy(first_attempt=FAULTS) as proxy:
        runs = [start(name, r1, clean_proxy, tmp_path / "clean.duckdb"),
                start(name, r2, proxy, tmp_path / "transient.duckdb")]
        try:
            clean, faulty = finish(runs[0]), finish(runs[1])
        finally:
            for proc, _ in runs:  # a failed check on one run must not leave the other crawl running
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
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
    with replay(shared_data) as r, FaultProxy(lose=lambda key, kind: key != first and kind != "count") as proxy:
        partial = finish(start(name, r, proxy, tmp_path / "lost.duckdb"))
    lost = list(dict.fromkeys(key for key, _ in proxy.fired))  # every request the proxy refused
    assert lost and all(proxy.attempts[key] == RETRY_TIMES + 1 for key in lost), "retried within the budget"
    status, pages_lost, fetched, loaded, rejected = partial["run"]
    assert status in {"partial", "failed"}, partial  # never "ok" with a page lost
    assert pages_lost == len(lost) == partial["pages_lost"], (lost, partial)  # each counted once, where the run reads
    assert fetched == loaded + rejected == partial["fetched"]
    assert loaded <= clean["loaded"]
    for key in lost:  # each lost request is a reject naming its URL and the server's answer
        reasons = [reason for _, reason, url in partial["rejects"] if url and _path(url) == key[1]]
        assert any("500" in reason for reason in reasons), (key, partial["rejects"])
