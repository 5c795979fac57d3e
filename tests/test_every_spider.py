"""Every spider Scrapy's loader lists runs through Scrapy's engine and the project's pipeline against its
source's recorded responses (served on 127.0.0.1), and its run reconciles: fetched = loaded + rejected.

Why one test over the loader's list: a spider written beside the others drifts (three counted lost pages under
the wrong key while MagicMock crawlers passed their tests). A spider without a tests/<source>/replay.py fails
here, so a new source gets the same check. Each crawl runs in its own process (Twisted's reactor runs once
per process), through registry.crawl.run_spider as `registry crawl` does.
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

RUN = """
import json, sys
from registry import crawl
r = crawl.run_spider(sys.argv[1], staging=sys.argv[2], settings=json.loads(sys.argv[3]),
                     spider_kwargs=json.loads(sys.argv[4]), preflight_timeout=5)
print(json.dumps({"status": r.status, "fetched": r.fetched, "loaded": r.loaded, "rejected": r.rejected,
                  "pages_lost": r.pages_lost, "run_id": r.run_id}))
"""

# The bulk route's rows are read by the CSV loader (registry/loaders/bulk_csv.py), which names its row rejects by
# the file route; its page and file rejects carry the spider's name.
ROW_LOADER_SOURCES = {"usaspending_bulk": {"usaspending_csv"}}


def spider_names() -> list[str]:
    from scrapy.spiderloader import SpiderLoader

    return sorted(SpiderLoader.from_settings(project_settings()).list())


def test_the_loader_lists_every_source_folder():
    from registry.core import sources

    assert spider_names() == sources.names()
    assert len(spider_names()) >= 7


@pytest.mark.parametrize("name", spider_names())
def test_spider_crawls_its_recorded_responses_and_reconciles(name, tmp_path, shared_data):
    replay = importlib.import_module(f"tests.{name}.replay").replay
    staging = tmp_path / "staging.duckdb"
    with replay(shared_data) as r:
        settings = {"LOG_LEVEL": "WARNING", "RETRY_TIMES": 1, **r.settings}
        proc = subprocess.run(
            [sys.executable, "-c", RUN, name, str(staging), json.dumps(settings), json.dumps(r.kwargs)],
            capture_output=True, text=True, timeout=180, cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **r.env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["status"] == "ok", (result, proc.stderr[-3000:])
    assert result["fetched"] > 0
    assert result["fetched"] == result["loaded"] + result["rejected"]
    con = duckdb.connect(str(staging), read_only=True)
    try:
        runs = con.execute("SELECT source, status, items_fetched, items_loaded + items_rejected FROM crawl_runs"
                           ).fetchall()
        reject_sources = {s for (s,) in con.execute("SELECT DISTINCT source FROM rejects").fetchall()}
        stored_rejects = con.execute("SELECT count(*) FROM rejects WHERE run_id = ?", [result["run_id"]]).fetchone()[0]
    finally:
        con.close()
    assert runs == [(name, "ok", result["fetched"], result["fetched"])]  # one name: the run's source is the spider's
    assert reject_sources <= {name, *ROW_LOADER_SOURCES.get(name, ())}
    assert stored_rejects == result["rejected"]
