"""One row of the COTS AI inventory: the item, its validation, and the product list split for matching.

Why the product cell is kept as published and also split: agencies write several products in one cell
("OpenWebUI, Bedrock, Copilot Chat, Ask Hamilton"), sometimes with a trailing comma; the published text is
the record, the split list is what links are made from.
"""

from __future__ import annotations

import re
from typing import Any

import scrapy

from registry.core.parse import ParseError, clean_text
from spiders.items import RegistryItem

HEADERS = ["Agency", "AI Use Case", "Agency Use (Y/N)?", "Name of Commercial Product or Service Used",
           "Estimated # of Licenses/Users"]
USE = {"Y": True, "YES": True, "N": False, "NO": False}


def split_products(text: str | None) -> list[str]:
    """'OpenWebUI, Bedrock; Copilot Chat, ' -> ['OpenWebUI', 'Bedrock', 'Copilot Chat']."""
    return [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]


class AiCotsItem(RegistryItem):
    """One agency's answer for one common AI task of OMB's 2025 COTS list."""

    staging_table = "stg_ai_cots"
    kind = "ai_cots"

    source_line = scrapy.Field()  # line of the CSV (header = 1)
    agency = scrapy.Field()
    use_case = scrapy.Field()
    agency_use = scrapy.Field()   # Y | N | blank (not answered)
    products = scrapy.Field()
    licenses = scrapy.Field()     # a range as published: '1-100', '10,000-50,000', '50,000+'

    def to_record(self) -> dict[str, Any]:
        agency, use_case = clean_text(self.get("agency")), clean_text(self.get("use_case"))
        if not agency:
            raise ParseError("agency: missing")
        if not use_case:
            raise ParseError("use_case: missing")
        answer = (clean_text(self.get("agency_use")) or "").upper()
        if answer and answer not in USE:
            raise ParseError(f"agency_use: not Y or N: {answer[:20]!r}")
        rec: dict[str, Any] = {"agency": agency, "use_case": use_case, **self.provenance()}
        rec["source_line"] = int(self.get("source_line") or 0) or None
        rec["agency_use"] = USE.get(answer)
        rec["products"] = clean_text(self.get("products"))
        rec["product_names"] = split_products(rec["products"])
        rec["licenses"] = clean_text(self.get("licenses"))
        return self.with_payload_hash(rec)
