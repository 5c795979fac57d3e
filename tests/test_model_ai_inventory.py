"""The federal AI use-case inventories as capability evidence: loaded by a command, cited on each tag."""

from __future__ import annotations

import duckdb
import pytest

from spiders.ai_inventory.items import parse_piids
from tests.conftest import invoke_cli

INVENTORY = "federal_ai_use_case_inventory"


def test_piids_are_read_from_the_free_text_cell():
    assert parse_piids("70CTD021FR0000248; 70CDCR24FR0000048") == ["70CTD021FR0000248",
                                                                               "70CDCR24FR0000048"]
    assert parse_piids("503102-20-F-0059") == ["50310220F0059"]
    assert parse_piids("SOAR") == [] and parse_piids("PO 6997377") == []
    assert parse_piids(None) == []


def test_load_command_fills_staging(tmp_path, shared_data):
    staging = tmp_path / "staging.duckdb"
    proc = invoke_cli("load", "ai-inventory-csv", str(shared_data / INVENTORY), "--staging", str(staging))
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(staging), read_only=True)
    try:
        n, years, palantir = con.execute(
            "SELECT count(*), list(DISTINCT inventory_year ORDER BY inventory_year), "
            "count(*) FILTER (vendor_name ILIKE '%palantir%') FROM stg_ai_use_cases").fetchone()
        babel = con.execute("SELECT count(*) FROM stg_ai_use_cases WHERE list_contains(piids, '70B03C23F00001059')"
                            ).fetchone()[0]
    finally:
        con.close()
    con = duckdb.connect(str(staging), read_only=True)
    per_year = dict(con.execute("SELECT inventory_year, count(*) FROM stg_ai_use_cases GROUP BY 1").fetchall())
    rejected = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    con.close()
    # every row of the 2024 and 2025 files is a use case or a reject (2025 has one row without a name; identical
    # copies of a row, 3 in 2024 and 2 in 2025, are one use case each and their copies rejects)
    assert per_year[2024] == 2130 and per_year[2024] + per_year[2025] + rejected == 2133 + 3611
    assert n == sum(per_year.values()) and years == [2023, 2024, 2025] and palantir >= 1
    assert babel >= 1  # CBP "Babel" names its order in the 2024 inventory
    bad = invoke_cli("load", "ai-inventory-csv", str(tmp_path), "--staging", str(staging))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def con(model_registry):
    """The sample + the real ICE/MN award download + the real inventories (conftest.py, built once per run)."""
    c = duckdb.connect(str(model_registry), read_only=True)
    yield c
    c.close()


def test_inventory_confirms_palantirs_targeting_with_a_citation(con):
    row = con.execute(
        "SELECT rule_id, matched_text, source_url, confidence FROM award_capabilities "
        "WHERE piid = '70CTD022FR0000170' AND method = 'ai_inventory' AND capability_id = 'risk_scoring_targeting'"
    ).fetchone()
    assert row is not None
    assert row[0] == "ai_inventory:DHS-2578" and "Enhanced Lead Identification and Targeting" in row[1]
    assert row[2].startswith("https://github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/")
    assert 0 < row[3] < 1


def test_inventory_tags_only_what_the_vendor_sells(con):
    """DHS-35 (Anduril towers) says "This is not a biometric system": no biometrics tag may come of it."""
    caps = {c for (c,) in con.execute(
        "SELECT DISTINCT capability_id FROM award_capabilities WHERE rule_id = 'ai_inventory:DHS-35'").fetchall()}
    assert caps == {"towers_sensors_drones"}
    piid_tags = con.execute("SELECT count(*) FROM award_capabilities WHERE method = 'ai_inventory' "
                            "AND matched_text LIKE '%names PIID%'").fetchone()[0]
    assert piid_tags >= 1
