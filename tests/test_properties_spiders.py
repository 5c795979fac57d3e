"""Property tests: the spiders' parse callbacks on mutated real records never crash the pipeline.

Each example takes a real recorded response (USAspending's award search, award detail and transactions
from ../shared/data/usaspending_api_recorded_responses; SAM.gov's documented notice examples from
tests/sam/files; the Federal Register documents search in ../shared/data/federal_register_api),
replaces or deletes a few values anywhere in it with what broken feeds send (nulls, empty strings,
amounts as strings, negative and huge numbers, M/D/YY and impossible dates, markup, non-ASCII, wrong
types) or cuts the body short, and runs the callback and then the item validators
exactly as the staging pipeline does. Allowed outcomes: an item that validates, a ParseError (a reject
with a reason), a RejectItem, or a follow-up request. Anything else (an exception) fails the test.
"""

from __future__ import annotations

import copy
import json
import os
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.http import Request, TextResponse

from registry.core.parse import ParseError
from spiders.federal_register.spider import FederalRegisterSpider
from spiders.items import RegistryItem, RejectItem
from spiders.sam.spider import DEFAULT_ORGANIZATIONS, SamOpportunitiesSpider
from tests.conftest import SHARED_DATA
from tests.source_fixtures import FILES, offline
from tests.usaspending.test_usaspending_replay import air_force_spider

RECORDED = SHARED_DATA / "usaspending_api_recorded_responses"
API = "https://api.usaspending.gov"
EXAMPLES = {"n": 0}
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

