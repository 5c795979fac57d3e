"""The bundled offline sample tells the ImmigrationOS story from public records, through the real code paths."""

from __future__ import annotations

import csv
import json

import duckdb

from tests.conftest import ROOT, run_cli

AWARD = "70CTD022FR0000170"


def test_sample_is_small_and_documented():
    sample = ROOT / "data" / "sample"
    total = sum(p.stat().st_size for p in sample.rglob("*") if p.is_file())
    assert total <= 10 * 1024 * 1024, f"sample is {total / 1e6:.1f} MB"
    readme = (sample / "README.md").read_text()
    import yaml

    for entry in yaml.safe_load((sample / "manifest.yaml").read_text())["files"]:
        assert (sample / entry["path"]).exists()
        assert entry["path"] in readme, f"{entry['path']} not described in data/sample/README.md"


def test_immigrationos_modifications_via_registry_sql(sample_registry):
    proc = run_cli(
        "sql", "--db", str(sample_registry), "--format", "json",
        f"SELECT modification_number, action_date, federal_action_obligation FROM transactions "
        f"WHERE piid = '{AWARD}' AND modification_number IN ('P00009', 'P00012') ORDER BY action_date",
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows == [
        {"modification_number": "P00009", "action_date": "2025-04-11", "federal_action_obligation": "29898236.00"},
        {"modification_number": "P00012", "action_date": "2025-09-25", "federal_action_obligation": "29898236.00"},
    ]


def test_whole_history_of_the_icm_order_is_in_the_sample(sample_registry, shared_data):
    src = shared_data / "usaspending_cbp_ice_transactions" / "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"
    with open(src, newline="", encoding="utf-8") as f:
        expected = {(r["Modification"], r["Action Date"]) for r in csv.DictReader(f) if r["Award ID"] == AWARD}
    con = duckdb.connect(str(sample_registry), read_only=True)
    got = {(m, d.isoformat()) for m, d in con.execute(
        "SELECT modification_number, action_date FROM transactions WHERE piid = ?", [AWARD]).fetchall()}
    assert got == expected
    assert len(got) >= 14


def test_every_row_carries_its_source_and_nothing_is_invented(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    for view in ("awards", "transactions"):
        missing = con.execute(
            f"SELECT count(*) FROM {view} WHERE source_url IS NULL OR NOT starts_with(source_url, 'https://')"
        ).fetchone()[0]
        assert missing == 0, f"{view} rows without an https source_url"
    # The transaction export gives no award totals or competition fields: they must stay NULL, not be made up.
    row = con.execute(
        "SELECT total_obligation, base_and_all_options, award_basis FROM awards "
        "WHERE award_key = 'CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730'"
    ).fetchone()
    assert row[2] in ("award record", "transactions only")
    if row[2] == "transactions only":
        assert row[0] is None and row[1] is None


def test_sample_flag_for_the_banner(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    meta = dict(con.execute("SELECT key, value FROM registry_meta").fetchall())
    assert meta["is_sample"] == "true"
    assert "cbp-ice-dashboard" in meta["sample_description"]
