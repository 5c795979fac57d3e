"""SAM.gov Get Opportunities spider: documented examples field by field, windows and paging, rejects, the
J&A -> award/modification links, and the API key kept out of everything stored or logged."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from spiders.sam.items import authorities_cited, normalise_piid, piids_in_text
from spiders.sam.spider import DEFAULT_ORGANIZATIONS, SamOpportunitiesSpider, posted_windows
from tests.conftest import invoke_cli
from tests.source_fixtures import FILES, offline, response, split

KEY = "sam-TEST-key-0123456789abcdef"
API = "https://api.sam.gov/opportunities/v2/search"
DHS = DEFAULT_ORGANIZATIONS[0]


@pytest.fixture()
def spider(monkeypatch) -> SamOpportunitiesSpider:
    monkeypatch.setenv("SAM_API_KEY", KEY)
    return offline(SamOpportunitiesSpider(since="2025-01-01", until="2025-12-31"))


def _parse(spider, name: str, ptype: str, offset: int = 0, org: str = DHS):
    window = spider.windows[0]
    url = spider.search_url(ptype, org, window, offset)
    return split(spider.parse(response(FILES / "sam" / "files" / name, url), ptype, org, window, offset))


def test_posted_windows_are_shorter_than_a_year():
    windows = posted_windows(date(2020, 10, 1), date(2023, 3, 1))
    assert windows == [(date(2020, 10, 1), date(2021, 9, 30)), (date(2021, 10, 1), date(2022, 9, 30)),
                       (date(2022, 10, 1), date(2023, 3, 1))]
    assert posted_windows(date(2024, 2, 29), date(2025, 6, 1))[0] == (date(2024, 2, 29), date(2025, 2, 27))
    with pytest.raises(ValueError):
        posted_windows(date(2025, 1, 2), date(2025, 1, 1))


def test_search_url_is_the_documented_one_without_the_key(spider):
    url = spider.search_url("u", DHS, spider.windows[0], 0)
    assert url == (API + "?ptype=u&postedFrom=01/01/2025&postedTo=12/31/2025"
                   "&organizationName=HOMELAND+SECURITY,+DEPARTMENT+OF&limit=1000&offset=0")
    assert KEY not in url
    assert spider.ptypes == ["u", "a"] and spider.organizations == DEFAULT_ORGANIZATIONS


def test_documented_award_notice_field_by_field(spider):
    items, rejects, requests = _parse(spider, "award_notices_page1.json", "a")
    assert len(items) == 1 and not rejects
    rec = items[0].to_record()
    expected = {
        "notice_id": "5b345bbb7127b91a3ad577b203fc6f68", "ptype": "a", "notice_type": "Award Notice",
        "base_type": "Combined Synopsis/Solicitation", "title": "Historic Office Renovation",
        "solicitation_number": "47PF0018R0023", "department": "GENERAL SERVICES ADMINISTRATION",
        "subtier": "PUBLIC BUILDINGS SERVICE", "office": "PBS R5", "posted_date": date(2018, 5, 4),
        "archive_type": "manual", "archive_date": None, "active": True, "naics_code": "236220",
        "classification_code": "Z", "award_number": "47PF0018C0066", "award_piid": "47PF0018C0066",
        "award_amount": Decimal("800620.00"), "award_date": date(2018, 5, 4), "awardee_name": "D.G. Beyer, Inc.",
        "awardee_uei": "025114695AST",
        "description_url": "https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid=5b345bbb7127b91a3ad577b203fc6f68",
        "description_text": None, "ui_link": "https://beta.sam.gov/opp/5b345bbb7127b91a3ad577b203fc6f68/view",
        "resource_links": "[]", "source": "sam",
    }
    assert {k: rec[k] for k in expected} == expected
    # Award notices' descriptions are not fetched by default (one request each); J&A descriptions are.
    assert not [r for r in requests if "noticedesc" in r.url]
    # totalRecords 2, one record on this page: the next page is asked for at offset 1.
    assert [r.url for r in requests] == [spider.search_url("a", DHS, spider.windows[0], 1)]
    assert all(r.meta["sam_key"] for r in requests)


def test_documented_v2_record_with_null_strings(spider):
    items, _, requests = _parse(spider, "award_notices_page2.json", "a", offset=1,
                                org="GENERAL SERVICES ADMINISTRATION")
    rec = items[0].to_record()
    assert (rec["full_parent_path_code"], rec["archive_date"], rec["award_amount"]) == (
        "047.4732.47QTCA", date(2021, 1, 2), Decimal("350567.00"))
    assert rec["description_url"] is None and rec["ui_link"] is None  # the API's "null" strings
    assert not requests  # offset 1 + 1 record = totalRecords: done


def test_justification_notice_with_its_description(spider):
    items, rejects, requests = _parse(spider, "ja_notices_page1.json", "u")
    # The second notice belongs to no scoped organisation (the name search is a general search): dropped.
    assert not items and not rejects and len(requests) == 1
    desc = requests[0]
    assert desc.url == "https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid=0000000000000000000000000000fa01"
    assert desc.meta["sam_key"] and KEY not in desc.url
    (item,) = list(spider.parse_description(response(FILES / "sam" / "files" / "ja_description.json", desc.url),
                                            **desc.cb_kwargs))
    rec = item.to_record()
    assert rec["notice_type"] == "Justification" and rec["award_number"] == "70CTD0-22-FR-0000170"
    assert rec["award_piid"] == "70CTD022FR0000170"
    assert rec["description_text"].startswith("TEST FIXTURE. JUSTIFICATION FOR AN EXCEPTION TO FAIR OPPORTUNITY.\n")
    assert "&amp;" not in rec["description_text"] and "<p>" not in rec["description_text"]
    assert rec["authority_cited"] == "FAR 8.405-6(a)(1)(i)(B); FAR 6.302-2"
    assert json.loads(rec["piids_in_text"]) == ["70CTD022FR0000170", "GS35F0086U"]
    assert json.loads(rec["resource_links"]) == [
        "https://sam.gov/api/prod/opps/v3/opportunities/resources/files/00000000000000000000000000000001/download?&token="]
    assert (rec["active"], rec["archive_date"], rec["posted_date"]) == (False, date(2025, 5, 17), date(2025, 4, 17))


def test_text_helpers():
    assert normalise_piid(" 70ctd0-22-fr-0000170 ") == "70CTD022FR0000170"
    assert authorities_cited("per 41 U.S.C. 3304(a)(2) and FAR Subpart 8.4", None) == "41 U.S.C. 3304(a)(2); FAR Subpart 8.4"
    assert piids_in_text("order HSCETC-13-F-00030 and 2024 budget") == ["HSCETC13F00030"]


def test_malformed_responses_are_rejects(spider):
    _, rejects, requests = _parse(spider, "not_json.html", "u")
    assert [r["reason"] for r in rejects] == ["page: not JSON"] and not requests
    assert rejects[0]["raw_payload"] == "<html><body>Service Unavailable"
    _, rejects, _ = _parse(spider, "error_invalid_key.json", "u")
    assert [r["reason"] for r in rejects] == ["page: API error: An invalid api_key was supplied"]
    window = spider.windows[0]
    bad = json.dumps({"totalRecords": 1, "opportunitiesData": [{"noticeId": "abc123def", "postedDate": "soon"}]})
    items, _, _ = split(spider.parse(response(bad, API), "u", DHS, window, 0))
    with pytest.raises(Exception, match="postedDate: not a date: 'soon'"):
        items[0].to_record()


def test_key_echoed_by_the_server_is_masked(spider):
    """Even if SAM.gov echoed the key into a record or a URL, nothing stored would carry it."""
    record = {"noticeId": "abc123def456", "postedDate": "2025-01-02", "title": "t",
              "description": f"https://api.sam.gov/prod/opportunities/v1/noticedesc?noticeid=x&api_key={KEY}",
              "links": [{"rel": "self", "href": f"https://api.sam.gov/x?api_key={KEY}"}]}
    body = json.dumps({"totalRecords": 1, "opportunitiesData": [record]})
    items, _, requests = split(spider.parse(response(body, API + f"?ptype=a&api_key={KEY}"), "a", DHS,
                                            spider.windows[0], 0))
    rec = items[0].to_record()
    assert KEY not in json.dumps(rec, default=str)
    assert rec["source_url"] == API + "?ptype=a" and "api_key" not in rec["description_url"]


@pytest.fixture()
def registry_with_notices(sources_registry):
    """The sample plus the J&A notice and the GSA award-notice page (source_fixtures.stage_sam), built once."""
    reg = duckdb.connect(str(sources_registry), read_only=True)
    yield reg
    reg.close()


def test_ja_notice_links_to_the_ice_order_and_its_modification(registry_with_notices):
    reg = registry_with_notices
    key = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"
    links = reg.execute("SELECT to_kind, to_id, method, confidence, evidence FROM t_links_sam "
                        "WHERE from_id = '0000000000000000000000000000fa01' ORDER BY to_kind").fetchall()
    assert [(k, i, m, c) for k, i, m, c, _ in links] == [
        ("award", key, "award_number", 1.0), ("transaction", f"{key}|P00009|0", "modification_in_text", 0.9)]
    assert "notice subtier 7012 = award agency" in links[0][4]
    # GSA schedule GS35F0086U is named too, but orders under it are not linked when the notice names its order.
    assert reg.execute("SELECT count(*) FROM t_links_sam WHERE method LIKE '%parent%'").fetchone()[0] == 0
    # The documented GSA award notice matches no award in the sample and links nowhere.
    assert reg.execute("SELECT count(*) FROM t_links_sam WHERE from_id = '5b345bbb7127b91a3ad577b203fc6f68'"
                       ).fetchone()[0] == 0
    row = reg.execute("SELECT authority_cited, modifications_in_text, sam_url FROM sam_notices "
                      "WHERE notice_id = '0000000000000000000000000000fa01'").fetchone()
    assert row == ("FAR 8.405-6(a)(1)(i)(B); FAR 6.302-2", ["P00009"],
                   "https://sam.gov/opp/0000000000000000000000000000fa01/view")
    comments = dict(reg.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'sam_notices'").fetchall())
    assert comments and all(comments.values())


def test_crawl_without_key_is_one_clear_line(tmp_path):
    """In-process (tests/test_security_secrets.py runs `registry crawl sam` as a user does)."""
    staging = tmp_path / "staging.duckdb"
    proc = invoke_cli("crawl", "sam", "--staging", str(staging), env={"SAM_API_KEY": None})
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: SAM_API_KEY is not set"), proc.stderr
    assert "Traceback" not in proc.stderr and not staging.exists()
