"""Shared crawls keep issue 19's redirect-aware duplicate filter: spiders/redis_dupefilter.py on a real redis-server.

spiders/distributed.py swaps the project's in-memory filter for one kept in Redis (every worker of a job must
see the URLs the others fetched). Plain scrapy-redis' filter drops a redirect back to a URL already fetched as a
duplicate, and the record is lost. What a user checks: two workers' filters share one set of fingerprints, a
redirect passes both, and a shared crawl (Scrapy's engine, the Redis scheduler) over a site that bounces a page to
itself fetches that page, while a real duplicate is still fetched once. (The API spider's own detail requests
use dont_filter; every other request of a shared crawl goes through this filter.)
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
import scrapy
from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from spiders.distributed import redis_settings
from spiders.redis_dupefilter import RedisRedirectAwareDupeFilter
from tests import warm_process
from tests.test_distributed_redis import redis_url  # noqa: F401 - the real redis-server fixture

URL = "http://127.0.0.1:1/api/v2/awards/CONT_AWD_X/"


def redirected(url: str) -> Request:
    """The request Scrapy's redirect middleware makes for a 302 back to `url` (it counts redirect_times)."""
    return Request(url, meta={"redirect_times": 1, "redirect_urls": [url]})


def test_workers_share_the_seen_urls_and_a_redirect_passes_every_worker(redis_url):  # noqa: F811
    server = redis.Redis.from_url(redis_url)
    key = "registry:test-dupefilter:dupefilter"
    server.delete(key)
    a, b = (RedisRedirectAwareDupeFilter(server, key=key) for _ in range(2))
    assert redis_settings("j", redis_url, "w")["DUPEFILTER_CLASS"] == "spiders.redis_dupefilter.RedisRedirectAwareDupeFilter"
    assert a.request_seen(Request(URL)) is False
    assert b.request_seen(Request(URL)) is True       # worker b sees what worker a fetched
    assert a.request_seen(redirected(URL)) is False   # a redirect back to it continues the admitted request
    assert b.request_seen(redirected(URL)) is False
    assert server.scard(key) == 1                     # one fingerprint, shared
    plain = RFPDupeFilter(server, key=key)            # what distributed.py used before: the redirect is dropped
    assert plain.request_seen(redirected(URL)) is True
    server.delete(key)


class Bouncer:
    """127.0.0.1 pages /p/0 .. /p/4; /p/1 answers its first request with a 302 to itself (a CDN or API bounce)."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        bouncer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                bouncer.hits[self.path] = bouncer.hits.get(self.path, 0) + 1
                if self.path == "/p/1" and bouncer.hits[self.path] == 1:
                    self.send_response(302)
                    self.send_header("Location", f"{bouncer.base}/p/1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = self.path.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Bouncer:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class PagesSpider(scrapy.Spider):
    """Five pages, plain requests (the duplicate filter applies), /p/2 asked twice: a real duplicate."""

    name = "redis_dupefilter_probe"

    def __init__(self, base: str = "", out: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.base, self.out, self.seen = base, out, []

    async def start(self):
        for i in (0, 1, 2, 3, 4, 2):
            yield scrapy.Request(f"{self.base}/p/{i}")

    def parse(self, response):
        self.seen.append(response.text)

    def closed(self, reason: str) -> None:
        Path(self.out).write_text(json.dumps(sorted(self.seen)))


def probe(base: str, redis_url: str, job: str, out: str, dupefilter: str | None) -> None:  # noqa: F811
    """One shared-crawl worker (spiders/distributed.py's settings, Scrapy's engine) over the Bouncer's pages."""
    from scrapy.crawler import CrawlerProcess

    from registry.crawl import project_settings

    settings = project_settings({**redis_settings(job, redis_url, "probe"), "LOG_LEVEL": "WARNING",
                                 "ITEM_PIPELINES": {}, "AUTOTHROTTLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
                                 "TELNETCONSOLE_ENABLED": False})
    if dupefilter:
        settings.set("DUPEFILTER_CLASS", dupefilter, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(PagesSpider, base=base, out=out)
    process.start()


def crawl_pages(tmp_path: Path, redis_url: str, jobs: dict[str, str | None]) -> dict[str, tuple[list, dict]]:  # noqa: F811
    """One shared-crawl worker per job (its duplicate filter: None for the project's), side by side, each in its own
    process over its own Bouncer; each job's pages fetched and its site's hits."""
    out = {}
    with ExitStack() as stack:
        running = {}
        for job, dupefilter in jobs.items():
            result = tmp_path / f"{job}.json"
            site = stack.enter_context(Bouncer())
            code = (f"from tests.test_redis_dupefilter import probe; probe({site.base!r}, {redis_url!r}, {job!r}, "
                    f"{str(result)!r}, {dupefilter!r})")
            proc = warm_process.popen("-c", code, prog="python", stdout=warm_process.PIPE, stderr=warm_process.PIPE,
                                      text=True)
            stack.callback(lambda p=proc: p.poll() is None and (p.kill(), p.wait()))  # a failed test leaves none
            running[job] = (proc, site, result)
        for job, (proc, site, result) in running.items():
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0 and result.exists(), stdout + stderr
            out[job] = (json.loads(result.read_text()), dict(site.hits))
    return out


def test_a_shared_crawl_follows_a_redirect_back_to_the_same_url_and_still_drops_duplicates(redis_url, tmp_path):  # noqa: F811
    # beside it, the filter distributed.py used before: it loses the bounced page, so the test would catch it coming
    # back
    crawls = crawl_pages(tmp_path, redis_url, {"bounce": None, "bounce-plain": "scrapy_redis.dupefilter.RFPDupeFilter"})
    pages, hits = crawls["bounce"]
    assert pages == [f"/p/{i}" for i in range(5)]  # /p/1 followed through its redirect, /p/2 fetched once
    assert hits["/p/1"] == 2 and hits["/p/2"] == 1
    plain, _ = crawls["bounce-plain"]
    assert plain == ["/p/0", "/p/2", "/p/3", "/p/4"]
