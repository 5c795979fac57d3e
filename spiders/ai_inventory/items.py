"""Federal AI use-case inventories (OMB, 2023/2024/2025): the item, its validation, the per-year header maps.

Why a header map per year: OMB changed the inventory's schema every year (2023: `Use_Case_ID`, `Title`;
2024: long question texts and no use-case id, but a PIID column; 2025: short snake_case names and a
vendor column). A file is recognised by its header names, never by its file name or column order, so a
renamed or reordered download still maps right and an unknown file is a reject, not a silent mismatch.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from typing import Any

from registry.core.parse import ParseError, clean_text
from spiders.items import RegistryItem

PIID_2024 = "Provide the Procurement Instrument Identifier(s) (PIID) of the contract(s) used."
# A PIID: 8+ letters/digits once hyphens are dropped, with at least one digit ("SOAR", "PO 6997377" are not).
_PIID_TOKEN = re.compile(r"^(?=.*\d)[A-Z0-9]{8,}$")


def _starts(prefix: str):
    """Column selector for the 2024 file's long question headers (matched by their opening words)."""
    return ("prefix", prefix)


# year -> {field: header name (or ("prefix", opening words))}. The first listed header identifies the year.
SCHEMAS: dict[int, dict[str, Any]] = {
    2025: {
        "use_case_id": "id", "use_case_name": "use_case_name", "agency": "agency", "agency_name": "agency_name",
        "bureau": "agency_bureau", "stage": "development_stage", "impact": "is_high_impact",
        "topic_area": "topic_area", "vendor_name": "vendor_name", "system_name": "system_name_ato",
        "has_pii": "has_pii", "pia_url": "pia_url", "contracting_usage": "contracting_usage",
        "date_implemented": "operational_date",
        "description": ["problem_solved", "benefits", "system_outputs"],
    },
    2024: {
        "use_case_name": "Use Case Name", "agency": "Agency Abbreviation", "agency_name": "Agency",
        "bureau": "Bureau", "stage": "Stage of Development",
        "impact": _starts("Is the AI use case rights-impacting, safety-impacting"),
        "topic_area": "Use Case Topic Area", "system_name": "System Name",
        "has_pii": _starts("Does this AI use case involve personally identifiable information"),
        "contracting_usage": _starts("Was the AI system involved in this use case developed"),
        "piid_text": PIID_2024, "date_initiated": "Date Initiated", "date_implemented": "Date Implemented",
        "date_retired": "Date Retired",
        "description": [_starts("What is the intended purpose"), _starts("Describe the AI system")],
    },
    2023: {
        "use_case_id": "Use_Case_ID", "use_case_name": "Title", "agency": "Department_Code",
        "agency_name": "Department", "bureau": "Agency", "office": "Office", "stage": "Development_Stage",
        "techniques": "Techniques", "description": ["Summary"],
    },
}
# Headers that must all be present for a file to be read as that year's inventory.
SIGNATURES: dict[int, tuple[str, ...]] = {
    2025: ("id", "use_case_name", "agency", "agency_bureau", "vendor_name"),
    2024: ("Use Case Name", "Agency Abbreviation", "Bureau", PIID_2024),
    2023: ("Use_Case_ID", "Department_Code", "Title", "Summary"),
}
HIGH_IMPACT = {"high-impact": True, "not high-impact": False, "presumed high-impact, but not high-impact": False,
               "rights-impacting": True, "safety-impacting": True, "both": True, "neither": False}


def detect_year(headers: list[str]) -> int | None:
    """Which year's schema a header row is, or None when it is none of them."""
    present = {h.strip() for h in headers}
    for year, needed in SIGNATURES.items():
        if all(h in present for h in needed):
            return year
    return None


def _column(headers: list[str], spec: Any) -> str | None:
    if isinstance(spec, tuple):
        return next((h for h in headers if h.startswith(spec[1])), None)
    return spec if spec in headers else None


def map_row(year: int, headers: list[str], row: dict[str, str]) -> dict[str, Any]:
    """One CSV row of a `year` inventory -> the item's fields (by header name; absent headers -> None)."""
    out: dict[str, Any] = {"inventory_year": year}
    for field, spec in SCHEMAS[year].items():
        if field == "description":
            cols = [_column(headers, s) for s in spec]
            out[field] = " ".join(p.strip() for c in cols if c for p in [row.get(c) or ""] if p.strip()) or None
        else:
            col = _column(headers, spec)
            out[field] = row.get(col) if col else None
    return out


def parse_piids(text: str | None) -> list[str]:
    """PIIDs named in a free-text cell: '70CTD021FR0000248; 70CDCR24FR0000048' -> both; hyphens dropped."""
    if not isinstance(text, str):
        return []
    found: list[str] = []
    for tok in re.split(r"[\s;,/()#]+", text.upper()):
        tok = tok.replace("-", "").strip(".:")
        if _PIID_TOKEN.match(tok) and tok not in found:
            found.append(tok)
    return found


def lenient_date(value: Any) -> date | None:
    """Dates as agencies typed them ('7/1/2023', '2024-03-01', '03/2024', '2022'): None when unreadable."""
    s = clean_text(value)
    if not s:
        return None
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%Y-%m-%d %H:%M:%S", "%m/%Y", "%Y-%m", "%B %Y", "%b %Y"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def derived_id(year: int, agency: str | None, bureau: str | None, name: str) -> str:
    """A stable id where the inventory gives none (all of 2024, some 2025 rows): agency + hash of the entry."""
    digest = hashlib.sha1(f"{agency}|{bureau}|{name}".encode()).hexdigest()[:10]  # noqa: S324 - an id, not security
    return f"{agency or 'NA'}-{year}-{digest}"


class AiUseCaseItem(RegistryItem):
    """One use case of a federal AI use-case inventory (one CSV row); fields from staging.sql."""

    staging_table = "stg_ai_use_cases"
    kind = "ai_use_case"
    derived = ("high_impact", "piids")
    # read as the inventories write them: the year the spider knows, ids derived where absent, lenient dates
    custom = ("inventory_year", "use_case_id", "use_case_id_derived", "source_row", "date_initiated",
              "date_implemented", "date_retired")

    def check(self, rec: dict[str, Any]) -> None:
        year = self.get("inventory_year")
        if year not in SCHEMAS:
            raise ParseError(f"inventory_year: not an inventory year: {year!r}")

    def finish(self, rec: dict[str, Any]) -> None:
        year = rec["inventory_year"] = self.get("inventory_year")
        rec["agency"] = rec["agency"].upper()
        given = clean_text(self.get("use_case_id"))
        rec["use_case_id"] = given or derived_id(year, rec["agency"], rec["bureau"], rec["use_case_name"])
        rec["use_case_id_derived"] = bool(self.get("use_case_id_derived")) or not given
        rec["source_row"] = self.get("source_row")
        impact = (rec["impact"] or "").strip().lower()
        rec["high_impact"] = HIGH_IMPACT.get(impact)
        pia = rec["pia_url"]
        rec["pia_url"] = pia if pia and re.match(r"^https?://", pia) else None
        for f in ("date_initiated", "date_implemented", "date_retired"):
            rec[f] = lenient_date(self.get(f))
        rec["piids"] = parse_piids(rec["piid_text"])
