"""RegistrySpider: what every source's spider shares, written once.

Why a base class: the crawl runner (registry/crawl.py) and the staging pipeline read the same facts from every
spider (its scope, its base-URL setting, where to preflight, what it knows it missed), and every spider needs the
same date arguments, the same reject and the same failed-request handler. Written once per spider they drifted:
three spiders counted lost pages under the wrong stats key and no test saw it. Here each is declared once, and a
spider keeps only its source's facts and parsing.

Stats names: `<spider name>/<what>`; lost pages under spiders.stats.pages_lost_key, the source's own count of
records in scope under `<name>/expected` (a zero-item run is 'empty' only when that count says 0, else failed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any, ClassVar

import scrapy

from spiders.items import RejectItem
from spiders.stats import count_lost_page

MAX_LOST_RESPONSE = 100_000  # a lost page's reject keeps the first 100,000 characters of the error response


class ScopeError(ValueError):
    """A scope argument the source cannot answer (bad date, unknown agency): said once, before any request."""


def date_arg(value: Any, name: str) -> date | None:
    """A date argument (ISO text or a date), None for nothing; one clear ScopeError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScopeError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


class RegistrySpider(scrapy.Spider):
    """Base of every source's spider: arguments, base URL, preflight, rejects, lost pages, completeness."""

    # The source's facts, declared by each spider.
    base_url_setting: ClassVar[str | None] = None  # the setting that holds the source's base URL (tests point it away)
    default_base_url: ClassVar[str | None] = None  # used when neither the argument nor the setting gives one
    default_since: ClassVar[date | None] = None    # first date when the user gives none (None: no lower bound)
    lost_meta_keys: ClassVar[tuple[str, ...]] = ()  # request.meta keys kept in a lost page's reject payload
    max_reject_reason: ClassVar[int | None] = None   # sources whose pages can be huge cap what a reject keeps
    max_reject_payload: ClassVar[int | None] = None

    def __init__(self, since: Any = None, until: Any = None, api_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.since: date | None = date_arg(since, "since") or self.default_since
        self.until: date | None = date_arg(until, "until")
        if self.since and self.until and self.until < self.since:
            raise ScopeError(f"until ({self.until}) is before since ({self.since})")
        self._api_url = api_url
        self.scope: dict[str, Any] = {}           # what was asked for: recorded in crawl_runs, keys --since-last
        self.modified_since: date | None = None   # incremental runs: the lower bound of last_modified_date
        self.run_id: str | None = None            # set by the pipeline when it opens the run

    # -- the source's one name ----------------------------------------------------------------
    @property
    def source(self) -> str:
        """The source column of every row and reject: the spider's name (one name per source)."""
        return self.name

    # -- base URL and preflight -----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """The argument, else the setting, else the default: where this run's requests go."""
        configured = self.settings.get(self.base_url_setting) if self.base_url_setting and hasattr(
            self, "settings") else None
        return self._api_url or configured or self.default_base_url or ""

    @classmethod
    def preflight_url(cls, settings, api_url: str | None = None) -> str | None:
        """The URL whose host must answer before a crawl starts (None: nothing to check)."""
        configured = settings.get(cls.base_url_setting) if cls.base_url_setting else None
        return api_url or configured or cls.default_base_url

    # -- rejects and lost pages -------------------------------------------------------------------
    def reject(self, url: str | None, kind: str, reason: str, payload: Any = None, *, lost: bool = False) -> RejectItem:
        """A record or page that could not be used, with its reason and what came back; `lost` counts a lost page."""
        if lost:
            count_lost_page(self)
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload, default=str)
        if self.max_reject_reason:
            reason = reason[:self.max_reject_reason]
        if payload is not None and self.max_reject_payload:
            payload = payload[:self.max_reject_payload]
        return RejectItem(source=self.source, source_url=url, kind=kind, reason=reason, raw_payload=payload)

    def page_failed(self, failure) -> Iterator[RejectItem]:
        """Errback of every request: a page that failed after every retry is lost, counted and kept as a reject."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        what = request.meta.get("kind", "request")
        if response is not None:
            reason = f"{what}: HTTP {response.status} after retries"
            text = response.text[:MAX_LOST_RESPONSE] if hasattr(response, "text") else None
        else:
            error = getattr(getattr(failure, "type", None), "__name__", None)  # e.g. DownloadTimeoutError
            message = failure.getErrorMessage()[:200]
            reason = f"{what}: {error}: {message}" if error else f"{what}: {message}"
            text = None
        body = request.body.decode("utf-8", "replace") if request.body else None
        context = {k: request.meta[k] for k in self.lost_meta_keys if k in request.meta}
        payload = {"request_body": body, "response": text, **context} if (body or text or context) else None
        self.logger.warning("lost %s %s: %s", what, request.url, reason)
        yield self.reject(request.url, "page", reason, payload, lost=True)

    def next_page(self, response, link: Any, rebase, label: str, field: str | None = None) -> str | RejectItem:
        """The URL of the page a listing links to next (`rebase`d onto the configured API), or, when the link is not
        one (not a string, or a URL that does not parse), a lost page with its reason: the pages after this one
        cannot be reached, so the run ends partial instead of the parse raising. `label` names the link in the
        reason, `field` (default: the label) is the key it is kept under in the reject's payload."""
        try:
            if not isinstance(link, str):
                raise ValueError(f"a {type(link).__name__}, not a URL")
            return rebase(link)
        except ValueError as e:
            return self.reject(response.url, "page", f"page: {label} unusable ({e})"[:300],
                               json.dumps({field or label: link}, default=str), lost=True)

    # -- stats and completeness ---------------------------------------------------------------------
    def count(self, what: str, n: int = 1) -> None:
        """Add n to this run's `<name>/<what>` statistic."""
        self.crawler.stats.inc_value(f"{self.name}/{what}", n)

    def count_expected(self, n: int) -> None:
        """The source's own count of records in scope (a query's total), summed over the run's queries."""
        self.count("expected", int(n))

    def expected_total(self) -> int | None:
        """What the source said the scope holds, less what the spider set aside as out of scope (`count(
        "out_of_scope")`); None if the source never said (then a run with zero items is a failure)."""
        stats = self.crawler.stats if getattr(self, "crawler", None) else None
        value = stats.get_value(f"{self.name}/expected") if stats else None
        if value is None:
            return None
        return int(value) - int(stats.get_value(f"{self.name}/out_of_scope", 0) or 0)

    def completeness_rejects(self) -> list[RejectItem]:
        """Rejects for what the run knows it missed at the end (e.g. a listing shorter than its count)."""
        return []
