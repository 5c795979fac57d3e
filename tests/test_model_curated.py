"""Curated knowledge (data/*.yaml) is cited, and a broken entry stops the build with a message naming it.

Also the agency components users ask about by name (HSI, ERO) resolve from real office names, with the rule.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml

from registry import build
from registry.core import paths
from registry.model import curated


def test_every_curated_entry_has_a_citation_url():
    caps = curated.load_capabilities(paths.DATA_DIR)
    ids = {c["id"] for c in caps["capabilities"]}
    assert all(c["references"] for c in caps["capabilities"])
    watch = curated.load_watchlist(paths.DATA_DIR, ids)
    assert len(watch) >= 16 and all(w["citations"] for w in watch)
    vend = curated.load_vendor_overrides(paths.DATA_DIR)
    assert all(v["citation"].startswith(("http://", "https://")) for v in vend["vendors"])
    assert all(p["citation"].startswith("https://") for p in vend["never_merge"])
    assert curated.load_annotations(paths.DATA_DIR, ids)
    comps = yaml.safe_load((paths.DATA_DIR / "agency_components.yaml").read_text())["components"]
    assert all(str(c.get("citation", "")).startswith("https://") for c in comps)


def test_watchlist_names_the_issue_companies():
    names = " ".join(w["name"] for w in curated.load_watchlist(
        paths.DATA_DIR, {c["id"] for c in curated.load_capabilities(paths.DATA_DIR)["capabilities"]}))
    for company in ("Palantir", "Clearview", "Babel Street", "LexisNexis", "Thomson Reuters", "Cellebrite",
                    "Magnet Forensics", "Grayshift", "Penlink", "Fivecast", "Anduril", "Flock", "Motorola",
                    "Vigilant", "IDEMIA", "Venntel", "Paragon", "ShadowDragon"):
        assert company in names, company


@pytest.mark.parametrize("file, edit, message", [
    ("vendors.yaml", lambda d: d["vendors"][0].pop("citation"), "vendor 'v:palantir': citation must be an http"),
    ("capabilities.yaml", lambda d: d["rules"][0].update(capability="no_such_thing"), "unknown capability"),
    ("annotations.yaml", lambda d: d["annotations"][0].update(citation="see email"), "citation"),
    ("agency_components.yaml", lambda d: d["components"][0].pop("citation"), "component 'ICE-HSI'"),
])
def test_a_broken_curated_entry_stops_the_build(tmp_path, sample_registry, file, edit, message):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("sample"))
    doc = yaml.safe_load((data / file).read_text())
    edit(doc)
    (data / file).write_text(yaml.safe_dump(doc, sort_keys=False))
    staging = sample_registry.parent / "sample-staging.duckdb"
    out = tmp_path / "registry.duckdb"
    with pytest.raises(curated.CuratedDataError, match=message):
        build.build(staging, out, is_sample=True, data_dir=data)
    assert not out.exists()  # nothing half-built


def test_hsi_and_ero_resolve_from_real_office_names(model_registry):
    """On the real ICE/MN award download's office names (conftest.py's model_registry: the sample has no offices)."""
    con = duckdb.connect(str(model_registry), read_only=True)
    try:
        rows = dict(con.execute(
            "SELECT agency_component_id, count(*) FROM t_award_model "
            "WHERE component_basis IN ('office', 'funding_office') GROUP BY 1"
        ).fetchall())
        rule = con.execute("SELECT component_rule FROM awards WHERE agency_component LIKE 'Enforcement and Removal%' "
                           "AND component_basis IN ('office', 'funding_office') AND component_rule LIKE '%''ENFORCEMENT%' "
                           "LIMIT 1").fetchone()[0]
        # the detention contracting office's name also resolves to ERO (data/agency_components.yaml)
        dcr = con.execute("SELECT agency_component FROM awards WHERE awarding_office = "
                          "'DETENTION COMPLIANCE AND REMOVALS' AND component_basis = 'office' LIMIT 1").fetchone()[0]
        tree = con.execute("SELECT level, count(*) FROM agencies GROUP BY 1").fetchall()
    finally:
        con.close()
    assert rows.get("ICE-HSI", 0) > 0 and rows.get("ICE-ERO", 0) > 0
    assert "office" in rule and "ENFORCEMENT AND REMOVAL" in rule
    assert dcr.startswith("Enforcement and Removal")
    assert {lvl for lvl, _ in tree} == {"department", "subtier", "component", "office"}



def test_a_funding_office_of_another_subtier_names_no_component(model_registry):
    """A real MN record: ICE order HSCEMR16J00025 is paid by CBP's "OFFICE OF TRAINING AND DEVELOPMENT" (funding
    subtier CBP). ICE has an office of that name too (in M&A), so reading the name alone put a CBP office's purchase
    in ICE M&A; the funding office counts only when the paying subtier is the awarding one."""
    con = duckdb.connect(str(model_registry), read_only=True)
    try:
        row = con.execute("SELECT funding_subagency, funding_office, agency_component, component_basis FROM awards "
                          "WHERE award_key = 'CONT_AWD_HSCEMR16J00025_7012_HSCEMS12D00001_7012'").fetchone()
        same_name_in_ice = con.execute(
            "SELECT count(*) FROM awards WHERE funding_office = 'OFFICE OF TRAINING AND DEVELOPMENT' "
            "AND funding_subagency = awarding_subagency AND agency_component LIKE 'ICE Management%' "
            "AND component_basis = 'funding_office'").fetchone()[0]
    finally:
        con.close()
    assert row[:2] == ("U.S. Customs and Border Protection", "OFFICE OF TRAINING AND DEVELOPMENT")
    assert row[3] != "funding_office" and row[2] != "ICE Management and Administration (M&A)"
    assert same_name_in_ice > 0  # ICE's own office of that name still decides for ICE's awards


def test_award_citations_name_real_awards(shared_data):
    """A citation to a USAspending award page must name an award that exists in the real records we hold."""
    import re

    import pandas as pd

    from tests.model_support import MN_FILE, sample_csv_path

    known = set(pd.read_csv(sample_csv_path(), dtype=str)["Generated Award ID"])
    known |= set(pd.read_csv(shared_data / MN_FILE, dtype=str)["contract_award_unique_key"])
    cited = {}
    for f in ("vendors.yaml", "watchlist.yaml", "annotations.yaml", "capabilities.yaml", "agency_components.yaml"):
        for key in re.findall(r"usaspending\.gov/award/([A-Za-z0-9_\-]+)/", (paths.DATA_DIR / f).read_text()):
            cited[key] = f
    assert len(cited) >= 20
    assert not {k: f for k, f in cited.items() if k not in known}
