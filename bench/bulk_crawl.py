"""Figures for docs/crawling.md: `registry crawl plan` and `registry crawl all` against a local Award Data Archive.

Not part of `make bench`'s pass/fail table: it measures the bulk-first crawl end to end on this machine (listing,
HEAD, the rate sample, one bulk-spider process per file, the ledger), the re-run that finds nothing new (what
a daily run costs when no file changed), and the bytes, rows and seconds each step took.

Files: the real transaction-file layout (297 columns) filled with the bundled sample's real transactions,
repeated under distinct award keys (bench/bench_csv.py's approach), zipped as the archive ships them.
Run: .venv/bin/python -m bench.bulk_crawl [ROWS_PER_FULL_FILE]
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

from registry.core import paths
from tests import bulk_fixtures as bf
from tests.conftest import run_cli
from tests.test_bulk_crawl import DELTA_NEW, DELTA_OLD, FULL_25, FULL_26, FakeArchive, delta_rows, zip_of

WORK = Path(__file__).resolve().parent / "work" / "bulk_crawl"


def rows_of(n: int, copy_base: int) -> list[dict[str, str]]:
    """n transactions: sample rows under award keys made distinct per copy (CONT_AWD_B<copy>...)."""
    sample = bf.bulk_rows()
    out = []
    for i in range(n):
        r = dict(sample[i % len(sample)])
        tag = f"B{copy_base + i // len(sample)}"
        r["contract_award_unique_key"] = r["contract_award_unique_key"].replace("CONT_AWD_", f"CONT_AWD_{tag}", 1)
        r["contract_transaction_unique_key"] = f"{tag}_{r['contract_transaction_unique_key']}"
        out.append(r)
    return out


def main(rows_per_full: int = 100_000) -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    files = {}
    for n, (name, base) in enumerate([(FULL_25, 0), (FULL_26, 10_000)]):
        path = WORK / name
        bf.transactions_zip(path, rows_of(rows_per_full, base), split=1 + n)
        files[name] = path.read_bytes()
    files[DELTA_NEW] = zip_of(WORK / "delta_new.zip", delta_rows(), extra_first=["correction_delete_ind"])
    files[DELTA_OLD] = files[DELTA_NEW]
    staging = WORK / "staging.duckdb"
    fast = ["--setting", "AUTOTHROTTLE_ENABLED=False"]
    with FakeArchive(files) as api:
        t = time.perf_counter()
        plan = run_cli("crawl", "plan", "--api-url", api.base, "--staging", str(staging), timeout=600)
        plan_s = time.perf_counter() - t
        plan_hits = len(api.hits)
        t = time.perf_counter()
        first = run_cli("crawl", "all", "--api-url", api.base, "--staging", str(staging), "--no-refresh", *fast,
                        timeout=3600)
        first_s = time.perf_counter() - t
        first_hits = len(api.hits) - plan_hits
        t = time.perf_counter()
        again = run_cli("crawl", "all", "--api-url", api.base, "--staging", str(staging), "--no-refresh", *fast,
                        timeout=600)
        again_s = time.perf_counter() - t
        again_hits = len(api.hits) - plan_hits - first_hits
    print(plan.stdout)
    print(first.stdout)
    total = sum(len(files[n]) for n in (FULL_25, FULL_26, DELTA_NEW))
    rows = sum(int(x.replace(",", "")) for x in re.findall(r"loaded ([\d,]+) rows", first.stdout))
    print(f"plan: {plan_s:.1f} s, {plan_hits} requests")
    print(f"crawl all: {first_s:.1f} s, {first_hits} requests, {total:,} bytes, {rows:,} rows "
          f"= {rows / first_s:,.0f} rows/s and {total / first_s / 1e6:.2f} MB/s end to end")
    print(f"re-run, nothing new: {again_s:.1f} s, {again_hits} requests; {again.stdout.splitlines()[1]}")
    print(f"staging: {staging.stat().st_size:,} bytes; downloads kept: "
          f"{sum(p.stat().st_size for p in (staging.parent / 'downloads').rglob('*') if p.is_file()):,} bytes")
    print(f"(repository: {paths.ROOT})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
