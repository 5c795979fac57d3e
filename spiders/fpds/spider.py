"""`fpds`: per-modification competition detail from the FPDS ATOM feed.

Source format: the public ATOM feed (`FEEDNAME=PUBLIC`, `q=` a query of FPDS search fields such as
`PIID:"70CTD022FR0000170" AGENCY_CODE:"7012" LAST_MOD_DATE:[2025/01/01,2025/12/31]`), ten <entry>
elements per page, each holding an <ns1:award> (or <ns1:IDV>) in the FPDS namespace, and `next`/`last`
links for paging. Field paths follow the data broker's FPDS-to-USAspending map
(shared code_tables/fpds_atom_xml_path_to_usaspending_column.csv): competition/extentCompeted ->
extent_competed, competition/reasonNotCompeted -> other_than_full_and_open_competition,
competition/statutoryExceptionToFairOpportunity -> fair_opportunity_limited_sources, ...

FPDS ATOM is being retired in favour of SAM.gov's Contract Awards API (/contract-awards/v1/search); the
same fields live there under coreData.competitionInformation (see docs/sources.md, "FPDS actions").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import Request, Response

from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.fpds.items import FpdsActionItem

DEFAULT_ATOM_URL = "https://www.fpds.gov/ezsearch/FEEDS/ATOM"
DEFAULT_VERSION = "1.5.2"  # the template version of the feed pages this spider was written against
ATOM_NS = "http://www.w3.org/2005/Atom"
_STRICT_XML = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)


def fpds_query(
    piid: str | None = None,
    agency: str | None = None,
    idv_piid: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> str:
    """An FPDS search query; dates filter LAST_MOD_DATE (open-ended ranges as FPDS writes them)."""
    terms = []
    if piid:
        terms.append(f'PIID:"{piid}"')
    if idv_piid:
        terms.append(f'REF_IDV_PIID:"{idv_piid}"')
    if agency:
        terms.append(f'AGENCY_CODE:"{agency}"')
    if since and until:
        terms.append(f"LAST_MOD_DATE:[{since:%Y/%m/%d},{until:%Y/%m/%d}]")
    elif since:
        terms.append(f"LAST_MOD_DATE:[{since:%Y/%m/%d},)")
    elif until:
        terms.append(f"LAST_MOD_DATE:(,{until:%Y/%m/%d}]")
    if not terms:
        raise ValueError("an FPDS query needs at least a PIID, an agency or a date range")
    return " ".join(terms)


class FpdsAtomSpider(RegistrySpider):
    """Contract actions matching PIIDs and/or agencies and/or a last-modified window, all pages."""

    name = "fpds"
    base_url_setting = "FPDS_ATOM_URL"
    default_base_url = DEFAULT_ATOM_URL

    def __init__(
        self,
        piids: str | list[str] | None = None,
        agencies: str | list[str] | None = None,
        idv_piids: str | list[str] | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        atom_url: str | None = None,
        max_pages: int | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(since=since, until=until, api_url=atom_url, **kwargs)
        self.piids = [p.upper() for p in as_list(piids, ",")]
        self.agencies = as_list(agencies, ",")
        self.idv_piids = [p.upper() for p in as_list(idv_piids, ",")]
        self.max_pages = int(max_pages) if max_pages else None
        self.queries = self._queries()
        self.scope = {"queries": self.queries}  # what was asked for, recorded in crawl_runs

    @property
    def atom_url(self) -> str:
        return self.base_url

    def _queries(self) -> list[str]:
        """One query per PIID / IDV PIID (each within each agency given), else one per agency, else dates only."""
        agencies = self.agencies or [None]
        queries = []
        for piid in self.piids:
            queries += [fpds_query(piid=piid, agency=a, since=self.since, until=self.until) for a in agencies]
        for idv in self.idv_piids:
            queries += [fpds_query(idv_piid=idv, agency=a, since=self.since, until=self.until) for a in agencies]
        if not queries:
            queries = [fpds_query(agency=a, since=self.since, until=self.until) for a in agencies]
        return queries

    def feed_url(self, query: str, start: int = 0) -> str:
        version = self.settings.get("FPDS_ATOM_VERSION") or DEFAULT_VERSION
        params = {"FEEDNAME": "PUBLIC", "VERSION": version, "q": query}
        if start:
            params["start"] = str(start)
        return f"{self.atom_url}?{urlencode(params)}"

    async def start(self) -> AsyncIterator[Request]:
        for query in self.queries:
            yield Request(self.feed_url(query), callback=self.parse, errback=self.page_failed,
                          cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int = 1):
        """One feed page: an item per entry, then the `next` page (rebased onto the configured feed URL)."""
        try:
            # Strict parse: a truncated page must be a reject, not silently "recovered" into fewer entries.
            root = etree.fromstring(response.body, parser=_STRICT_XML)
        except etree.XMLSyntaxError as e:
            yield self.reject(response.url, "page", f"page: not well-formed XML: {str(e)[:160]}",
                               response.text[:5000])
            return
        feed = Selector(root=root, type="xml")
        feed.register_namespace("a", ATOM_NS)
        is_feed = bool(feed.xpath("/a:feed"))
        if not is_feed:
            yield self.reject(response.url, "page", "page: not an ATOM feed", response.text[:5000])
            return
        fetched_at = datetime.now(UTC)
        for entry in feed.xpath("/a:feed/a:entry"):
            yield self._item(entry, response.url, fetched_at)
        next_href = feed.xpath("/a:feed/a:link[@rel='next']/@href").get()
        if next_href and feed.xpath("/a:feed/a:entry") and (self.max_pages is None or page < self.max_pages):
            yield Request(self._rebase(next_href), callback=self.parse, errback=self.page_failed,
                          cb_kwargs={"page": page + 1})

    # -- one entry ------------------------------------------------------------------------------------

    def _item(self, entry: Selector, url: str, fetched_at: datetime) -> FpdsActionItem:
        raw = entry.get()
        doc = Selector(text=raw, type="xml")
        doc.remove_namespaces()
        node = doc.xpath("/entry/content/*[1]")
        kind = (node.xpath("name()").get() or "").lower()
        record_type = "idv" if kind == "idv" else "award" if kind == "award" else kind or "missing"
        ids = "awardID/awardContractID" if record_type == "award" else "contractID/IDVID"
        ref = "awardID/referencedIDVID" if record_type == "award" else "contractID/referencedIDVID"

        def text(path: str) -> str | None:
            return node.xpath(f"{path}/text()").get()

        def desc(path: str) -> str | None:
            return node.xpath(f"{path}/@description").get()

        return FpdsActionItem(
            source=self.source,
            source_url=url,
            fetched_at=fetched_at,
            raw_payload=raw,
            record_type=record_type,
            piid=text(f"{ids}/PIID"),
            agency_id=text(f"{ids}/agencyID"),
            agency_name=node.xpath(f"{ids}/agencyID/@name").get(),
            modification_number=text(f"{ids}/modNumber"),
            transaction_number=text(f"{ids}/transactionNumber"),
            idv_piid=text(f"{ref}/PIID"),
            idv_agency_id=text(f"{ref}/agencyID"),
            idv_modification_number=text(f"{ref}/modNumber"),
            signed_date=text("relevantContractDates/signedDate"),
            effective_date=text("relevantContractDates/effectiveDate"),
            current_completion_date=text("relevantContractDates/currentCompletionDate"),
            ultimate_completion_date=text("relevantContractDates/ultimateCompletionDate"),
            obligated_amount=text("dollarValues/obligatedAmount"),
            base_and_exercised_options_value=text("dollarValues/baseAndExercisedOptionsValue"),
            base_and_all_options_value=text("dollarValues/baseAndAllOptionsValue"),
            total_obligated_amount=text("totalDollarValues/totalObligatedAmount"),
            total_base_and_all_options_value=text("totalDollarValues/totalBaseAndAllOptionsValue"),
            contract_action_type=text("contractData/contractActionType"),
            contract_action_type_description=desc("contractData/contractActionType"),
            action_type=text("contractData/reasonForModification"),
            action_type_description=desc("contractData/reasonForModification"),
            description=text("contractData/descriptionOfContractRequirement"),
            extent_competed=text("competition/extentCompeted"),
            extent_competed_description=desc("competition/extentCompeted"),
            solicitation_procedures=text("competition/solicitationProcedures"),
            solicitation_procedures_description=desc("competition/solicitationProcedures"),
            other_than_full_and_open=text("competition/reasonNotCompeted"),
            other_than_full_and_open_description=desc("competition/reasonNotCompeted"),
            fair_opportunity_limited_sources=text("competition/statutoryExceptionToFairOpportunity"),
            fair_opportunity_limited_sources_description=desc("competition/statutoryExceptionToFairOpportunity"),
            number_of_offers=text("competition/numberOfOffersReceived"),
            type_set_aside=text("competition/typeOfSetAside"),
            type_set_aside_description=desc("competition/typeOfSetAside"),
            contracting_office_agency_id=text("purchaserInformation/contractingOfficeAgencyID"),
            contracting_office_id=text("purchaserInformation/contractingOfficeID"),
            contracting_office_name=node.xpath("purchaserInformation/contractingOfficeID/@name").get(),
            funding_agency_id=text("purchaserInformation/fundingRequestingAgencyID"),
            funding_agency_name=node.xpath("purchaserInformation/fundingRequestingAgencyID/@name").get(),
            funding_office_id=text("purchaserInformation/fundingRequestingOfficeID"),
            funding_office_name=node.xpath("purchaserInformation/fundingRequestingOfficeID/@name").get(),
            psc_code=text("productOrServiceInformation/productOrServiceCode"),
            naics_code=text("productOrServiceInformation/principalNAICSCode"),
            vendor_name=self._parse_vendor_name(node),
            vendor_uei=text("vendor/vendorSiteDetails/entityIdentifiers/vendorUEIInformation/UEI"),
            ultimate_parent_uei=text("vendor/vendorSiteDetails/entityIdentifiers/vendorUEIInformation/ultimateParentUEI"),
            ultimate_parent_name=text(
                "vendor/vendorSiteDetails/entityIdentifiers/vendorUEIInformation/ultimateParentUEIName"
            ),
            last_modified_date=text("transactionInformation/lastModifiedDate"),
            fpds_url=doc.xpath("/entry/link[@rel='alternate']/@href").get(),
        )

    @staticmethod
    def _parse_vendor_name(node: Selector) -> str | None:
        """vendorHeader/vendorName, else the UEI legal business name, else contractorName."""
        for path in (
            "vendor/vendorHeader/vendorName",
            "vendor/vendorSiteDetails/entityIdentifiers/vendorUEIInformation/UEILegalBusinessName",
            "vendor/contractorName",
        ):
            value = node.xpath(f"{path}/text()").get()
            if value and value.strip():
                return value
        return None

    def _rebase(self, href: str) -> str:
        """The `next` link's query on the configured feed URL (tests and mirrors never leak to fpds.gov)."""
        query = urlsplit(href).query
        return f"{self.atom_url}?{query}" if query else href
