"""The bulk-file loader on real files: the ICE award-summary download, and the sample's transactions in the
real transaction-file layout, through the same `registry load`/`build`/`sql` commands a user runs."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from registry.core import store
from registry.loaders import bulk_csv, search_csv
from spiders.usaspending.spider import transaction_number as api_transaction_number
from tests import bulk_fixtures as bf
from tests.conftest import SHARED_DATA, invoke_cli, run_cli

ICE_MN = SHARED_DATA / "usaspending_download_ice_mn" / "Contracts_PrimeAwardSummaries_ICE_recipients_in_MN_2025-03-21.csv"
SUBAWARDS = SHARED_DATA / "usaspending_download_ice_mn" / "Contracts_Subawards_ICE_recipients_in_MN_2025-03-21.csv"


def sql(db: Path, query: str) -> list[dict]:
    r = invoke_cli("sql", query, "--db", str(db), "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


PER_MOD_KEY = "CONT_AWD_TESTBULK0001_7012_-NONE-_-NONE-"


def per_modification_rows() -> list[dict[str, str]]:
    """One award's two actions with their own competition codes (test rows with a made-up award key, not a public
    record)."""
    base = {"contract_award_unique_key": PER_MOD_KEY, "award_id_piid": "TESTBULK0001", "transaction_number": "0",
            "federal_action_obligation": "100.00"}
    return [dict(base, modification_number="0", action_date="2022-09-20", extent_competed_code="A",
                 extent_competed="FULL AND OPEN COMPETITION", number_of_offers_received="3",
                 solicitation_procedures_code="NP"),
            dict(base, modification_number="P00009", action_date="4/11/25", extent_competed_code="C",
                 extent_competed="NOT COMPETED", other_than_full_and_open_competition_code="URG",
                 solicitation_procedures_code="SSS", number_of_offers_received="1",
                 fair_opportunity_limited_sources_code="URG")]


@pytest.fixture(scope="module")
def ice(tmp_path_factory) -> dict:
    """The ICE award-summary download loaded as a user runs `registry load` (its own process), then once more by
    the loader, plus the per-modification test rows (their own award key), and one registry built from it all:
    one build serves both tests that read a built registry."""
    d = tmp_path_factory.mktemp("ice")
    staging, db = d / "staging.duckdb", d / "registry.duckdb"
    first = run_cli("load", "usaspending-csv", str(ICE_MN), "--staging", str(staging))
    assert first.returncode == 0, first.stderr
    con = store.connect(staging)  # twice: still one copy of each award
    again = bulk_csv.load(con, ICE_MN)
    bulk_csv.load(con, bf.write_csv(d / "per_modification.csv", per_modification_rows()))
    con.close()
    r = invoke_cli("build", "--staging", str(staging), "--out", str(db))
    assert r.returncode == 0, r.stderr
    return {"staging": staging, "db": db, "first": first, "again": again}


def test_ice_award_summary_download_loads_completely_and_once(ice):
    db = ice["db"]
    assert '"fetched": 1369, "loaded": 1369, "rejected": 0' in ice["first"].stdout
    assert ice["again"]["loaded"] == 1369
    reg = duckdb.connect(str(db), read_only=True)
    assert reg.execute("SELECT count(*), count(DISTINCT award_key) FROM awards WHERE award_key <> ?",
                       [PER_MOD_KEY]).fetchone() == (1369, 1369)
    assert reg.execute("SELECT count(*) FROM awards WHERE recipient_name = 'WEST PUBLISHING CORPORATION'"
                       ).fetchone() == (76,)
    assert reg.execute("SELECT status, items_fetched, items_loaded, items_rejected FROM crawl_runs "
                       "WHERE source = 'usaspending_csv' ORDER BY started_at").fetchall() == [
        ("ok", 1369, 1369, 0), ("ok", 1369, 1369, 0), ("ok", 2, 2, 0)]  # ICE twice, then the test rows
    reg.close()
    west = sql(db, "SELECT award_key, recipient_name, recipient_parent_name, description, total_obligation, "
                   "base_and_all_options, extent_competed, extent_competed_plain, other_than_full_and_open, "
                   "number_of_offers, date_signed, end_date, awarding_subagency, source, source_url "
                   "FROM awards WHERE piid = '70CDCR18P00000017'")
    assert len(west) == 1
    w = west[0]
    assert w["recipient_name"] == "WEST PUBLISHING CORPORATION"
    assert w["recipient_parent_name"] == "THOMSON REUTERS (MARKETS) LLC"
    assert "ACCESS TO LICENSE PLATE READER DATABASE" in w["description"]
    assert Decimal(str(w["total_obligation"])) == Decimal("7391976.00")
    assert Decimal(str(w["base_and_all_options"])) == Decimal("7391976.00")
    # the file says "G" / "NOT COMPETED UNDER SAP": the registry keeps the FPDS code and says it in words
    assert w["extent_competed"] == "G"
    assert w["extent_competed_plain"] == "Not competed under simplified acquisition procedures"
    assert w["other_than_full_and_open"] == "SP2" and w["number_of_offers"] == 1
    assert (w["date_signed"], w["end_date"]) == ("2017-12-22", "2021-05-31")  # from 12/22/17 and 5/31/21
    assert w["awarding_subagency"] == "U.S. Immigration and Customs Enforcement"
    assert w["source"] == "usaspending_csv"
    assert w["source_url"] == ("https://www.usaspending.gov/award/"
                               "CONT_AWD_70CDCR18P00000017_7012_-NONE-_-NONE-/")
    with open(ICE_MN, encoding="utf-8", newline="") as f:  # the file's own words for that code
        row = next(r for r in csv.DictReader(f) if r["award_id_piid"] == "70CDCR18P00000017")
    assert (row["extent_competed_code"], row["extent_competed"]) == ("G", "NOT COMPETED UNDER SAP")



def test_every_award_summary_field_parses(ice):
    """No row of the real file loses a money or date value: each non-empty cell parses."""
    got = bf.query(ice["staging"], "SELECT count(total_obligation), count(date_signed), count(start_date), "
                                   "count(last_modified_date), sum(total_obligation) FROM stg_awards "
                                   "WHERE award_key <> ?", [PER_MOD_KEY])[0]
    with open(ICE_MN, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert got[:4] == (sum(1 for r in rows if r["total_obligated_amount"]),
                       sum(1 for r in rows if r["award_base_action_date"]),
                       sum(1 for r in rows if r["period_of_performance_start_date"]),
                       sum(1 for r in rows if r["last_modified_date"]))
    assert got[4] == sum(Decimal(r["total_obligated_amount"]) for r in rows if r["total_obligated_amount"])


def test_not_a_contracts_file_is_refused_with_a_clear_line(tmp_path):
    r = invoke_cli("load", "usaspending-csv", str(SUBAWARDS), "--staging", str(tmp_path / "s.duckdb"))
    assert r.returncode == 2
    assert "no USAspending contracts CSV found" in r.stderr and "Traceback" not in r.stderr


def test_transactions_file_maps_by_name_parses_dates_and_rejects_bad_rows(tmp_path):
    path = bf.write_csv(tmp_path / "Contracts_PrimeTransactions_1.csv", bf.bulk_rows() + bf.BAD_ROWS)
    con = store.connect(tmp_path / "s.duckdb")
    result = bulk_csv.load(con, path)
    assert (result["fetched"], result["loaded"], result["rejected"]) == (2145, 2142, 3)
    assert result["awards"] == 970
    icm = con.execute("SELECT modification_number, transaction_number, transaction_key, action_date, "
                      "federal_action_obligation, source_url FROM stg_transactions "
                      "WHERE award_key = ? AND modification_number IN ('P00009', 'P00012') ORDER BY 1",
                      [bf.ICM_KEY]).fetchall()
    assert [(m, str(d), a) for m, _, _, d, a, _ in icm] == [
        ("P00009", "2025-04-11", Decimal("29898236.00")), ("P00012", "2025-09-25", Decimal("29898236.00"))]
    assert icm[0][2] == "7012_4730_70CTD022FR0000170_P00009_GS35F0086U_0"
    assert icm[0][5] == f"https://www.usaspending.gov/award/{bf.ICM_KEY}/"
    rejects = con.execute("SELECT reason, raw_payload FROM rejects ORDER BY reject_id").fetchall()
    assert [r[0] for r in rejects] == ["action_date: not a date", "federal_action_obligation: not a number",
                                       "contract_award_unique_key: missing"]
    assert json.loads(rejects[1][1])["federal_action_obligation"] == "12,3x4"  # the row itself, as JSON
    award = con.execute("SELECT date_signed, total_obligation, source FROM stg_awards WHERE award_key = ?",
                        [bf.ICM_KEY]).fetchone()
    assert award[0].isoformat() == "2022-09-20" and award[2] == "usaspending_csv"
    run = con.execute("SELECT status, items_fetched, items_loaded, items_rejected FROM crawl_runs").fetchall()
    assert run == [("ok", 2145, 2142, 3)]


def test_search_export_and_bulk_file_leave_one_copy_per_transaction(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    search_csv.load(con, bf.SAMPLE_CSV)
    before = con.execute("SELECT count(*), sum(federal_action_obligation) FROM stg_transactions").fetchone()
    assert before[0] == 2142
    path = bf.write_csv(tmp_path / "Contracts_PrimeTransactions_1.csv", bf.bulk_rows())
    for _ in range(2):
        bulk_csv.load(con, path)
        after = con.execute("SELECT count(*), sum(federal_action_obligation), count(transaction_key), "
                            "count(DISTINCT (award_key, modification_number)) FROM stg_transactions").fetchone()
        assert after == (2142, before[1], 2142, 2142)
    # rows with FPDS transaction number 1 replaced the export's number-less placeholders
    assert con.execute("SELECT count(*) FROM stg_transactions WHERE transaction_number = 1").fetchone()[0] > 0


def test_api_route_and_bulk_route_share_the_transaction_key(tmp_path):
    """An API transaction (id CONT_TX_..._<n>) and the file's row for it merge into one, fields combined."""
    con = store.connect(tmp_path / "s.duckdb")
    sample = next(r for r in bf.sample_rows() if r["Generated Award ID"] == bf.ICM_KEY
                  and r["Modification"] == "P00009")
    api_id = "CONT_TX_" + bf.unique_key(bf.ICM_KEY, "P00009", 0)
    store.merge_records(con, "stg_transactions", [{
        "award_key": bf.ICM_KEY, "modification_number": "P00009", "transaction_number": api_transaction_number(api_id),
        "transaction_key": api_id, "action_date": date(2025, 4, 11), "federal_action_obligation": Decimal("29898236.00"),
        "action_type": "B", "source": "usaspending_api", "source_url": f"https://www.usaspending.gov/award/{bf.ICM_KEY}/",
        "fetched_at": store.now_utc(), "payload_sha256": "x", "recipient_uei": "API-ONLY-FIELD"}])
    path = bf.write_csv(tmp_path / "t.csv", [bf.to_bulk(sample)])
    bulk_csv.load(con, path)
    rows = con.execute("SELECT transaction_number, federal_action_obligation, recipient_uei, recipient_name, source "
                       "FROM stg_transactions").fetchall()
    assert rows == [(0, Decimal("29898236.00"), "API-ONLY-FIELD", "PALANTIR TECHNOLOGIES INC.", "usaspending_csv")]


