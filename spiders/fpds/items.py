"""FPDS contract actions (ATOM feed entries): the item, its validation, and the USAspending-style award key.

Why the key is built here and the USAspending way: FPDS has no award-level id, only the parts (PIID,
agency, referenced IDV PIID and agency); USAspending's generated_unique_award_id concatenates exactly those
parts, so building it identically lets an FPDS action meet the same transaction in `transactions` without a
fuzzy join (CONT_AWD_<PIID>_<agency>_<IDV PIID or -NONE->_<IDV agency or -NONE->, CONT_IDV_<PIID>_<agency>).
"""

from __future__ import annotations

from typing import Any

import scrapy

from registry.core.parse import ParseError, clean_text, parse_date, parse_int, parse_money
from spiders.items import RegistryItem

NONE = "-NONE-"


def award_key(record_type: str, piid: str, agency_id: str, idv_piid: str | None, idv_agency_id: str | None) -> str:
    """USAspending's generated_unique_award_id for a contract award or an IDV."""
    if record_type == "idv":
        return f"CONT_IDV_{piid}_{agency_id}"
    return f"CONT_AWD_{piid}_{agency_id}_{idv_piid or NONE}_{idv_agency_id or NONE}"


FPDS_TEXT_FIELDS = [
    "agency_name", "idv_modification_number", "contract_action_type", "contract_action_type_description",
    "action_type", "action_type_description", "description", "extent_competed", "extent_competed_description",
    "solicitation_procedures", "solicitation_procedures_description", "other_than_full_and_open",
    "other_than_full_and_open_description", "fair_opportunity_limited_sources",
    "fair_opportunity_limited_sources_description", "type_set_aside", "type_set_aside_description",
    "contracting_office_agency_id", "contracting_office_id", "contracting_office_name", "psc_code", "naics_code",
    "vendor_name", "vendor_uei", "ultimate_parent_uei", "ultimate_parent_name", "fpds_url",
]
FPDS_DATE_FIELDS = [
    "signed_date", "effective_date", "current_completion_date", "ultimate_completion_date", "last_modified_date",
]
FPDS_MONEY_FIELDS = [
    "obligated_amount", "base_and_exercised_options_value", "base_and_all_options_value", "total_obligated_amount",
    "total_base_and_all_options_value",
]


class FpdsActionItem(RegistryItem):
    """One FPDS contract action (an ATOM <entry> holding an <award> or an <IDV>)."""

    staging_table = "stg_fpds_actions"
    kind = "fpds_action"

    record_type = scrapy.Field()
    piid = scrapy.Field()
    agency_id = scrapy.Field()
    idv_piid = scrapy.Field()
    idv_agency_id = scrapy.Field()
    modification_number = scrapy.Field()
    transaction_number = scrapy.Field()
    number_of_offers = scrapy.Field()
    locals().update({f: scrapy.Field() for f in FPDS_TEXT_FIELDS + FPDS_DATE_FIELDS + FPDS_MONEY_FIELDS})

    def to_record(self) -> dict[str, Any]:
        record_type = clean_text(self.get("record_type")) or "award"
        if record_type not in {"award", "idv"}:
            raise ParseError(f"record type: not an award or IDV: {record_type[:20]!r}")
        piid = (clean_text(self.get("piid")) or "").upper()
        agency_id = (clean_text(self.get("agency_id")) or "").upper()
        if not piid:
            raise ParseError("PIID: missing")
        if not agency_id:
            raise ParseError("agencyID: missing")
        if "_" in piid or " " in piid:
            raise ParseError(f"PIID: not a PIID: {piid[:40]!r}")
        idv_piid = (clean_text(self.get("idv_piid")) or "").upper() or None
        idv_agency_id = (clean_text(self.get("idv_agency_id")) or "").upper() or None
        rec: dict[str, Any] = {
            "award_key": award_key(record_type, piid, agency_id, idv_piid, idv_agency_id),
            "record_type": record_type,
            "piid": piid,
            "agency_id": agency_id,
            "idv_piid": idv_piid,
            "idv_agency_id": idv_agency_id,
            **self.provenance(),
        }
        rec["modification_number"] = clean_text(self.get("modification_number")) or "0"
        rec["transaction_number"] = parse_int(self.get("transaction_number"), "transactionNumber") or 0
        rec["number_of_offers"] = parse_int(self.get("number_of_offers"), "numberOfOffersReceived")
        for f in FPDS_TEXT_FIELDS:
            rec[f] = clean_text(self.get(f))
        for f in FPDS_DATE_FIELDS:
            rec[f] = parse_date(self.get(f), f)
        if rec["signed_date"] is None:
            raise ParseError("signedDate: missing")
        for f in FPDS_MONEY_FIELDS:
            rec[f] = parse_money(self.get(f), f)
        return self.with_payload_hash(rec)