junk = st.one_of(
    st.none(), st.just(""), st.just("   "), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.just("-86440.52"), st.just("$29,898,236.00"),
    st.just("(12.00)"), st.just("12abc"), st.just("4/11/25"), st.just("2025-13-45"), st.just("9/25/2025 0:00"),
    st.just("<script>alert(1)</script>"), st.just("Societé Générale Ñandú 株式会社"), st.text(max_size=40),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.none(), max_size=2),
)


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value in a JSON document (dict keys and list indexes)."""
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += paths(v, (*prefix, i))
    return out


_PATHS: dict[int, list[tuple]] = {}  # id(recorded document) -> its paths: the documents live as long as the module


@st.composite
def mutated(draw, doc: Any) -> bytes:
    """The document with 1-6 values replaced or deleted, or (sometimes) its JSON cut short.

    Only the containers on a mutated path are copied (the recorded documents are never changed): a deep copy of
    the 450 KB Federal Register page per example cost more than the spider's parse of it."""
    all_paths = _PATHS.get(id(doc)) or _PATHS.setdefault(id(doc), paths(doc))
    doc = copy.copy(doc)
    copied = {id(doc)}
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        path = draw(st.sampled_from(all_paths))
        parent = doc
        try:
            for p in path[:-1]:
                child = parent[p]
                if isinstance(child, (dict, list)) and id(child) not in copied:
                    child = parent[p] = copy.copy(child)
                    copied.add(id(child))
                parent = child
            if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = draw(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path's parent
    body = json.dumps(doc, default=str).encode()
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        body = body[: draw(st.integers(min_value=0, max_value=len(body)))]
    return body


def response(body: bytes, url: str) -> TextResponse:
    return TextResponse(url=url, body=body, encoding="utf-8", headers={"Content-Type": "application/json"},
                        request=Request(url))


def check(outputs) -> dict[str, int]:
    """Run spider output through the validators as the pipeline does; only allowed outcomes pass."""
    EXAMPLES["n"] += 1
    seen = {"valid": 0, "invalid": 0, "rejects": 0, "row_rejects": 0, "requests": 0}
    for out in outputs:
        if isinstance(out, Request):
            seen["requests"] += 1
        elif isinstance(out, RejectItem):
            assert out["reason"] and out["kind"], dict(out)
            seen["rejects"] += 1
            seen["row_rejects"] += out["kind"] != "page"
        else:
            assert isinstance(out, RegistryItem), type(out)
            try:
                rec = out.to_record()
            except ParseError as e:
                assert str(e), "a reject needs a reason"
                seen["invalid"] += 1
            else:
                assert rec["source_url"].startswith(("http://", "https://"))
                seen["valid"] += 1
    return seen


@pytest.fixture(scope="module", autouse=True)
def report_examples():
    yield
    print(f"\n[reliability] {__name__}: {EXAMPLES['n']} mutated records tried")


SPIDER = air_force_spider()
SEARCH = json.loads((RECORDED / "01-award-search-dod-mit.json").read_text())
DETAIL = json.loads((RECORDED / "03-award-detail-sample.json").read_text())
TXS = json.loads((RECORDED / "04-transactions-sample.json").read_text())
GID = DETAIL["generated_unique_award_id"]


@PROPS
@given(mutated(SEARCH))
def test_usaspending_search_page(body):
    url = f"{API}/api/v2/search/spending_by_award/"
    check(SPIDER.parse_search(response(body, url), group="contracts",
                              window=(date(2019, 10, 1), date(2020, 9, 30)), page=1))


@PROPS
@given(mutated(DETAIL))
def test_usaspending_award_detail(body):
    seen = check(SPIDER.parse_award(response(body, f"{API}/api/v2/awards/{GID}/"), gid=GID))
    assert seen["valid"] + seen["invalid"] + seen["rejects"] == 1  # one award in, one outcome out


@PROPS
@given(mutated(TXS))
@example(b'{"page_metadata": {"page": 1, "next": 2, "hasNext": true}, "results": []}')  # broken paging
def test_usaspending_transactions_page(body):
    seen = check(SPIDER.parse_transactions(response(body, f"{API}/api/v2/transactions/"), gid=GID,
                                           award=DETAIL, page=1))
    parsed = None
    try:
        parsed = json.loads(body)
    except ValueError:
        pass
    rows = parsed.get("results") if isinstance(parsed, dict) else None
    if isinstance(rows, list) and "detail" not in parsed:
        # nothing silently dropped: one outcome per row; a broken listing (empty with hasNext, a repeat) is its
        # own page reject on top, never in place of a row
        assert seen["valid"] + seen["invalid"] + seen["row_rejects"] == len(rows)


def test_unmutated_recordings_round_trip_exactly():
    items = [o for o in SPIDER.parse_transactions(response(json.dumps(TXS).encode(), f"{API}/api/v2/transactions/"),
                                                  gid=GID, award=DETAIL, page=1) if isinstance(o, RegistryItem)]
    recs = [i.to_record() for i in items]
    assert [r["federal_action_obligation"] for r in recs] == [
        Decimal(str(t["federal_action_obligation"])).quantize(Decimal("0.01")) for t in TXS["results"]]
    assert [r["action_date"] for r in recs] == [date.fromisoformat(t["action_date"]) for t in TXS["results"]]


SAM_PAGE = json.loads((FILES / "sam" / "files" / "ja_notices_page1.json").read_text())


def sam() -> SamOpportunitiesSpider:
    """The SAM spider as the crawl builds it (the key from the environment), made once for all examples."""
    before = os.environ.get("SAM_API_KEY")
    os.environ["SAM_API_KEY"] = "sam-PROPERTY-key-0000"
    try:
        return offline(SamOpportunitiesSpider(since="2025-01-01", until="2025-12-31"))
    finally:
        if before is None:
            os.environ.pop("SAM_API_KEY", None)
        else:
            os.environ["SAM_API_KEY"] = before


SAM = sam()


@PROPS
@given(mutated(SAM_PAGE))
def test_sam_notice_page(body):
    window, org = SAM.windows[0], DEFAULT_ORGANIZATIONS[0]
    url = SAM.search_url("u", org, window, 0)
    seen = check(SAM.parse(response(body, url), "u", org, window, 0))
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        total, records = parsed.get("totalRecords"), parsed.get("opportunitiesData")
        if isinstance(total, int) and total > 0 and not records:  # counted but not sent: a reject, not silence
            assert seen["rejects"] >= 1
    else:
        assert seen["rejects"] == 1  # not JSON at all


FR_PAGE = json.loads((SHARED_DATA / "federal_register_api" / "documents_search_2024_page1_slice.json").read_text())
FR = offline(FederalRegisterSpider(api_url="http://127.0.0.1:9/api/v1"))


def _fr_page_with(**changes: Any) -> bytes:
    return json.dumps({**FR_PAGE, **changes}).encode()


@PROPS
@given(mutated(FR_PAGE))
# found by this test: a next_page_url that is not a string crashed the spider instead of losing the next page
@example(_fr_page_with(next_page_url=True))
@example(_fr_page_with(next_page_url="http://[::1"))
def test_federal_register_page(body):
    seen = check(FR.parse(response(body, FR.search_url("justice-department"))))
    try:
        page = json.loads(body)
    except ValueError:
        return
    nxt = page.get("next_page_url") if isinstance(page, dict) else None
    if nxt and not isinstance(nxt, str):
        assert seen["requests"] == 0 and seen["rejects"] >= 1  # the next page is lost, with its reason
