"""Vendor resolution on real recipient names: who is one company, who is a family, who must stay apart.

The names come from the bundled sample (no UEIs) and the real ICE award-summary download in
../shared/data (UEIs, parent UEIs and parent names), so every pair below is a spelling a user meets.
"""

from __future__ import annotations

import duckdb
import pytest

from registry.core import paths
from registry.model import curated
from registry.model.vendors import FUZZY_THRESHOLD, normalise_name, resolve
from tests.model_support import real_recipients

METHODS = {"uei", "name_exact", "name_fuzzy", "override"}
NO_OVERRIDES = {"vendors": [], "never_merge": []}


@pytest.fixture(scope="module")
def recipients():
    return real_recipients()


@pytest.fixture(scope="module")
def curated_matches(recipients):
    matches, vendors = resolve(recipients, curated.load_vendor_overrides(paths.DATA_DIR))
    return matches, vendors


@pytest.fixture(scope="module")
def automatic_matches(recipients):
    """The automatic steps alone (data/vendors.yaml ignored): what the records and the matcher decide."""
    return resolve(recipients, NO_OVERRIDES)


def _vendor(matches, name: str) -> set[str]:
    hit = matches.loc[matches["recipient_name"] == name, "vendor_id"]
    assert len(hit), f"{name!r} is not a recipient in the real data"
    return set(hit)


def _family(matches, name: str) -> set[str]:
    return set(matches.loc[matches["recipient_name"] == name, "family_vendor_id"])


def test_name_variants_in_the_sample_become_one_vendor_without_overrides(automatic_matches):
    matches, _ = automatic_matches
    assert _vendor(matches, "PEN-LINK, LIMITED") == _vendor(matches, "PEN-LINK, LTD")
    assert _vendor(matches, "MAGNET FORENSICS, LLC") == _vendor(matches, "MAGNET FORENSICS USA INC")
    pen = matches[matches["recipient_name"].str.startswith("PEN-LINK")]
    assert set(pen["method"]) == {"name_exact"}
    assert pen["evidence"].str.contains("PEN LINK").all()


@pytest.mark.parametrize("a, b", [
    ("PARAGON SOLUTIONS (US) INC", "PARAGON PROFESSIONAL SERVICES LLC"),  # spyware vs detention guards
    ("ACUITY INC", "ACUITY INTERNATIONAL, LLC"),
    ("ACUITY INC", "ACUITY-CHS, LLC"),
    ("CACI NSS, LLC", "CACI-ISS, LLC"),
    ("NORTHROP GRUMMAN SYSTEMS CORPORATION", "NORTHROP GRUMMAN INNOVATION SYSTEMS LLC"),
])
def test_different_companies_sharing_words_do_not_merge(automatic_matches, curated_matches, a, b):
    for matches, _ in (automatic_matches, curated_matches):
        assert _vendor(matches, a).isdisjoint(_vendor(matches, b)), (a, b)


def test_threshold_sits_between_real_spelling_slips_and_real_different_companies():
    from rapidfuzz import fuzz

    same = fuzz.ratio(normalise_name("REGENTS OF THE UNIVERSITY OF MINNESOTA"),
                      normalise_name("REGENTS OF UNIVERSITY OF MINNESOTA"))
    different = fuzz.ratio(normalise_name("CACI NSS, LLC"), normalise_name("CACI-ISS, LLC"))
    assert different < FUZZY_THRESHOLD <= same


def test_fuzzy_match_keeps_its_score(automatic_matches):
    matches, _ = automatic_matches
    regents = matches[matches["recipient_name"].str.contains("REGENTS OF", regex=False)]
    assert regents["vendor_id"].nunique() == 1
    fuzzy = regents[regents["method"] == "name_fuzzy"]
    assert len(fuzzy) >= 1
    assert (fuzzy["score"] >= FUZZY_THRESHOLD).all()
    assert fuzzy["evidence"].str.contains("rapidfuzz").all()


def test_every_link_has_a_known_method_and_evidence(automatic_matches, curated_matches):
    for matches, _ in (automatic_matches, curated_matches):
        assert set(matches["method"]) <= METHODS
        assert matches["evidence"].notna().all()
        assert matches.loc[matches["method"] != "name_fuzzy", "score"].isna().all()
        assert set(matches["parent_method"].dropna()) <= {"override", "parent_uei", "parent_name"}
    assert set(curated_matches[0]["method"]) >= {"uei", "name_exact", "override"}


