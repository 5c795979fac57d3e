"""Federal Register privacy documents: the spider on the recorded search page (and a constructed page 2), the
system it reads out of a SORN, rejects, a crawl through the CLI against a local server, and the links."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from registry.core import store
from spiders.federal_register.items import classify, extract_system
from spiders.federal_register.spider import FederalRegisterSpider
from tests.conftest import run_cli
from tests.source_fixtures import FILES, FixtureServer, offline, response, split, stage

PAGE1 = "federal_register_api/documents_search_2024_page1_slice.json"
PAGE2 = FILES / "federal_register" / "files" / "page2_dhs_ice_sorn.json"
API = "http://127.0.0.1:9/api/v1"


@pytest.fixture()
def spider() -> FederalRegisterSpider:
    return offline(FederalRegisterSpider(api_url=API))


def test_search_url_asks_for_privacy_documents_of_one_department(spider):
    q = parse_qs(urlsplit(spider.search_url("homeland-security-department")).query)
    assert q["conditions[agencies][]"] == ["homeland-security-department"]
    assert q["conditions[term]"] == ['"Privacy Act"'] and q["conditions[type][]"] == ["NOTICE", "RULE", "PRORULE"]
    assert q["per_page"] == ["1000"] and "abstract" in q["fields[]"] and "pdf_url" in q["fields[]"]


def test_recorded_page_yields_only_dhs_doj_privacy_documents_and_follows_next_page(spider, shared_data):
    url = spider.search_url("justice-department")
    items, rejects, requests = split(spider.parse(response(shared_data / PAGE1, url)))
    assert not rejects and [i["document_number"] for i in items] == ["2024-00282"]
    rec = items[0].to_record()
    assert (rec["title"], rec["type"], rec["action"], rec["citation"]) == (
        "Privacy Act Regulations", "Rule", "Final rule.", "89 FR 1447")
    assert str(rec["publication_date"]) == "2024-01-10" and str(rec["effective_on"]) == "2024-02-09"
    assert rec["html_url"] == "https://www.federalregister.gov/documents/2024/01/10/2024-00282/privacy-act-regulations"
    assert rec["pdf_url"] == "https://www.govinfo.gov/content/pkg/FR-2024-01-10/pdf/2024-00282.pdf"
    assert json.loads(rec["agency_slugs"]) == ["justice-department"]
    assert json.loads(rec["docket_ids"]) == ["CPCLO Order No. 12-2021", "AG Order No. 5851-2024"]
    assert rec["document_kind"] == "privacy_rule" and rec["system_identifier"] is None
    assert rec["abstract"].startswith("This rule amends the United States Department of Justice")
    assert rec["source_url"] == url
    # The other 84 results (SORNs of HUD, Interior...; DHS flood notices) are counted, not yielded.
    spider.crawler.stats.inc_value.assert_any_call("federal_register/out_of_scope", 1)
    assert spider.crawler.stats.inc_value.call_count == 84
    # next_page_url is followed on the configured host, same query, page 2.
    (nxt,) = requests
    assert nxt.url.startswith(API + "/documents.json?") and parse_qs(urlsplit(nxt.url).query)["page"] == ["2"]


def test_dhs_ice_sorn_field_by_field_with_its_system(spider):
    items, rejects, requests = split(spider.parse(response(PAGE2, API + "/documents.json?page=2")))
    assert not rejects and not requests and len(items) == 1
    rec = items[0].to_record()
    assert rec["document_number"] == "2020-25619" and rec["title"] == "Privacy Act of 1974; System of Records"
    assert rec["document_kind"] == "sorn" and rec["type"] == "Notice"
    assert (rec["system_identifier"], rec["system_name"]) == ("DHS/ICE-009", "External Investigations")
    assert rec["system_evidence"].startswith("DHS/U.S. Immigration and Customs Enforcement (ICE)-009")
    assert str(rec["publication_date"]) == "2020-11-20" and str(rec["comments_close_on"]) == "2020-12-21"
    assert json.loads(rec["agency_slugs"]) == ["homeland-security-department",
                                               "u-s-immigration-and-customs-enforcement"]
    assert rec["pdf_url"] == "https://www.govinfo.gov/content/pkg/FR-2020-11-20/pdf/2020-25619.pdf"


def test_system_extraction_and_kinds():
    assert extract_system("titled, \u2018\u2018Department of Homeland Security/Immigration and Customs "
                          "Enforcement\u2013016 FALCON Search and Analysis System of Records.\u2019\u2019")[:2] == (
        "DHS/ICE-016", "FALCON Search and Analysis")
    assert extract_system("JUSTICE/FBI-022, FBI Data Warehouse System")[:2] == ("JUSTICE/FBI-022",
                                                                               "FBI Data Warehouse System")
    assert extract_system("Privacy Act of 1974; System of Records", None) == (None, None, None)
    assert classify("Notice", "Privacy Act of 1974; Matching Program", "", "") == "privacy_notice"


def test_malformed_pages_and_documents_are_rejects(spider, tmp_path):
    _, rejects, _ = split(spider.parse(response('{"count": 3, "results": [{"document_nu', API)))
    assert len(rejects) == 1 and rejects[0]["reason"].startswith("page: not JSON")
    _, rejects, _ = split(spider.parse(response('{"results": "none"}', API)))
    assert rejects[0]["reason"] == "page: no results list"
    doc = json.loads(PAGE2.read_text())["results"][0]
    bad_number = dict(doc, document_number="<b>x</b>")
    no_date = dict(doc, document_number="2020-99999", publication_date="soon")
    page = json.dumps({"results": [doc, bad_number, no_date, "not an object"], "next_page_url": None})
    con = store.connect(tmp_path / "s.duckdb")
    assert stage(con, spider.parse(response(page, API))) == {"stg_fr_documents": 1, "rejects": 3}
    reasons = sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall())
    con.close()
    assert reasons[0] == "document: not a JSON object" and reasons[1].startswith("document_number: not a document")
    assert reasons[2].startswith("publication_date")


def test_crawl_command_against_a_local_api(tmp_path, shared_data):
    """`registry crawl federal-register` through Scrapy's engine and the project's pipeline, both pages."""
    page1 = (shared_data / PAGE1).read_bytes()

    def route(path, query, headers):
        if path == "/api/v1/documents.json" and query.get("page") == "2":
            return 200, "application/json", PAGE2.read_bytes()
        if path == "/api/v1/documents.json":
            return 200, "application/json", page1
        return 404, "text/plain", b"not found"

    staging = tmp_path / "staging.duckdb"
    with FixtureServer(route) as server:
        proc = run_cli("crawl", "federal-register", "--agency", "justice-department", "--api-url",
                       server.base + "/api/v1", "--staging", str(staging), timeout=120)
        paths = [(p, q.get("page")) for p, q, _ in server.requests]
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert paths == [("/api/v1/documents.json", None), ("/api/v1/documents.json", "2")]
    con = duckdb.connect(str(staging), read_only=True)
    docs = sorted(r for (r,) in con.execute("SELECT document_number FROM stg_fr_documents").fetchall())
    con.close()
    assert docs == ["2020-25619", "2024-00282"]


@pytest.fixture(scope="module")
def reg(sources_registry):
    """The sample plus the constructed page 2 (source_fixtures.stage_federal_register), built once per run."""
    c = duckdb.connect(str(sources_registry), read_only=True)
    yield c
    c.close()


def test_sorn_links_to_its_agencies_and_named_system(reg):
    links = reg.execute("SELECT to_kind, to_id, method FROM links WHERE from_id = '2020-25619' "
                        "ORDER BY to_id, method").fetchall()
    assert ("agency", "dept:070", "federal_register_agency") in links
    assert ("agency", "sub:7012", "federal_register_agency") in links
    assert ("agency", "sub:7012", "system_identifier_component") in links
    system = reg.execute("SELECT from_id, method, evidence FROM links WHERE from_kind = 'system' "
                         "AND to_kind = 'privacy_notice' AND to_id = '2020-25619'").fetchall()
    assert [(s, m) for s, m, _ in system] == [("external_investigations", "sorn_identifier")]
    assert "DHS/ICE-009" in system[0][2]
    row = reg.execute("SELECT document_kind, system_identifier, html_url FROM privacy_notices").fetchone()
    assert row[:2] == ("sorn", "DHS/ICE-009") and row[2].startswith("https://www.federalregister.gov/")
    timeline = reg.execute("SELECT event_date, record_kind, record_id FROM system_timeline "
                           "WHERE system_id = 'external_investigations'").fetchall()
    assert [(str(d), k, i) for d, k, i in timeline] == [("2020-11-20", "privacy_notice", "2020-25619")]
    comments = dict(reg.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'privacy_notices'").fetchall())
    assert comments and all(comments.values())
