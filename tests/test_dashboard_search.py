"""Full-text search on the sample (plus test records): what a reporter types finds the right award.

Each expectation is a fact about the records checked with SQL here (the award that names the system, the awards
whose text holds the phrase), so a search that finds nothing, or ranks the wrong award first, fails. How a build
swaps the index folder beside a registry a server is reading is checked with the real rebuild of
tests/test_browser_review.py (one build serves both).
"""

from __future__ import annotations

import pytest

from tests.dashboard_support import MORPHOTRUST_PIID
from tests.test_dashboard_pages import frames, open_page
from tests.test_dashboard_totals import markdown, sql

IMMIGRATIONOS_ORDER = "70CTD022FR0000170"


@pytest.fixture()
def registry(dashboard_registry, monkeypatch):
    """The sample plus the dashboard's test records (conftest.py's dashboard_registry, built once per run)."""
    monkeypatch.setenv("REGISTRY_PATH", str(dashboard_registry))
    return dashboard_registry


def results_for(text: str):
    at = open_page("search", q=text)
    table = next((df for df in frames(at) if "award_page" in df.columns), None)
    return at, table


def piids(table) -> list[str]:
    return [u.rsplit("award=", 1)[1] for u in table.award_page]


def test_system_name_finds_the_award_that_funds_it(registry):
    linked = sql(registry, """SELECT count(*) FROM links WHERE from_kind = 'system' AND from_id = 'immigrationos'
                              AND to_kind = 'award' AND to_id LIKE ?""", [f"%{IMMIGRATIONOS_ORDER}%"])[0]
    assert linked, "the registry links ImmigrationOS to the 2022 ICM order"
    _, table = results_for("ImmigrationOS")
    assert piids(table)[0] == IMMIGRATIONOS_ORDER


def test_former_vendor_name_finds_the_award(registry):
    _, table = results_for("IDEMIA")  # the record says MORPHOTRUST (IDEMIA's former name)
    assert MORPHOTRUST_PIID in piids(table)


def test_abbreviation_finds_open_source_awards(registry):
    at, table = results_for("OSINT")
    assert table is not None and len(table) > 0
    top = sql(registry, "SELECT description FROM awards WHERE piid = ?", [piids(table)[0]])[0]
    assert "OPEN SOURCE" in top.upper()


def test_hyphenated_words_match_the_spaced_phrase(registry):
    expected = sql(registry, "SELECT count(*) FROM search_index WHERE search_text LIKE '%social media%' "
                             "OR search_text LIKE '%social-media%'")[0]
    _, table = results_for("social-media")
    assert len(table) >= min(expected, 1) > 0
    assert "SOCIAL MEDIA" in str(table.matched_text.iloc[0]).upper().replace("-", " ")


def test_quoted_phrase_keeps_word_order(registry):
    _, table = results_for('"license plate reader"')
    assert "WORDS, NAMES OR IDS" not in str(table.matched_in.iloc[0]).upper()
    top = sql(registry, "SELECT search_text FROM search_index WHERE piid = ?", [piids(table)[0]])[0]
    assert "license plate reader" in top or "lpr" in top


def test_brand_finds_the_parent_vendor_awards(registry):
    _, table = results_for("Lexis")
    relx = {r for r in table.vendor}
    assert "RELX" in relx


def test_spelling_slip_still_finds_palantir(registry):
    at, table = results_for("Palantr")
    assert table is not None and (table.vendor == "Palantir Technologies").any()
    assert any("close spellings" in c.value for c in at.caption)


def test_nonsense_finds_nothing_and_says_so(registry):
    at, _ = results_for("zzqxj wvvkp")
    assert any("No award matches" in i.value for i in at.info)
    assert "Best match" not in markdown(at)
