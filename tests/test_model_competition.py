"""Competition decoding: every code of the real FPDS table into plain words; unknown stays "not reported"."""

from __future__ import annotations

import csv

import duckdb
import pytest

from registry.core import paths
from registry.model.competition import FIELDS, NOT_REPORTED, decode, sole_source
from tests.model_support import MN_FILE, build_registry

TABLE = paths.DATA_DIR / "code_tables" / "fpds_competition_and_type_codes.csv"
COMPETITION_FIELDS = set(FIELDS.values())


def _rows() -> list[tuple[str, str, str]]:
    with open(TABLE, encoding="utf-8") as f:
        return [(r["field"], r["code"], r["description"]) for r in csv.DictReader(f)
                if r["field"] in COMPETITION_FIELDS]


ROWS = _rows()

# What a contracting officer's code means for "was it competed?", written out here from the FPDS
# definitions (not read from the module): True = not competed, False = competed, None = this field alone
# does not say.
EXPECTED_SOLE_SOURCE = {
    "extent_competed": {"A": False, "B": True, "C": True, "D": False, "E": True, "F": False, "G": True,
                        "CDO": False, "NDO": True},
    "fair_opportunity_limited_sources": {"URG": True, "ONE": True, "FOO": True, "MG": True, "OSA": True,
                                         "SS": True, "FAIR": False, "CSA": False},
    "solicitation_procedures": {"NP": None, "SB": None, "TS": None, "SP1": None, "AE": None, "BR": None,
                                "AS": None, "SSS": True, "MAFO": None},
}


def test_the_table_has_the_four_competition_fields():
    assert {f for f, _, _ in ROWS} == COMPETITION_FIELDS
    assert len(ROWS) == 43


@pytest.mark.parametrize("field, code, description", ROWS, ids=[f"{f}:{c}" for f, c, _ in ROWS])
def test_each_code_decodes_to_plain_words(field, code, description):
    by_code = decode(field, code)
    assert (by_code.code, by_code.description) == (code, description)
    assert by_code.plain and by_code.plain != NOT_REPORTED
    assert by_code.plain != by_code.plain.upper()  # words a reader reads, not the shouted FPDS label
    # sources that give the description instead of the code (the API, re-saved files) decode the same
    assert decode(field, description).code == code
    assert decode(field, description.lower()).code == code
    assert decode(field, f"{code}: {description}").code == code


@pytest.mark.parametrize("field, code, description", ROWS, ids=[f"{f}:{c}" for f, c, _ in ROWS])
def test_each_code_gives_the_sole_source_flag_a_basis(field, code, description):
    args = {"extent_competed": None, "other_than_full_and_open_competition": None,
            "fair_opportunity_limited_sources": None, "solicitation_procedures": None}
    args[field] = code
    flag, basis = sole_source(args["extent_competed"], args["other_than_full_and_open_competition"],
                              args["fair_opportunity_limited_sources"], args["solicitation_procedures"])
    # every other-than-full-and-open reason is a reason for not competing
    expected = True if field == "other_than_full_and_open_competition" else EXPECTED_SOLE_SOURCE[field][code]
    assert flag is expected
    if expected is None:
        assert basis == NOT_REPORTED
    else:
        assert basis == decode(field, code).plain


def test_urgency_and_only_one_source_read_as_the_far_says():
    assert decode("other_than_full_and_open_competition", "URG").plain == "Not competed: urgency (FAR 6.302-2)"
    assert "FAR 6.302-1" in decode("other_than_full_and_open_competition", "ONE").plain
    assert decode("fair_opportunity_limited_sources", "URG").plain.startswith("Fair opportunity not given: urgency")
    assert "only one source" in decode("fair_opportunity_limited_sources", "ONE").plain


@pytest.mark.parametrize("raw", [None, "", "   ", "NAN", "nan", "NULL", "N/A", "XYZ", "COMPETED SOMEHOW"])
@pytest.mark.parametrize("field", sorted(COMPETITION_FIELDS))
def test_unknown_stays_not_reported(field, raw):
    d = decode(field, raw)
    assert (d.code, d.plain) == (None, NOT_REPORTED)


def test_nothing_reported_is_never_competed():
    assert sole_source(None, None, None, None) == (None, NOT_REPORTED)
    # a procedure alone does not say competed
    assert sole_source(None, None, None, "NP") == (None, NOT_REPORTED)


def test_sample_without_competition_fields_says_not_reported(sample_registry):
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        rows = con.execute(
            "SELECT competition_status, sole_source, extent_competed_plain, count(*) FROM competition "
            "WHERE extent_competed_raw IS NULL AND other_than_full_and_open_raw IS NULL "
            "AND fair_opportunity_limited_sources_raw IS NULL AND solicitation_procedures_raw IS NULL GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert [r[:3] for r in rows] == [("not reported", None, "not reported")]
    assert rows[0][3] > 0


def test_real_download_decodes_the_same_from_codes_and_from_descriptions(model_registry, tmp_path_factory,
                                                                          shared_data):
    """The ICE/MN download has each field as a code column and a description column: both must agree. The codes
    build is the session's model_registry (sample + download), read through the public `competition` view; the
    descriptions build is the download alone (the sample has no competition fields) with the competition fields
    loaded as descriptions, built only as far as the competition step's own table (t_award_competition, which the
    view passes through column for column: tests/model_support.py build_only), compared on the download's
    awards."""
    cols = ("award_key, extent_competed_code, other_than_full_and_open_code, "
            "fair_opportunity_limited_sources_code, solicitation_procedures_code, sole_source, sole_source_basis, "
            "competition_status")
    downloaded_keys = ("award_key IN (SELECT contract_award_unique_key FROM read_csv(?, all_varchar = true, "
                       "header = true))")
    results = []
    for as_text in (False, True):
        out, competition = (model_registry, "competition") if not as_text else (
            build_registry(tmp_path_factory.mktemp("comp"), shared_data, with_sample=False, competition_as_text=True,
                           only={"t_award_competition"}), "t_award_competition")
        con = duckdb.connect(str(out), read_only=True)
        try:
            results.append(con.execute(f"SELECT {cols} FROM {competition} WHERE {downloaded_keys} "  # noqa: S608
                                       "ORDER BY award_key", [str(shared_data / MN_FILE)]).fetchall())
            status = dict(con.execute(f"SELECT competition_status, count(*) FROM {competition} "  # noqa: S608
                                      f"WHERE {downloaded_keys} GROUP BY 1", [str(shared_data / MN_FILE)]).fetchall())
            urgency = con.execute(
                f"SELECT count(*) FROM {competition} "  # noqa: S608
                "WHERE sole_source_basis = 'Not competed: urgency (FAR 6.302-2)'").fetchone()[0]
            raw_unknown = con.execute(
                f"SELECT count(*) FROM {competition} WHERE competition_status = 'competed' "  # noqa: S608
                "AND extent_competed_code IS NULL AND fair_opportunity_limited_sources_code IS NULL").fetchone()[0]
        finally:
            con.close()
        assert status.keys() == {"competed", "not competed", "not reported"}
        assert urgency >= 1
        assert raw_unknown == 0
    assert results[0] == results[1]
    assert len(results[0]) == 1369  # every downloaded award, in both builds