def test_per_modification_competition_fields_are_kept(ice):
    """Each action keeps its own competition codes (the test rows of per_modification_rows)."""
    got = bf.query(ice["staging"], "SELECT modification_number, extent_competed, other_than_full_and_open, "
                                   "fair_opportunity_limited_sources, solicitation_procedures, number_of_offers "
                                   "FROM stg_transactions WHERE award_key = ? ORDER BY action_date", [PER_MOD_KEY])
    assert got == [("0", "A", None, None, "NP", 3), ("P00009", "C", "URG", "URG", "SSS", 1)]
    # the award row takes the latest action's terms, with the base date as its signing date
    assert bf.query(ice["staging"], "SELECT extent_competed, date_signed::VARCHAR FROM stg_awards WHERE award_key = ?",
                    [PER_MOD_KEY]) == [("C", "2022-09-20")]
    # and the registry's model sees the sole-source modification of a competed award
    reg = duckdb.connect(str(ice["db"]), read_only=True)
    assert reg.execute("SELECT modification_number, extent_competed_plain, sole_source FROM transactions "
                       "WHERE award_key = ? ORDER BY action_date", [PER_MOD_KEY]).fetchall() == [
        ("0", "Competed: full and open competition", False), ("P00009", "Not competed", True)]
    assert reg.execute("SELECT sole_source_modifications, first_sole_source_modification FROM awards "
                       "WHERE award_key = ?", [PER_MOD_KEY]).fetchall() == [(1, "P00009")]
    reg.close()


