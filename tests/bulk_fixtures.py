"""Bulk-route test files made from real records: the sample's spending_by_transaction rows, written in the
real `Contracts_PrimeTransactions_*.csv` layout (all 297 column names, from shared/data/usaspending_reference).

Why built, not bundled: shared/data has the transaction file's column list but no transaction file. Each row
here is a real USAspending transaction (from the bundled sample); only the fields that export gives are
filled, the rest stay empty as in a file with blanks. Columns are written in reverse order on purpose: the
loader must map by header name, never by position.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from tests.conftest import ROOT, SHARED_DATA

SAMPLE_CSV = ROOT / "data" / "sample" / "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"
COLUMNS_CSV = SHARED_DATA / "usaspending_reference" / "download_columns_contracts_prime_transactions.csv"
ICM_KEY = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"


def transaction_columns() -> list[str]:
    with open(COLUMNS_CSV, encoding="utf-8") as f:
        return [r["column_name"] for r in csv.DictReader(f)]


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE_CSV, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def unique_key(award_key: str, mod: str, tn: int) -> str:
    """contract_transaction_unique_key: agency_referencedAgency_piid_mod_parentPiid_transactionNumber."""
    _, _, piid, agency, parent, parent_agency = award_key.split("_", 5)
    return f"{agency}_{parent_agency}_{piid}_{mod}_{parent}_{tn}"


def mdy(iso: str) -> str:
    """2025-04-11 -> 4/11/25, as a spreadsheet re-save writes it."""
    y, m, d = iso.split("-")
    return f"{int(m)}/{int(d)}/{y[2:]}"


def to_bulk(row: dict[str, str], tn: int = 0, us_dates: bool = False) -> dict[str, str]:
    """One sample row in the transaction file's columns."""
    key, mod = row["Generated Award ID"], row["Modification"] or "0"
    return {
        "contract_transaction_unique_key": unique_key(key, mod, tn),
        "contract_award_unique_key": key,
        "award_id_piid": row["Award ID"],
        "modification_number": mod,
        "transaction_number": str(tn),
        "federal_action_obligation": row["Federal Action Obligation"],
        "action_date": mdy(row["Action Date"]) if us_dates else row["Action Date"],
        "recipient_name": row["Recipient Name"],
        "product_or_service_code_description": row["Product/Service Description"],
        "naics_description": row["NAICS Description"],
        "transaction_description": row["Transaction Description"],
        "usaspending_permalink": f"https://www.usaspending.gov/award/{key}/",
    }


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None,
              extra_first: list[str] | None = None) -> Path:
    """Write rows under the full header (reversed), with any extra leading columns (e.g. correction_delete_ind)."""
    cols = (extra_first or []) + list(reversed(columns or transaction_columns()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return path


def bulk_rows(tn_one_every: int = 7) -> list[dict[str, str]]:
    """Every sample transaction; every n-th carries FPDS transaction number 1 (as some agencies' actions do),
    and every 3rd has its dates in M/D/YY."""
    return [to_bulk(r, tn=1 if i % tn_one_every == 3 else 0, us_dates=i % 3 == 0)
            for i, r in enumerate(sample_rows())]


BAD_ROWS = [
    {"contract_award_unique_key": ICM_KEY, "modification_number": "BAD1", "transaction_number": "0",
     "action_date": "13/45/25", "federal_action_obligation": "100.00"},
    {"contract_award_unique_key": ICM_KEY, "modification_number": "BAD2", "transaction_number": "0",
     "action_date": "2025-01-01", "federal_action_obligation": "12,3x4"},
    {"contract_award_unique_key": "", "modification_number": "BAD3", "transaction_number": "0",
     "action_date": "2025-01-01", "federal_action_obligation": "1"},
]


def transactions_zip(path: Path, rows: list[dict[str, str]], split: int = 2) -> bytes:
    """A download zip as USAspending names it, the rows split over numbered CSVs; returns the bytes."""
    cols = transaction_columns()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        size = -(-len(rows) // split)
        for i in range(split):
            part = rows[i * size:(i + 1) * size]
            s = io.StringIO()
            w = csv.DictWriter(s, fieldnames=list(reversed(cols)))
            w.writeheader()
            for r in part:
                w.writerow({c: r.get(c, "") for c in reversed(cols)})
            zf.writestr(f"Contracts_PrimeTransactions_2026-11-23_H10M00S00_{i + 1}.csv", s.getvalue())
        zf.writestr("Data_Dictionary_Crosswalk.txt", "see https://www.usaspending.gov/data-dictionary\n")
    data = buf.getvalue()
    path.write_bytes(data)
    return data
