"""`ai_cots`: OMB's 2025 consolidated COTS AI use cases — which agency uses which commercial AI product.

Source format: one CSV published whole in OMB's inventory repository (no API, no paging), header
`Agency, AI Use Case, Agency Use (Y/N)?, Name of Commercial Product or Service Used, Estimated # of
Licenses/Users`, UTF-8 with a byte-order mark. Each agency answers the same 20 common tasks OMB listed
(drafting, transcription, facial-recognition unlock...), Y or N, naming the products it uses for each.

The download URL is the setting AI_COTS_URL (default: the file at the commit pinned in the README), so a
mirror or a test server can serve it. The file's own row count is the run's expected total.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

from scrapy.http import Request, Response

from spiders.ai_cots.items import HEADERS, AiCotsItem
from spiders.base import RegistrySpider
from spiders.items import RejectItem

DEFAULT_URL = ("https://raw.githubusercontent.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/"
               "62329235dc3847672bc4fdc7bf64d850a2d6d0fe/Data/2025_consolidated_COTS_AI_use_cases.csv")


class AiCotsSpider(RegistrySpider):
    """One request: the whole CSV; every row an item (or a reject with its reason)."""

    name = "ai_cots"
    base_url_setting = "AI_COTS_URL"
    default_base_url = DEFAULT_URL

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.base_url, callback=self.parse, errback=self.page_failed, meta={"kind": "file"})

    def parse(self, response: Response) -> Iterator[AiCotsItem | RejectItem]:
        """The file: check it is the COTS inventory by its header, then one item per row."""
        try:
            text = response.text.lstrip("\ufeff")
        except AttributeError:  # a binary body (Scrapy gives text only to text responses)
            yield self.reject(response.url, "file", "file: not text", None)
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip() for h in next(reader, [])]
        if header != HEADERS:
            yield self.reject(response.url, "file", f"file: not the COTS AI inventory (header {header[:6]!r})",
                              text[:2000])
            return
        rows = list(reader)
        self.count_expected(sum(1 for r in rows if any(c.strip() for c in r)))  # the file's own count
        fetched_at = datetime.now(UTC)
        seen: dict[tuple[str, str], int] = {}
        for line, row in enumerate(rows, start=2):
            if not any(c.strip() for c in row):
                continue
            payload = json.dumps(dict(zip(HEADERS, row, strict=False)) | {"_line": line}, ensure_ascii=False)
            if len(row) != len(HEADERS):
                yield self.reject(response.url, "ai_cots", f"line {line}: {len(row)} cells, not {len(HEADERS)}",
                                  payload)
                continue
            key = (row[0].strip().lower(), row[1].strip().lower())
            if key in seen:  # one answer per agency and task: a second one is not silently merged away
                yield self.reject(response.url, "ai_cots", f"line {line}: agency and use case repeat line "
                                  f"{seen[key]}", payload)
                continue
            seen[key] = line
            yield AiCotsItem(source=self.source, source_url=response.url, fetched_at=fetched_at,
                             raw_payload=payload, source_line=line, agency=row[0], use_case=row[1],
                             agency_use=row[2], products=row[3], licenses=row[4])
