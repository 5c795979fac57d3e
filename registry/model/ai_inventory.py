"""Load the federal AI use-case inventories into staging, for the capability classifier to cite.

Why: an agency's own inventory entry is strong evidence of what an award buys when it names the
award's PIID (the 2024 inventory asks for PIIDs) or the vendor and the system (the 2025 inventory has a
vendor column). The classifier (registry/model/capabilities.py) reads `stg_ai_use_cases` when present.
The inventories are reference files, published whole: a load replaces the table, so re-running it is
idempotent. Each row keeps the file it came from (source_url, pinned to the commit it was taken from).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

from registry.store import now_utc

# file name -> (inventory year, public source of that exact file)
FILES = {
    "2025_individually_reported_AI_use_cases.csv": (
        2025, "https://github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/blob/"
              "62329235dc3847672bc4fdc7bf64d850a2d6d0fe/Data/2025_individually_reported_AI_use_cases.csv"),
    "2024_consolidated_ai_inventory.csv": (
        2024, "https://github.com/triphora/2025-Federal-Agency-AI-Use-Case-Inventory/blob/"
              "79cefbb9034a7a86b00195b8d0e654ea582a6c1b/data/clean/2024_consolidated_ai_inventory_raw_v2.csv"),
}
PIID_2024 = "Provide the Procurement Instrument Identifier(s) (PIID) of the contract(s) used."
# A PIID: 8+ letters/digits (hyphens dropped), with at least one digit; "SOAR" or "PO 6997377" are not.
PIID_TOKEN = re.compile(r"^(?=.*\d)[A-Z0-9]{8,}$")


def parse_piids(text: str | None) -> list[str]:
    """PIIDs named in a free-text cell: '70CTD021FR0000248; 70CDCR24FR0000048' -> both; hyphens dropped."""
    if not isinstance(text, str):
        return []
    out = []
    for tok in re.split(r"[\s;,/()#]+", text.upper()):
        tok = tok.replace("-", "").strip(".:")
        if PIID_TOKEN.match(tok) and tok not in out:
            out.append(tok)
    return out


def _join(*parts) -> str | None:
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return text or None


def _rows_2025(path: Path, year: int, url: str) -> list[dict]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [{"inventory_year": year, "use_case_id": r["id"], "agency": r["agency"] or None,
             "bureau": r["agency_bureau"] or None, "use_case_name": r["use_case_name"] or None,
             "description": _join(r["problem_solved"], r["benefits"], r["system_outputs"]),
             "vendor_name": r["vendor_name"] or None, "piids": [], "source_url": url}
            for r in df.to_dict("records")]


def _rows_2024(path: Path, year: int, url: str) -> list[dict]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    purpose = next(c for c in df.columns if c.startswith("What is the intended purpose"))
    outputs = next(c for c in df.columns if c.startswith("Describe the AI system"))
    rows = []
    for i, r in enumerate(df.to_dict("records"), start=1):
        rows.append({"inventory_year": year, "use_case_id": f"{year}-{r['Agency Abbreviation'] or 'NA'}-row{i}",
                     "agency": r["Agency Abbreviation"] or None, "bureau": r["Bureau"] or None,
                     "use_case_name": r["Use Case Name"] or None, "description": _join(r[purpose], r[outputs]),
                     "vendor_name": None, "piids": parse_piids(r.get(PIID_2024)), "source_url": url})
    return rows


def load(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, int]:
    """Replace `stg_ai_use_cases` in staging with the inventories found in `directory`; rows per file."""
    rows: list[dict] = []
    counts: dict[str, int] = {}
    for name, (year, url) in FILES.items():
        path = Path(directory) / name
        if not path.exists():
            continue
        part = (_rows_2025 if year == 2025 else _rows_2024)(path, year, url)
        counts[name] = len(part)
        rows += part
    if not rows:
        raise FileNotFoundError(f"{directory}: none of {sorted(FILES)} found")
    frame = pd.DataFrame(rows)
    frame["fetched_at"] = now_utc()
    con.register("_ai_df", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE stg_ai_use_cases AS SELECT inventory_year::INTEGER AS inventory_year, "
            "use_case_id::VARCHAR AS use_case_id, agency::VARCHAR AS agency, bureau::VARCHAR AS bureau, "
            "use_case_name::VARCHAR AS use_case_name, description::VARCHAR AS description, "
            "vendor_name::VARCHAR AS vendor_name, piids::VARCHAR[] AS piids, source_url::VARCHAR AS source_url, "
            "fetched_at::TIMESTAMPTZ AS fetched_at FROM _ai_df"
        )
    finally:
        con.unregister("_ai_df")
    return counts
