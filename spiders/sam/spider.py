"""`sam`: justification (J&A) and award notices from SAM.gov's Get Opportunities API v2.

Source format: GSA's "Get Opportunities Public API" docs (v2): GET /opportunities/v2/search with
`api_key`, `ptype` (u = Justification (J&A), a = Award Notice), `postedFrom`/`postedTo` (MM/dd/yyyy, at
most one year apart, both mandatory), `organizationName` (department or subtier name), `limit` (<= 1000)
and `offset`; the response carries `totalRecords` and `opportunitiesData`. Each notice's `description`
is a link to /v1/noticedesc that itself needs the key; the spider fetches it for J&A notices (one request
per notice) because that text is where the justification's authority and the order number are written.

The key comes only from the SAM_API_KEY environment variable. URLs are built without it;
SamApiKeyMiddleware adds it for the download and takes it out again before anything (logs, items,
rejects, caches) can see the response, and spiders.keys masks it anywhere it could still appear.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import scrapy
from scrapy.http import Request, Response
from w3lib.html import remove_tags, replace_entities

from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.items import RejectItem
from spiders.keys import add_query_param, install_log_redaction, mask, strip_query_param
from spiders.sam.items import SamNoticeItem

DEFAULT_API_URL = "https://api.sam.gov/opportunities/v2/search"
# organizationName accepts a department (L1) or subtier (L2) name as SAM.gov's Federal Hierarchy spells it.
DEFAULT_ORGANIZATIONS = ["HOMELAND SECURITY, DEPARTMENT OF", "JUSTICE, DEPARTMENT OF"]
DEFAULT_SINCE = date(2020, 10, 1)  # FY2021, the registry's default scope
KEY_ENV = "SAM_API_KEY"
MAX_LIMIT = 1000
_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li|/h[1-6]|/tr)\s*>", re.IGNORECASE)


def posted_windows(since: date, until: date) -> list[tuple[date, date]]:
    """Consecutive [from, to] windows covering since..until, each shorter than one year as the API requires."""
    if until < since:
        raise ValueError(f"until {until} is before since {since}")
    windows = []
    start = since
    while start <= until:
        try:
            year_later = start.replace(year=start.year + 1)
        except ValueError:  # 29 February
            year_later = start.replace(year=start.year + 1, day=28)
        end = min(year_later - timedelta(days=1), until)
        windows.append((start, end))
        start = end + timedelta(days=1)
    return windows


def own_host(request: Request) -> bool:
    """The request goes to the host it was first made for (a redirect elsewhere must not carry the key)."""
    first = (request.meta.get("redirect_urls") or [request.url])[0]
    return urlsplit(first).hostname == urlsplit(request.url).hostname


class SamApiKeyMiddleware:
    """Adds `api_key` to requests marked `meta['sam_key']` just before the download, removes it right after.

    It sits closest to the downloader (order 960), so the HTTP cache, retries, redirects, the engine's
    "Crawled" log line and the spider all see the key-less URL. A request is never re-scheduled with the
    key in it: the URL is changed in place for the download only and restored on response or error.
    """

    def __init__(self) -> None:
        self.key = os.environ.get(KEY_ENV) or None

    def process_request(self, request: Request, spider: scrapy.Spider | None = None) -> None:
        if self.key and request.meta.get("sam_key") and own_host(request):  # never on a hop to another host
            request._set_url(add_query_param(request.url, "api_key", self.key))  # restored below

    def _restore(self, request: Request) -> None:
        if request.meta.get("sam_key"):
            request._set_url(strip_query_param(request.url, "api_key"))

    def process_response(self, request: Request, response: Response, spider: scrapy.Spider | None = None):
        self._restore(request)
        if self.key and self.key in response.url:
            response = response.replace(url=strip_query_param(response.url, "api_key"))
        location = response.headers.get(b"Location")
        if self.key and location and self.key.encode() in location:
            response.headers[b"Location"] = strip_query_param(location.decode("latin-1"), "api_key")
        return response

    def process_exception(self, request: Request, exception: Exception, spider: scrapy.Spider | None = None):
        self._restore(request)
        return None


class SamOpportunitiesSpider(RegistrySpider):
    """J&A (ptype u) and award (ptype a) notices of the scoped organisations, window by window, page by page."""

    name = "sam"
    base_url_setting = "SAM_API_URL"
    default_base_url = DEFAULT_API_URL
    default_since = DEFAULT_SINCE
    allowed_ptypes = {"u": "Justification (J&A)", "a": "Award Notice"}

    @classmethod
    def update_settings(cls, settings) -> None:
        """Register the key middleware next to whatever the project configured (merged, not replaced)."""
        super().update_settings(settings)
        mws = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
        mws.setdefault(f"{__name__}.SamApiKeyMiddleware", 960)
        settings.set("DOWNLOADER_MIDDLEWARES", mws, priority="spider")

    def __init__(
        self,
        since: str | date | None = None,
        until: str | date | None = None,
        ptypes: str | list[str] | None = None,
        organizations: str | list[str] | None = None,
        limit: int | str | None = None,
        descriptions: str | None = None,
        api_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(since=since, until=until, api_url=api_url, **kwargs)
        self.until = self.until or datetime.now(UTC).date()
        self.ptypes = as_list(ptypes, "|;,") if ptypes not in (None, "") else ["u", "a"]
        unknown = [p for p in self.ptypes if p not in self.allowed_ptypes]
        if unknown:
            raise ValueError(f"ptype must be one of {sorted(self.allowed_ptypes)}, not {unknown}")
        self.organizations = (as_list(organizations, "|;") if organizations not in (None, "")
                              else list(DEFAULT_ORGANIZATIONS))
        self.limit = min(int(limit or MAX_LIMIT), MAX_LIMIT)
        self.descriptions = descriptions  # None = setting SAM_FETCH_DESCRIPTIONS; 'u', 'all' or 'none'
        self.windows = posted_windows(self.since, self.until)
        self.api_key = os.environ.get(KEY_ENV) or None
        install_log_redaction(self.api_key)
        # What was asked for, recorded in crawl_runs (never the key).
        self.scope = {"since": self.since.isoformat(), "until": self.until.isoformat(), "ptypes": self.ptypes,
                      "organizations": self.organizations}

    # -- source facts ---------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self.base_url

    def _fetch_description(self, ptype: str) -> bool:
        mode = (self.descriptions or self.settings.get("SAM_FETCH_DESCRIPTIONS") or "u").lower()
        return mode == "all" or (mode not in {"none", "no", "0", "false"} and ptype in mode.split(","))

    def search_url(self, ptype: str, organization: str, window: tuple[date, date], offset: int) -> str:
        """The documented search URL, without the key."""
        params = {
            "ptype": ptype,
            "postedFrom": window[0].strftime("%m/%d/%Y"),
            "postedTo": window[1].strftime("%m/%d/%Y"),
            "organizationName": organization,
            "limit": str(self.limit),
            "offset": str(offset),
        }
        return f"{self.api_url}?{urlencode(params, safe='/,')}"

    # -- crawl ----------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        if not self.api_key:
            # The CLI refuses earlier with one line; a direct `scrapy crawl sam` ends here, having asked nothing.
            self.logger.error("%s is not set: SAM.gov requires an API key (sam.gov > Account Details)", KEY_ENV)
            return
        for ptype in self.ptypes:
            for organization in self.organizations:
                for window in self.windows:
                    yield self._search_request(ptype, organization, window, 0)

    def _search_request(self, ptype: str, organization: str, window: tuple[date, date], offset: int) -> Request:
        return Request(
            self.search_url(ptype, organization, window, offset),
            callback=self.parse,
            errback=self.page_failed,
            meta={"sam_key": True},
            cb_kwargs={"ptype": ptype, "organization": organization, "window": window, "offset": offset},
        )

    def parse(self, response: Response, ptype: str, organization: str, window: tuple[date, date], offset: int):
        """One search page: its notices, then the next page while offset + count < totalRecords."""
        url = strip_query_param(response.url, "api_key")
        data = self._parse_json(response)
        if (not isinstance(data, dict) or "totalRecords" not in data and "opportunitiesData" not in data
                or not isinstance(data.get("opportunitiesData") or [], list)):
            yield self.reject(url, "page", self._page_problem(data), response.text)
            return
        records = data.get("opportunitiesData") or []
        total = data.get("totalRecords")
        if offset == 0 and isinstance(total, int):
            self.count_expected(total)  # the API's own total for this query
        fetched_at = datetime.now(UTC)
        for record in records:
            if not isinstance(record, dict):
                yield self.reject(url, "sam_notice", "notice: not a JSON object", json.dumps(record))
                continue
            try:
                if not self._in_scope(record, organization):
                    self.count("out_of_scope")
                    continue
                item = self._item(record, ptype, url, fetched_at)
            except (TypeError, AttributeError, ValueError) as e:  # a field of a type the API never documents
                reason = f"notice: malformed field ({e.__class__.__name__}: {e})"[:300]
                yield self.reject(url, "sam_notice", reason, json.dumps(record, default=str))
                continue
            desc_url = item.get("description_url")
            if desc_url and self._fetch_description(ptype) and self._same_host(desc_url):
                yield Request(
                    desc_url,
                    callback=self.parse_description,
                    errback=self.description_failed,
                    meta={"sam_key": True},
                    cb_kwargs={"item": item},
                    dont_filter=True,
                )
            else:
                yield item
        if not isinstance(total, int):
            if records:
                yield self.reject(url, "page", "totalRecords: missing; paging stopped", response.text[:2000])
            return
        next_offset = offset + len(records)
        if records and next_offset < total:
            yield self._search_request(ptype, organization, window, next_offset)
        elif not records and offset < total:  # the API counts notices it did not send: say so, never silently
            yield self.reject(url, "page", f"totalRecords is {total} but the page at offset {offset} has no "
                               "notices; paging stopped", response.text[:2000])

    def parse_description(self, response: Response, item: SamNoticeItem):
        """The notice's description (JSON {"description": ...} or plain text/HTML), tags removed."""
        item["description_text"] = self._parse_description_text(response)
        yield item

    def description_failed(self, failure):
        """A missing description ("Description not found", 404) does not lose the notice. One that failed after
        every retry (a server error, a timeout) does not either, but its text is lost: it is also a lost page,
        counted and kept as a reject, so the run says `partial` instead of `ok` (tests/test_every_spider.py)."""
        item = failure.request.cb_kwargs["item"]
        self.count("description_failed")
        response = getattr(failure.value, "response", None)
        if response is None or response.status != 404:
            yield from self.page_failed(failure)
        yield item

    # -- fields ---------------------------------------------------------------------------------------

    def _item(self, record: dict, ptype: str, url: str, fetched_at: datetime) -> SamNoticeItem:
        award = record.get("award") if isinstance(record.get("award"), dict) else {}
        awardee = award.get("awardee") if isinstance(award.get("awardee"), dict) else {}
        return SamNoticeItem(
            source=self.source,
            source_url=url,
            fetched_at=fetched_at,
            raw_payload=mask(json.dumps(record, sort_keys=True), self.api_key),
            notice_id=record.get("noticeId"),
            ptype=ptype,
            notice_type=record.get("type"),
            base_type=record.get("baseType"),
            title=record.get("title"),
            solicitation_number=record.get("solicitationNumber"),
            full_parent_path_name=record.get("fullParentPathName"),
            full_parent_path_code=record.get("fullParentPathCode"),
            department=record.get("department"),
            subtier=record.get("subTier") or record.get("subtier"),
            office=record.get("office"),
            organization_type=record.get("organizationType"),
            posted_date=record.get("postedDate"),
            response_deadline=record.get("responseDeadLine") or record.get("reponseDeadLine"),
            archive_type=record.get("archiveType"),
            archive_date=record.get("archiveDate"),
            active=record.get("active"),
            naics_code=record.get("naicsCode"),
            classification_code=record.get("classificationCode"),
            set_aside_code=record.get("typeOfSetAside") or record.get("setAsideCode"),
            set_aside=record.get("typeOfSetAsideDescription") or record.get("setAside"),
            award_number=award.get("number"),
            award_amount=award.get("amount"),
            award_date=award.get("date"),
            awardee_name=awardee.get("name"),
            awardee_uei=awardee.get("ueiSAM"),
            description_url=self._parse_description_url(record),
            # links masked on the item itself, not only in to_record: Scrapy's DEBUG log prints scraped items
            resource_links=[self._masked(u) for u in self._parse_resource_links(record)],
            ui_link=self._masked(record.get("uiLink")),
            additional_info_link=self._masked(record.get("additionalInfoLink")),
        )

    def _masked(self, value: Any) -> Any:
        """A link as sent, with the key stripped and masked should the server have echoed it."""
        return mask(strip_query_param(value, "api_key"), self.api_key) if isinstance(value, str) else value

    def _parse_description_url(self, record: dict) -> str | None:
        """The noticedesc link (v2 returns a URL, not text), without any key."""
        value = record.get("description")
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
            return None
        return strip_query_param(value.strip(), "api_key")

    def _parse_resource_links(self, record: dict) -> list[str]:
        """Attachment download URLs (resourceLinks, a list of strings or null)."""
        links = record.get("resourceLinks")
        if links is None:
            return []
        if isinstance(links, str):
            return [links]
        return [str(u) for u in links if u]

    def _parse_description_text(self, response: Response) -> str | None:
        """Text of a description response; HTML tags removed, entities decoded."""
        body = response.text
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            body = data.get("description") or ""
        # Block-level tags end a line, so paragraphs do not run into each other once tags are removed.
        body = _BLOCK_END.sub("\n", str(body))
        text = replace_entities(remove_tags(body)).strip()
        if not text or text.lower() == "description not found":
            return None
        return mask(text, self.api_key)

    # -- helpers --------------------------------------------------------------------------------------

    @staticmethod
    def _parse_json(response: Response) -> Any:
        try:
            return json.loads(response.text)
        except ValueError:
            return None

    @staticmethod
    def _page_problem(data: Any) -> str:
        if data is None:
            return "page: not JSON"
        if isinstance(data, dict):
            message = data.get("errorMessage") or data.get("error") or data.get("message")
            if isinstance(message, dict):  # {"error": {"code": ..., "message": ...}}
                message = message.get("message") or message.get("code")
            if message:
                return f"page: API error: {str(message)[:200]}"
            return "page: no opportunitiesData list"
        return f"page: JSON {type(data).__name__}, expected an object"

    @staticmethod
    def _in_scope(record: dict, organization: str) -> bool:
        """organizationName also does a general search; keep notices whose path names the organisation."""
        path = record.get("fullParentPathName")
        if not isinstance(path, str) or not path.strip():
            return True
        return organization.upper() in path.upper()

    def _same_host(self, url: str) -> bool:
        """The key is only ever sent to SAM.gov's API host (never to attachment or other hosts)."""
        return urlsplit(url).hostname == urlsplit(self.api_url).hostname

    def reject(self, url: str | None, kind: str, reason: str, payload: Any = None, *, lost: bool = False) -> RejectItem:
        """The base reject, with the key taken out of the URL and masked wherever else it could appear."""
        if payload is not None and not isinstance(payload, str):
            payload = json.dumps(payload, default=str)
        return super().reject(mask(strip_query_param(url, "api_key"), self.api_key), kind,
                              mask(reason, self.api_key), mask(payload, self.api_key), lost=lost)
