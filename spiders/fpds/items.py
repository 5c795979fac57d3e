"""FPDS contract actions (ATOM feed entries): the item, its validation, and the USAspending-style award key.

Why the key is built here and the USAspending way: FPDS has no award-level id, only the parts (PIID,
agency, referenced IDV PIID and agency); USAspending's generated_unique_award_id concatenates exactly those
parts, so building it identically lets an FPDS action meet the same transaction in `transactions` without a
fuzzy join (CONT_AWD_<PIID>_<agency>_<IDV PIID or -NONE->_<IDV agency or -NONE->, CONT_IDV_<PIID>_<agency>).
"""

from __future__ import annotations

from typing import Any, ClassVar

from registry.core.parse import ParseError
from spiders.items import RegistryItem

NONE = "-NONE-"


def award_key(record_type: str, piid: str, agency_id: str, idv_piid: str | None, idv_agency_id: str | None) -> str:
    """USAspending's generated_unique_award_id for a contract award or an IDV."""
    if record_type == "idv":
        return f"CONT_IDV_{piid}_{agency_id}"
    return f"CONT_AWD_{piid}_{agency_id}_{idv_piid or NONE}_{idv_agency_id or NONE}"


class FpdsActionItem(RegistryItem):
    """One FPDS contract action (an ATOM <entry> holding an <award> or an <IDV>); fields from staging.sql."""

    staging_table = "stg_fpds_actions"
    kind = "fpds_action"
    derived = ("award_key",)
    labels: ClassVar[dict[str, str]] = {"piid": "PIID", "agency_id": "agencyID",
                                        "transaction_number": "transactionNumber",
                                        "number_of_offers": "numberOfOffersReceived"}
    required = ("piid", "agency_id")
    defaults: ClassVar[dict[str, Any]] = {"modification_number": "0", "transaction_number": 0}

    def check(self, rec: dict[str, Any]) -> None:
        record_type = rec["record_type"] = rec["record_type"] or "award"
        if record_type not in {"award", "idv"}:
            raise ParseError(f"record type: not an award or IDV: {record_type[:20]!r}")
        for f in ("piid", "agency_id", "idv_piid", "idv_agency_id"):
            rec[f] = rec[f].upper() if rec[f] else None
        if "_" in rec["piid"] or " " in rec["piid"]:
            raise ParseError(f"PIID: not a PIID: {rec['piid'][:40]!r}")

    def finish(self, rec: dict[str, Any]) -> None:
        if rec["signed_date"] is None:
            raise ParseError("signedDate: missing")
        rec["award_key"] = award_key(rec["record_type"], rec["piid"], rec["agency_id"], rec["idv_piid"],
                                     rec["idv_agency_id"])