def test_parent_uei_from_the_records_makes_a_family(automatic_matches):
    matches, vendors = automatic_matches
    # Real ICE/MN records: both name parent VISTA OUTDOOR INC. (UEI GATNKP3AQ924).
    sales, cartridge = _vendor(matches, "VISTA OUTDOOR SALES LLC"), _vendor(matches, "FEDERAL CARTRIDGE COMPANY")
    assert sales.isdisjoint(cartridge)  # two companies...
    assert _family(matches, "VISTA OUTDOOR SALES LLC") == _family(matches, "FEDERAL CARTRIDGE COMPANY")  # ...one family
    row = vendors.set_index("vendor_id").loc[next(iter(sales))]
    assert row["parent_method"] == "parent_uei"
    assert "GATNKP3AQ924" in row["parent_evidence"]


def test_curated_families_of_the_issue(curated_matches):
    matches, vendors = curated_matches
    assert _family(matches, "WEST PUBLISHING CORPORATION") == {"v:thomson-reuters"}
    assert _family(matches, "THOMSON REUTERS SPECIAL SERVICES LLC") == {"v:thomson-reuters"}
    for name in ("LEXISNEXIS RISK SOLUTIONS INC", "LEXISNEXIS SPECIAL SERVICES INC", "RELX INC."):
        assert _family(matches, name) == {"v:relx"}, name
    # West's sample rows (no UEI) and its UEI-bearing rows are one vendor
    assert _vendor(matches, "WEST PUBLISHING CORPORATION") == {"v:west-publishing"}
    # Palantir's two names of the issue: two vendors (company and subsidiary), one family
    extra = real_recipients().head(0)
    extra.loc[0] = ["|PALANTIR USG INC", "PALANTIR USG INC", None, None, None, 1]
    m2, _ = resolve(extra, curated.load_vendor_overrides(paths.DATA_DIR))
    assert set(m2["family_vendor_id"]) == {"v:palantir"}
    assert set(m2["method"]) == {"override"}
    cites = vendors.loc[vendors["basis"] == "override", "citation"]
    assert cites.str.match(r"https?://").all()


def test_a_wrong_merge_is_undone_in_vendors_yaml(recipients):
    """A curator who finds the fuzzy Regents merge wrong adds a cited never_merge pair, and it is undone."""
    a, b = "REGENTS OF THE UNIVERSITY OF MINNESOTA", "REGENTS OF UNIVERSITY OF MINNESOTA"
    undo = {"vendors": [], "never_merge": [{"names": [a, b], "citation": "https://example.org/why"}]}
    matches, _ = resolve(recipients, undo)
    assert _vendor(matches, a).isdisjoint(_vendor(matches, b))
    # and a curated vendor moves a recipient out of whatever cluster the automatic steps made
    move = {"vendors": [{"id": "v:west", "name": "West", "citation": "https://example.org/w",
                         "match": {"ueis": ["L997DB4PEJL8"]}}], "never_merge": []}
    matches, _ = resolve(recipients, move)
    moved = matches[matches["recipient_uei"] == "L997DB4PEJL8"]
    assert set(moved["vendor_id"]) == {"v:west"} and set(moved["method"]) == {"override"}
    assert moved["evidence"].str.contains("example.org/w").all()


def test_palantir_ice_awards_resolve_to_one_vendor(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        rows = con.execute(
            "SELECT DISTINCT a.vendor_id, a.family_vendor_id FROM awards a "
            "WHERE a.recipient_name ILIKE '%palantir%' AND a.agency_subtier_abbreviation = 'ICE'"
        ).fetchall()
        n_awards = con.execute("SELECT count(*) FROM awards WHERE recipient_name ILIKE '%palantir%'").fetchone()[0]
    finally:
        con.close()
    assert n_awards >= 5
    assert rows == [("v:palantir", "v:palantir")]


def test_vendor_matches_in_a_registry_built_with_ueis(model_registry):
    """End to end: the real award-summary download (UEIs, parents) plus the sample, through the build (the
    session's model_registry, which also holds the AI inventories: they add no recipients)."""
    con = duckdb.connect(str(model_registry), read_only=True)
    try:
        methods = {m for (m,) in con.execute("SELECT DISTINCT method FROM vendor_matches").fetchall()}
        parent = {m for (m,) in con.execute("SELECT DISTINCT parent_method FROM vendor_matches "
                                            "WHERE parent_method IS NOT NULL").fetchall()}
        west = con.execute("SELECT count(DISTINCT vendor_id), count(*) FROM vendor_matches "
                           "WHERE recipient_name = 'WEST PUBLISHING CORPORATION'").fetchone()
        orphans = con.execute("SELECT count(*) FROM t_awards a LEFT JOIN vendor_matches m USING (recipient_key) "
                              "WHERE m.vendor_id IS NULL").fetchone()[0]
    finally:
        con.close()
    assert methods <= METHODS and {"uei", "name_exact", "override", "name_fuzzy"} <= methods
    assert parent == {"override", "parent_uei"}
    assert west == (1, 2)  # the sample's spelling without UEI and the download's with UEI L997DB4PEJL8
    assert orphans == 0
