"""`lda`: Lobbying Disclosure Act filings naming the watchlist vendors, as client or as registrant.

Source format: the LDA REST API v1 (OpenAPI "Lobbying Disclosure", Senate Office of Public Records; the
unified lda.gov API serves the same schema since lda.senate.gov was retired in mid-2026):
GET /api/v1/filings/?client_name=...|registrant_name=...&filing_year=...&page_size=25, paged JSON
{count, next, previous, results}; each filing has filing_uuid, filing_type, filing_year, filing_period,
income, expenses, dt_posted, registrant{id,name}, client{id,name,general_description},
lobbying_activities[{general_issue_code, description, government_entities[{id,name}], lobbyists}],
filing_document_url. An optional key goes in the `Authorization: Token <key>` header (120 requests/minute
instead of 15 for anonymous clients); it comes only from LDA_API_KEY and is masked in logs.

The sources share no identifier with contracts: the build links a filing's client (or registrant) to a
vendor by name, with the match confidence shown (spiders/lda/build.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import yaml
from scrapy.http import Request, Response

from registry.core import paths
from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.items import RejectItem
from spiders.keys import install_log_redaction
from spiders.lda.items import LdaFilingItem

DEFAULT_API_URL = "https://lda.gov/api/v1/filings/"
KEY_ENV = "LDA_API_KEY"
PAGE_SIZE = 25  # the documented maximum
ROLES = ("client", "registrant")


def watchlist_vendor_names(path: Path | None = None) -> list[str]:
    """Vendor names to query, from data/watchlist.yaml when it exists (empty list otherwise).

    Accepts a list of names or of mappings under `vendors`; a mapping may give `lda_names` (the spellings
    lobbying filings use) and otherwise `name` / `display_name`.
    """
    path = path or paths.DATA_DIR / "watchlist.yaml"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    entries = data.get("vendors", []) if isinstance(data, dict) else data
    names: list[str] = []
    for entry in entries or []:
        if isinstance(entry, str):
            candidates = [entry]
        elif isinstance(entry, dict):
            candidates = entry.get("lda_names") or [entry.get("name") or entry.get("display_name")]
        else:
            continue
        for name in candidates:
            if name and str(name).strip() and str(name).strip() not in names:
                names.append(str(name).strip())
    return names


class LdaFilingsSpider(RegistrySpider):
    """Filings where a watchlist vendor is the client or the registrant, all pages, optionally by year."""

    name = "lda"
    base_url_setting = "LDA_API_URL"
    default_base_url = DEFAULT_API_URL

    def __init__(
        self,
        vendors: str | list[str] | None = None,
        roles: str | list[str] | None = None,
        years: str | list[int] | None = None,
        api_url: str | None = None,
        max_pages: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(api_url=api_url, **kwargs)
        self.vendors = as_list(vendors, "|") or watchlist_vendor_names()
        self.roles = as_list(roles, "|,") or list(ROLES)
        bad = [r for r in self.roles if r not in ROLES]
        if bad:
            raise ValueError(f"roles must be among {ROLES}, not {bad}")
        self.years = [int(y) for y in as_list(years, "|,")] or [None]
        self.max_pages = int(max_pages) if max_pages else None
        self.api_key = os.environ.get(KEY_ENV) or None
        install_log_redaction(self.api_key)
        self.scope = {"vendors": self.vendors, "roles": self.roles, "years": [y for y in self.years if y]}
        # Anonymous clients get 15 requests/minute, keyed clients 120 (documented throttles).
        self.download_delay = 0.5 if self.api_key else 4.0

    @property
    def api_url(self) -> str:
        return self.base_url

    def query_url(self, role: str, vendor: str, year: int | None) -> str:
        params: dict[str, str] = {f"{role}_name": vendor, "page_size": str(PAGE_SIZE)}
        if year:
            params["filing_year"] = str(year)
        return f"{self.api_url}?{urlencode(params)}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Token {self.api_key}"
        return headers

    async def start(self) -> AsyncIterator[Request]:
        if not self.vendors:
            self.logger.error("no vendors to query: pass -a vendors='Name|Name' or add data/watchlist.yaml")
            return
        for vendor in self.vendors:
            for role in self.roles:
                for year in self.years:
                    yield self._request(self.query_url(role, vendor, year), f"{role}_name={vendor}", 1)

    def _request(self, url: str, matched_query: str, page: int) -> Request:
        return Request(url, headers=self._headers(), callback=self.parse, errback=self.page_failed,
                       cb_kwargs={"matched_query": matched_query, "page": page})

    def parse(self, response: Response, matched_query: str, page: int = 1):
        """One page of filings, then `next` (rebased onto the configured API URL) while there is one."""
        try:
            data = json.loads(response.text)
        except ValueError:
            yield self.reject(response.url, "page", "page: not JSON", response.text[:5000])
            return
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            reason = "page: no results list"
            if isinstance(data, dict) and data.get("detail"):
                reason = f"page: API error: {str(data['detail'])[:200]}"
            yield self.reject(response.url, "page", reason, response.text[:5000])
            return
        if page == 1 and isinstance(data.get("count"), int):
            self.count_expected(data["count"])  # the API's own total for this query
        fetched_at = datetime.now(UTC)
        for filing in data["results"]:
            if not isinstance(filing, dict):
                yield self.reject(response.url, "lda_filing", "filing: not a JSON object", json.dumps(filing))
                continue
            yield self._item(filing, response.url, fetched_at, matched_query)
        next_url = data.get("next")
        if next_url and data["results"] and (self.max_pages is None or page < self.max_pages):
            target = self.next_page(response, next_url, self._rebase, "next link", "next")
            yield target if isinstance(target, RejectItem) else self._request(target, matched_query, page + 1)

    # -- fields ---------------------------------------------------------------------------------------

    def _item(self, filing: dict, url: str, fetched_at: datetime, matched_query: str) -> LdaFilingItem:
        registrant = filing.get("registrant") if isinstance(filing.get("registrant"), dict) else {}
        client = filing.get("client") if isinstance(filing.get("client"), dict) else {}
        return LdaFilingItem(
            source=self.source,
            source_url=url,
            fetched_at=fetched_at,
            raw_payload=json.dumps(filing, sort_keys=True),
            filing_uuid=filing.get("filing_uuid"),
            filing_type=filing.get("filing_type"),
            filing_type_display=filing.get("filing_type_display"),
            filing_year=filing.get("filing_year"),
            filing_period=filing.get("filing_period"),
            filing_period_display=filing.get("filing_period_display"),
            income=filing.get("income"),
            expenses=filing.get("expenses"),
            dt_posted=filing.get("dt_posted"),
            termination_date=filing.get("termination_date"),
            registrant_id=registrant.get("id"),
            registrant_name=registrant.get("name"),
            registrant_description=registrant.get("description"),
            client_id=client.get("id"),
            client_name=client.get("name"),
            client_description=client.get("general_description"),
            client_state=client.get("state"),
            client_country=client.get("country"),
            filing_document_url=filing.get("filing_document_url"),
            api_url=filing.get("url"),
            matched_query=matched_query,
            lobbying_activities=filing.get("lobbying_activities"),
        )

    def _rebase(self, href: str) -> str:
        """The `next` link's query on the configured API URL (so mirrors and tests stay on their host)."""
        query = urlsplit(href).query
        return f"{self.api_url}?{query}" if query else href
