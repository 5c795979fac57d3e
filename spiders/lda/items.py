"""Lobbying Disclosure Act filings: the item, its validation, its staging key.

Why the nested activities are kept as JSON rather than split into rows here: a filing is immutable
under its uuid (an amendment is a new filing), so the filing row is the unit of merge; the build unnests
issues, agencies contacted and lobbyists from it, and a re-crawl can never leave orphan child rows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from registry.core.parse import ParseError, clean_text
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


class LdaFilingItem(RegistryItem):
    """One filing from /api/v1/filings/ (registration, quarterly report, amendment, termination); fields from
    staging.sql."""

    staging_table = "stg_lda_filings"
    kind = "lda_filing"
    custom = ("dt_posted", "lobbying_activities")
    labels: ClassVar[dict[str, str]] = {"registrant_id": "registrant.id", "client_id": "client.id"}

    def check(self, rec: dict[str, Any]) -> None:
        if not _UUID.match(rec["filing_uuid"]):
            raise ParseError(f"filing_uuid: not a UUID: {rec['filing_uuid'][:40]!r}")
        rec["filing_uuid"] = rec["filing_uuid"].lower()

    def finish(self, rec: dict[str, Any]) -> None:
        if rec["filing_year"] is None or not 1995 <= rec["filing_year"] <= 2100:
            raise ParseError(f"filing_year: missing or implausible: {self.get('filing_year')!r}")
        rec["dt_posted"] = parse_timestamp(self.get("dt_posted"), "dt_posted")
        activities = self.get("lobbying_activities")
        if activities is None:
            activities = []
        if not isinstance(activities, list) or not all(isinstance(a, dict) for a in activities):
            raise ParseError("lobbying_activities: not a list of objects")
        rec["lobbying_activities"] = json.dumps(activities, sort_keys=True)
