"""The redirect-aware duplicate filter for crawls shared through Redis (scrapy-redis).

Why: spiders/distributed.py must swap the project's filter (spiders.guards.RedirectAwareDupeFilter, kept in the
worker's memory) for one kept in Redis, so that every worker of a job sees the URLs the others fetched. Plain
scrapy-redis' filter drops a redirect back to a URL already fetched (a 302 to itself, an API that bounces once)
as a duplicate: the record is lost with no trace, which is what issue 19 fixed for single-process crawls. This
subclass keeps the fingerprints in the job's Redis set and lets a redirect through, exactly as the in-memory one.
A redirect loop stays bounded by REDIRECT_MAX_TIMES, after which the request's errback records the page lost.
"""

from __future__ import annotations

from scrapy.http import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from spiders.guards import continues_admitted_request


class RedisRedirectAwareDupeFilter(RFPDupeFilter):
    """scrapy-redis' shared filter, except for redirects: they continue a request that was admitted already."""

    def request_seen(self, request: Request) -> bool:
        if continues_admitted_request(request):
            return False
        return super().request_seen(request)
