"""Build data/labels/awards_other_fed.csv from a public DHS contract extract (all components but CBP and ICE).

WHY: the labelled corpus needs agencies beyond CBP and ICE. The source is the committed dashboard data of the
public repository abigailhaddad/dhs-ai-contracts (web/data/results.json at a pinned commit): real USAspending
award rows of DHS (FY2022-FY2026), selected there by an AI keyword search over descriptions. CBP and ICE awards are
dropped because CBP/ICE FY2021-FY2026 awards are the independent evaluation's population. The repository's own
classifier output (its `explanation` and `keyword` fields) is never read into the corpus, so labels stay blind.
Deterministic: rows keep the file's order.

Usage: python data/labels/build_corpus_other_fed.py [path/to/results.json]
       (default: read the pinned commit from the local mirror made by the search tool's fetch)
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

REPO = "abigailhaddad/dhs-ai-contracts"
COMMIT = "bbb2cd405c3c9e6c34f7b3830150825857d52738"
PATH = "web/data/results.json"
MIRROR = Path("/work/.mirror/abigailhaddad+dhs-ai-contracts/repo")
SOURCE = f"github:{REPO}@{COMMIT}:{PATH}"
EXCLUDED_SUBTIERS = {"U.S. Customs and Border Protection", "U.S. Immigration and Customs Enforcement"}
# Some rows carry the subtier "Department of Homeland Security" although the award id names CBP (7014) or ICE (7012)
# as the awarding agency: the code in the generated award id decides too.
EXCLUDED_AGENCY_CODES = {"7014", "7012"}
OUT = Path(__file__).with_name("awards_other_fed.csv")
FIELDS = [
    "award_key", "piid", "source", "source_url", "agency", "subtier", "recipient_name",
    "parent_recipient_name", "psc_code", "psc_description", "naics_code", "naics_description",
    "obligated", "first_action_date", "descriptions",
]


def load(path: str | None) -> dict:
    """The results file, from a given path or from the pinned commit in the local mirror."""
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    text = subprocess.run(
        ["git", f"--git-dir={MIRROR}", "show", f"{COMMIT}:{PATH}"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(text)


def descriptions(row: dict) -> str:
    """Every distinct description (award description, then each modification text), joined with ' || '.
    The source cuts its joined modification text short, so a piece that is only the start of a text already
    kept is dropped."""
    seen: list[str] = []
    parts = [row.get("description") or ""] + (row.get("mod_text") or "").split(" | ")
    for part in parts:
        part = part.strip()
        if part and not any(text.startswith(part) for text in seen):
            seen.append(part)
    return " || ".join(seen)


def merge(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One row per award key. The source repeats six awards, once with the 4-digit agency code in the PIID
    field; the row with a real PIID is kept (its amount and PIID), and the descriptions of both are joined."""
    by_key: dict[str, dict[str, str]] = {}
    for row in rows:
        kept = by_key.get(row["award_key"])
        if kept is None:
            by_key[row["award_key"]] = row
            continue
        first, second = (row, kept) if kept["piid"].isdigit() and not row["piid"].isdigit() else (kept, row)
        texts = first["descriptions"].split(" || ")
        texts += [t for t in second["descriptions"].split(" || ") if t and t not in texts]
        first["descriptions"] = " || ".join(t for t in texts if t)
        by_key[row["award_key"]] = first
    return list(by_key.values())


def build(data: dict) -> list[dict[str, str]]:
    """One output row per award outside CBP and ICE."""
    out = []
    for row in data["contracts"]:
        if row["agency"] in EXCLUDED_SUBTIERS:
            continue
        gid = (row.get("generated_internal_id") or "").strip()
        if gid.count("_") >= 3 and gid.split("_")[3] in EXCLUDED_AGENCY_CODES:
            continue
        key = gid or f"{SOURCE}:{row['award_id']}"
        url = f"https://www.usaspending.gov/award/{gid}/" if gid else f"https://github.com/{REPO}/blob/{COMMIT}/{PATH}"
        amount = row.get("amount")
        out.append({
            "award_key": key,
            "piid": row["award_id"],
            "source": SOURCE,
            "source_url": url,
            "agency": "Department of Homeland Security",
            "subtier": row["agency"],
            "recipient_name": row.get("vendor") or "",
            "parent_recipient_name": "",
            "psc_code": "",
            "psc_description": row.get("psc") or "",
            "naics_code": "",
            "naics_description": row.get("naics") or "",
            "obligated": "" if amount is None else f"{amount}",
            "first_action_date": "",
            "descriptions": descriptions(row),
        })
    return merge(out)


def main() -> None:
    rows = build(load(sys.argv[1] if len(sys.argv) > 1 else None))
    keys = [r["award_key"] for r in rows]
    if len(keys) != len(set(keys)):
        raise SystemExit("duplicate award keys in the source")
    with open(OUT, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} awards -> {OUT}")


if __name__ == "__main__":
    main()
