"""USAspending API v2: contract awards of the scoped agencies, each with its full modification history.

Flow (all documented endpoints of https://api.usaspending.gov/docs/endpoints):
  POST /api/v2/search/spending_by_award_count/  once per scope, for the progress ETA
  POST /api/v2/search/spending_by_award/        every page (page_metadata.hasNext), per fiscal year and
                                                award-type group (the API refuses contracts and IDVs mixed)
  GET  /api/v2/awards/<generated_unique_award_id>/   the award detail: every field a user compares on
  POST /api/v2/transactions/                    every page of the award's modifications

Why per fiscal year: the search index answers at most 10,000 rows for one query, so a scope is cut into
windows small enough to page through completely; a window that still hits the cap is split in two.
Responses are parsed with exact decimals (json parse_float=Decimal) so amounts stay exact to the cent.
Whatever cannot be parsed (not JSON, truncated, an API error message, a record without its key) becomes a
RejectItem with the raw body; a request that fails after all retries counts as a lost page.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import yaml
from scrapy.http import JsonRequest, Request, Response
from twisted.python.failure import Failure

from registry.core.paths import DATA_DIR
from spiders.args import as_list
from spiders.base import RegistrySpider, ScopeError, date_arg  # noqa: F401 (ScopeError: imported from here)
from spiders.items import RejectItem
from spiders.stats import count_lost_page, pages_lost
from spiders.usaspending.items import AwardItem, TransactionItem

SOURCE = "usaspending"
EARLIEST = date(2007, 10, 1)  # the search endpoints' documented lower bound (FY2008)
AWARD_TYPE_GROUPS = {
    "contracts": ["A", "B", "C", "D"],
    "idvs": ["IDV_A", "IDV_B", "IDV_B_A", "IDV_B_B", "IDV_B_C", "IDV_C", "IDV_D", "IDV_E"],
}
SEARCH_FIELDS = [
    "Award ID", "Recipient Name", "Recipient UEI", "Award Amount", "Description", "Start Date", "End Date",
    "Awarding Agency", "Awarding Sub Agency", "Contract Award Type", "Last Modified Date", "generated_internal_id",
]
PUBLIC_AWARD_PAGE = "https://www.usaspending.gov/award/{}/"


def agency_table() -> list[dict[str, str]]:
    with open(DATA_DIR / "code_tables" / "agency_codes.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def resolve_agency(value: str) -> dict[str, str]:
    """An awarding agency filter from a name, code or abbreviation, as USAspending's code table spells it.

    A department with subtiers of its own (DHS, DOJ, DoD) is a toptier filter; anything else that names a
    subtier (ICE, FBI, "Department of the Air Force", which USAspending files under DoD) is a subtier filter.
    """
    low = value.strip().lower()
    rows = agency_table()
    subtier_count: dict[str, int] = {}
    for r in rows:
        if r["subtier_code"]:
            subtier_count[r["cgac_code"]] = subtier_count.get(r["cgac_code"], 0) + 1
    for r in rows:
        if subtier_count.get(r["cgac_code"], 0) >= 2 and low in (
            r["cgac_code"].lower(), r["agency_name"].lower(), r["agency_abbreviation"].lower()
        ):
            return {"type": "awarding", "tier": "toptier", "name": r["agency_name"]}
    for r in rows:
        if r["subtier_code"] and low in (r["subtier_code"].lower(), r["subtier_name"].lower()):
            return {"type": "awarding", "tier": "subtier", "name": r["subtier_name"]}
    subs = {r["subtier_name"] for r in rows if r["subtier_abbreviation"] and low == r["subtier_abbreviation"].lower()}
    if len(subs) == 1:
        return {"type": "awarding", "tier": "subtier", "name": subs.pop()}
    raise ScopeError(f"unknown agency {value!r}: use a subtier name or code from data/code_tables/agency_codes.csv")


def default_scope() -> dict[str, Any]:
    with open(DATA_DIR / "crawl_scope.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


as_date = date_arg  # kept for the bulk route and the tests


def fiscal_year_windows(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at fiscal-year boundaries (1 October)."""
    windows = []
    cur = start
    while cur <= end:
        fy_end = date(cur.year if cur.month < 10 else cur.year + 1, 9, 30)
        stop = min(fy_end, end)
        windows.append((cur, stop))
        cur = stop + timedelta(days=1)
    return windows


