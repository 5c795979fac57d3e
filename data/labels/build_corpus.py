"""Build the award-level corpus files (awards_<part>.csv) that the labels in this folder refer to.

WHY: labels are made per award, but the public sources are transaction rows. This script turns each
source into one row per award in the shared format (docs: /work/coord/FORMATS.md section 3), so that
anyone can rebuild the text a labeller saw from the public files alone. It is deterministic: same
inputs, same output bytes.

Usage: python data/labels/build_corpus.py [--shared /work/shared]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

COLUMNS = [
    "award_key",
    "piid",
    "source",
    "source_url",
    "agency",
    "subtier",
    "recipient_name",
    "parent_recipient_name",
    "psc_code",
    "psc_description",
    "naics_code",
    "naics_description",
    "obligated",
    "first_action_date",
    "descriptions",
]

SUBTIER_NAMES = {
    "CBP": "U.S. Customs and Border Protection",
    "ICE": "U.S. Immigration and Customs Enforcement",
}


def split_of(award_key: str) -> str:
    """Held-out membership by hash, so it never depends on the label (FORMATS.md section 3)."""
    return "heldout" if int(hashlib.sha256(award_key.encode()).hexdigest(), 16) % 10 < 3 else "train"


def usaspending_url(award_key: str) -> str:
    return f"https://www.usaspending.gov/award/{award_key}/"


def _money(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        return Decimal(0)


def _distinct_oldest_first(rows: list[dict], date_col: str, desc_cols: list[str]) -> str:
    seen: list[str] = []
    for row in sorted(rows, key=lambda r: r.get(date_col) or ""):
        for col in desc_cols:
            text = " ".join((row.get(col) or "").split())
            if text and text not in seen:
                seen.append(text)
    return " || ".join(seen)


def build_sample(path: Path) -> list[dict]:
    """The bundled CBP/ICE spending_by_transaction slice: group by Generated Award ID."""
    groups: OrderedDict[str, list[dict]] = OrderedDict()
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            groups.setdefault(row["Generated Award ID"], []).append(row)
    out = []
    for key, rows in groups.items():
        first = min(rows, key=lambda r: r["Action Date"])
        total = sum((_money(r["Federal Action Obligation"]) for r in rows), Decimal(0))
        out.append(
            {
                "award_key": key,
                "piid": first["Award ID"],
                "source": "sample",
                "source_url": usaspending_url(key),
                "agency": "Department of Homeland Security",
                "subtier": SUBTIER_NAMES.get(first["Agency"], first["Agency"]),
                "recipient_name": first["Recipient Name"],
                "parent_recipient_name": "",
                "psc_code": "",
                "psc_description": first["Product/Service Description"],
                "naics_code": "",
                "naics_description": first["NAICS Description"],
                "obligated": str(total),
                "first_action_date": first["Action Date"],
                "descriptions": _distinct_oldest_first(rows, "Action Date", ["Transaction Description"]),
            }
        )
    out.sort(key=lambda r: r["award_key"])
    return out


OPEN_FEDSPEND = (
    "github:ConorsCode/open-fedspend-data@0343594f0ed8c12cf57a978d6c02f35897386cec:data/awards.csv"
)


def build_doj_usss(path: Path) -> list[dict]:
    """DOJ and Secret Service rows copied from a systematic page sample of the public all-agency weekly file
    ConorsCode/open-fedspend-data data/awards.csv (USAspending spending_by_award; see README.md). One row per award
    already; the award key is the generated id inside the row's USAspending URL."""
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = row["usaspendingUrl"].rstrip("/").rsplit("/", 1)[1]
            out.append(
                {
                    "award_key": key,
                    "piid": row["awardId"],
                    "source": OPEN_FEDSPEND,
                    "source_url": usaspending_url(key),
                    "agency": row["awardingAgency"],
                    "subtier": row["awardingSubAgency"],
                    "recipient_name": row["recipientName"],
                    "parent_recipient_name": "",
                    "psc_code": row["pscCode"],
                    "psc_description": row["pscDescription"],
                    "naics_code": row["naicsCode"],
                    "naics_description": row["naicsDescription"],
                    "obligated": row["awardAmount"],
                    "first_action_date": "",
                    "descriptions": " ".join(row["description"].split()),
                }
            )
    out.sort(key=lambda r: r["award_key"])
    return out


def write(part: str, rows: list[dict]) -> None:
    with (HERE / f"awards_{part}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default="/work/shared")
    ap.parse_args()
    write("sample", build_sample(REPO / "data/sample/cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"))
    write("doj_usss", build_doj_usss(HERE / "sources/doj_usss_open_fedspend_pages.csv"))


if __name__ == "__main__":
    main()
