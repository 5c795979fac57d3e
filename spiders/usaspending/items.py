"""USAspending's items: one award (contract or IDV) and one contract action, as both routes (API and bulk
files) deliver them; both land in the same staging tables under the same natural keys.

Their fields, types and required columns come from staging.sql (spiders/items.py reads it); what is left
here is what the DDL cannot say: a transaction needs an id or a modification number to have a key."""

from __future__ import annotations

from typing import Any, ClassVar

from registry.core.parse import ParseError
from spiders.items import RegistryItem


class AwardItem(RegistryItem):
    """One award (contract or IDV) as the award detail endpoint or an award-summary file describes it."""

    staging_table = "stg_awards"
    kind = "award"


class TransactionItem(RegistryItem):
    """One contract action (base award or modification) of an award."""

    staging_table = "stg_transactions"
    kind = "transaction"
    defaults: ClassVar[dict[str, Any]] = {"modification_number": "0", "transaction_number": 0}

    def check(self, rec: dict[str, Any]) -> None:
        if not rec["modification_number"] and not rec["transaction_key"]:
            # its key would be (award, "0", 0): several such actions would collapse into one row, dollars lost
            raise ParseError("transaction key: neither id nor modification_number")