def loads(body: bytes | str) -> Any:
    """JSON with exact decimals: 1594101040.69 stays 1594101040.69, never a binary float."""
    return json.loads(body, parse_float=Decimal)


def _json_number(value: Any) -> Any:
    """A value read with parse_float=Decimal, back in a JSON-writable form: whole numbers as int, others as float."""
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else float(value)
    return value


def obj(value: Any) -> dict[str, Any]:
    """A nested JSON object, or {} when the feed sent null, a string or a list in its place (never a crash)."""
    return value if isinstance(value, dict) else {}


def dig(obj: Any, *path: str) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(p)
    return obj


def transaction_number(tx_id: str | None) -> int:
    """The FPDS transaction number is the last part of the API's transaction id (CONT_TX_..._<n>); else 0."""
    if isinstance(tx_id, str) and "_" in tx_id:
        tail = tx_id.rsplit("_", 1)[1]
        if tail.isdigit():
            return int(tail)
    return 0


class UsaspendingSpider(RegistrySpider):
    name = SOURCE
    base_url_setting = "USASPENDING_API_URL"
    default_base_url = "https://api.usaspending.gov"
    lost_meta_keys = ("gid",)

    def __init__(
        self,
        agencies: Any = None,
        since: Any = None,
        until: Any = None,
        recipient: Any = None,
        psc: Any = None,
        naics: Any = None,
        award_ids: Any = None,
        award_types: Any = None,
        modified_since: Any = None,
        api_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(since=since, until=until, api_url=api_url, **kwargs)
        defaults = default_scope()
        names = as_list(agencies) or [a["name"] for a in defaults["agencies"]]
        self.agency_filters = [resolve_agency(n) for n in names]
        self.since = self.since or as_date(defaults.get("since"), "since")
        self.until = self.until or as_date(defaults.get("until"), "until") or date.today()
        if self.since < EARLIEST:
            raise ScopeError(f"since: the search API starts at {EARLIEST}; use the bulk route for older records")
        if self.until < self.since:
            raise ScopeError(f"until ({self.until}) is before since ({self.since})")
        self.recipients = as_list(recipient)
        self.psc = as_list(psc)
        self.naics = as_list(naics)
        self.award_ids = as_list(award_ids)
        groups = as_list(award_types) or list(defaults.get("award_types") or AWARD_TYPE_GROUPS)
        self.type_groups: dict[str, list[str]] = {}
        for g in groups:
            if g in AWARD_TYPE_GROUPS:
                self.type_groups[g] = AWARD_TYPE_GROUPS[g]
            else:
                grp = next((k for k, v in AWARD_TYPE_GROUPS.items() if g.upper() in v), None)
                if grp is None:
                    raise ScopeError(f"award type {g!r}: use contracts, idvs, A-D or IDV_*")
                self.type_groups.setdefault(grp, []).append(g.upper())
        self.modified_since = as_date(modified_since, "modified_since")
        self.listed: set[str] = set()  # distinct awards the search listed, checked against the count at the end
        self.expected: dict[str, int] = {}  # per type group: the count endpoint's total (the listing's bound)
        self.listed_by_group: dict[str, set[str]] = {}
        self.page_prints: dict[tuple, set[tuple]] = {}  # per listing: every page seen (repeats, not only in a row)
        self.tx_seen: dict[str, set[str]] = {}  # per award: transactions seen (a page with none new ends paging)
        self.scope = {
            "agencies": [a["name"] for a in self.agency_filters],
            "since": str(self.since),
            "until": str(self.until) if until or defaults.get("until") else None,
            "recipient": self.recipients,
            "psc": self.psc,
            "naics": self.naics,
            "award_ids": self.award_ids,
            "award_types": {k: v for k, v in self.type_groups.items()},
        }

    # -- URLs and request bodies ------------------------------------------------------------
    @property
    def api(self) -> str:
        return self.base_url.rstrip("/")

    def filters(self, codes: list[str], window: tuple[date, date]) -> dict[str, Any]:
        f: dict[str, Any] = {"award_type_codes": codes, "agencies": self.agency_filters}
        if self.modified_since:
            # modified since the last run: up to today, whatever the action-date window's end
            f["time_period"] = [{"start_date": str(self.modified_since), "end_date": str(date.today()),
                                 "date_type": "last_modified_date"}]
        else:
            f["time_period"] = [{"start_date": str(window[0]), "end_date": str(window[1])}]
        if self.recipients:
            f["recipient_search_text"] = self.recipients
        if self.psc:
            f["psc_codes"] = self.psc
        if self.naics:
            f["naics_codes"] = self.naics
        if self.award_ids:  # quoted ids are exact matches (documented), not full-text ones
            f["award_ids"] = [i if i.startswith('"') else f'"{i}"' for i in self.award_ids]
        return f

    def windows(self) -> list[tuple[date, date]]:
        if self.modified_since:
            return [(self.modified_since, date.today())]
        return fiscal_year_windows(self.since, self.until)

    def search_request(self, group: str, window: tuple[date, date], page: int = 1,
                       cursor: dict[str, Any] | None = None) -> JsonRequest:
        body: dict[str, Any] = {
            "filters": self.filters(self.type_groups[group], window),
            "fields": SEARCH_FIELDS,
            "limit": self.settings.getint("USASPENDING_PAGE_SIZE", 100),
            "page": page,
            "sort": "Award Amount",
            "order": "desc",
            "subawards": False,
        }
        if cursor:
            body.update(cursor)
        return JsonRequest(
            f"{self.api}/api/v2/search/spending_by_award/", data=body, callback=self.parse_search,
            errback=self.page_failed, cb_kwargs={"group": group, "window": window, "page": page},
            meta={"kind": "search page"}, dont_filter=True,
        )

    # -- crawl ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        for group in self.type_groups:
            yield JsonRequest(
                f"{self.api}/api/v2/search/spending_by_award_count/",
                data={"filters": self.filters(self.type_groups[group], (self.since, self.until)),
                      "subawards": False},
                callback=self.parse_count, errback=self.count_failed, meta={"kind": "count"},
                cb_kwargs={"group": group}, dont_filter=True, priority=10,
            )
            for window in self.windows():
                yield self.search_request(group, window)

    def parse_count(self, response: Response, group: str) -> None:
        """Award count for the progress ETA and the end check (completeness_rejects); a failure costs only those."""
        try:
            counts = loads(response.body).get("results") or {}
            n = int(counts.get(group) or 0)  # only the group asked ("contracts" or "idvs"): the end check uses it
        except (ValueError, AttributeError, TypeError):
            return
        self.crawler.stats.inc_value(f"{SOURCE}/awards_expected", n)
        self.expected[group] = n

    def count_failed(self, failure: Failure) -> None:
        self.logger.info("award count unavailable (%s): progress will show no ETA", failure.value)
        self.count("count_unavailable")

    def expected_total(self) -> int | None:
        """The count endpoint's total of the groups asked; None when any count was unavailable."""
        stats = self.crawler.stats
        if stats.get_value(f"{SOURCE}/count_unavailable"):
            return None
        value = stats.get_value(f"{SOURCE}/awards_expected")
        return None if value is None else int(value)

    def parse_search(self, response: Response, group: str, window: tuple[date, date], page: int) -> Iterator[Any]:
        data, results, rejected = self.parse_results(response, "search page")
        if rejected:
            yield rejected
            return
        stats = self.crawler.stats
        ids = []
        for row in results:
            gid = row.get("generated_internal_id") if isinstance(row, dict) else None
            if not isinstance(gid, str) or not gid.strip():  # a list or number here would build a bad URL
                yield self.reject_response(response, "award", "search result without generated_internal_id", row)
                continue
            ids.append(gid)
            self.listed_by_group.setdefault(group, set()).add(gid)
            if gid in self.listed:  # a row repeated across pages is one award, fetched once
                continue
            stats.inc_value(f"{SOURCE}/search_results")
            self.listed.add(gid)
            # dont_filter: the listed set de-duplicates; the duplicate filter must not drop a redirected detail
            yield Request(f"{self.api}/api/v2/awards/{gid}/", callback=self.parse_award, errback=self.page_failed,
                          cb_kwargs={"gid": gid}, meta={"kind": "award detail", "gid": gid}, dont_filter=True)
        meta = obj(data.get("page_metadata"))
        if not meta.get("hasNext"):
            return
        if not ids:  # hasNext with an empty page: the API's paging broke; stop rather than loop
            self.logger.warning("empty page %d with hasNext=true for %s %s: stopped paging", page, group, window)
            yield from self.reject_page(response, f"search page {page}: empty with hasNext=true; paging stopped")
            return
        seen = response.meta.get("previous_ids")
        if seen is not None and seen == ids:
            self.logger.warning("page %d repeats page %d for %s %s: stopped paging", page, page - 1, group, window)
            yield from self.reject_page(response, f"search page {page}: repeats page {page - 1}; paging stopped")
            return
        stopped = self.listing_stop(group, window, page, ids)
        if stopped:
            self.logger.warning("%s for %s %s: stopped paging", stopped, group, window)
            yield from self.reject_page(response, f"search page {page}: {stopped}; paging stopped")
            return
        if page >= self.settings.getint("USASPENDING_MAX_PAGES", 100):
            if window[0] < window[1] and not self.modified_since:
                mid = window[0] + (window[1] - window[0]) // 2
                self.logger.info("window %s..%s exceeds the search cap: split at %s", *window, mid)
                stats.inc_value(f"{SOURCE}/windows_split")
                yield self.search_request(group, (window[0], mid))
                yield self.search_request(group, (mid + timedelta(days=1), window[1]))
            else:
                count_lost_page(self)
                self.logger.warning("search cap reached for %s %s: results beyond it not fetched", group, window)
            return
        # echoed back as the API sent it; numbers were read as exact Decimals, which JSON cannot write
        cursor = {k: _json_number(meta[k]) for k in ("last_record_unique_id", "last_record_sort_value")
                  if meta.get(k) is not None}
        req = self.search_request(group, window, page + 1, cursor)
        req.meta["previous_ids"] = ids
        yield req

    def listing_stop(self, group: str, window: tuple[date, date], page: int, ids: list[str]) -> str | None:
        """Why a listing that says hasNext must stop anyway (a hostile or broken index), or None.

        A page seen before in this listing (A, B, A, ... as well as A, A) and a listing past the count endpoint's
        own total (new ids on every page) both mean the paging will never end by itself.
        """
        key = (group, window, self.modified_since)
        if page == 1:
            self.page_prints[key] = set()
        prints = self.page_prints.setdefault(key, set())
        page_print = tuple(ids)
        if page_print in prints and page > 1:
            return "repeats an earlier page"
        prints.add(page_print)
        expected = self.expected.get(group)
        if expected is not None:
            margin = self.settings.getfloat("USASPENDING_COUNT_MARGIN", 0.1)
            bound = int(expected * (1 + margin)) + self.settings.getint("USASPENDING_PAGE_SIZE", 100)
            listed = len(self.listed_by_group.get(group, ()))
            if listed > bound:
                return f"the listing passed its expected count ({listed:,} listed, {expected:,} counted)"
        return None

    def parse_award(self, response: Response, gid: str) -> Iterator[Any]:
        data, rejected = self.parse_json(response, "award detail", kind="award")
        if rejected:
            yield rejected
            return
        key = data.get("generated_unique_award_id")
        if not isinstance(key, str) or not key.strip():
            yield self.reject_response(response, "award", "award detail without generated_unique_award_id",
                              response.body.decode("utf-8", "replace"), count_lost=True)
            return
        yield self.award_item(data, response)
        yield self.transactions_request(gid, data, 1)

    def transactions_request(self, gid: str, award: dict[str, Any], page: int) -> JsonRequest:
        return JsonRequest(
            f"{self.api}/api/v2/transactions/",
            data={"award_id": gid, "page": page, "sort": "action_date", "order": "asc",
                  "limit": self.settings.getint("USASPENDING_TRANSACTIONS_PAGE_SIZE", 5000)},
            callback=self.parse_transactions, errback=self.page_failed, dont_filter=True,
            cb_kwargs={"gid": gid, "award": award, "page": page}, meta={"kind": "transactions page", "gid": gid},
        )

    def parse_transactions(self, response: Response, gid: str, award: dict[str, Any], page: int) -> Iterator[Any]:
        data, results, rejected = self.parse_results(response, "transactions page")
        if rejected:
            yield rejected
            return
        if page == 1:  # a listing starts afresh (a re-fetched award is read again, not skipped)
            self.tx_seen[gid] = set()
        seen = self.tx_seen.setdefault(gid, set())
        new = 0
        for row in results:
            if not isinstance(row, dict):
                yield self.reject_response(response, "transaction", "transaction is not an object", row)
                continue
            ident = row.get("id") if isinstance(row.get("id"), str) else json.dumps(row, sort_keys=True, default=str)
            if ident not in seen:  # only for the paging decision: a repeated row is still stored (merged) once
                seen.add(ident)
                new += 1
            yield self.transaction_item(row, gid, award, response)
        if obj(data.get("page_metadata")).get("hasNext"):
            if not results:  # the API's paging broke: stop rather than loop, and say so in rejects
                yield from self.reject_page(response, f"transactions page {page}: empty with hasNext=true")
                return
            if not new:  # every row seen before: the same page again (hasNext always true)
                yield from self.reject_page(response, f"transactions page {page}: repeats earlier pages; "
                                            "paging stopped")
                return
            if page >= self.settings.getint("USASPENDING_MAX_TRANSACTION_PAGES", 1000):
                yield from self.reject_page(response, f"transactions page {page}: page cap reached "
                                            "(USASPENDING_MAX_TRANSACTION_PAGES); paging stopped")
                return
            yield self.transactions_request(gid, award, page + 1)

    # -- items ------------------------------------------------------------------------------
    def award_item(self, d: dict[str, Any], response: Response) -> AwardItem:
        ltc = obj(d.get("latest_transaction_contract_data"))
        pop = obj(d.get("place_of_performance"))
        rec = obj(d.get("recipient"))
        loc = obj(rec.get("location"))
        aw, fu = obj(d.get("awarding_agency")), obj(d.get("funding_agency"))
        gid = d["generated_unique_award_id"]
        return AwardItem(
            source=SOURCE, source_url=response.url, fetched_at=datetime.now(UTC),
            raw_payload=response.body.decode("utf-8", "replace"),
            award_key=gid, piid=d.get("piid"),
            parent_piid=dig(d, "parent_award", "piid"),
            parent_award_key=dig(d, "parent_award", "generated_unique_award_id"),
            category=d.get("category"), award_type=d.get("type"), award_type_description=d.get("type_description"),
            recipient_name=rec.get("recipient_name"), recipient_uei=rec.get("recipient_uei"),
            recipient_parent_name=rec.get("parent_recipient_name"),
            recipient_parent_uei=rec.get("parent_recipient_uei"),
            recipient_city=loc.get("city_name"), recipient_state=loc.get("state_code"),
            recipient_country=loc.get("location_country_code"),
            awarding_agency=dig(aw, "toptier_agency", "name"), awarding_agency_code=dig(aw, "toptier_agency", "code"),
            awarding_subagency=dig(aw, "subtier_agency", "name"),
            awarding_subagency_code=dig(aw, "subtier_agency", "code"),
            awarding_office=aw.get("office_agency_name"),
            funding_agency=dig(fu, "toptier_agency", "name"), funding_subagency=dig(fu, "subtier_agency", "name"),
            funding_office=fu.get("office_agency_name"),
            description=d.get("description"),
            psc_code=ltc.get("product_or_service_code"), psc_description=ltc.get("product_or_service_description"),
            naics_code=ltc.get("naics"), naics_description=ltc.get("naics_description"),
            extent_competed=ltc.get("extent_competed"),
            other_than_full_and_open=ltc.get("other_than_full_and_open"),
            fair_opportunity_limited_sources=ltc.get("fair_opportunity_limited"),
            solicitation_procedures=ltc.get("solicitation_procedures"),
            number_of_offers=ltc.get("number_of_offers_received"),
            type_of_contract_pricing=ltc.get("type_of_contract_pricing"),
            type_set_aside=ltc.get("type_set_aside"),
            date_signed=d.get("date_signed"),
            start_date=dig(d, "period_of_performance", "start_date"),
            end_date=dig(d, "period_of_performance", "end_date"),
            potential_end_date=dig(d, "period_of_performance", "potential_end_date"),
            last_modified_date=dig(d, "period_of_performance", "last_modified_date"),
            total_obligation=d.get("total_obligation"),
            base_exercised_options=d.get("base_exercised_options"),
            base_and_all_options=d.get("base_and_all_options"),
            pop_city=pop.get("city_name"), pop_state=pop.get("state_code"),
            pop_country=pop.get("location_country_code"), pop_zip=pop.get("zip5"),
            usaspending_url=PUBLIC_AWARD_PAGE.format(gid),
        )

    def transaction_item(self, row: dict[str, Any], gid: str, award: dict[str, Any],
                         response: Response) -> TransactionItem:
        aw = obj(award.get("awarding_agency"))
        return TransactionItem(
            source=SOURCE,
            # the modification history a reader can open is the award's public page
            source_url=PUBLIC_AWARD_PAGE.format(gid),
            fetched_at=datetime.now(UTC),
            raw_payload=json.dumps(row, default=str),
            award_key=gid, transaction_key=row.get("id"),
            modification_number=row.get("modification_number"),
            transaction_number=transaction_number(row.get("id")),
            action_date=row.get("action_date"),
            federal_action_obligation=row.get("federal_action_obligation"),
            action_type=row.get("action_type"), action_type_description=row.get("action_type_description"),
            description=row.get("description"),
            piid=award.get("piid"),
            recipient_name=dig(award, "recipient", "recipient_name"),
            recipient_uei=dig(award, "recipient", "recipient_uei"),
            awarding_agency=dig(aw, "toptier_agency", "name"),
            awarding_subagency=dig(aw, "subtier_agency", "name"),
            awarding_office=aw.get("office_agency_name"),
        )

    def completeness_rejects(self) -> list[RejectItem]:
        """At the end: a listing that stopped short of the API's own count is a lost page, not a finished scope.

        Why: a search that says hasNext=false too early (an index hiccup) otherwise ends "ok" with awards
        missing; the count endpoint is the independent total. Called by the pipeline before it closes the run.
        """
        stats = self.crawler.stats
        expected = stats.get_value(f"{SOURCE}/awards_expected")
        if not expected or len(self.listed) >= expected or pages_lost(stats, self.name):
            return []  # no count, complete, or already partial with the lost pages in rejects
        reason = (f"search listing ended early: {len(self.listed):,} of {expected:,} awards listed "
                  "(spending_by_award_count); re-run to complete")
        self.logger.warning(reason)
        payload = {"scope": self.scope, "listed": len(self.listed), "expected": expected}
        return [self.reject_response(None, "page", reason, payload, count_lost=True,
                            url=f"{self.api}/api/v2/search/spending_by_award/")]

    # -- failures ---------------------------------------------------------------------------
    def parse_results(self, response: Response, what: str) -> tuple[Any, list[Any], RejectItem | None]:
        """(JSON object, its `results` list, None), or (None, [], reject) for a page the API did not answer."""
        data, rejected = self.parse_json(response, what)
        if rejected is None and not isinstance(data.get("results"), list):
            rejected = self.reject_response(response, "page", f"{what}: no results list",
                                   response.body.decode("utf-8", "replace"), count_lost=True)
        if rejected is not None:
            return None, [], rejected
        return data, data["results"], None

    def parse_json(self, response: Response, what: str, kind: str = "page") -> tuple[Any, RejectItem | None]:
        """(JSON object, None), or (None, reject) for a body that is not the API's JSON (a lost page)."""
        text = response.body.decode("utf-8", "replace")
        try:
            data = loads(response.body)
        except (ValueError, UnicodeDecodeError) as e:
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            reason = f"{what}: not JSON ({ctype or 'no content type'}; {e.__class__.__name__}: {e})"
            return None, self.reject_response(response, kind, reason, text, count_lost=True)
        if not isinstance(data, dict):
            return None, self.reject_response(response, kind, f"{what}: JSON is not an object", text, count_lost=True)
        if "detail" in data and "results" not in data and "generated_unique_award_id" not in data:
            return None, self.reject_response(response, kind, f"{what}: API error: {data.get('detail')}", text,
                                     count_lost=True)
        return data, None

    def reject_response(self, response: Response | None, kind: str, reason: str, payload: Any,
                        count_lost: bool = False, url: str | None = None) -> RejectItem:
        """The base reject for a response (its URL unless `url` is given)."""
        return self.reject(url or (response.url if response is not None else None), kind, reason, payload,
                           lost=count_lost)

    def reject_page(self, response: Response, reason: str) -> Iterable[RejectItem]:
        yield self.reject_response(response, "page", reason, response.body.decode("utf-8", "replace"), count_lost=True)
