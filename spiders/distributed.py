"""One crawl shared by several workers through Redis (scrapy-redis), as one job with one seeder.

Why more than scrapy-redis' settings: tried as documented, every worker seeded the crawl again, each worker ran
the listing's completeness check against only the pages it happened to fetch (both ended `partial` with a false
"listing ended early"), and the queue either vanished with the first worker to finish (SCHEDULER_PERSIST=False)
or made the next crawl silently empty (True: every URL still marked seen). So a job here has:

- keys of its own (`registry:<job>:requests`, `:dupefilter`, `:listed`, `:expected`, `:workers`, `:seeder`,
  `:seeded`), kept until every worker is done and cleared by the seeder at the start of the next job;
- one seeder, elected with SET NX: only it yields the spider's start requests; the others wait for the queue;
- a shared listing (a Redis set standing in for the spider's `listed`), and the completeness check run once, by
  the last worker to finish, against the whole job's listing and the API's count;
- workers that stay open while the job is being seeded, and finish when the shared queue is empty.

Each worker keeps its own staging store (DuckDB allows one writer per file); `registry merge` combines them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from spiders import settings as project_settings
from spiders.stats import pages_lost

KEY = "registry:{job}:{part}"


def redis_settings(job: str, redis_url: str, worker: str) -> dict[str, Any]:
    """Scrapy settings that make this process one worker of `job` (merge into the crawl's settings)."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "spiders.redis_dupefilter.RedisRedirectAwareDupeFilter",  # redirects pass (issue 19)
        "SCHEDULER_PERSIST": True,        # the job's keys outlive each worker; the next job's seeder clears them
        "SCHEDULER_QUEUE_KEY": KEY.format(job=job, part="requests"),
        "SCHEDULER_DUPEFILTER_KEY": KEY.format(job=job, part="dupefilter"),
        "SCHEDULER_IDLE_BEFORE_CLOSE": 1,
        "REDIS_URL": redis_url,
        "REGISTRY_JOB": job,
        "REGISTRY_WORKER": worker,
        "EXTENSIONS": {**project_settings.EXTENSIONS, "spiders.distributed.JobCoordinator": 100},
        "SPIDER_MIDDLEWARES": {"spiders.distributed.SeedOnce": 10},
    }


def distributed_settings(redis_url: str | None, job: str | None, worker: str | None, fail) -> dict[str, Any]:
    """Settings of one worker of a Redis-shared crawl, after checking Redis answers (one clear line if not)."""
    if not (redis_url and job):
        fail("a shared crawl needs both --redis-url and --job")
    try:
        import redis
        import scrapy_redis  # noqa: F401 - the scheduler the settings name
    except ImportError:
        fail("a shared crawl needs scrapy-redis: pip install 'surveillance-tech-registry[distributed]'")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, ValueError) as e:
        fail(f"Redis at {redis_url} does not answer: {e}")
    return redis_settings(job, redis_url, worker or f"{socket.gethostname()}-{os.getpid()}")


def _server(settings):
    from scrapy_redis import connection

    return connection.from_settings(settings)


class SharedSet:
    """The few set operations a spider's listing uses (`in`, add, len), kept in a Redis set for the whole job."""

    def __init__(self, server, key: str) -> None:
        self.server, self.key = server, key

    def __contains__(self, member: object) -> bool:
        return bool(self.server.sismember(self.key, str(member)))

    def add(self, member: object) -> None:
        self.server.sadd(self.key, str(member))

    def __len__(self) -> int:
        return int(self.server.scard(self.key))

    def __iter__(self):
        return (m.decode() for m in self.server.smembers(self.key))


class JobCoordinator:
    """Joins the worker to its job, elects the seeder, shares the listing, and runs the end check once."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.job = settings.get("REGISTRY_JOB")
        if not self.job:
            raise NotConfigured("REGISTRY_JOB not set: not a distributed crawl")
        self.worker = settings.get("REGISTRY_WORKER") or "worker"
        self.crawler = crawler
        self.server = _server(settings)
        self.is_seeder = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    def key(self, part: str) -> str:
        return KEY.format(job=self.job, part=part)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.registry_job = ext  # the SeedOnce middleware asks it whether this worker seeds
        return ext

    def spider_opened(self, spider) -> None:
        # A worker waiting for the job to be seeded, or for work others queue, is woken only by the engine's
        # heartbeat, every 5 s (Scrapy's _SLOT_HEARTBEAT_INTERVAL, read when the engine starts its requests, after
        # this signal). A seeder that finished a small job within those 5 s left the other workers nothing: they
        # ended with zero items, which is a failed run, and the job could not be built. Polled every
        # REGISTRY_IDLE_POLL seconds instead (one Redis check per poll while idle).
        engine = self.crawler.engine
        if hasattr(type(engine), "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = self.crawler.settings.getfloat("REGISTRY_IDLE_POLL", 0.5)
        self.server.sadd(self.key("workers"), self.worker)
        if self.server.set(self.key("seeder"), self.worker, nx=True):
            self.is_seeder = True
            # a new job: whatever the previous job with this name left (queue, seen URLs, listing) goes
            self.server.delete(self.key("requests"), self.key("dupefilter"), self.key("listed"),
                               self.key("expected"), self.key("seeded"), self.key("done"))
            spider.logger.info("job %s: %s seeds the crawl", self.job, self.worker)
        if hasattr(spider, "listed"):
            spider.listed = SharedSet(self.server, self.key("listed"))
        check = getattr(spider, "completeness_rejects", None)
        if check is not None:
            spider.completeness_rejects = lambda: self.completeness(spider, check)

    def spider_idle(self, spider) -> None:
        """Stay open while the job is still being seeded or others may still queue work for us."""
        if not self.server.exists(self.key("seeded")):
            raise DontCloseSpider
        if self.server.llen(self.key("requests")) or self.server.zcard(self.key("requests")):
            raise DontCloseSpider

    def completeness(self, spider, check) -> list:
        """The spider's end check, run only by the last worker to leave, on the whole job's listing."""
        stats = self.crawler.stats
        expected = stats.get_value(f"{spider.name}/awards_expected")
        if expected:
            self.server.set(self.key("expected"), int(expected), nx=True)
        self.server.srem(self.key("workers"), self.worker)
        if self.server.scard(self.key("workers")):
            return []  # others still crawl; the last one checks the whole listing
        shared = self.server.get(self.key("expected"))
        if shared is not None:
            stats.set_value(f"{spider.name}/awards_expected", int(shared))
        self.server.delete(self.key("seeder"))
        self.server.set(self.key("done"), self.worker)
        if pages_lost(stats, spider.name):
            return []
        return list(check())


class SeedOnce:
    """Spider middleware: only the job's seeder yields the spider's start requests; it then marks the job seeded."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        job = getattr(self.crawler, "registry_job", None)
        if job is None:
            async for item in start:
                yield item
            return
        if not job.is_seeder:
            return
        async for item in start:
            yield item
        job.server.set(job.key("seeded"), job.worker)
