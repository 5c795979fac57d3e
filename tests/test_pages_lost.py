"""A page lost after every retry is counted where the crawl run reads it, for every spider.

Why: `crawl_runs.pages_lost` (and the `partial` status that follows from it) is read from Scrapy's stats
under `<spider name>/pages_lost`. The offline spider tests run on a mock collector that accepts any key, so
a spider counting under another key passed them while its lost pages never reached the run. This uses
Scrapy's real stats collector.
"""

from __future__ import annotations

import types

import pytest
from scrapy.http import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from spiders.ai_inventory.spider import AiInventorySpider
from spiders.federal_register.spider import FederalRegisterSpider
from spiders.fpds.spider import FpdsAtomSpider
from spiders.items import RejectItem
from spiders.lda.spider import LdaFilingsSpider
from spiders.sam.spider import SamOpportunitiesSpider
from spiders.stats import pages_lost

SPIDERS = {
    "fpds": (FpdsAtomSpider, {"atom_url": "http://127.0.0.1:9/atom", "piids": "70CTD022FR0000170"}),
    "lda": (LdaFilingsSpider, {"api_url": "http://127.0.0.1:9/api/v1/filings/"}),
    "sam": (SamOpportunitiesSpider, {"since": "2025-01-01", "until": "2025-12-31"}),
    "federal_register": (FederalRegisterSpider, {"api_url": "http://127.0.0.1:9/api/v1"}),
    "ai_inventory": (AiInventorySpider, {}),
}


@pytest.mark.parametrize("name", list(SPIDERS))
def test_a_failed_page_is_counted_for_the_run(name, monkeypatch):
    monkeypatch.setenv("SAM_API_KEY", "test-key-not-real")
    cls, kwargs = SPIDERS[name]
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler, **kwargs)
    crawler.stats = MemoryStatsCollector(crawler)
    spider.crawler = crawler
    failure = types.SimpleNamespace(request=Request("http://127.0.0.1:9/page?x=1"),
                                    getErrorMessage=lambda: "Connection refused", value=None)
    out = list(spider.page_failed(failure))
    assert pages_lost(crawler.stats, spider.name) == 1
    assert len(out) == 1 and isinstance(out[0], RejectItem), "the lost page is also a reject, with its reason"
    assert out[0]["reason"] and "Connection refused" in out[0]["reason"]
