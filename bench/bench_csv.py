"""CSV-route figure: rows/s of `registry.loaders.bulk_csv` vs DuckDB's `read_csv` of the same file alone.

Why this ceiling: read_csv into a table is the fastest DuckDB itself takes the file in; the loader adds the
per-row checks (money, dates, keys, reject reasons), the raw row as JSON and its SHA-256, the merge by natural
key into staging (an idempotent upsert) and the award rows derived from the latest action.

The file is the real transaction-file layout (all 297 column names from shared/data/usaspending_reference),
filled with the bundled sample's real transactions, repeated under distinct modification numbers to reach N rows.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import duckdb

from registry.core import paths, store
from registry.loaders import bulk_csv

WORK = Path(__file__).resolve().parent / "work"
COLUMNS = paths.ROOT.parent / "shared" / "data" / "usaspending_reference" / "download_columns_contracts_prime_transactions.csv"
SAMPLE = paths.SAMPLE_DIR / "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"


def make_file(path: Path, n_rows: int) -> Path:
    """A Contracts_PrimeTransactions CSV of n_rows (sample rows, each copy under its own modification number)."""
    with open(COLUMNS, encoding="utf-8") as f:
        cols = [r["column_name"] for r in csv.DictReader(f)]
    with open(SAMPLE, encoding="utf-8", newline="") as f:
        sample = list(csv.DictReader(f))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for i in range(n_rows):
            r = sample[i % len(sample)]
            key, mod = r["Generated Award ID"], f"{r['Modification'] or '0'}-{i // len(sample)}"
            w.writerow({c: "" for c in cols} | {
                "contract_transaction_unique_key": f"{key}_{mod}_0", "contract_award_unique_key": key,
                "award_id_piid": r["Award ID"], "modification_number": mod, "transaction_number": "0",
                "federal_action_obligation": r["Federal Action Obligation"], "action_date": r["Action Date"],
                "recipient_name": r["Recipient Name"], "transaction_description": r["Transaction Description"],
                "product_or_service_code_description": r["Product/Service Description"],
                "naics_description": r["NAICS Description"],
                "usaspending_permalink": f"https://www.usaspending.gov/award/{key}/"})
    return path


def run(n_rows: int = 200_000) -> dict:
    """Load the same file both ways into fresh databases; rows/s of each and the loader's share of the ceiling."""
    src = make_file(WORK / f"bulk-transactions-{n_rows}.csv", n_rows)
    con = store.connect(store.remove(WORK / "bulk-csv-loader.duckdb"))
    t0 = time.perf_counter()
    result = bulk_csv.load(con, src)
    loader_s = time.perf_counter() - t0
    con.close()

    raw = duckdb.connect(str(store.remove(WORK / "bulk-csv-readcsv.duckdb")))
    t0 = time.perf_counter()
    raw.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(src)])
    read_s = time.perf_counter() - t0
    read_rows = raw.execute("SELECT count(*) FROM t").fetchone()[0]
    raw.close()
    assert result["loaded"] == n_rows == read_rows, (result, read_rows)
    return {
        "rows": n_rows,
        "columns": 297,
        "file_mb": round(src.stat().st_size / 1e6, 1),
        "loader_seconds": round(loader_s, 2),
        "loader_rows_per_s": round(n_rows / loader_s),
        "read_csv_seconds": round(read_s, 2),
        "read_csv_rows_per_s": round(n_rows / read_s),
        "loader_share_of_read_csv": round(read_s / loader_s, 3),
    }


if __name__ == "__main__":  # pragma: no cover
    print(run())
