"""Hostile files given to the loaders (issue 19): each is loaded, rejected row by row, or refused in one line
with a finished run; never a traceback, never a run left `running`, never a silent loss.

The loads run through Typer's CliRunner in this process (the same exit code, stdout and stderr). One refusal runs
the `registry` command in its own process, as a user sees it (`e2e`): `load usaspending-search-csv`'s, whose only
end-to-end run this is (`load usaspending-csv` and `load ai-inventory-csv` run end to end in
tests/test_bulk_loader.py and tests/ai_inventory/test_ai_inventory.py)."""

from __future__ import annotations

import time
import zipfile

import pytest

from tests.conftest import invoke_cli, run_cli
from tests.hostile.common import query

HEADER = "Award ID,Recipient Name,Federal Action Obligation,Action Date,Modification,Generated Award ID\n"


def rows(prefix: str, n: int) -> str:
    return "".join(f"{prefix}{i},ACME INC,{100 + i}.25,2025-01-{1 + i % 28:02d},0,"
                   f"CONT_AWD_{prefix}{i}_7012_-NONE-_-NONE-\n" for i in range(n))


def load(path, staging, command: str = "usaspending-csv", e2e: bool = False):
    """`registry load COMMAND PATH`; e2e: as its own process, as a user runs it."""
    args = ("load", command, str(path), "--staging", str(staging))
    return run_cli(*args, timeout=120) if e2e else invoke_cli(*args)


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
        zf.writestr("Contracts_PrimeTransactions_1.csv", HEADER + "0" * (20 * 2**20))  # ~1000:1
    staging = tmp_path / "staging.duckdb"
    t0 = time.monotonic()
    r = load(z, staging)
    seconds = time.monotonic() - t0
    print(f"\n[reliability] zip bomb {z.stat().st_size:,} bytes -> 20 MB declared: refused in {seconds:.1f}s")
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
    r = load(f, staging, command, e2e=(kind, command) == ("latin-1", "usaspending-search-csv"))
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


# -- AI use-case inventories ----------------------------------------------------------------------------------
def _inventory_rows():
    import csv

    from registry.core import paths

    with open(paths.SAMPLE_DIR / "ai_use_cases_2025_dhs_doj.csv", encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def _write_inventory(path, header, rows) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def test_a_200_kb_cell_does_not_drop_the_rows_after_it(tmp_path):
    header, rows = _inventory_rows()
    counts = {}
    for name, big in (("plain", False), ("big", True)):
        if big:
            desc = next(h for h in header if "purpose" in h.lower() or "description" in h.lower())
            rows[276][desc] = "SURVEILLANCE " * 16_000  # ~200 KB in row 277 of 552
        f = tmp_path / f"{name}.csv"
        _write_inventory(f, header, rows)
        staging = tmp_path / f"{name}.duckdb"
        r = load(f, staging, "ai-inventory-csv")
        assert r.returncode == 0, r.stderr
        counts[name] = query(staging, "SELECT status, items_fetched, items_loaded, items_rejected FROM crawl_runs")
    (status, fetched, loaded, rejected), = counts["big"]
    assert counts["big"] == counts["plain"] and fetched == 552 and loaded + rejected == 552 and loaded >= 550


def test_identical_inventory_rows_are_one_use_case_not_many(tmp_path):
    header, rows = _inventory_rows()
    f = tmp_path / "inventory.csv"
    _write_inventory(f, header, [rows[0]] * 2_000 + rows[1:3])
    staging = tmp_path / "staging.duckdb"
    r = load(f, staging, "ai-inventory-csv")
    assert r.returncode == 0, r.stderr
    assert query(staging, "SELECT count(*) FROM stg_ai_use_cases")[0][0] == 3


@pytest.mark.parametrize("kind", ["empty", "latin-1", "binary"])
def test_an_unreadable_inventory_fails_in_one_line_with_a_finished_run(tmp_path, kind):
    f = tmp_path / "inventory.csv"
    header, rows = _inventory_rows()
    content = {"empty": b"", "binary": bytes(range(256)) * 64,
               "latin-1": (",".join(header) + "\nDHS,Caf\xe9\n").encode("latin-1")}[kind]
    f.write_bytes(content)
    staging = tmp_path / "staging.duckdb"
    r = load(f, staging, "ai-inventory-csv")
    errors = [x for x in r.stderr.splitlines() if x.startswith("error:")]
    statuses = [s for (s,) in query(staging, "SELECT status FROM crawl_runs")]
    if kind == "empty":  # read, but no inventory: a whole-file reject and a failed run, said in the JSON answer
        assert r.returncode == 0 and statuses == ["failed"], r.stdout + r.stderr
        assert '"rejected": 1' in r.stdout
    else:
        assert r.returncode == 2 and len(errors) == 1 and "not UTF-8 text" in errors[0], r.stderr
        assert statuses == ["failed"] and "Traceback" not in r.stderr
