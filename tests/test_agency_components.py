"""CBP's contracting divisions: an award's PIID names the division that signed it, and the division's name decides
the component only when it names one (data/contracting_offices.yaml, data/agency_components.yaml).

What a reader checks: a sample award signed by CBP's Air and Marine Contracting Division (PIID 70B02C...) is
counted under Air and Marine Operations, with the rule that says so, unless its own description names another
component or a program another component runs; an award of CBP's IT or mission-support
division, which buy for all of CBP, is never given a component its records do not name.
"""

from __future__ import annotations

from decimal import Decimal

from dashboard import format as fmt
from tests.conftest import ROOT
from tests.test_dashboard_pages import frames, open_page


def test_air_and_marine_division_awards_are_amo_and_say_why(sample_readonly):
    rows = sample_readonly.execute(
        "SELECT agency_component, component_basis, component_rule FROM awards "
        "WHERE agency_subtier_code = '7014' AND upper(piid) LIKE '70B02C%'").fetchall()
    assert rows, "the sample has awards of CBP's Air and Marine Contracting Division"
    by_office = [r for r in rows if r[1] == "piid_office"]
    assert by_office and all(r[0] == "Air and Marine Operations (AMO)" for r in by_office)
    assert all("70B02C (AIR AND MARINE CONTRACTING DIVISION)" in r[2] for r in by_office)
    # the office code is the weakest signal: only an award whose own description names another component (a radio
    # for a Border Patrol station) or a program another component runs (the Border Patrol's mobile video
    # surveillance systems) is counted elsewhere, and its rule says so
    others = [r for r in rows if r[0] != "Air and Marine Operations (AMO)"]
    assert all(r[1] in ("description", "program") and "award description names" in r[2] for r in others), others


def test_it_and_mission_support_divisions_name_no_component(sample_readonly):
    named_by_office = sample_readonly.execute(
        "SELECT count(*) FROM awards WHERE agency_subtier_code = '7014' AND component_basis = 'piid_office' "
        "AND (upper(piid) LIKE '70B04C%' OR upper(piid) LIKE '70B06C%')").fetchone()[0]
    assert named_by_office == 0
    unidentified = sample_readonly.execute(
        "SELECT count(*) FROM awards WHERE agency_subtier_code = '7014' AND upper(piid) LIKE '70B04C%' "
        "AND agency_component IS NULL").fetchone()[0]
    assert unidentified > 0


def test_every_cbp_division_names_the_office_that_signed_and_no_guessed_component(sample_readonly):
    """Each of CBP's contracting divisions in data/contracting_offices.yaml names its awards' office; the Border
    Enforcement and Administration-Facilities-Training divisions buy for several components, so their name alone
    never decides one."""
    from registry.core.yamlfile import safe_load

    listed = safe_load((ROOT / "data" / "contracting_offices.yaml").read_text(encoding="utf-8"))["offices"]
    offices = {o["code"]: o["name"] for o in listed if o["subtier_code"] == "7014"}
    assert {"70B01C", "70B03C"} <= set(offices)
    for code, name in offices.items():
        rows = sample_readonly.execute(
            "SELECT DISTINCT agency_office, agency_office_code, agency_office_basis FROM awards "
            "WHERE agency_subtier_code = '7014' AND upper(piid) LIKE ? || '%'", [code]).fetchall()
        assert rows == [(name, code, "PIID office code")], (code, rows)
    by_office = sample_readonly.execute(
        "SELECT count(*) FROM awards WHERE component_basis = 'piid_office' "
        "AND (upper(piid) LIKE '70B01C%' OR upper(piid) LIKE '70B03C%')").fetchone()[0]
    assert by_office == 0


