"""Lobbying Disclosure Act filings: the item, its validation, its staging key.

Why the nested activities are kept as JSON rather than split into rows here: a filing is immutable
under its uuid (an amendment is a new filing), so the filing row is the unit of merge; the build unnests
issues, agencies contacted and lobbyists from it, and a re-crawl can never leave orphan child rows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import scrapy

from registry.core.parse import ParseError, clean_text, parse_date, parse_int, parse_money
from spiders.items import RegistryItem

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def parse_timestamp(value: Any, field: str) -> datetime | None:
    """ISO 8601 with offset ('2024-01-02T10:13:41-05:00', '...Z') as an aware UTC datetime."""
    s = clean_text(value)
    if s is None:
        return None
    try:
        ts = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(f"{field}: not a timestamp: {s[:40]!r}") from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC)


LDA_TEXT_FIELDS = [
    "filing_type", "filing_type_display", "filing_period", "filing_period_display", "registrant_name",
    "registrant_description", "client_name", "client_description", "client_state", "client_country",
    "filing_document_url", "api_url", "matched_query",
]


class LdaFilingItem(RegistryItem):
    """One filing from /api/v1/filings/ (registration, quarterly report, amendment, termination)."""

    staging_table = "stg_lda_filings"
    kind = "lda_filing"

    filing_uuid = scrapy.Field()
    filing_year = scrapy.Field()
    income = scrapy.Field()
    expenses = scrapy.Field()
    dt_posted = scrapy.Field()
    termination_date = scrapy.Field()
    registrant_id = scrapy.Field()
    client_id = scrapy.Field()
    lobbying_activities = scrapy.Field()
    locals().update({f: scrapy.Field() for f in LDA_TEXT_FIELDS})

    def to_record(self) -> dict[str, Any]:
        uuid = clean_text(self.get("filing_uuid"))
        if not uuid:
            raise ParseError("filing_uuid: missing")
        if not _UUID.match(uuid):
            raise ParseError(f"filing_uuid: not a UUID: {uuid[:40]!r}")
        rec: dict[str, Any] = {"filing_uuid": uuid.lower(), **self.provenance()}
        for f in LDA_TEXT_FIELDS:
            rec[f] = clean_text(self.get(f))
        year = parse_int(self.get("filing_year"), "filing_year")
        if year is None or not 1995 <= year <= 2100:
            raise ParseError(f"filing_year: missing or implausible: {self.get('filing_year')!r}")
        rec["filing_year"] = year
        rec["income"] = parse_money(self.get("income"), "income")
        rec["expenses"] = parse_money(self.get("expenses"), "expenses")
        rec["dt_posted"] = parse_timestamp(self.get("dt_posted"), "dt_posted")
        rec["termination_date"] = parse_date(self.get("termination_date"), "termination_date")
        rec["registrant_id"] = parse_int(self.get("registrant_id"), "registrant.id")
        rec["client_id"] = parse_int(self.get("client_id"), "client.id")
        activities = self.get("lobbying_activities")
        if activities is None:
            activities = []
        if not isinstance(activities, list) or not all(isinstance(a, dict) for a in activities):
            raise ParseError("lobbying_activities: not a list of objects")
        rec["lobbying_activities"] = json.dumps(activities, sort_keys=True)
        return self.with_payload_hash(rec)
