"""Typed items, each with its schema and validator next to it, and the staging table it lands in.

Why validation lives on the item: the spider stays a thin parser of the source's format; whether a
record is good enough to store (keys present, dates real, amounts numeric) is decided in one place,
and a record that fails becomes a reject with its reason and raw payload instead of vanishing.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import scrapy

from registry.parse import ParseError, clean_text, parse_date, parse_int, parse_money
from registry.store import sha256_of


class RegistryItem(scrapy.Item):
    """Base: provenance fields every item carries, and the hook that validates it into a record."""

    staging_table: ClassVar[str] = ""
    kind: ClassVar[str] = "record"

    source = scrapy.Field()        # spider/loader name
    source_url = scrapy.Field()    # where the record was fetched (API URL or file URL)
    fetched_at = scrapy.Field()    # datetime (UTC) of the response
    raw_payload = scrapy.Field()   # the record as the source sent it (JSON text)

    def to_record(self) -> dict[str, Any]:
        """Typed record for the staging table; raises ParseError with the reject reason."""
        raise NotImplementedError

    def get(self, key: str, default: Any = None) -> Any:
        """Mapping.get without its KeyError round trip for unset fields (to_record reads ~40 per item)."""
        return self._values.get(key, default)

    @staticmethod
    def payload_text(raw: Any) -> str | None:
        """A raw payload as stored: text as it came, an object as sorted JSON."""
        if raw is None or isinstance(raw, str):
            return raw
        return json.dumps(raw, sort_keys=True, default=str)

    @classmethod
    def with_payload_hash(cls, rec: dict[str, Any]) -> dict[str, Any]:
        """The raw payload as text and its SHA-256: one rule for every source."""
        rec["raw_payload"] = cls.payload_text(rec.get("raw_payload"))
        rec["payload_sha256"] = sha256_of(rec["raw_payload"] or "")
        return rec

    def provenance(self) -> dict[str, Any]:
        """Where and when the record was fetched; a record that cannot say is rejected, never stored bare."""
        values = self._values
        for name in ("source_url", "source", "fetched_at"):
            if not values.get(name):
                raise ParseError(f"{name}: missing")
        return {
            "source": values["source"],
            "source_url": values["source_url"],
            "fetched_at": values["fetched_at"],
            "raw_payload": values.get("raw_payload"),
        }


class RejectItem(scrapy.Item):
    """A response or record that could not be parsed at all (truncated body, HTML error page, ...)."""

    source = scrapy.Field()
    source_url = scrapy.Field()
    kind = scrapy.Field()
    reason = scrapy.Field()
    raw_payload = scrapy.Field()


def _texts(item: scrapy.Item, fields: list[str], rec: dict[str, Any]) -> None:
    """clean_text of many fields into rec, with a fast path for plain strings.

    Why a loop over names rather than a call per field: this is the per-item hot path (~40 fields an item)
    of every crawl and load, and the call overhead was a third of it (bench/ingest.py).
    """
    get = item._values.get
    for name in fields:
        v = get(name)
        if v is None:
            rec[name] = None
        elif v.__class__ is str:
            s = v.strip()
            if "\x00" in s:
                s = s.replace("\x00", "").strip()
            rec[name] = s or None
        else:
            rec[name] = clean_text(v)


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
