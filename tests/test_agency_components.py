"""CBP's contracting divisions: an award's PIID names the division that signed it, and the division's name decides
the component only when it names one (data/contracting_offices.yaml, data/agency_components.yaml).

What a reader checks: a sample award signed by CBP's Air and Marine Contracting Division (PIID 70B02C...) is
counted under Air and Marine Operations, with the rule that says so, unless its own description names another
component; an award of CBP's IT or mission-support
division, which buy for all of CBP, is never given a component its records do not name.
"""

from __future__ import annotations


def test_air_and_marine_division_awards_are_amo_and_say_why(sample_readonly):
    rows = sample_readonly.execute(
        "SELECT agency_component, component_basis, component_rule FROM awards "
        "WHERE agency_subtier_code = '7014' AND upper(piid) LIKE '70B02C%'").fetchall()
    assert rows, "the sample has awards of CBP's Air and Marine Contracting Division"
    by_office = [r for r in rows if r[1] == "piid_office"]
    assert by_office and all(r[0] == "Air and Marine Operations (AMO)" for r in by_office)
    assert all("70B02C (AIR AND MARINE CONTRACTING DIVISION)" in r[2] for r in by_office)
    # the office code is the weakest signal: only an award whose own description names another component (a radio
    # for a Border Patrol station) is counted elsewhere, and its rule says so
    others = [r for r in rows if r[0] != "Air and Marine Operations (AMO)"]
    assert all(r[1] == "description" and "award description names" in r[2] for r in others), others


def test_it_and_mission_support_divisions_name_no_component(sample_readonly):
    named_by_office = sample_readonly.execute(
        "SELECT count(*) FROM awards WHERE agency_subtier_code = '7014' AND component_basis = 'piid_office' "
        "AND (upper(piid) LIKE '70B04C%' OR upper(piid) LIKE '70B06C%')").fetchone()[0]
    assert named_by_office == 0
    unidentified = sample_readonly.execute(
        "SELECT count(*) FROM awards WHERE agency_subtier_code = '7014' AND upper(piid) LIKE '70B04C%' "
        "AND agency_component IS NULL").fetchone()[0]
    assert unidentified > 0