def test_delta_file_deletes_and_corrects(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    rows = bf.bulk_rows()
    bulk_csv.load(con, bf.write_csv(tmp_path / "full.csv", rows))
    icm = {r["modification_number"]: r for r in rows if r["contract_award_unique_key"] == bf.ICM_KEY}
    deleted = {"correction_delete_ind": "D",
               "contract_transaction_unique_key": icm["P00010"]["contract_transaction_unique_key"]}
    corrected = dict(icm["P00008"], correction_delete_ind="C", federal_action_obligation="1.00",
                     transaction_description="")
    path = bf.write_csv(tmp_path / "FY(All)_070_Contracts_Delta_20261108_1.csv", [deleted, corrected],
                        extra_first=["correction_delete_ind"])
    result = bulk_csv.load(con, path)
    assert (result["fetched"], result["loaded"], result["rejected"], result["deleted"]) == (2, 2, 0, 1)
    mods = dict(con.execute("SELECT modification_number, federal_action_obligation FROM stg_transactions "
                            "WHERE award_key = ?", [bf.ICM_KEY]).fetchall())
    assert "P00010" not in mods and mods["P00008"] == Decimal("1.00")
    # a correction replaces the row whole: the description it blanked is blank
    assert con.execute("SELECT description FROM stg_transactions WHERE award_key = ? AND modification_number = "
                       "'P00008'", [bf.ICM_KEY]).fetchone() == (None,)
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0] == 2141


