"""The federal AI use-case inventories as capability evidence, cited on each tag (the load command itself is
tested in tests/ai_inventory)."""

from __future__ import annotations

import duckdb
import pytest

from spiders.ai_inventory.items import parse_piids

INVENTORY = "federal_ai_use_case_inventory"


def test_piids_are_read_from_the_free_text_cell():
    assert parse_piids("70CTD021FR0000248; 70CDCR24FR0000048") == ["70CTD021FR0000248",
                                                                               "70CDCR24FR0000048"]
    assert parse_piids("503102-20-F-0059") == ["50310220F0059"]
    assert parse_piids("SOAR") == [] and parse_piids("PO 6997377") == []
    assert parse_piids(None) == []


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
