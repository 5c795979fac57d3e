"""`federal_register`: Privacy Act notices (SORNs) and privacy rules of DHS, DOJ and their components.

Source format: Federal Register API v1, GET /api/v1/documents.json with `conditions[...]`, `fields[]`,
`per_page` (<= 1000) and `order`; the response is `{count, description, total_pages, next_page_url,
results}` and every further page is followed through `next_page_url` (re-based on the configured
FEDERAL_REGISTER_API_URL). No key is needed.

The server-side conditions (agencies, term "Privacy Act", document types) narrow the search; the spider
also checks each result itself (a DHS/DOJ agency or component, and a Privacy Act subject), so a broad or
recorded page yields only what the registry is about; the others are counted as out of scope.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from scrapy.http import Request, Response

from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.federal_register.items import FederalRegisterDocumentItem
from spiders.items import RejectItem

DEFAULT_API_URL = "https://www.federalregister.gov/api/v1"
DEPARTMENTS = ["homeland-security-department", "justice-department"]
# Federal Register agency ids of the two departments (parent_id of their components in the API's agency objects).
DEPARTMENT_IDS = {227: "homeland-security-department", 268: "justice-department"}
FIELDS = ["abstract", "action", "agencies", "agency_names", "body_html_url", "citation", "comments_close_on",
          "dates", "docket_ids", "document_number", "effective_on", "html_url", "json_url", "pdf_url",
          "publication_date", "raw_text_url", "title", "type"]
DOC_TYPES = ["NOTICE", "RULE", "PRORULE"]
PRIVACY_WORDS = ("privacy act", "system of records", "systems of records")


def in_scope(doc: dict) -> bool:
    """A DHS or DOJ document (or a component's) whose subject is the Privacy Act."""
    agencies = doc.get("agencies") or []
    ours = any(isinstance(a, dict) and (a.get("slug") in DEPARTMENTS or a.get("parent_id") in DEPARTMENT_IDS
                                        or a.get("id") in DEPARTMENT_IDS) for a in agencies)
    text = f"{doc.get('title') or ''} {doc.get('action') or ''}".lower()
    return ours and any(w in text for w in PRIVACY_WORDS)


class FederalRegisterSpider(RegistrySpider):
    """Documents search for each department, every page via next_page_url."""

    name = "federal_register"
    base_url_setting = "FEDERAL_REGISTER_API_URL"
    default_base_url = DEFAULT_API_URL
    default_since = date(2015, 1, 1)
    max_reject_reason, max_reject_payload = 500, 100_000

    def __init__(self, since: str | date | None = None, until: str | date | None = None,
                 agencies: str | list[str] | None = None, api_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(since=since, until=until, api_url=api_url, **kwargs)
        self.agencies = as_list(agencies, ",;") or list(DEPARTMENTS)
        self.scope = {"since": self.since.isoformat(), "until": self.until and self.until.isoformat(),
                      "agencies": self.agencies}

    @property
    def api_url(self) -> str:
        return self.base_url.rstrip("/")

    def search_url(self, agency: str) -> str:
        """The documented documents search, one department (its components are included by the API)."""
        params: list[tuple[str, str]] = [("conditions[agencies][]", agency), ("conditions[term]", '"Privacy Act"')]
        params += [("conditions[type][]", t) for t in DOC_TYPES]
        params.append(("conditions[publication_date][gte]", self.since.isoformat()))
        if self.until:
            params.append(("conditions[publication_date][lte]", self.until.isoformat()))
        params += [("fields[]", f) for f in FIELDS]
        params += [("per_page", "1000"), ("order", "oldest")]
        return f"{self.api_url}/documents.json?{urlencode(params)}"

    async def start(self) -> AsyncIterator[Request]:
        for agency in self.agencies:
            yield Request(self.search_url(agency), callback=self.parse, errback=self.page_failed,
                          cb_kwargs={"first": True})

    def parse(self, response: Response, first: bool = False) -> Iterator[FederalRegisterDocumentItem | RejectItem | Request]:
        """One results page: its in-scope documents, then next_page_url."""
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError) as e:
            yield self.reject(response.url, "page", f"page: not JSON ({e.__class__.__name__})",
                               getattr(response, "text", None))
            return
        if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
            yield self.reject(response.url, "page", "page: no results list", response.text)
            return
        if first and isinstance(data.get("count"), int):
            self.count_expected(data["count"])  # the API's own total for this department's search
        fetched_at = datetime.now(UTC)
        for doc in data.get("results") or []:
            if not isinstance(doc, dict):
                yield self.reject(response.url, "fr_document", "document: not a JSON object", json.dumps(doc))
                continue
            try:
                if not in_scope(doc):
                    self.count("out_of_scope")
                    continue
                item = FederalRegisterDocumentItem(
                    source=self.source, source_url=response.url, fetched_at=fetched_at,
                    raw_payload=json.dumps(doc, sort_keys=True, default=str), agencies=doc.get("agencies"),
                    **{k: doc.get(k) for k in FederalRegisterDocumentItem.fields
                       if k in doc and k not in {"agencies", "source", "source_url", "fetched_at", "raw_payload"}},
                )
            except (TypeError, AttributeError, ValueError) as e:  # a field of a type the API never documents
                reason = f"document: malformed field ({e.__class__.__name__}: {e})"[:300]
                yield self.reject(response.url, "fr_document", reason, json.dumps(doc, default=str))
                continue
            yield item
        nxt = data.get("next_page_url")
        if nxt:
            target = self.next_page(response, nxt, self._rebase, "next_page_url")
            yield target if isinstance(target, RejectItem) else Request(target, callback=self.parse,
                                                                        errback=self.page_failed)

    def _rebase(self, url: str) -> str:
        """next_page_url points at www.federalregister.gov; keep the configured host (a mirror, a test server)."""
        base, nxt = urlsplit(self.api_url), urlsplit(url)
        path = nxt.path
        if not path.endswith(".json") and path.rstrip("/").endswith("/documents"):
            path = path.rstrip("/") + ".json"
        prefix = base.path.rstrip("/")
        if "/api/v1" in path:
            path = prefix + path.split("/api/v1", 1)[1]
        return urlunsplit((base.scheme, base.netloc, path, nxt.query, ""))
