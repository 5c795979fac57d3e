"""A page lost after every retry is counted where the crawl run reads it, for every spider the loader lists.

Why: `crawl_runs.pages_lost` (and the `partial` status that follows from it) is read from Scrapy's stats
under `<spider name>/pages_lost`. The offline spider tests run on a mock collector that accepts any key, so
a spider counting under another key passed them while its lost pages never reached the run. This uses
Scrapy's real stats collector, on every spider Scrapy's loader finds (not a hand-kept list), each built with
the arguments its source's replay (tests/<source>/replay.py) gives it.
"""

from __future__ import annotations

import importlib
import types

import pytest
from scrapy.http import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from registry.crawl import project_settings
from spiders.base import RegistrySpider
from spiders.items import RejectItem
from spiders.stats import pages_lost
from tests.test_every_spider import spider_names


@pytest.mark.parametrize("name", spider_names())
def test_a_failed_page_is_counted_for_the_run(name, monkeypatch, shared_data):
    from scrapy.spiderloader import SpiderLoader

    cls = SpiderLoader.from_settings(project_settings()).load(name)
    assert issubclass(cls, RegistrySpider)
    with importlib.import_module(f"tests.{name}.replay").replay(shared_data) as r:
        for k, v in r.env.items():
            monkeypatch.setenv(k, v)
        crawler = get_crawler(cls, r.settings)
        spider = cls.from_crawler(crawler, **r.kwargs)
        crawler.stats = MemoryStatsCollector(crawler)
        spider.crawler = crawler
        failure = types.SimpleNamespace(request=Request("http://127.0.0.1:9/page?x=1"),
                                        getErrorMessage=lambda: "Connection refused", value=None)
        out = list(spider.page_failed(failure))
    assert pages_lost(crawler.stats, spider.name) == 1
    assert len(out) == 1 and isinstance(out[0], RejectItem), "the lost page is also a reject, with its reason"
    assert out[0]["reason"] and "Connection refused" in out[0]["reason"]
    assert out[0]["source"] == name
