"""SAM.gov contract-opportunity notices (J&A and award notices): the item, its validation, its staging key.

Why the PIID is normalised here: notices type award numbers by hand ("70CTD0-22-FR-0000170",
"70ctd022fr0000170 "); the registry links a notice to an award by PIID, so the comparable form is made
once, next to the schema, and the number as typed is kept beside it.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, ClassVar

from registry.core.parse import ParseError, clean_text
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


URL_COLUMNS = ("description_url", "ui_link", "additional_info_link")  # stored without the API key


class SamNoticeItem(RegistryItem):
    """One notice from /opportunities/v2/search, optionally with its description text; fields from staging.sql.

    Every text is masked with the API key (SAM.gov echoes it in links and sometimes in text)."""

    staging_table = "stg_sam_notices"
    kind = "sam_notice"
    derived = ("award_piid", "authority_cited", "piids_in_text")
    custom = ("active", "resource_links", *URL_COLUMNS)
    labels: ClassVar[dict[str, str]] = {"notice_id": "noticeId", "posted_date": "postedDate",
                                        "archive_date": "archiveDate", "award_date": "award.date",
                                        "award_amount": "award.amount"}
    required = ("posted_date",)

    def raw(self, name: str) -> Any:
        return _null(self._values.get(name))

    def check(self, rec: dict[str, Any]) -> None:
        if not _NOTICE_ID.match(rec["notice_id"]):
            raise ParseError(f"noticeId: not a notice id: {rec['notice_id'][:40]!r}")

    def finish(self, rec: dict[str, Any]) -> None:
        secret = os.environ.get("SAM_API_KEY")
        rec["source_url"] = mask(strip_query_param(rec["source_url"], "api_key"), secret)
        for f in self.plan.texts:
            if f != "notice_id":  # checked against _NOTICE_ID: it cannot hold a key
                rec[f] = mask(rec[f], secret)
        for f in URL_COLUMNS:
            rec[f] = mask(strip_query_param(clean_text(self.raw(f)), "api_key"), secret)
        active = clean_text(self.raw("active"))
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
