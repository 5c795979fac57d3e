"""Limits that keep a hostile or broken server from hanging, flooding or fooling a crawl.

Why one module: each limit is small, but together they are the crawl's answer to a server that never stops
paging, stalls after the headers, redirects to another host or back to itself, or sends a gzip bomb.
Every limit ends the run `partial` or `failed` with one line saying which limit and why (docs/reliability_hostile.md):

- CrawlGuards (extension): a crawl-wide deadline (CRAWL_DEADLINE seconds) and a memory budget
  (CRAWL_MEMORY_LIMIT_MB, the process's resident size).
- HostGuardMiddleware (downloader middleware): redirects stay on the request's own host unless the host is in
  REDIRECT_ALLOWED_HOSTS, and a host that times out more than HOST_STALL_BUDGET times ends the crawl.
- RedirectAwareDupeFilter: a redirect continues a request already admitted; filtering it as a duplicate (a 302
  to a URL fetched before) dropped the record with no trace.
"""

from __future__ import annotations

import logging
import resource
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

log = logging.getLogger(__name__)

STOP_REASON = "registry/stop_reason"  # stats key: why the crawl was stopped early (read by the pipeline)


def close_crawl(crawler: Any, reason: str) -> None:
    """Ask Scrapy's engine to close the spider (in-flight requests end within DOWNLOAD_TIMEOUT)."""
    engine = getattr(crawler, "engine", None)
    if engine is None or engine.spider is None:
        return
    crawler._registry_close = deferred_from_coro(engine.close_spider_async(reason=reason))


def stop(crawler: Any, reason: str, message: str) -> None:
    """Record why the crawl stops (once), say it in one log line, and close the spider."""
    stats = crawler.stats
    if stats.get_value(STOP_REASON):
        return
    stats.set_value(STOP_REASON, message)
    log.error("%s", message)
    close_crawl(crawler, reason)


def rss_mb() -> float:
    """This process's resident memory in MB (Linux /proc; the peak from getrusage elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class CrawlGuards:
    """Ends a crawl that runs past its deadline or its memory budget; the run is recorded `partial`."""

    def __init__(self, crawler: Any, deadline: float, memory_mb: float, interval: float) -> None:
        self.crawler = crawler
        self.deadline = deadline
        self.memory_mb = memory_mb
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlGuards:
        s = crawler.settings
        deadline = s.getfloat("CRAWL_DEADLINE", 0)
        memory = s.getfloat("CRAWL_MEMORY_LIMIT_MB", 0)
        if deadline <= 0 and memory <= 0:
            raise NotConfigured
        interval = min(s.getfloat("CRAWL_GUARD_INTERVAL", 1.0), deadline / 4 if deadline > 0 else 1.0)
        ext = cls(crawler, deadline, memory, max(interval, 0.05))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.check)
        self.loop.start(self.interval, now=False)

    def closed(self, spider: Any, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.deadline > 0 and elapsed > self.deadline:
            stop(self.crawler, "deadline", f"crawl deadline reached after {elapsed:.0f}s (CRAWL_DEADLINE="
                 f"{self.deadline:g}): stopped; the run is partial, re-run to complete")
            return
        if self.memory_mb > 0:
            used = rss_mb()
            if used > self.memory_mb:
                stop(self.crawler, "memory", f"memory budget exceeded: {used:.0f} MB > CRAWL_MEMORY_LIMIT_MB="
                     f"{self.memory_mb:g}: stopped; the run is partial")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def source_host(request: Request) -> str:
    """The host the request was first made to (before any redirect)."""
    first = (request.meta.get("redirect_urls") or [request.url])[0]
    return host_of(first)


class HostGuardMiddleware:
    """Redirects stay on the source's host (or an allowed one); a host that keeps stalling ends the crawl."""

    def __init__(self, crawler: Any) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.allowed = {h.strip().lower() for h in s.getlist("REDIRECT_ALLOWED_HOSTS") if h.strip()}
        self.stall_budget = s.getint("HOST_STALL_BUDGET", 0)
        self.stalls: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Any) -> HostGuardMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        location = response.headers.get("Location")
        if response.status in (301, 302, 303, 307, 308) and location:
            target = host_of(urljoin(request.url, location.decode("latin-1")))
            home = source_host(request)
            if target and target != home and target not in self.allowed:
                self.crawler.stats.inc_value("registry/redirects_refused")
                raise IgnoreRequest(f"redirect from {home} to another host {target} refused "
                                    "(add it to REDIRECT_ALLOWED_HOSTS to follow it)")
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        if self.stall_budget <= 0 or "Timeout" not in type(exception).__name__:
            return None
        host = host_of(request.url)
        self.stalls[host] += 1
        self.crawler.stats.inc_value("registry/stalls")
        if self.stalls[host] > self.stall_budget:
            stop(self.crawler, "host_stalled", f"{host} stalled {self.stalls[host]} times (HOST_STALL_BUDGET="
                 f"{self.stall_budget}): stopped; the run is partial, re-run when the host answers")
        return None


def continues_admitted_request(request: Request) -> bool:
    """A redirect continues a request the filter admitted already (also used by spiders/redis_dupefilter.py)."""
    return bool(request.meta.get("redirect_times"))


class RedirectAwareDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, except for redirects: they continue a request that was admitted already.

    A redirect loop stays bounded by REDIRECT_MAX_TIMES, after which the request's errback records it lost.
    """

    def request_seen(self, request: Request) -> bool:
        if continues_admitted_request(request):
            return False
        return super().request_seen(request)
