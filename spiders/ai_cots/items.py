"""One row of the COTS AI inventory: the item, its validation, and the product list split for matching.

Why the product cell is kept as published and also split: agencies write several products in one cell
("OpenWebUI, Bedrock, Copilot Chat, Ask Hamilton"), sometimes with a trailing comma; the published text is
the record, the split list is what links are made from.
"""

from __future__ import annotations

import re
from typing import Any

from registry.core.parse import ParseError, clean_text
from spiders.items import RegistryItem

HEADERS = ["Agency", "AI Use Case", "Agency Use (Y/N)?", "Name of Commercial Product or Service Used",
           "Estimated # of Licenses/Users"]
USE = {"Y": True, "YES": True, "N": False, "NO": False}


def split_products(text: str | None) -> list[str]:
    """'OpenWebUI, Bedrock; Copilot Chat, ' -> ['OpenWebUI', 'Bedrock', 'Copilot Chat']."""
    return [p.strip() for p in re.split(r"[,;\n]", text or "") if p.strip()]


class AiCotsItem(RegistryItem):
    """One agency's answer for one common AI task of OMB's 2025 COTS list; fields from staging.sql."""

    staging_table = "stg_ai_cots"
    kind = "ai_cots"
    derived = ("product_names",)
    custom = ("agency_use",)  # Y | N | blank (not answered) -> true | false | NULL

    def finish(self, rec: dict[str, Any]) -> None:
        answer = (clean_text(self.get("agency_use")) or "").upper()
        if answer and answer not in USE:
            raise ParseError(f"agency_use: not Y or N: {answer[:20]!r}")
        rec["agency_use"] = USE.get(answer)
        rec["product_names"] = split_products(rec["products"])
