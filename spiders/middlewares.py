"""Downloader middleware: retries that respect the server.

Why not Scrapy's RetryMiddleware alone: it retries at once, so a 429 from a rate-limited API is retried
into another 429 until the retry budget is gone and the page is lost. This one waits as long as the
server's `Retry-After` says (seconds or an HTTP date), or backs off exponentially when there is none,
never longer than RETRY_BACKOFF_MAX, and keeps Scrapy's retry budget and stats.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.response import response_status_message


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent or bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class PoliteRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that sleeps before a retry: Retry-After first, else exponential backoff."""

    def __init__(self, settings) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    def _delay(self, request: Request, response: Response | None) -> float:
        tries = request.meta.get("retry_times", 0)
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        delay = asked if asked is not None else self.backoff_base * (2**tries)
        return min(delay, self.backoff_max)

    async def process_response(self, request: Request, response: Response, spider=None):  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:  # budget spent: hand the error response on to the spider's errback
            return response
        delay = self._delay(request, response)
        if self.crawler and self.crawler.stats:
            self.crawler.stats.inc_value("retry/waited_seconds", delay)
            if response.headers.get("Retry-After") is not None:
                self.crawler.stats.inc_value("retry/retry_after_honoured")
        if delay > 0:
            await asyncio.sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception, spider=None):  # type: ignore[override]
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            delay = self._delay(request, None)
            if delay > 0:
                await asyncio.sleep(delay)
        return retry
