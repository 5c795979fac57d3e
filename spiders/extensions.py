"""Progress on the terminal for long crawls: counts, rate and, where the source tells its total, an ETA.

Why an extension and not prints in spiders: the counts already live in Scrapy's stats (requests, items,
the spiders' own `<source>/...` counters); one loop reads them for every spider alike.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from spiders.stats import pages_lost


def _eta(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"


class CrawlProgress:
    """Every PROGRESS_INTERVAL seconds, one line on stderr; a final line when the spider closes."""

    def __init__(self, crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise NotConfigured
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report, spider)
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.report(spider, final=True)

    def line(self, spider) -> str:
        s = self.crawler.stats
        name = spider.name
        elapsed = max(time.monotonic() - self.started, 1e-6)
        requests = s.get_value("downloader/request_count", 0)
        items = s.get_value("item_scraped_count", 0)
        parts = [f"{name}: {requests:,} requests ({requests / elapsed:.1f}/s)", f"{items:,} items"]
        expected = s.get_value(f"{name}/awards_expected")
        done = s.get_value("response_received_count", 0)
        awards = s.get_value(f"{name}/search_results", 0)
        if expected:
            parts.append(f"{awards:,} of ~{expected:,} awards found")
            if awards and awards < expected:
                parts.append(f"ETA {_eta(elapsed * (expected - awards) / awards)}")
        lost = pages_lost(s, name)
        retries = s.get_value("retry/count", 0)
        parts.append(f"{retries:,} retries, {lost:,} pages lost, {done:,} responses")
        return ", ".join(parts)

    def report(self, spider, final: bool = False) -> None:
        prefix = "done: " if final else ""
        print(prefix + self.line(spider), file=sys.stderr, flush=True)
