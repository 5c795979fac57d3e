"""The usaspending spider replayed on real recorded API responses (../shared/data/usaspending_api_recorded_responses).

Each callback gets the recorded body as Scrapy would hand it over; the test checks the items field by field
against the recording, and that the follow-up requests are the documented endpoints with the right bodies.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from scrapy.http import Request, TextResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from spiders.items import RejectItem
from spiders.usaspending.items import AwardItem, TransactionItem
from spiders.usaspending.spider import (
    ScopeError,
    UsaspendingSpider,
    fiscal_year_windows,
    resolve_agency,
    transaction_number,
)
from tests.conftest import SHARED_DATA

RECORDED = SHARED_DATA / "usaspending_api_recorded_responses"
API = "https://api.usaspending.gov"
GID = "CONT_AWD_0007_9700_FA870215D0001_9700"


def air_force_spider() -> UsaspendingSpider:
    """The spider with the scope the recorded responses were made for (Air Force, FY2020-FY2024)."""
    crawler = get_crawler(UsaspendingSpider, settings_dict={"USASPENDING_API_URL": API})
    sp = UsaspendingSpider.from_crawler(crawler, agencies=["Department of the Air Force"], since="2019-10-01",
                                        until="2024-09-30")
    crawler.stats = MemoryStatsCollector(crawler)
    sp.crawler = crawler
    return sp


@pytest.fixture
def spider() -> UsaspendingSpider:
    return air_force_spider()


def recorded(name: str, url: str) -> TextResponse:
    return TextResponse(url=url, body=(RECORDED / name).read_bytes(), encoding="utf-8",
                        headers={"Content-Type": "application/json"}, request=Request(url))


def test_search_page_requests_every_award_detail_and_the_next_page(spider):
    data = json.loads((RECORDED / "01-award-search-dod-mit.json").read_text())
    window = (date(2019, 10, 1), date(2020, 9, 30))
    out = list(spider.parse_search(recorded("01-award-search-dod-mit.json",
                                            f"{API}/api/v2/search/spending_by_award/"),
                                   group="contracts", window=window, page=1))
    details = [r for r in out if isinstance(r, Request) and "/api/v2/awards/" in r.url]
    assert [r.url for r in details] == [f"{API}/api/v2/awards/{row['generated_internal_id']}/"
                                        for row in data["results"]]
    nxt = [r for r in out if isinstance(r, Request) and r.url.endswith("/spending_by_award/")]
    assert len(nxt) == 1  # hasNext is true in the recording
    body = json.loads(nxt[0].body)
    assert body["page"] == 2
    assert body["last_record_unique_id"] == data["page_metadata"]["last_record_unique_id"]
    assert body["filters"]["award_type_codes"] == ["A", "B", "C", "D"]
    assert body["filters"]["agencies"] == [{"type": "awarding", "tier": "subtier",
                                            "name": "Department of the Air Force"}]
    assert body["filters"]["time_period"] == [{"start_date": "2019-10-01", "end_date": "2020-09-30"}]


def test_non_competed_search_recording_yields_its_awards(spider):
    data = json.loads((RECORDED / "07-non-competed-dod.json").read_text())
    out = list(spider.parse_search(recorded("07-non-competed-dod.json", f"{API}/api/v2/search/spending_by_award/"),
                                   group="contracts", window=(date(2020, 1, 1), date(2020, 12, 31)), page=1))
    gids = [r.cb_kwargs["gid"] for r in out if isinstance(r, Request) and "/api/v2/awards/" in r.url]
    assert gids == [row["generated_internal_id"] for row in data["results"]]


def test_award_detail_fields(spider):
    out = list(spider.parse_award(recorded("03-award-detail-sample.json", f"{API}/api/v2/awards/{GID}/"), gid=GID))
    award = next(o for o in out if isinstance(o, AwardItem))
    rec = award.to_record()
    assert rec["award_key"] == GID
    assert rec["piid"] == "0007"
    assert rec["parent_piid"] == "FA870215D0001"
    assert rec["parent_award_key"] == "CONT_IDV_FA870215D0001_9700"
    assert rec["award_type"] == "C" and rec["award_type_description"] == "DELIVERY ORDER"
    assert rec["recipient_name"] == "MASSACHUSETTS INSTITUTE OF TECHNOLOGY"
    assert rec["recipient_uei"] == "SN5KKUDR9LY8" and rec["recipient_parent_uei"] == "SN5KKUDR9LY8"
    assert rec["awarding_agency"] == "Department of Defense"
    assert rec["awarding_subagency"] == "Department of the Air Force"
    assert rec["awarding_subagency_code"] == "5700"
    assert rec["awarding_office"] == "FA8702  AFLCMC PZE NON PEO"
    assert rec["funding_office"] == "F2BDAZ AFLCMC HBF"
    assert rec["total_obligation"] == Decimal("1594101040.69")  # exact, never through a float
    assert rec["base_exercised_options"] == Decimal("1617557679.46")
    assert rec["base_and_all_options"] == Decimal("1630072347.66")
    assert rec["date_signed"] == date(2016, 6, 3)
    assert rec["start_date"] == date(2016, 6, 3) and rec["end_date"] == date(2030, 2, 28)
    assert rec["potential_end_date"] == date(2030, 2, 28)  # recorded as "2030-02-28 00:00:00"
    assert rec["last_modified_date"] == date(2025, 9, 22)
    assert rec["extent_competed"] == "C"
    assert rec["other_than_full_and_open"] == "MES"
    assert rec["solicitation_procedures"] == "SSS"
    assert rec["fair_opportunity_limited_sources"] is None  # the source gives null: stays NULL
    assert rec["number_of_offers"] is None
    assert rec["psc_code"] == "AC61" and rec["naics_code"] == "541712"
    assert rec["type_of_contract_pricing"] == "S"
    assert rec["pop_state"] == "MA" and rec["pop_city"] == "LEXINGTON" and rec["pop_zip"] == "02421"
    assert rec["usaspending_url"] == f"https://www.usaspending.gov/award/{GID}/"
    assert rec["source_url"] == f"{API}/api/v2/awards/{GID}/"
    assert json.loads(rec["raw_payload"])["generated_unique_award_id"] == GID
    tx_req = next(o for o in out if isinstance(o, Request))
    assert tx_req.url == f"{API}/api/v2/transactions/"
    assert json.loads(tx_req.body) == {"award_id": GID, "page": 1, "sort": "action_date", "order": "asc",
                                       "limit": 5000}


def test_transactions_page_fields_and_next_page(spider):
    data = json.loads((RECORDED / "04-transactions-sample.json").read_text())
    award = json.loads((RECORDED / "03-award-detail-sample.json").read_text())
    out = list(spider.parse_transactions(recorded("04-transactions-sample.json", f"{API}/api/v2/transactions/"),
                                         gid=GID, award=award, page=1))
    txs = [o for o in out if isinstance(o, TransactionItem)]
    assert len(txs) == len(data["results"]) == 10
    for item, raw in zip(txs, data["results"], strict=True):
        rec = item.to_record()
        assert rec["award_key"] == GID
        assert rec["transaction_key"] == raw["id"]
        assert rec["modification_number"] == raw["modification_number"]
        assert rec["action_date"] == date.fromisoformat(raw["action_date"])
        assert rec["federal_action_obligation"] == Decimal(str(raw["federal_action_obligation"])).quantize(
            Decimal("0.01"))
        assert rec["action_type"] == raw["action_type"]
        assert rec["description"] == raw["description"]
        assert rec["piid"] == "0007"
        assert rec["transaction_number"] == 1  # CONT_TX_..._1: the FPDS transaction number
    first = txs[0].to_record()
    assert (first["modification_number"], first["federal_action_obligation"]) == ("Q6", Decimal("-86440.52"))
    nxt = [o for o in out if isinstance(o, Request)]
    assert len(nxt) == 1 and json.loads(nxt[0].body)["page"] == 2


def test_truncated_and_html_bodies_become_rejects_and_lost_pages(spider):
    body = (RECORDED / "03-award-detail-sample.json").read_bytes()
    cut = TextResponse(url=f"{API}/api/v2/awards/{GID}/", body=body[:500], encoding="utf-8",
                       request=Request(f"{API}/api/v2/awards/{GID}/"))
    out = list(spider.parse_award(cut, gid=GID))
    assert len(out) == 1 and isinstance(out[0], RejectItem)
    assert out[0]["kind"] == "award" and "not JSON" in out[0]["reason"]
    assert out[0]["raw_payload"] == body[:500].decode()
    html = TextResponse(url=f"{API}/api/v2/transactions/", body=b"<html>Service Unavailable</html>",
                        encoding="utf-8", headers={"Content-Type": "text/html"}, request=Request(API))
    out = list(spider.parse_transactions(html, gid=GID, award={}, page=1))
    assert len(out) == 1 and isinstance(out[0], RejectItem) and "text/html" in out[0]["reason"]
    assert spider.crawler.stats.get_value("usaspending/pages_lost") == 2


def test_scope_arguments():
    assert resolve_agency("7012") == {"type": "awarding", "tier": "subtier",
                                      "name": "U.S. Immigration and Customs Enforcement"}
    assert resolve_agency("federal bureau of investigation")["name"] == "Federal Bureau of Investigation"
    assert resolve_agency("Department of Homeland Security")["tier"] == "toptier"
    with pytest.raises(ScopeError, match="unknown agency"):
        resolve_agency("Ministry of Truth")
    with pytest.raises(ScopeError, match="2007-10-01"):
        UsaspendingSpider(since="2001-01-01")
    assert fiscal_year_windows(date(2020, 10, 1), date(2022, 1, 15)) == [
        (date(2020, 10, 1), date(2021, 9, 30)), (date(2021, 10, 1), date(2022, 1, 15))]
    sp = UsaspendingSpider()  # the default scope: data/crawl_scope.yaml
    names = {a["name"] for a in sp.agency_filters}
    for must in ("U.S. Immigration and Customs Enforcement", "U.S. Customs and Border Protection",
                 "U.S. Citizenship and Immigration Services", "Federal Bureau of Investigation",
                 "Drug Enforcement Administration", "U.S. Marshals Service"):
        assert must in names
    assert sp.since == date(2020, 10, 1) and sp.until == date.today()
    assert transaction_number("CONT_TX_7012_-NONE-_70CTD022FR0000170_P00009_GS35F0086U_0") == 0


def test_award_ids_are_exact_matches_and_incremental_uses_last_modified_date():
    sp = UsaspendingSpider(award_ids="70CTD022FR0000170", modified_since="2025-09-01", until="2025-10-01")
    f = sp.filters(["A", "B", "C", "D"], sp.windows()[0])
    assert f["award_ids"] == ['"70CTD022FR0000170"']
    assert f["time_period"] == [{"start_date": "2025-09-01", "end_date": str(date.today()),
                                 "date_type": "last_modified_date"}]


def test_next_page_cursor_written_back_as_json_numbers(spider):
    """The API's paging cursor comes back in the next request even when it was read as an exact Decimal."""
    body = json.loads((RECORDED / "01-award-search-dod-mit.json").read_text())
    body = body.get("response", body)
    body["page_metadata"].update({"hasNext": True, "last_record_unique_id": 272194285.0,
                                  "last_record_sort_value": "724562749.92"})
    url = f"{API}/api/v2/search/spending_by_award/"
    page = TextResponse(url, body=json.dumps(body).encode(), encoding="utf-8", request=Request(url))
    out = list(spider.parse_search(page,
                                   group="contracts", window=(date(2019, 10, 1), date(2020, 9, 30)), page=1))
    nxt = [r for r in out if isinstance(r, Request) and r.url == url]
    assert len(nxt) == 1
    sent = json.loads(nxt[0].body)
    assert sent["page"] == 2
    assert sent["last_record_unique_id"] == 272194285 and isinstance(sent["last_record_unique_id"], int)
    assert sent["last_record_sort_value"] == "724562749.92"
