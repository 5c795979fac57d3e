"""`ai_inventory`: the federal AI use-case inventories (OMB's consolidated CSVs for 2023, 2024, 2025).

Source format: one CSV per inventory year, published whole (no API, no paging). Each year has its own
header names (spiders/ai_inventory/items.py maps them); the file is recognised by its headers. The download URLs
are the setting AI_INVENTORY_URLS (year -> URL) so a test or a mirror can serve them; the defaults are
the pinned public copies documented in docs/sources.md.

The same row reader feeds the offline loader (`registry load ai-inventory-csv FILE…`, the bundled sample),
so a downloaded file and a crawled one become identical staging rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

from scrapy.http import Request, Response

from spiders.ai_inventory.items import AiUseCaseItem, derived_id, detect_year, map_row
from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.items import RejectItem

# Where each year's consolidated inventory is published (pinned commits; see docs/sources.md).
DEFAULT_URLS: dict[str, str] = {
    "2025": "https://raw.githubusercontent.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/"
            "62329235dc3847672bc4fdc7bf64d850a2d6d0fe/Data/2025_individually_reported_AI_use_cases.csv",
    "2024": "https://raw.githubusercontent.com/triphora/2025-Federal-Agency-AI-Use-Case-Inventory/"
            "79cefbb9034a7a86b00195b8d0e654ea582a6c1b/data/clean/2024_consolidated_ai_inventory_raw_v2.csv",
    "2023": "https://raw.githubusercontent.com/triphora/2025-Federal-Agency-AI-Use-Case-Inventory/"
            "79cefbb9034a7a86b00195b8d0e654ea582a6c1b/data/clean/2023_consolidated_ai_inventory_raw.csv",
}
SOURCE = "ai_inventory"


def rows_to_items(text: str, source_url: str, fetched_at: datetime,
                  agencies: set[str] | None = None) -> Iterator[AiUseCaseItem | RejectItem]:
    """Every row of one inventory CSV as an item (or the whole file as one reject when it is not one).

    `agencies` keeps only rows of those department abbreviations (e.g. {'DHS', 'DOJ'}); None keeps all.
    Ids repeated inside one file get a '~2', '~3' suffix so no row silently replaces another; a row identical
    to an earlier one (every cell the same) is the same use case: a reject naming the first (100k copies were once
    100k use cases).
    Cells may be long (a 200 KB description once ended the file at Python's 128 KB default, with every later
    row lost behind one reject): the reader takes cells up to CELL_LIMIT.
    """
    csv.field_size_limit(max(csv.field_size_limit(), CELL_LIMIT))
    text = text.lstrip("\ufeff")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        headers = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as e:
        yield _reject(source_url, f"file: not a CSV ({e})", text)
        return
    year = detect_year(headers)
    if year is None:
        yield _reject(source_url, f"file: headers match no known inventory year (first headers: "
                                  f"{', '.join(headers[:5])[:200]})", text)
        return
    reader.fieldnames = headers
    seen: dict[str, int] = {}
    rows_seen: dict[str, int] = {}  # a row's cells (as JSON) -> its first row number
    try:
        for n, row in enumerate(reader, start=1):
            if None in row:  # more cells than headers: the row is broken, keep it as a reject
                yield _reject(source_url, f"row {n}: {len(row[None])} cells more than headers",
                              json.dumps(row, default=str), kind="ai_use_case")
                continue
            raw = json.dumps(row, ensure_ascii=False)
            if raw in rows_seen:  # the same row again: one use case, counted once; the copy is a reject
                yield _reject(source_url, f"row {n}: identical to row {rows_seen[raw]} (one use case, counted once)",
                              raw, kind="ai_use_case")
                continue
            rows_seen[raw] = n
            fields = map_row(year, headers, row)
            if agencies is not None and (fields.get("agency") or "").strip().upper() not in agencies:
                continue
            item = AiUseCaseItem(source=SOURCE, source_url=source_url, fetched_at=fetched_at,
                                 raw_payload=raw, source_row=n, **fields)
            given = (fields.get("use_case_id") or "").strip()
            name = (fields.get("use_case_name") or "").strip()
            uid = given or (derived_id(year, (fields.get("agency") or "").strip().upper() or None,
                                       (fields.get("bureau") or "").strip() or None, name) if name else "")
            if uid:
                seen[uid] = seen.get(uid, 0) + 1
                item["use_case_id"] = uid if seen[uid] == 1 else f"{uid}~{seen[uid]}"
                item["use_case_id_derived"] = not given
            yield item
    except csv.Error as e:
        yield _reject(source_url, f"file: CSV broken after row {len(seen)} ({e})", None)


CELL_LIMIT = 64 * 2**20  # bytes per CSV cell: far above any real description, far below memory trouble


def _reject(url: str, reason: str, raw: str | None, kind: str = "ai_inventory_file") -> RejectItem:
    return RejectItem(source=SOURCE, source_url=url, kind=kind, reason=reason[:500],
                      raw_payload=None if raw is None else raw[:100_000])


class AiInventorySpider(RegistrySpider):
    """Downloads each configured inventory year and yields one item per use case."""

    name = SOURCE
    max_reject_reason, max_reject_payload = 500, 100_000

    def __init__(self, years: str | list[str] | None = None, agencies: str | list[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.years = as_list(years, ",;") or None
        self.agencies = {a.upper() for a in as_list(agencies, ",;")} or None
        self.scope = {"years": self.years, "agencies": sorted(self.agencies) if self.agencies else None}

    @classmethod
    def preflight_url(cls, settings, api_url: str | None = None) -> str:
        """The first inventory URL, for the crawl runner's reachability check before any request."""
        configured = settings.get("AI_INVENTORY_URLS")
        if isinstance(configured, str):
            configured = json.loads(configured)
        return next(iter((configured or DEFAULT_URLS).values()))

    @property
    def urls(self) -> dict[str, str]:
        """Setting AI_INVENTORY_URLS (year -> URL) over the defaults."""
        configured = self.settings.get("AI_INVENTORY_URLS") if hasattr(self, "settings") else None
        if isinstance(configured, str):
            configured = json.loads(configured)
        urls = {str(k): v for k, v in (configured or DEFAULT_URLS).items()}
        return {y: u for y, u in sorted(urls.items()) if not self.years or y in self.years}

    async def start(self) -> AsyncIterator[Request]:
        for year, url in self.urls.items():
            yield Request(url, callback=self.parse, errback=self.page_failed, cb_kwargs={"year": year})

    def parse(self, response: Response, year: str) -> Iterator[AiUseCaseItem | RejectItem]:
        """One inventory file: every row an item; a file of another year than asked is still read by its headers."""
        try:
            text = response.text
        except AttributeError:  # a binary response (e.g. a zip or an image) is not an inventory
            yield _reject(response.url, "file: not text", None)
            return
        yield from rows_to_items(text, response.url, datetime.now(UTC), self.agencies)