def test_overview_by_contracting_office_counts_each_award_once_and_says_how_many_are_named(sample_registry,
                                                                                         sample_readonly,
                                                                                         monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("overview", scope="all", agencies="offices")
    assert at.segmented_control(key="overview-agency-level").value == "Contracting offices"
    table = next(df for df in frames(at) if "office" in df.columns and "named_by" in df.columns)
    n, total, named, named_total = sample_readonly.execute(
        "SELECT count(*), sum(obligated_amount), count(agency_office), "
        "sum(obligated_amount) FILTER (agency_office IS NOT NULL) FROM awards").fetchone()
    assert table.awards.sum() == n
    assert Decimal(str(table.obligated.sum())).quantize(Decimal("0.01")) == total
    assert table[table.office == "office not identified"].awards.sum() == n - named
    for office, awards in sample_readonly.execute(
            "SELECT agency_office, count(*) FROM awards WHERE agency_office IS NOT NULL GROUP BY 1").fetchall():
        assert table[table.office == office].awards.sum() == awards, office
    caption = next(c.value for c in at.caption if "The office is named for" in c.value)
    share = fmt.pct(float(named_total) / float(total))
    assert f"named for {named:,} of {n:,} awards ({share} of the dollars)" in caption
    assert named > n / 2, "the sample's search export gives no office, but the PIID names one for most awards"


def test_overview_says_how_many_awards_each_rule_attributed(sample_registry, sample_readonly, monkeypatch):
    """The Top agencies caption names every rule that attributed a component and how many awards it decided, as
    SQL over `awards.component_basis` counts them (awards left ambiguous are not claimed)."""
    from dashboard.queries import COMPONENT_RULES

    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("overview", scope="all", agencies="components")
    caption = next(c.value for c in at.caption if "Components are attributed for" in c.value)
    by_rule = sample_readonly.execute("SELECT component_basis, count(*) FROM awards WHERE agency_component IS NOT NULL "
                                      "GROUP BY 1").fetchall()
    assert {"program", "description", "piid_office"} <= {b for b, _ in by_rule}
    for basis, n in by_rule:
        assert f"{COMPONENT_RULES[basis]} ({n:,} awards)" in caption, (basis, n, caption)
    named, total = sample_readonly.execute("SELECT count(agency_component), count(*) FROM awards").fetchone()
    assert f"attributed for {named:,} of {total:,} awards" in caption
    assert sum(n for _, n in by_rule) == named


def test_agency_page_says_which_rule_attributed_each_component_row(sample_registry, sample_readonly, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("agency", agency="comp:ICE-ERO", section="Subtiers, components and offices")  # its tab
    table = next(df for df in frames(at) if "attributed_by" in df.columns and "component" in df.columns)
    shown = table.groupby("attributed_by").awards.sum().to_dict()
    expected = dict(sample_readonly.execute(
        "SELECT component_basis, count(*) FROM awards WHERE agency_component = 'Enforcement and Removal Operations (ERO)' GROUP BY 1").fetchall())
    assert shown == expected
    assert "program" in shown, "ERO's detention and alternatives-to-detention orders are attributed by their program"
    from dashboard.queries import COMPONENT_RULES

    caption = next(c.value for c in at.caption if c.value.startswith("Attributed to this component by"))
    for basis, n in expected.items():
        assert f"{COMPONENT_RULES[basis]} ({n:,} awards)" in caption, (basis, n, caption)


def test_surveillance_scope_rule_counts_add_up_to_the_attributed_awards(sample_registry, monkeypatch):
    """On the default (surveillance-tagged) scope the per-rule counts in the caption add up to the awards the
    table shows under a named component: every attributed award is decided by exactly one rule."""
    import re

    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("overview", agencies="components")
    table = next(df for df in frames(at) if "component" in df.columns and "subtier" in df.columns)
    named = int(table[table.component != "component not identified"].awards.sum())
    caption = next(c.value for c in at.caption if "Components are attributed for" in c.value)
    per_rule = [int(n.replace(",", "")) for n in re.findall(r"\((\d[\d,]*) awards\)", caption)]
    assert per_rule and sum(per_rule) == named, (per_rule, named, caption)
    assert f"attributed for {named:,} of {int(table.awards.sum()):,} awards" in caption


def test_most_awards_name_a_component(sample_readonly, model_registry):
    """Issue 17's "most awards": more than half of the sample's awards, and of the sample with the ICE Minnesota
    download, name a component (docs/model-reference.md gives the counts and how each rule was checked)."""
    import duckdb

    named, total = sample_readonly.execute("SELECT count(agency_component), count(*) FROM awards").fetchone()
    assert 2 * named > total, (named, total)
    con = duckdb.connect(str(model_registry), read_only=True)
    try:
        named, total = con.execute("SELECT count(agency_component), count(*) FROM awards").fetchone()
    finally:
        con.close()
    assert 2 * named > total, (named, total)
