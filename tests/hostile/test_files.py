"""Hostile files given to the loaders (issue 19): each is loaded, rejected row by row, or refused in one line
with a finished run; never a traceback, never a run left `running`, never a silent loss."""

from __future__ import annotations

import time
import zipfile

import pytest

from tests.conftest import run_cli
from tests.hostile.common import query

HEADER = "Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,Generated Award ID\n"


def rows(prefix: str, n: int) -> str:
    return "".join(f"{prefix}{i},ACME INC,{100 + i}.25,2025-01-{1 + i % 28:02d},0,"
                   f"CONT_AWD_{prefix}{i}_7012_-NONE-_-NONE-\n" for i in range(n))


def load(path, staging, command: str = "usaspending-csv"):
    return run_cli("load", command, str(path), "--staging", str(staging), timeout=120)


def test_two_zip_members_with_one_name_in_different_folders_are_both_loaded(tmp_path):
    z = tmp_path / "download.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("fy2024/Contracts_PrimeTransactions_1.csv", HEADER + rows("A", 10))
        zf.writestr("fy2025/Contracts_PrimeTransactions_1.csv", HEADER + rows("B", 10))
    staging = tmp_path / "staging.duckdb"
    r = load(z, staging)
    assert r.returncode == 0, r.stderr
    assert query(staging, "SELECT count(*) FROM stg_transactions")[0][0] == 20


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_extraction(tmp_path):
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Contracts_PrimeTransactions_1.csv", HEADER + "0" * (200 * 2**20))
    staging = tmp_path / "staging.duckdb"
    t0 = time.monotonic()
    r = load(z, staging)
    seconds = time.monotonic() - t0
    print(f"\n[reliability] zip bomb {z.stat().st_size:,} bytes -> 200 MB declared: refused in {seconds:.1f}s")
    assert r.returncode == 2 and "refused as a zip bomb" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert query(staging, "SELECT status FROM crawl_runs") == [("failed",)]


BAD_FILES = {
    "empty": b"",
    "wrong header": b"name,amount\nACME,12.00\n",
    "latin-1": (HEADER + "X1,CAF\xc9 ACME,12.00,2025-01-02,0,CONT_AWD_X1_7012_-NONE-_-NONE-\n").encode("latin-1"),
    "binary": bytes(range(256)) * 64,
}


@pytest.mark.parametrize("command", ["usaspending-csv", "usaspending-search-csv"])
@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_an_unreadable_file_fails_in_one_line_with_a_finished_run(tmp_path, kind, command):
    f = tmp_path / "file.csv"
    f.write_bytes(BAD_FILES[kind])
    staging = tmp_path / "staging.duckdb"
    r = load(f, staging, command)
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    assert r.returncode == 2 and len(errors) == 1 and "file.csv" in errors[0], r.stderr
    assert "Traceback" not in r.stderr
    statuses = [s for (s,) in query(staging, "SELECT status FROM crawl_runs")]
    assert statuses and "running" not in statuses, statuses


def test_an_amount_of_1e16_is_a_row_reject_and_the_other_rows_are_stored(tmp_path):
    f = tmp_path / "file.csv"
    f.write_text(HEADER + rows("C", 5) + "C9,ACME,10000000000000000.00,2025-01-02,0,CONT_AWD_C9_7012_-NONE-_-NONE-\n")
    staging = tmp_path / "staging.duckdb"
    r = load(f, staging)
    assert r.returncode == 0, r.stderr
    assert query(staging, "SELECT count(*) FROM stg_transactions")[0][0] == 5
    assert query(staging, "SELECT reason FROM rejects") == [("Federal Action Obligation: not a number",)]
