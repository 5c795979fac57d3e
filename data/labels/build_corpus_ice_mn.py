"""Build data/labels/awards_ice_mn.csv from the real USAspending ICE-in-Minnesota award download.

WHY: the labelled corpus must carry exactly the text a classifier sees, traceable to a public record.
The download was re-saved by a spreadsheet, so its dates are M/D/YY; they are converted to ISO here
and nothing else is changed. Deterministic: rows are written in the file's own order.

Usage: python data/labels/build_corpus_ice_mn.py [/work/shared/data]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SOURCE_FILE = (
    "usaspending_download_ice_mn/"
    "Contracts_PrimeAwardSummaries_ICE_recipients_in_MN_2025-03-21.csv"
)
OUT = Path(__file__).with_name("awards_ice_mn.csv")
FIELDS = [
    "award_key", "piid", "source", "source_url", "agency", "subtier", "recipient_name",
    "parent_recipient_name", "psc_code", "psc_description", "naics_code", "naics_description",
    "obligated", "first_action_date", "descriptions",
]


def iso_date(text: str) -> str:
    """Turn the spreadsheet's M/D/YY (optionally with a time) into YYYY-MM-DD; empty stays empty."""
    text = text.strip().split(" ")[0]
    if not text:
        return ""
    month, day, year = (int(p) for p in text.split("/"))
    if year < 100:
        year += 2000 if year < 70 else 1900
    return f"{year:04d}-{month:02d}-{day:02d}"


def build(shared: Path) -> list[dict[str, str]]:
    """One output row per award in the download."""
    out = []
    with open(shared / SOURCE_FILE, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            key = row["contract_award_unique_key"].strip()
            desc = row["prime_award_base_transaction_description"].strip()
            out.append({
                "award_key": key,
                "piid": row["award_id_piid"].strip(),
                "source": "ice_mn",
                "source_url": f"https://www.usaspending.gov/award/{key}/",
                "agency": row["awarding_agency_name"].strip(),
                "subtier": row["awarding_sub_agency_name"].strip(),
                "recipient_name": row["recipient_name"].strip(),
                "parent_recipient_name": row["recipient_parent_name"].strip(),
                "psc_code": row["product_or_service_code"].strip(),
                "psc_description": row["product_or_service_code_description"].strip(),
                "naics_code": row["naics_code"].strip(),
                "naics_description": row["naics_description"].strip(),
                "obligated": row["total_obligated_amount"].strip(),
                "first_action_date": iso_date(row["award_base_action_date"]),
                "descriptions": desc,
            })
    return out


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
    rows = build(shared)
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} awards -> {OUT}")


if __name__ == "__main__":
    main()
