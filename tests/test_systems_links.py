"""Named systems, the cross-source `links` view and the timeline: the ImmigrationOS story from the records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from registry.core import paths
from registry.systems import load_systems

ICM = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"


@pytest.fixture(scope="module")
def reg(sample_readonly):
    return sample_readonly


def test_immigrationos_links_to_modifications_p00009_and_p00012(reg):
    rows = reg.execute("SELECT to_id, method, confidence, evidence FROM links WHERE from_kind = 'system' "
                       "AND from_id = 'immigrationos' AND to_kind = 'transaction' ORDER BY to_id").fetchall()
    assert [(t, m, c) for t, m, c, _ in rows] == [(f"{ICM}|P00009|0", "curated_modification", 1.0),
                                                  (f"{ICM}|P00012|0", "curated_modification", 1.0)]
    assert "(2025-04-11, $29,898,236.00)" in rows[0][3] and "(2025-09-25, $29,898,236.00)" in rows[1][3]
    award = reg.execute("SELECT to_id, evidence FROM links WHERE from_id = 'immigrationos' AND to_kind = 'award'"
                        ).fetchall()
    assert award[0][0] == ICM and "not a new award" in award[0][1]
    vendor = reg.execute("SELECT to_id FROM links WHERE from_id = 'immigrationos' AND to_kind = 'vendor'").fetchall()
    assert vendor == [("v:palantir",)]


def test_systems_view_says_the_money_came_as_modifications(reg):
    row = reg.execute("SELECT funded_as, modification_count, modification_obligations, award_count, vendor_name "
                      "FROM systems WHERE system_id = 'immigrationos'").fetchone()
    assert row == ("modifications P00009, P00012 of 70CTD022FR0000170, not a new award", 2,
                   Decimal("59796472.00"), 1, "Palantir Technologies")
    mods = reg.execute("SELECT modification_number, action_date, federal_action_obligation, funded_as, "
                       "competition_check FROM system_modifications WHERE system_id = 'immigrationos' "
                       "ORDER BY action_date").fetchall()
    assert [(m, d, a) for m, d, a, _, _ in mods] == [("P00009", date(2025, 4, 11), Decimal("29898236.00")),
                                                     ("P00012", date(2025, 9, 25), Decimal("29898236.00"))]
    assert mods[0][3] == "modification P00009 of 70CTD022FR0000170, not a new award"
    # The sample's transactions carry no competition codes: the check says so rather than guessing.
    assert mods[0][4] == "award-level competition not reported in the records held"


def test_other_systems_link_to_inventory_entries_and_a_modification_naming_them(reg):
    assert reg.execute("SELECT to_id FROM links WHERE from_id = 'elite' AND to_kind = 'ai_use_case'").fetchall() == [
        ("2025:DHS-2578",)]
    assert sorted(reg.execute("SELECT to_id FROM links WHERE from_id = 'mobile_fortify' "
                              "AND to_kind = 'ai_use_case'").fetchall()) == [("2025:DHS-2577",), ("2025:DHS-2731",)]
    # P00012's description names "Enhanced Leads Identification and Targeting for Enforcement" (ELITE).
    elite = reg.execute("SELECT modification_number, link_method, link_confidence FROM system_modifications "
                        "WHERE system_id = 'elite'").fetchall()
    assert elite == [("P00012", "alias_in_modification_description", 0.6)]


def test_award_timeline_is_every_dated_record_in_order(reg):
    rows = reg.execute("SELECT event_date, record_kind, record_id, amount, source_url FROM timeline "
                       "WHERE subject_kind = 'award' AND subject_id = ? ORDER BY event_date, record_kind",
                       [ICM]).fetchall()
    kinds = [k for _, k, _, _, _ in rows]
    assert kinds[0] == "award" and rows[0][0] == date(2022, 9, 20)
    assert kinds.count("modification") == 13 and kinds.count("base_award_action") == 1
    dated = {r[2]: (r[0], r[3]) for r in rows}
    assert dated[f"{ICM}|P00009|0"] == (date(2025, 4, 11), Decimal("29898236.00"))
    assert dated[f"{ICM}|P00012|0"] == (date(2025, 9, 25), Decimal("29898236.00"))
    assert all(r[4] and r[4].startswith("https://") for r in rows)
    system = reg.execute("SELECT record_kind, record_id FROM system_timeline WHERE system_id = 'elite' "
                         "ORDER BY event_date").fetchall()
    assert ("ai_use_case", "2025:DHS-2578") in system


def test_links_and_timeline_views_are_described(reg):
    for view in ("links", "timeline", "system_timeline", "systems", "system_modifications"):
        comments = dict(reg.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?",
                                    [view]).fetchall())
        assert comments and all(comments.values()), view
    sources = {s for (s,) in reg.execute("SELECT DISTINCT link_source FROM links").fetchall()}
    assert {"ai_inventory", "systems"} <= sources
    assert reg.execute("SELECT count(*) FROM links WHERE confidence NOT BETWEEN 0 AND 1 OR evidence IS NULL "
                       "OR method IS NULL").fetchone()[0] == 0


def test_every_curated_system_cites_its_sources(tmp_path):
    systems = load_systems(paths.DATA_DIR)
    assert {s["id"] for s in systems} >= {"immigrationos", "icm", "elite", "falcon", "mobile_fortify"}
    assert all(c["url"].startswith("https://") for s in systems for c in s["citations"])
    uncited = {"systems": [{"id": "x", "name": "X", "citations": []}]}
    (tmp_path / "systems.yaml").write_text(yaml.safe_dump(uncited))
    with pytest.raises(ValueError, match="has no citation"):
        load_systems(Path(tmp_path))


def test_modification_justification_beside_the_award_level_code(contradictions_registry):
    """Sample + SAM's J&A fixture (constructed, names P00009) + an award-level code saying the order was competed
    (source_fixtures.stage_contradictions)."""
    reg = duckdb.connect(str(contradictions_registry), read_only=True)
    rows = reg.execute("SELECT modification_number, award_competition_status, justification_notices, "
                       "award_justification_notices, competition_check FROM system_modifications "
                       "WHERE system_id = 'immigrationos' ORDER BY modification_number").fetchall()
    timeline = reg.execute("SELECT record_kind FROM timeline WHERE subject_id = ? AND record_kind = 'sam_notice'",
                           [ICM]).fetchall()
    reg.close()
    (p9, p9_award, p9_ja, _, p9_check), (p12, _, p12_ja, p12_award_ja, p12_check) = rows
    # The J&A names P00009: it is that modification's justification; P00012 only sees it at award level.
    assert p9 == "P00009" and "FAR 6.302-2" in p9_ja
    assert p12 == "P00012" and p12_ja is None and "FAR 6.302-2" in p12_award_ja
    assert p9_award == "competed" and p9_check.startswith("disagree: award reported as competed")
    assert "J&A 0000000000000000000000000000fa01" in p9_check
    assert p12_check == ("award reported as competed; this modification reports no competition fields and has no "
                         "J&A of its own")
    assert timeline == [("sam_notice",)]


def test_docs_name_every_view_and_command_of_part_a():
    docs = (paths.ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    for name in ("`ai_use_cases`", "`privacy_notices`", "`systems`", "`system_modifications`", "`links`",
                 "`timeline`", "`system_timeline`", "registry crawl ai-inventory", "registry crawl federal-register",
                 "registry load ai-inventory-csv", "AI_INVENTORY_URLS", "FEDERAL_REGISTER_API_URL"):
        assert name in docs, name
