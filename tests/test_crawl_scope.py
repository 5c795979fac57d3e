"""data/crawl_scope.yaml: every subtier in the default scope is spelled exactly as USAspending's agency code
table spells it, under the department it names, and says why it is in scope with a public citation.

Checked against the full code table in ../shared (not only the repository's slice), so a name that drifted
from USAspending's spelling fails here rather than as an empty crawl.
"""

from __future__ import annotations

import csv

import yaml

from registry.core import paths
from tests.conftest import SHARED_DATA

ISSUE_DEPARTMENTS = {"070", "015", "020", "097", "019", "018", "075", "028"}  # DHS DOJ Treasury DoD State USPS HHS SSA
ISSUE_SUBTIERS = {"7009": "Secret Service", "7013": "TSA", "7003": "USCIS", "7001": "OBIM's contracting office",
                  "2050": "IRS"}


def scope() -> dict:
    return yaml.safe_load((paths.DATA_DIR / "crawl_scope.yaml").read_text(encoding="utf-8"))


def code_table() -> dict[str, dict[str, str]]:
    with open(SHARED_DATA / "code_tables" / "agency_codes.csv", encoding="utf-8-sig", newline="") as f:
        return {r["SUBTIER CODE"]: r for r in csv.DictReader(f) if r["SUBTIER CODE"]}


def test_every_code_and_name_is_in_the_agency_code_table_under_its_department():
    table, s = code_table(), scope()
    departments = s["departments"]
    for dept in departments.values():
        assert any(r["CGAC AGENCY CODE"] == dept["cgac"] and r["AGENCY NAME"] == dept["name"] for r in table.values()), dept
    for a in s["agencies"]:
        row = table.get(a["code"])
        assert row is not None, f"{a['code']} is not a subtier code in the agency code table"
        assert row["SUBTIER NAME"] == a["name"], (a["code"], a["name"], row["SUBTIER NAME"])
        assert row["CGAC AGENCY CODE"] == departments[a["department"]]["cgac"], a


def test_every_entry_says_why_and_cites_a_public_record():
    for a in scope()["agencies"]:
        assert len(a["why"]) > 20, a
        assert a["citation"].startswith("https://"), a


def test_the_departments_and_subtiers_the_issue_names_are_in_scope():
    s = scope()
    cgacs = {s["departments"][a["department"]]["cgac"] for a in s["agencies"]}
    assert cgacs == ISSUE_DEPARTMENTS
    codes = {a["code"] for a in s["agencies"]}
    assert set(ISSUE_SUBTIERS) <= codes
    assert len(codes) == len(s["agencies"])  # no subtier listed twice
