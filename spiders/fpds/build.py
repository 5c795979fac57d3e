"""Build step: FPDS ATOM actions -> `fpds_actions`, competition blanks of `transactions` filled, links.

Why fill only blanks, and keep FPDS in its own table: USAspending's search exports carry no competition
fields per modification, while FPDS reports them for every action. Filling a blank from FPDS is safe (same
natural key, same underlying record); overwriting a value would hide a disagreement, so values already in
`transactions` stay, and `fpds_actions` shows FPDS's own values, its source URL and which blanks it filled.
FPDS actions whose key is not in `transactions` are listed (in_transactions = false) but never added to the
money totals: the registry's obligations stay those of its USAspending routes.
"""

from __future__ import annotations

from registry.core.steps import describe_from_schema, staging_table

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_transactions", "stg.stg_fpds_actions")
WRITES = ("t_fpds_actions", "t_links_fpds", "fpds_actions")
UPDATES = ("t_transactions",)

# transactions column <- fpds_actions column
FILLED = {
    "extent_competed": "extent_competed",
    "other_than_full_and_open": "other_than_full_and_open",
    "fair_opportunity_limited_sources": "fair_opportunity_limited_sources",
    "solicitation_procedures": "solicitation_procedures",
    "number_of_offers": "number_of_offers",
    "recipient_uei": "vendor_uei",
}


def build(ctx) -> None:
    """Create t_fpds_actions + the `fpds_actions` view, fill t_transactions' blanks, write t_links_fpds."""
    con = ctx.con
    src = staging_table(con, "stg_fpds_actions", "fpds")
    filled_list = ", ".join(
        f"CASE WHEN t.award_key IS NOT NULL AND t.{tc} IS NULL AND f.{fc} IS NOT NULL THEN '{tc}' END"
        for tc, fc in FILLED.items()
    )
    con.execute(
        f"""
        CREATE TABLE t_fpds_actions AS
        SELECT f.* EXCLUDE (raw_payload),
               t.award_key IS NOT NULL AS in_transactions,
               list_filter([{filled_list}], lambda x: x IS NOT NULL) AS filled_in_transactions
        FROM {src} f
        LEFT JOIN t_transactions t USING (award_key, modification_number, transaction_number)
        """  # noqa: S608 - names from our own schema
    )
    sets = ", ".join(f"{tc} = coalesce(t_transactions.{tc}, f.{fc})" for tc, fc in FILLED.items())
    con.execute(
        f"""
        UPDATE t_transactions SET {sets}
        FROM t_fpds_actions f
        WHERE t_transactions.award_key = f.award_key
          AND t_transactions.modification_number = f.modification_number
          AND t_transactions.transaction_number = f.transaction_number
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE TABLE t_links_fpds AS
        SELECT 'fpds_action' AS from_kind,
               award_key || '|' || modification_number || '|' || transaction_number AS from_id,
               'transaction' AS to_kind,
               award_key || '|' || modification_number || '|' || transaction_number AS to_id,
               'natural_key' AS method,
               'same award key, modification number and transaction number (FPDS agencyID/PIID/modNumber/'
               || 'transactionNumber/referencedIDVID)' AS evidence,
               1.0 AS confidence
        FROM t_fpds_actions WHERE in_transactions
        UNION ALL
        SELECT DISTINCT 'fpds_action', f.award_key || '|' || f.modification_number || '|' || f.transaction_number,
               'award', f.award_key, 'award_key',
               'award key built from FPDS agencyID/PIID/referencedIDVID = USAspending generated award id', 1.0
        FROM t_fpds_actions f JOIN t_awards a USING (award_key)
        """
    )
    con.execute(
        """
        CREATE VIEW fpds_actions AS
        SELECT award_key, modification_number, transaction_number, record_type, piid, agency_id, agency_name,
               idv_piid, idv_agency_id, signed_date, effective_date, obligated_amount,
               base_and_all_options_value, total_obligated_amount, action_type, action_type_description,
               description, extent_competed, extent_competed_description, solicitation_procedures,
               solicitation_procedures_description, other_than_full_and_open,
               other_than_full_and_open_description, fair_opportunity_limited_sources,
               fair_opportunity_limited_sources_description, number_of_offers, type_set_aside,
               contracting_office_id, contracting_office_name, funding_agency_id,
               funding_agency_name, funding_office_id, funding_office_name, psc_code, naics_code, vendor_name, vendor_uei,
               ultimate_parent_uei, ultimate_parent_name, last_modified_date, in_transactions,
               filled_in_transactions, fpds_url, source, source_url, fetched_at, payload_sha256
        FROM t_fpds_actions
        """
    )
    describe_from_schema(con, "fpds", "fpds_actions")
