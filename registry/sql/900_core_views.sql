-- Public views: the stable interface for the dashboard, SQL users and exports.
-- reads: t_awards, t_transactions, t_rejects, t_crawl_runs, t_award_model, t_award_lifecycle, t_transaction_competition, vendor_matches
-- writes: awards, transactions, transactions_between, rejects, crawl_runs

CREATE VIEW awards AS
SELECT
    a.award_key, a.piid, a.parent_piid, a.parent_award_key, a.category, a.award_type, a.award_type_description,
    a.recipient_name, a.recipient_uei, a.recipient_parent_name, a.recipient_parent_uei,
    m.vendor_id,
    a.awarding_agency, a.awarding_agency_code, a.awarding_subagency, a.awarding_subagency_code,
    a.awarding_office, a.awarding_office_code, a.funding_agency, a.funding_subagency, a.funding_office,
    a.description, a.psc_code, a.psc_description, a.naics_code, a.naics_description,
    a.date_signed, a.start_date, a.end_date, a.potential_end_date, a.last_modified_date,
    a.total_obligation, a.base_exercised_options, a.base_and_all_options,
    a.obligated_in_registry, a.transaction_count, a.first_action_date, a.last_action_date,
    a.extent_competed, a.other_than_full_and_open, a.fair_opportunity_limited_sources,
    a.solicitation_procedures, a.number_of_offers, a.type_of_contract_pricing, a.type_set_aside,
    a.recipient_city, a.recipient_state, a.recipient_country,
    a.pop_city, a.pop_state, a.pop_country, a.pop_zip,
    a.award_basis, a.usaspending_url, a.source, a.source_url, a.fetched_at, a.payload_sha256,
    -- the model (registry/model/, joined in 850_model_tables.sql; described in 910_model_views.sql)
    md.vendor_name, md.parent_vendor_id, md.parent_vendor_name, md.family_vendor_id, md.family_vendor_name,
    md.vendor_on_watchlist, md.agency_subtier_code, md.agency_subtier_abbreviation, md.agency_component,
    md.component_basis, md.component_rule,
    md.extent_competed_plain, md.other_than_full_and_open_plain, md.fair_opportunity_limited_sources_plain,
    md.solicitation_procedures_plain, md.sole_source, md.sole_source_basis, md.competition_status,
    md.single_offer, md.sole_source_modifications, md.first_sole_source_modification,
    md.capability_ids, md.capability_names, md.has_surveillance_capability,
    md.component_capability_ids, md.possible_capability_ids,
    md.jump_count, md.largest_jump_modification, md.options_exercised, md.extensions, md.deobligated_amount,
    md.obligated_amount, md.obligated_amount_basis
FROM t_awards a
LEFT JOIN vendor_matches m USING (recipient_key)
LEFT JOIN t_award_model md USING (award_key);

-- Transactions with the model's columns, for a range of t_transactions row ids [lo, hi). The competition and
-- lifecycle steps carried each transaction's row id as tx_id, so their rows join on one integer. Why a range:
-- at 1M awards / 5M transactions, one join of all 5M rows to 5M competition and 5M lifecycle rows spills under
-- the build's memory cap (28 s), and lining the tables up by POSITIONAL JOIN runs on one thread (17.6 s);
-- registry/materialize.py stores the view in slices of 1M row ids whose hash tables fit in memory (11.6 s; the
-- README's "Made faster" table). The ranges reach the scans of all three tables as filters, so each slice reads
-- its rows.
CREATE MACRO transactions_between(lo, hi) AS TABLE
SELECT
    t.award_key, t.modification_number, t.transaction_number, t.transaction_key, t.action_date,
    t.action_type, t.action_type_description, t.federal_action_obligation, t.description,
    t.piid, t.recipient_name, t.recipient_uei, t.awarding_agency, t.awarding_subagency, t.awarding_office,
    t.psc_code, t.psc_description, t.naics_code, t.naics_description,
    t.extent_competed, t.other_than_full_and_open, t.fair_opportunity_limited_sources,
    t.solicitation_procedures, t.number_of_offers, t.last_modified_date,
    t.usaspending_url, t.source, t.source_url, t.fetched_at, t.payload_sha256,
    -- the model (registry/model/, joined in 850_model_tables.sql; described in 910_model_views.sql)
    am.family_vendor_id, am.vendor_id, am.agency_subtier_code,
    c.extent_competed_plain, c.other_than_full_and_open_plain, c.fair_opportunity_limited_sources_plain,
    c.solicitation_procedures_plain, c.sole_source, c.sole_source_basis, c.competition_status,
    l.prior_obligated, l.running_obligated, l.jump_ratio, l.is_jump, l.is_option_exercise,
    l.is_extension, l.is_deobligation, l.event_basis
FROM t_transactions t
LEFT JOIN t_transaction_competition c ON c.tx_id = t.rowid AND c.tx_id >= lo AND c.tx_id < hi
LEFT JOIN t_award_lifecycle l ON l.tx_id = t.rowid AND l.tx_id >= lo AND l.tx_id < hi
LEFT JOIN t_award_model am ON am.award_key = t.award_key
WHERE t.rowid >= lo AND t.rowid < hi;

-- every row id (registry/materialize.py stores it, slice by slice, and drops the macro)
CREATE VIEW transactions AS SELECT * FROM transactions_between(0, 9223372036854775807);

CREATE VIEW rejects AS SELECT * FROM t_rejects;
CREATE VIEW crawl_runs AS SELECT * FROM t_crawl_runs;
