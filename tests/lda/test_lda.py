"""LDA spider: a real recorded filings page field by field, paging, rejects, the vendor link by name with a
confidence, and per-quarter amounts, issues and agencies contacted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest

from spiders.lda.build import match_name
from spiders.lda.spider import LdaFilingsSpider, watchlist_vendor_names
from tests.source_fixtures import FILES, offline, response, split

API = "http://127.0.0.1:9/api/v1/filings/"
PAGE1 = FILES / "lda" / "files" / "filings_2024_page1.json"          # real recorded response (see README there)
PAGE2 = FILES / "lda" / "files" / "constructed_page2_palantir.json"  # constructed, marked TEST FIXTURE


def _spider(**kw) -> LdaFilingsSpider:
    return offline(LdaFilingsSpider(api_url=API, **kw))


def test_queries_by_vendor_as_client_and_registrant(monkeypatch):
    monkeypatch.delenv("LDA_API_KEY", raising=False)
    spider = _spider(vendors="Palantir Technologies|Babel Street", years="2024,2025")
    assert spider.roles == ["client", "registrant"] and spider.years == [2024, 2025]
    assert spider.query_url("client", "Palantir Technologies", 2024) == (
        API + "?client_name=Palantir+Technologies&page_size=25&filing_year=2024"
    )
    assert spider.download_delay == 4.0  # anonymous: 15 requests a minute
    assert "Authorization" not in spider._headers()


def test_key_goes_in_the_documented_header(monkeypatch):
    monkeypatch.setenv("LDA_API_KEY", "lda-test-key-123")
    spider = _spider(vendors="Palantir Technologies")
    assert spider._headers()["Authorization"] == "Token lda-test-key-123"
    assert spider.download_delay == 0.5


def test_vendor_names_come_from_the_watchlist_when_present(tmp_path):
    (tmp_path / "watchlist.yaml").write_text(
        "vendors:\n  - {id: palantir, name: Palantir Technologies}\n"
        "  - {id: west, name: Thomson Reuters, lda_names: [THOMSON REUTERS, West Publishing]}\n  - Babel Street\n"
    )
    assert watchlist_vendor_names(tmp_path / "watchlist.yaml") == [
        "Palantir Technologies", "THOMSON REUTERS", "West Publishing", "Babel Street"]
    assert watchlist_vendor_names(tmp_path / "absent.yaml") == []


def test_real_page_yields_filings_field_by_field():
    items, rejects, requests = split(_spider(vendors="x").parse(response(PAGE1, API + "?filing_year=2024"), "q"))
    assert len(items) == 3 and not rejects
    rec = items[1].to_record()
    expected = {
        "filing_uuid": "467e4a97-6351-4902-8ffa-dd51632e156b", "filing_type": "Q1",
        "filing_type_display": "1st Quarter - Report", "filing_year": 2024, "filing_period": "first_quarter",
        "income": Decimal("30000.00"), "expenses": None,
        "dt_posted": datetime(2024, 1, 2, 18, 14, 26, tzinfo=UTC), "termination_date": None,
        "registrant_id": 401107792, "registrant_name": "EAST CAPITOL ADVISORS LLC",
        "client_id": 56764, "client_name": "CTIA - THE WIRELESS ASSOCIATION",
        "filing_document_url": "https://lda.senate.gov/filings/public/filing/467e4a97-6351-4902-8ffa-dd51632e156b/print/",
        "api_url": "https://lda.senate.gov/api/v1/filings/467e4a97-6351-4902-8ffa-dd51632e156b/",
        "matched_query": "q", "source": "lda", "source_url": API + "?filing_year=2024",
    }
    assert {k: rec[k] for k in expected} == expected
    assert '"government_entities": [{"id": 2, "name": "HOUSE OF REPRESENTATIVES"}]' in rec["lobbying_activities"]
    registration = items[0].to_record()
    assert (registration["filing_type"], registration["income"], registration["client_name"]) == (
        "RR", None, "E-COM 9-1-1 DISPATCH CENTER")
    # `next` is followed on the configured API URL.
    assert [r.url for r in requests] == [API + "?filing_year=2024&page=2"]


def test_malformed_pages_and_filings_are_rejects():
    spider = _spider(vendors="x")
    _, rejects, requests = split(spider.parse(response(FILES / "lda" / "files" / "malformed_page.html", API), "q"))
    assert [r["reason"] for r in rejects] == ["page: not JSON"] and not requests
    _, rejects, _ = split(spider.parse(response(b'{"detail": "Request was throttled."}', API), "q"))
    assert rejects[0]["reason"] == "page: API error: Request was throttled."
    items, _, _ = split(spider.parse(response(PAGE2, API + "?page=2"), "q"))
    with pytest.raises(Exception, match="income: not a number: 'not disclosed'"):
        items[1].to_record()


def test_fuzzy_vendor_match_needs_the_same_first_word():
    index = {"PALANTIR TECHNOLOGIES": ("v:palantir", "PALANTIR TECHNOLOGIES INC.", "vendor name"),
             "ZENITH DATA SYSTEMS": ("v:zenith", "ZENITH DATA SYSTEMS", "vendor name")}
    choices = list(index)
    assert match_name("PALANTIR TECHNOLOGIES", index, choices)[3] == "exact"
    assert match_name("PALANTIR TECHNOLOGIES USG", index, choices) is None  # score 91 < threshold 92
    hit = match_name("ZENITH DATA SYSTEM", index, choices)
    assert hit[0] == "v:zenith" and hit[3] == "fuzzy" and round(hit[4]) == 97
    assert match_name("DATA SYSTEMS ZENITH", index, choices) is None  # same words, another first word


@pytest.fixture(scope="module")
def registry_with_lobbying(sources_registry):
    """The sample plus the recorded filings (source_fixtures.stage_lda: stage counts, the reject, an idempotent
    re-run), built once per run for the tests that only read it."""
    reg = duckdb.connect(str(sources_registry), read_only=True)
    yield reg
    reg.close()


def test_filing_links_to_the_palantir_vendor_with_a_confidence(registry_with_lobbying):
    reg = registry_with_lobbying
    palantir = reg.execute(
        "SELECT DISTINCT vendor_id FROM awards WHERE piid = '70CTD022FR0000170'").fetchone()[0]
    row = reg.execute(
        "SELECT vendor_id, match_confidence, match_method, match_evidence FROM lobbying_filings "
        "WHERE filing_uuid = '00000000-0000-4000-8000-000000000001'").fetchone()
    assert row[0] == palantir
    assert row[1] == 0.9 and row[2] == "client_name_exact"
    assert "PALANTIR TECHNOLOGIES INC." in row[3]
    # Real filings for other clients link to no vendor rather than to a wrong one.
    assert reg.execute("SELECT count(*) FROM lobbying_filings WHERE vendor_id IS NOT NULL").fetchone()[0] == 1


def test_quarters_issues_and_agencies_contacted(registry_with_lobbying):
    reg = registry_with_lobbying
    q = reg.execute(
        "SELECT filing_year, quarter, period_start, period_end, amount, filings, issue_codes, agencies_contacted "
        "FROM lobbying_quarters WHERE client_name = 'PALANTIR TECHNOLOGIES INC.'").fetchall()
    assert q == [(2025, 3, date(2025, 7, 1), date(2025, 9, 30), Decimal("1000000.00"), 1, ["DEF", "HOM"],
                  ["HOUSE OF REPRESENTATIVES", "Homeland Security, Dept of (DHS)",
                   "Immigration & Customs Enforcement (ICE)", "SENATE"])]
    ctia = reg.execute("SELECT amount, issue_codes FROM lobbying_quarters WHERE client_name LIKE 'CTIA%'").fetchall()
    assert ctia == [(Decimal("30000.00"), ["TEC"])]
    # A registration reports no amount and is not counted in quarters.
    assert reg.execute("SELECT counted FROM lobbying_filings WHERE filing_type = 'RR'").fetchall() == [(False,)]
    issues = reg.execute("SELECT general_issue_code, general_issue FROM lobbying_issues "
                         "WHERE filing_uuid = '7866327b-c892-4430-b9f0-1f0f679c58c6' ORDER BY activity_index").fetchall()
    assert issues == [("BUD", "Budget/Appropriations"), ("DIS", "Disaster Planning/Emergencies")]
    contacts = reg.execute("SELECT activity_index, entity_name FROM lobbying_contacts "
                           "WHERE filing_uuid LIKE '00000000%' ORDER BY activity_index, entity_name").fetchall()
    assert contacts == [(1, "Homeland Security, Dept of (DHS)"), (1, "Immigration & Customs Enforcement (ICE)"),
                        (2, "HOUSE OF REPRESENTATIVES"), (2, "SENATE")]
    for view in ("lobbying_filings", "lobbying_issues", "lobbying_contacts", "lobbying_quarters"):
        comments = dict(reg.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?", [view]).fetchall())
        assert comments and all(comments.values()), view


def test_amendment_replaces_the_original_in_quarter_totals(contradictions_registry):
    """Two reports for the same registrant, client and quarter (source_fixtures.stage_lda_amendment): only the
    later-posted one is counted."""
    reg = duckdb.connect(str(contradictions_registry), read_only=True)
    assert reg.execute("SELECT amount, filings FROM lobbying_quarters").fetchall() == [(Decimal("1200000.00"), 1)]
    assert reg.execute("SELECT filing_type, counted FROM lobbying_filings ORDER BY filing_type").fetchall() == [
        ("3A", True), ("Q3", False)]


def test_lobbying_quarter_is_on_the_vendors_award_and_system_timelines(registry_with_lobbying):
    reg = registry_with_lobbying
    key = reg.execute("SELECT award_key FROM awards WHERE piid = '70CTD022FR0000170'").fetchone()[0]
    award_rows = reg.execute(
        "SELECT event_date, title, amount, how_linked FROM timeline WHERE subject_kind = 'award' "
        "AND subject_id = ? AND record_kind = 'lobbying_quarter'", [key]).fetchall()
    assert award_rows == [(date(2025, 7, 1), "Lobbying 2025 third_quarter for PALANTIR TECHNOLOGIES INC.",
                           Decimal("1000000.00"), "lobbying by the award's vendor")]
    system_rows = reg.execute(
        "SELECT title, amount FROM system_timeline WHERE system_id = 'immigrationos' "
        "AND record_kind = 'lobbying_quarter'").fetchall()
    assert system_rows == [("Lobbying 2025 third_quarter for PALANTIR TECHNOLOGIES INC.", Decimal("1000000.00"))]


def test_a_next_link_that_is_not_a_url_loses_the_next_page_with_its_reason():
    """A page whose `next` is not a string (true, a number) cannot be followed: its filings are kept, the pages after
    it are counted as lost (the run ends partial), and the reject says why; the spider never crashes on it."""
    import json

    from scrapy.statscollectors import MemoryStatsCollector

    page = json.loads(PAGE1.read_text(encoding="utf-8"))
    spider = _spider(vendors="x")
    spider.crawler.stats = MemoryStatsCollector(spider.crawler)  # a real collector: a wrong key must not pass
    items, rejects, requests = split(spider.parse(response(json.dumps({**page, "next": True}), API), "q"))
    assert len(items) == len(page["results"]) and not requests
    assert [r["reason"] for r in rejects] == ["page: next link unusable (a bool, not a URL)"]
    assert spider.crawler.stats.get_value("lda/pages_lost") == 1
