"""SAM.gov contract-opportunity notices (J&A and award notices): the item, its validation, its staging key.

Why the PIID is normalised here: notices type award numbers by hand ("70CTD0-22-FR-0000170",
"70ctd022fr0000170 "); the registry links a notice to an award by PIID, so the comparable form is made
once, next to the schema, and the number as typed is kept beside it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import scrapy

from registry.core.parse import ParseError, clean_text, parse_date, parse_money
from spiders.items import RegistryItem
from spiders.keys import mask, strip_query_param

_NOTICE_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")
# FAR and U.S. Code citations as J&A notices quote them: "FAR 6.302-2", "FAR 16.505(b)(2)(i)(A)",
# "FAR Subpart 8.4", "41 U.S.C. 3304(a)(1)", "10 USC § 3204(a)(2)".
_AUTHORITY = re.compile(
    r"\bFAR\s+(?:(?:Sub)?[Pp]art\s+)?\d{1,2}\.\d{1,4}(?:-\d+)?(?:\([a-zA-Z0-9]{1,4}\))*"
    r"|\b\d{1,2}\s*U\.?\s?S\.?\s?C\.?\s*(?:§+\s*)?\d{3,5}(?:\([a-zA-Z0-9]{1,4}\))*"
)
# PIID-shaped tokens: 10-20 letters/digits (dashes allowed inside), with letters and at least 4 digits.
_PIID_TOKEN = re.compile(r"\b[A-Z0-9][A-Z0-9-]{8,24}[A-Z0-9]\b")


def normalise_piid(value: Any) -> str | None:
    """Upper case, spaces and dashes removed: the form awards and notices are compared in."""
    s = clean_text(value)
    if not s:
        return None
    s = re.sub(r"[\s-]+", "", s.upper())
    return s or None


def authorities_cited(*texts: str | None) -> str | None:
    """FAR / U.S.C. citations found in the texts, in order of first appearance, joined by '; '."""
    seen: list[str] = []
    for text in texts:
        for m in _AUTHORITY.finditer(text or ""):
            cite = re.sub(r"\s+", " ", m.group(0)).strip()
            if cite not in seen:
                seen.append(cite)
    return "; ".join(seen) or None


def piids_in_text(*texts: str | None) -> list[str]:
    """Normalised PIID-shaped tokens in the texts (candidates only: linking keeps those that match an award)."""
    found: list[str] = []
    for text in texts:
        for m in _PIID_TOKEN.finditer((text or "").upper()):
            token = m.group(0).replace("-", "")
            letters = sum(c.isalpha() for c in token)
            digits = sum(c.isdigit() for c in token)
            if 10 <= len(token) <= 20 and letters >= 2 and digits >= 4 and token not in found:
                found.append(token)
    return found


def _null(value: Any) -> Any:
    """The API writes absent values as null and sometimes as the string 'null'."""
    if isinstance(value, str) and value.strip().lower() in {"null", "none", ""}:
        return None
    return value


SAM_TEXT_FIELDS = [
    "ptype", "notice_type", "base_type", "title", "solicitation_number", "full_parent_path_name",
    "full_parent_path_code", "department", "subtier", "office", "organization_type", "response_deadline",
    "archive_type", "naics_code", "classification_code", "set_aside_code", "set_aside", "award_number",
    "awardee_name", "awardee_uei", "description_text",
]
SAM_URL_FIELDS = ["description_url", "ui_link", "additional_info_link"]


class SamNoticeItem(RegistryItem):
    """One notice from /opportunities/v2/search, optionally with its description text."""

    staging_table = "stg_sam_notices"
    kind = "sam_notice"

    notice_id = scrapy.Field()
    posted_date = scrapy.Field()
    archive_date = scrapy.Field()
    active = scrapy.Field()
    award_amount = scrapy.Field()
    award_date = scrapy.Field()
    resource_links = scrapy.Field()
    locals().update({f: scrapy.Field() for f in SAM_TEXT_FIELDS + SAM_URL_FIELDS})

    def to_record(self) -> dict[str, Any]:
        notice_id = clean_text(self.get("notice_id"))
        if not notice_id:
            raise ParseError("noticeId: missing")
        if not _NOTICE_ID.match(notice_id):
            raise ParseError(f"noticeId: not a notice id: {notice_id[:40]!r}")
        secret = os.environ.get("SAM_API_KEY")
        rec: dict[str, Any] = {"notice_id": notice_id, **self.provenance()}
        rec["source_url"] = mask(strip_query_param(rec["source_url"], "api_key"), secret)
        for f in SAM_TEXT_FIELDS:
            rec[f] = mask(clean_text(_null(self.get(f))), secret)
        for f in SAM_URL_FIELDS:
            rec[f] = mask(strip_query_param(clean_text(_null(self.get(f))), "api_key"), secret)
        rec["posted_date"] = parse_date(_null(self.get("posted_date")), "postedDate", required=True)
        rec["archive_date"] = parse_date(_null(self.get("archive_date")), "archiveDate")
        rec["award_date"] = parse_date(_null(self.get("award_date")), "award.date")
        rec["award_amount"] = parse_money(_null(self.get("award_amount")), "award.amount")
        active = clean_text(_null(self.get("active")))
        rec["active"] = None if active is None else active.lower() in {"yes", "true", "y"}
        rec["award_piid"] = normalise_piid(rec["award_number"])
        rec["authority_cited"] = authorities_cited(rec["title"], rec["description_text"])
        rec["piids_in_text"] = json.dumps(piids_in_text(rec["title"], rec["description_text"]))
        links = self.get("resource_links") or []
        if not isinstance(links, list):
            raise ParseError(f"resourceLinks: not a list: {str(links)[:40]!r}")
        rec["resource_links"] = json.dumps(
            [mask(strip_query_param(str(u), "api_key"), secret) for u in links if clean_text(u)]
        )
        rec["raw_payload"] = mask(self.payload_text(rec.get("raw_payload")), secret)
        return self.with_payload_hash(rec)
