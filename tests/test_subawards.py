"""Sub-awards: the real ICE Minnesota sub-award file (../shared) loaded beside its prime awards, then built.

The prime award rows are the prime_award_* columns of the same real file, written as an award-summary file, so
every value here is from the public record. What a user checks: each sub-award sits under its prime award with
the prime's recipient, amounts are exact, a row without a prime key is rejected with its reason, and loading the
file again changes nothing.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb

from registry.core import store
from registry.loaders import bulk_csv
from tests.conftest import SHARED_DATA, invoke_cli, run_cli

SUBAWARDS = SHARED_DATA / "usaspending_download_ice_mn" / "Contracts_Subawards_ICE_recipients_in_MN_2025-03-21.csv"
PRIME_COLUMNS = {"contract_award_unique_key": "prime_award_unique_key", "award_id_piid": "prime_award_piid",
                 "total_obligated_amount": "prime_award_amount", "recipient_name": "prime_awardee_name",
                 "recipient_uei": "prime_awardee_uei", "awarding_agency_name": "prime_award_awarding_agency_name",
                 "awarding_sub_agency_name": "prime_award_awarding_sub_agency_name",
                 "award_base_action_date": "prime_award_base_action_date"}


def real_rows() -> list[dict[str, str]]:
    with open(SUBAWARDS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    return path


def test_subawards_sit_under_their_prime_awards_and_reload_changes_nothing(tmp_path):
    rows = real_rows()
    staging = tmp_path / "staging.duckdb"
    primes = write(tmp_path / "Contracts_PrimeAwardSummaries_primes.csv",
                   [{k: r[v] for k, v in PRIME_COLUMNS.items()} for r in rows], list(PRIME_COLUMNS))
    con = store.connect(staging)
    bulk_csv.load(con, primes)
    con.close()
    bad = write(tmp_path / "Contracts_Subawards_bad.csv", [dict(rows[0], prime_award_unique_key="")], list(rows[0]))
    # as a user runs it (the `registry` command in its own process), then again in this process: nothing doubles
    for load in (run_cli, invoke_cli):
        r = load("load", "usaspending-subawards", str(SUBAWARDS), "--staging", str(staging))
        assert r.returncode == 0, r.stdout + r.stderr
        assert '"fetched": 3, "loaded": 3, "rejected": 0' in r.stdout
    r = invoke_cli("load", "usaspending-subawards", str(bad), "--staging", str(staging))
    assert r.returncode == 0 and '"rejected": 1' in r.stdout, r.stdout + r.stderr
    db = tmp_path / "registry.duckdb"
    r = invoke_cli("build", "--staging", str(staging), "--out", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        got = con.execute("SELECT prime_award_key, prime_in_registry, prime_recipient_name, subawardee_name, "
                          "subawardee_uei, subaward_amount, subaward_action_date::VARCHAR, source_url "
                          "FROM subawards ORDER BY prime_award_key").fetchall()
        rejects = con.execute("SELECT kind, reason FROM rejects WHERE source = 'usaspending_subawards'").fetchall()
    finally:
        con.close()
    want = sorted((r["prime_award_unique_key"], True, r["prime_awardee_name"], r["subawardee_name"],
                   r["subawardee_uei"], Decimal(r["subaward_amount"]), r["subaward_action_date"],
                   r["usaspending_permalink"]) for r in rows)
    assert got == want
    assert sum(g[5] for g in got) == Decimal("227222.00")
    assert rejects == [("subaward", "prime_award_unique_key: missing")]


def test_an_older_staging_store_without_subawards_still_builds(tmp_path):
    """A store made before the sub-award migration: the build reads an empty copy, the view is empty."""
    staging = tmp_path / "staging.duckdb"
    con = store.connect(staging)
    con.execute("DROP TABLE stg_subawards")
    con.execute("DELETE FROM schema_migrations WHERE name = 'usaspending_bulk'")
    con.close()
    db = tmp_path / "registry.duckdb"
    r = invoke_cli("build", "--staging", str(staging), "--out", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM subawards").fetchone()[0] == 0
    finally:
        con.close()
