"""USAspending's items: one award (contract or IDV) and one contract action, as both routes (API and bulk
files) deliver them; both land in the same staging tables under the same natural keys."""

from __future__ import annotations

from typing import Any

import scrapy

from registry.core.parse import ParseError, parse_date, parse_int, parse_money
from spiders.items import RegistryItem, _texts

AWARD_TEXT_FIELDS = [
    "piid", "parent_piid", "parent_award_key", "category", "award_type", "award_type_description",
    "recipient_name", "recipient_uei", "recipient_parent_name", "recipient_parent_uei", "recipient_city",
    "recipient_state", "recipient_country", "awarding_agency", "awarding_agency_code", "awarding_subagency",
    "awarding_subagency_code", "awarding_office", "awarding_office_code", "funding_agency", "funding_subagency",
    "funding_office", "description", "psc_code", "psc_description", "naics_code", "naics_description",
    "extent_competed", "other_than_full_and_open", "fair_opportunity_limited_sources", "solicitation_procedures",
    "type_of_contract_pricing", "type_set_aside", "pop_city", "pop_state", "pop_country", "pop_zip",
    "usaspending_url",
]
AWARD_KEY_AND_TEXT_FIELDS = ["award_key", *AWARD_TEXT_FIELDS]  # cleaned in one pass (see _texts)
AWARD_DATE_FIELDS = ["date_signed", "start_date", "end_date", "potential_end_date", "last_modified_date"]
AWARD_MONEY_FIELDS = ["total_obligation", "base_exercised_options", "base_and_all_options"]


class AwardItem(RegistryItem):
    """One award (contract or IDV) as the award detail endpoint or an award-summary file describes it."""

    staging_table = "stg_awards"
    kind = "award"
    award_key = scrapy.Field()
    number_of_offers = scrapy.Field()
    locals().update({f: scrapy.Field() for f in AWARD_TEXT_FIELDS + AWARD_DATE_FIELDS + AWARD_MONEY_FIELDS})

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        _texts(self, AWARD_KEY_AND_TEXT_FIELDS, rec)
        if not rec["award_key"]:
            raise ParseError("award_key: missing")
        rec.update(self.provenance())
        for f in AWARD_DATE_FIELDS:
            rec[f] = parse_date(self.get(f), f)
        for f in AWARD_MONEY_FIELDS:
            rec[f] = parse_money(self.get(f), f)
        rec["number_of_offers"] = parse_int(self.get("number_of_offers"), "number_of_offers")
        return self.with_payload_hash(rec)


TX_TEXT_FIELDS = [
    "transaction_key", "action_type", "action_type_description", "description", "piid", "recipient_name",
    "recipient_uei", "awarding_agency", "awarding_subagency", "awarding_office", "psc_code", "psc_description",
    "naics_code", "naics_description", "extent_competed", "other_than_full_and_open",
    "fair_opportunity_limited_sources", "solicitation_procedures",
]
TX_KEY_AND_TEXT_FIELDS = ["award_key", "modification_number", *TX_TEXT_FIELDS]  # cleaned in one pass


class TransactionItem(RegistryItem):
    """One contract action (base award or modification) of an award."""

    staging_table = "stg_transactions"
    kind = "transaction"
    award_key = scrapy.Field()
    modification_number = scrapy.Field()
    transaction_number = scrapy.Field()
    action_date = scrapy.Field()
    federal_action_obligation = scrapy.Field()
    number_of_offers = scrapy.Field()
    last_modified_date = scrapy.Field()
    locals().update({f: scrapy.Field() for f in TX_TEXT_FIELDS})

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        _texts(self, TX_KEY_AND_TEXT_FIELDS, rec)
        if not rec["award_key"]:
            raise ParseError("award_key: missing")
        if not rec["modification_number"] and not rec["transaction_key"]:
            # its key would be (award, "0", 0): several such actions would collapse into one row, dollars lost
            raise ParseError("transaction key: neither id nor modification_number")
        rec.update(self.provenance())
        rec["modification_number"] = rec["modification_number"] or "0"
        rec["transaction_number"] = parse_int(self.get("transaction_number"), "transaction_number") or 0
        rec["action_date"] = parse_date(self.get("action_date"), "action_date", required=True)
        rec["federal_action_obligation"] = parse_money(
            self.get("federal_action_obligation"), "federal_action_obligation", required=True
        )
        rec["number_of_offers"] = parse_int(self.get("number_of_offers"), "number_of_offers")
        rec["last_modified_date"] = parse_date(self.get("last_modified_date"), "last_modified_date")
        return self.with_payload_hash(rec)
