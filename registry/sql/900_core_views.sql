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
    md.component_basis, md.component_rule, md.agency_office_code, md.agency_office, md.agency_office_basis,
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

-- What each core view and its record columns mean (the model's columns are described in 910_model_views.sql).
-- Declared once, here beside the views: docs/views.md and the dashboard's Methods page read these comments.
COMMENT ON VIEW awards IS 'One row per award (contract, order or indefinite-delivery vehicle) as USAspending identifies it, with the registry''s model columns (vendor, component, competition in plain words, capability tags, lifecycle).';
COMMENT ON COLUMN awards.award_key IS 'USAspending''s generated unique award id: CONT_AWD_<PIID>_<agency>_<parent PIID>_<parent agency> for a contract or order, CONT_IDV_<PIID>_<agency> for a vehicle; -NONE- marks no parent.';
COMMENT ON COLUMN awards.piid IS 'Procurement Instrument Identifier: the contract or order number the contracting office assigned (its first characters are often the office code).';
COMMENT ON COLUMN awards.parent_piid IS 'PIID of the vehicle (IDV) this order was placed under; blank for a standalone contract.';
COMMENT ON COLUMN awards.parent_award_key IS 'award_key of that parent vehicle (it may or may not be in the registry).';
COMMENT ON COLUMN awards.category IS 'contract (a definitive contract, order or purchase order) or idv (an indefinite-delivery vehicle that orders are placed under).';
COMMENT ON COLUMN awards.award_type IS 'Award type code: A BPA call, B purchase order, C delivery order, D definitive contract; IDV_* for vehicles (IDV_A GWAC, IDV_B IDC, IDV_C FSS, IDV_D BOA, IDV_E BPA).';
COMMENT ON COLUMN awards.award_type_description IS 'The award type in words, as the source gives it.';
COMMENT ON COLUMN awards.recipient_name IS 'Recipient (vendor) name as the record spells it; vendor_name is the resolved company.';
COMMENT ON COLUMN awards.recipient_uei IS 'Recipient''s Unique Entity Identifier (SAM.gov registration).';
COMMENT ON COLUMN awards.recipient_parent_name IS 'Parent company the recipient reported in SAM.gov, as the record spells it.';
COMMENT ON COLUMN awards.recipient_parent_uei IS 'Parent company''s UEI as reported.';
COMMENT ON COLUMN awards.vendor_id IS 'Resolved vendor id (v:<slug>) the recipient was linked to in vendor_matches; see vendors.';
COMMENT ON COLUMN awards.awarding_agency IS 'Department that awarded (toptier agency), e.g. Department of Homeland Security.';
COMMENT ON COLUMN awards.awarding_agency_code IS 'Toptier agency code of the awarding department (CGAC, e.g. 070 = DHS).';
COMMENT ON COLUMN awards.awarding_subagency IS 'Subtier agency that awarded, e.g. U.S. Immigration and Customs Enforcement.';
COMMENT ON COLUMN awards.awarding_subagency_code IS 'Subtier agency code (e.g. 7012 = ICE, 7014 = CBP).';
COMMENT ON COLUMN awards.awarding_office IS 'Contracting office that awarded, by name.';
COMMENT ON COLUMN awards.awarding_office_code IS 'Contracting office code (FPDS office id).';
COMMENT ON COLUMN awards.funding_agency IS 'Department whose money pays for the award (differs from the awarding one in assisted acquisitions).';
COMMENT ON COLUMN awards.funding_subagency IS 'Subtier agency whose money pays for the award.';
COMMENT ON COLUMN awards.funding_office IS 'Office whose money pays for the award.';
COMMENT ON COLUMN awards.description IS 'What was bought, in the agency''s words: the award''s description, or the base action''s when only actions were loaded.';
COMMENT ON COLUMN awards.psc_code IS 'Product or Service Code: the federal code for what was bought.';
COMMENT ON COLUMN awards.psc_description IS 'The Product or Service Code in words.';
COMMENT ON COLUMN awards.naics_code IS 'North American Industry Classification System code of the work.';
COMMENT ON COLUMN awards.naics_description IS 'The NAICS code in words.';
COMMENT ON COLUMN awards.date_signed IS 'Date the award was signed (award records only).';
COMMENT ON COLUMN awards.start_date IS 'Start of the period of performance (award records only).';
COMMENT ON COLUMN awards.end_date IS 'Current end of the period of performance (award records only).';
COMMENT ON COLUMN awards.potential_end_date IS 'End of the period of performance if every option is exercised (award records only).';
COMMENT ON COLUMN awards.last_modified_date IS 'Last time the source changed the record.';
COMMENT ON COLUMN awards.total_obligation IS 'Total obligated on the award as the source''s award record reports it, USD; blank when the award is known only from actions (see obligated_amount).';
COMMENT ON COLUMN awards.base_exercised_options IS 'Current award value: base plus exercised options, USD, as the award record reports it.';
COMMENT ON COLUMN awards.base_and_all_options IS 'Potential award value: base plus all options (the ceiling), USD, as the award record reports it.';
COMMENT ON COLUMN awards.obligated_in_registry IS 'Sum of the obligations of the actions the registry holds for the award, USD (fewer actions than the source has give less).';
COMMENT ON COLUMN awards.transaction_count IS 'Actions (base award and modifications) the registry holds for the award.';
COMMENT ON COLUMN awards.first_action_date IS 'Earliest action date among those actions.';
COMMENT ON COLUMN awards.last_action_date IS 'Latest action date among those actions.';
COMMENT ON COLUMN awards.extent_competed IS 'FPDS extent-competed code as the source gives it (A = full and open, B = not available for competition, C = not competed, D = full and open after exclusion of sources, ...); in words in extent_competed_plain.';
COMMENT ON COLUMN awards.other_than_full_and_open IS 'FPDS code of the authority for not competing (e.g. ONE = only one source, URG = urgency, UNQ = unique source); in words in other_than_full_and_open_plain.';
COMMENT ON COLUMN awards.fair_opportunity_limited_sources IS 'FPDS code of the exception to fair opportunity for an order under a multiple-award vehicle; in words in fair_opportunity_limited_sources_plain.';
COMMENT ON COLUMN awards.solicitation_procedures IS 'FPDS solicitation-procedures code (e.g. NP = negotiated proposal, SP1 = simplified acquisition, SSS = only one source); in words in solicitation_procedures_plain.';
COMMENT ON COLUMN awards.number_of_offers IS 'Number of offers the agency received.';
COMMENT ON COLUMN awards.type_of_contract_pricing IS 'FPDS type-of-contract-pricing code (e.g. J = firm fixed price, Y = time and materials), as the source gives it.';
COMMENT ON COLUMN awards.type_set_aside IS 'FPDS set-aside code (small-business and other set-asides), as the source gives it.';
COMMENT ON COLUMN awards.recipient_city IS 'Recipient''s city.';
COMMENT ON COLUMN awards.recipient_state IS 'Recipient''s state.';
COMMENT ON COLUMN awards.recipient_country IS 'Recipient''s country.';
COMMENT ON COLUMN awards.pop_city IS 'Place of performance: city.';
COMMENT ON COLUMN awards.pop_state IS 'Place of performance: two-letter state code.';
COMMENT ON COLUMN awards.pop_country IS 'Place of performance: country.';
COMMENT ON COLUMN awards.pop_zip IS 'Place of performance: ZIP code.';
COMMENT ON COLUMN awards.award_basis IS 'award record = the row came from an award-level source (totals and dates as reported); transactions only = known from actions alone (fields from its latest action, the description from its base action; totals the actions do not give stay blank).';
COMMENT ON COLUMN awards.usaspending_url IS 'The award''s public page on USAspending.gov.';
COMMENT ON COLUMN awards.source IS 'Route the record came by: usaspending (API), usaspending_bulk (award data archive), usaspending_csv (a bulk-download CSV), usaspending_search_csv (a search export).';
COMMENT ON COLUMN awards.source_url IS 'Where the record was fetched from (the API request, file or page): the public record behind the row.';
COMMENT ON COLUMN awards.fetched_at IS 'When the registry fetched the record (UTC).';
COMMENT ON COLUMN awards.payload_sha256 IS 'SHA-256 of the record exactly as fetched (the raw payload stays in the staging store).';

COMMENT ON VIEW transactions IS 'One row per contract action (the base award and each modification), as USAspending or FPDS reports it, with the registry''s competition and lifecycle reading of it.';
COMMENT ON COLUMN transactions.award_key IS 'The award the action belongs to (awards.award_key).';
COMMENT ON COLUMN transactions.modification_number IS 'Modification number (''0'' for the base award).';
COMMENT ON COLUMN transactions.transaction_number IS 'FPDS transaction number that tells apart actions with the same modification number (0 when the source gives none).';
COMMENT ON COLUMN transactions.transaction_key IS 'USAspending''s contract_transaction_unique_key, when the source gives it.';
COMMENT ON COLUMN transactions.action_date IS 'Date of the action (the date FPDS says it was signed).';
COMMENT ON COLUMN transactions.action_type IS 'Reason-for-modification code (e.g. B = supplemental work, C = funding only, M = other administrative action); usually blank for a base award.';
COMMENT ON COLUMN transactions.action_type_description IS 'The reason for modification in words.';
COMMENT ON COLUMN transactions.federal_action_obligation IS 'Money obligated by this action, USD (negative = de-obligated).';
COMMENT ON COLUMN transactions.description IS 'Description of the action as the agency wrote it.';
COMMENT ON COLUMN transactions.piid IS 'PIID of the award the action belongs to.';
COMMENT ON COLUMN transactions.recipient_name IS 'Recipient name as this action spells it.';
COMMENT ON COLUMN transactions.recipient_uei IS 'Recipient UEI on this action.';
COMMENT ON COLUMN transactions.awarding_agency IS 'Awarding department on this action.';
COMMENT ON COLUMN transactions.awarding_subagency IS 'Awarding subtier agency on this action.';
COMMENT ON COLUMN transactions.awarding_office IS 'Awarding contracting office on this action.';
COMMENT ON COLUMN transactions.psc_code IS 'Product or Service Code on this action.';
COMMENT ON COLUMN transactions.psc_description IS 'The Product or Service Code in words.';
COMMENT ON COLUMN transactions.naics_code IS 'NAICS code on this action.';
COMMENT ON COLUMN transactions.naics_description IS 'The NAICS code in words.';
COMMENT ON COLUMN transactions.extent_competed IS 'FPDS extent-competed code on this action (see awards.extent_competed).';
COMMENT ON COLUMN transactions.other_than_full_and_open IS 'FPDS code of the authority for not competing, on this action.';
COMMENT ON COLUMN transactions.fair_opportunity_limited_sources IS 'FPDS fair-opportunity exception code, on this action.';
COMMENT ON COLUMN transactions.solicitation_procedures IS 'FPDS solicitation-procedures code, on this action.';
COMMENT ON COLUMN transactions.number_of_offers IS 'Number of offers received, on this action.';
COMMENT ON COLUMN transactions.last_modified_date IS 'Last time the source changed this action''s record.';
COMMENT ON COLUMN transactions.usaspending_url IS 'Public page on USAspending.gov of the award the action belongs to.';
COMMENT ON COLUMN transactions.source IS 'Route the record came by (see awards.source).';
COMMENT ON COLUMN transactions.source_url IS 'Where the record was fetched from: the public record behind the row.';
COMMENT ON COLUMN transactions.fetched_at IS 'When the registry fetched the record (UTC).';
COMMENT ON COLUMN transactions.payload_sha256 IS 'SHA-256 of the record exactly as fetched.';

COMMENT ON VIEW rejects IS 'Records a crawl or load could not store, with the reason and the payload as fetched, one row per distinct reject (a re-run that meets it again counts it in times_seen): nothing is dropped silently.';
COMMENT ON COLUMN rejects.reject_id IS 'Id of the latest time this reject was recorded.';
COMMENT ON COLUMN rejects.run_id IS 'The crawl or load run (crawl_runs.run_id) that last met it.';
COMMENT ON COLUMN rejects.source IS 'Source (spider or loader) that met it.';
COMMENT ON COLUMN rejects.kind IS 'What was rejected: award, transaction, page, file row, ...';
COMMENT ON COLUMN rejects.source_url IS 'Where the rejected record was fetched from.';
COMMENT ON COLUMN rejects.reason IS 'Why it was rejected, in one line.';
COMMENT ON COLUMN rejects.raw_payload IS 'The record exactly as fetched, so it can be read and fixed.';
COMMENT ON COLUMN rejects.payload_sha256 IS 'SHA-256 of that payload.';
COMMENT ON COLUMN rejects.rejected_at IS 'The latest time it was rejected (UTC).';
COMMENT ON COLUMN rejects.times_seen IS 'How many runs met the same reject (same source, kind, URL, reason and payload).';
COMMENT ON COLUMN rejects.first_rejected_at IS 'The first time it was rejected (UTC).';

COMMENT ON VIEW crawl_runs IS 'Every crawl and load the registry''s data came from: what was asked for, when, how it ended and what it counted.';
COMMENT ON COLUMN crawl_runs.run_id IS 'Run id (rejects.run_id and the staging rows'' run_id point here).';
COMMENT ON COLUMN crawl_runs.source IS 'Spider or loader that ran.';
COMMENT ON COLUMN crawl_runs.scope IS 'The arguments that defined what was asked for (agencies, dates, files), as JSON.';
COMMENT ON COLUMN crawl_runs.scope_hash IS 'Stable hash of scope: finds the last run of the same scope (incremental crawls).';
COMMENT ON COLUMN crawl_runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN crawl_runs.finished_at IS 'When it ended (UTC); blank while running or after a kill.';
COMMENT ON COLUMN crawl_runs.status IS 'running, ok, empty (the source itself counted 0), partial (pages lost or a deadline hit), failed or aborted.';
COMMENT ON COLUMN crawl_runs.requests IS 'HTTP requests the run made.';
COMMENT ON COLUMN crawl_runs.pages_lost IS 'Responses that never succeeded after retries (a run with any is partial).';
COMMENT ON COLUMN crawl_runs.items_fetched IS 'Records the run fetched.';
COMMENT ON COLUMN crawl_runs.items_loaded IS 'Records it stored.';
COMMENT ON COLUMN crawl_runs.items_rejected IS 'Records it rejected (see rejects).';
COMMENT ON COLUMN crawl_runs.since_date IS 'Incremental runs: the last-modified date they fetched from.';
COMMENT ON COLUMN crawl_runs.error IS 'Why the run failed or is partial, in one line.';
