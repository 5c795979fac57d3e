"""Which component bought it: the funding office first, then the awarding office, the description (a component or a
program only one component runs), the PIID's office code; never a guess (registry/model/agencies.py).

What a reader checks, on real records (the ICE Minnesota award-summary download carries funding and awarding office
names; the bundled sample carries descriptions and PIIDs only):
- an award an HSI office paid for through ERO's detention contracting office is HSI's, and the rule says "funding
  office";
- an award funded through the "DHS CLOSEOUT INITIATIVE" or signed by a mission-support office, with nothing else to
  go on, stays "component not identified";
- an award whose description names ICE's Intensive Supervision Appearance Program is ERO's, with the rule naming the
  program and the public page that says ERO runs it;
- a description that names two components' programs decides nothing;
- with the funding offices hidden, the other rules name the same directorate the funding office names.
"""

from __future__ import annotations

import duckdb
import pytest

from registry.model import agencies
from registry.model.curated import CuratedDataError
from tests.model_support import MN_FILE, build_only, load_award_summary

DIRECTORATES = ("ICE-ERO", "ICE-HSI", "ICE-OPLA", "ICE-OPR")


def _rows(registry, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(registry), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_the_funding_office_decides_before_the_contracting_office(model_registry):
    rows = _rows(model_registry, """
        SELECT agency_component, component_basis, component_rule FROM awards
        WHERE funding_office LIKE 'HOMELAND SECURITY INVESTIGATIONS%'
          AND awarding_office = 'DETENTION COMPLIANCE AND REMOVALS'""")
    assert rows, "the MN download has HSI-funded awards signed by ERO's detention contracting office"
    assert {r[0] for r in rows} == {"Homeland Security Investigations (HSI)"}
    assert all(r[1] == "funding_office" and r[2].startswith("funding office 'HOMELAND SECURITY INVESTIGATIONS")
               for r in rows), rows
    ero = _rows(model_registry, """
        SELECT DISTINCT agency_component, component_basis FROM awards
        WHERE funding_office LIKE 'ENFORCEMENT AND REMOVAL OPERATIONS%'""")
    assert ero == [("Enforcement and Removal Operations (ERO)", "funding_office")]


def test_offices_that_buy_for_all_of_ice_name_no_component(model_registry):
    closeout = _rows(model_registry, """
        SELECT count(*), count(*) FILTER (component_basis = 'funding_office'),
               count(*) FILTER (agency_component IS NULL AND awarding_office LIKE 'MISSION SUPPORT%'
                                AND component_basis IS NULL)
        FROM awards WHERE funding_office = 'DHS CLOSEOUT INITIATIVE'""")[0]
    assert closeout[0] > 0 and closeout[1] == 0
    assert closeout[2] > 0, "a closeout award signed by a mission-support office with nothing else stays unnamed"
    # and the Overview's "component not identified" bar holds them (every award without a component)
    unnamed = _rows(model_registry, "SELECT count(*) FROM awards WHERE agency_component IS NULL")[0][0]
    assert unnamed >= closeout[2]


def test_a_program_one_component_runs_decides_and_cites_its_source(sample_readonly):
    rows = sample_readonly.execute(
        "SELECT agency_component, component_basis, component_rule FROM awards "
        "WHERE upper(description) LIKE '%INTENSIVE SUPERVISION APPEARANCE PROGRAM%'").fetchall()
    assert rows, "the sample holds ICE's ISAP (alternatives to detention) orders"
    assert {r[0] for r in rows} == {"Enforcement and Removal Operations (ERO)"}
    by_program = [rule for _, basis, rule in rows if basis == "program"]
    assert by_program, "some ISAP orders name no component, only the program"
    assert all("alternatives to detention (ISAP) program that ICE-ERO runs (source: https://" in r for r in by_program)
    # an order whose text also names ERO itself is decided by that name, the stronger words
    assert all(basis in ("program", "description") for _, basis, _ in rows)


def test_a_description_naming_two_components_programs_stays_unresolved(sample_readonly):
    rows = sample_readonly.execute(
        "SELECT agency_component, component_rule FROM awards WHERE component_basis = 'ambiguous'").fetchall()
    assert rows
    assert all(c is None and "several components" in r for c, r in rows)
    # the IT order that names OPLA's case system and SEVP's system, among others
    both = [r for _, r in rows if "ICE-HSI" in r and "ICE-OPLA" in r]
    assert both, rows


def test_a_program_for_an_unknown_component_stops_the_build(tmp_path):
    (tmp_path / "component_programs.yaml").write_text(
        "programs:\n  - program: towers\n    component: CBP-NOPE\n    pattern: 'TOWER'\n"
        "    citation: https://www.gao.gov/products/gao-18-119\n", encoding="utf-8")
    with pytest.raises(CuratedDataError, match="unknown component 'CBP-NOPE'"):
        agencies._programs(tmp_path, {"CBP-USBP"})
    (tmp_path / "component_programs.yaml").write_text(
        "programs:\n  - program: towers\n    component: CBP-USBP\n    pattern: 'TOWER'\n    citation: see GAO\n",
        encoding="utf-8")
    with pytest.raises(CuratedDataError, match="citation must be an http"):
        agencies._programs(tmp_path, {"CBP-USBP"})


def test_with_funding_offices_hidden_the_other_rules_name_the_same_directorate(tmp_path, shared_data):
    """Held-out check on real records: for the MN awards whose funding office names an ICE directorate (ERO, HSI,
    OPLA, OPR), hide every funding office and rebuild; the awarding-office, description, program and PIID rules
    must name that same directorate for nine in ten of the awards they decide (measured: 42 of 44,
    docs/model-reference.md)."""
    from registry.core import store

    def staging(path, hide_funding: bool):
        con = store.connect(path)
        try:
            load_award_summary(con, shared_data / MN_FILE)
            if hide_funding:
                con.execute("UPDATE stg_awards SET funding_office = NULL")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return path

    full = build_only(staging(tmp_path / "full.duckdb", False), tmp_path / "full-reg.duckdb", {"t_award_agency"})
    held = build_only(staging(tmp_path / "held.duckdb", True), tmp_path / "held-reg.duckdb", {"t_award_agency"})
    con = duckdb.connect()
    try:
        con.execute("ATTACH ? AS f (READ_ONLY)", [str(full)])
        con.execute("ATTACH ? AS h (READ_ONLY)", [str(held)])
        decided, agree = con.execute(
            "SELECT count(h.component_id), count(*) FILTER (h.component_id = f.component_id) "
            "FROM f.t_award_agency f JOIN h.t_award_agency h USING (award_key) "
            "WHERE f.component_basis = 'funding_office' AND f.component_id IN ?", [list(DIRECTORATES)]).fetchone()
    finally:
        con.close()
    assert decided >= 30, "enough held-out awards to measure"
    assert agree / decided >= 0.9, (agree, decided)


def test_every_program_cites_a_public_page_and_its_pattern_compiles():
    """Each data/component_programs.yaml entry names a known component, cites an https page, and its pattern is
    valid RE2 (what DuckDB's regexp functions compile), so a bad entry fails here before a build."""
    from registry.core import paths

    comps = agencies._components(paths.DATA_DIR)
    programs = agencies._programs(paths.DATA_DIR, set(comps.component_id))
    assert len(programs) >= 8
    assert programs.citation.str.startswith("https://").all()
    con = duckdb.connect()
    try:
        for pattern in [*programs.pattern, *programs.unless.dropna()]:
            con.execute("SELECT regexp_matches('X', ?)", [pattern]).fetchall()
    finally:
        con.close()


def test_cbp_border_wall_is_the_facilities_office_program_never_the_border_patrol(sample_readonly):
    """CBP's page places border fence and tactical-infrastructure construction in its Facilities Management and
    Engineering directorate (now OFAM), "in support of" the Border Patrol: the sample's wall and barrier orders are
    OFAM's by the program rule, and none is counted as the Border Patrol's."""
    rows = sample_readonly.execute(
        "SELECT agency_component, component_basis, component_rule FROM awards WHERE agency_subtier_code = '7014' "
        "AND regexp_matches(description, '\\bBORDER (WALL|BARRIERS?)\\b|\\bVERTICAL (BORDER )?BARRIERS?\\b')"
    ).fetchall()
    assert len(rows) >= 30, "the sample holds CBP's border wall orders"
    assert {r[0] for r in rows} == {"CBP Office of Facilities and Asset Management (OFAM, formerly FM&E)"}
    assert all(r[1] == "program" and "(source: https://www.cbp.gov/border-security/" in r[2] for r in rows)


def test_unless_words_keep_a_program_from_deciding(sample_readonly):
    """A program's `unless` words in the same description keep it from deciding (data/component_programs.yaml):
    soft-sided facilities are the Border Patrol's, but not the MPP immigration-hearing tents at ports of entry; an
    order under DHS's TACCOM IDIQ names the contract, not ICE's TACCOM program (its own words name ERO); a review of
    detainee deaths is oversight, not ERO's care of detainees."""
    def one(piid):
        return sample_readonly.execute("SELECT agency_component, component_basis, description FROM awards "
                                       "WHERE piid = ?", [piid]).fetchone()

    ssf = sample_readonly.execute(
        "SELECT DISTINCT agency_component, component_basis FROM awards WHERE agency_subtier_code = '7014' "
        "AND regexp_matches(description, 'SOFT[- ]?SIDED? FACILIT') AND NOT regexp_matches(description, 'MPP')"
    ).fetchall()
    assert ssf == [("U.S. Border Patrol (USBP)", "program")]
    mpp = one("70B03C21F00000091")
    assert "SOFT SIDE FACILITIES" in mpp[2] and "MPP" in mpp[2] and mpp[:2] == (None, None)
    taccom_idiq = one("HSCEDM15J00051")
    assert "DHS TACCOM ID/IQ" in taccom_idiq[2] and taccom_idiq[:2] == (
        "Enforcement and Removal Operations (ERO)", "description")
    death_reviews = one("70CDCR21FR0000019")
    assert "DETAINEE DEATH REVIEWS" in death_reviews[2] and death_reviews[1] == "piid_office"


def test_office_of_trade_is_not_the_office_of_trade_relations():
    """Two CBP offices on the same organization chart: the Office of Trade (a component row) and the Commissioner's
    Office of Trade Relations, which the pattern must not take for it."""
    from registry.core import paths

    comps = agencies._components(paths.DATA_DIR).set_index("component_id")
    pattern = comps.loc["CBP-OT", "description_pattern"]
    con = duckdb.connect()
    try:
        hit = [con.execute("SELECT regexp_matches(?, ?, 'i')", [s, pattern]).fetchone()[0] for s in (
            "CBP OFFICE OF TRADE INTELLECTUAL PROPERTY RIGHTS SOCIAL MEDIA CAMPAIGN", "FOR THE OFFICE OF TRADE.",
            "SUPPORT TO THE OFFICE OF TRADE RELATIONS")]
    finally:
        con.close()
    assert hit == [True, True, False]