def test_zip_with_split_csvs_loads_every_part(tmp_path):
    path = tmp_path / "All_PrimeTransactions_2026-11-23.zip"
    bf.transactions_zip(path, bf.bulk_rows(), split=3)
    con = store.connect(tmp_path / "s.duckdb")
    result = bulk_csv.load(con, path)
    assert (result["files"], result["fetched"], result["loaded"]) == (3, 2142, 2142)
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0] == 2142


def test_permalink_used_only_when_it_is_a_web_link(tmp_path):
    rows = [r for r in bf.bulk_rows() if r["contract_award_unique_key"] == bf.ICM_KEY][:2]
    rows[0]["usaspending_permalink"] = "javascript:alert(1)"
    con = store.connect(tmp_path / "s.duckdb")
    bulk_csv.load(con, bf.write_csv(tmp_path / "t.csv", rows))
    urls = {r[0] for r in con.execute("SELECT source_url FROM stg_transactions").fetchall()}
    assert urls == {f"https://www.usaspending.gov/award/{bf.ICM_KEY}/"}


@pytest.mark.parametrize("text", ["not,a,real\n1,2,3\n"])
def test_unknown_csv_is_an_error_and_a_failed_run(tmp_path, text):
    path = tmp_path / "other.csv"
    path.write_text(text)
    con = store.connect(tmp_path / "s.duckdb")
    with pytest.raises(ValueError, match="no USAspending contracts CSV"):
        bulk_csv.load(con, path)
    assert con.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]


def test_a_zip_member_cannot_escape_the_temporary_folder(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../escaped.csv", "a,b\n1,2\n")
    with bulk_csv.csv_files(path) as files:
        assert [f.name for f in files] == ["escaped.csv"]
        assert all(f.parent != tmp_path.parent for f in files)
    assert not (tmp_path.parent / "escaped.csv").exists()


def test_a_structurally_broken_csv_fails_loudly_and_loads_nothing(tmp_path):
    path = bf.write_csv(tmp_path / "Contracts_PrimeTransactions_1.csv", bf.bulk_rows()[:200])
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write('CONT_AWD_X,"an unterminated quote\r\n')
    con = store.connect(tmp_path / "s.duckdb")
    with pytest.raises(ValueError, match="Contracts_PrimeTransactions_1.csv"):
        bulk_csv.load(con, path)
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0] == 0
    assert con.execute("SELECT status FROM crawl_runs").fetchall() == [("failed",)]
