-- The model's per-award columns in one place, so the public views in 900_core_views.sql need one join for them
-- (the steps before this one each built one table). The per-transaction model columns likewise, in
-- t_transaction_model, stored in t_transactions' own row order so that the `transactions` view lines the two up
-- by position instead of by a 5M x 5M hash join on the three-part key.

CREATE TABLE t_award_model AS
SELECT
    a.award_key,
    m.vendor_id,
    v.vendor_name,
    v.parent_vendor_id,
    pv.vendor_name                                              AS parent_vendor_name,
    v.family_vendor_id,
    fv.vendor_name                                              AS family_vendor_name,
    coalesce(v.on_watchlist, false)                             AS vendor_on_watchlist,
    ag.department_code,
    ag.subtier_code                                             AS agency_subtier_code,
    ag.subtier_abbreviation                                     AS agency_subtier_abbreviation,
    ag.component_id                                             AS agency_component_id,
    ag.component_name                                           AS agency_component,
    ag.component_basis,
    ag.component_rule,
    c.extent_competed_code,
    c.extent_competed_plain,
    c.other_than_full_and_open_code,
    c.other_than_full_and_open_plain,
    c.fair_opportunity_limited_sources_code,
    c.fair_opportunity_limited_sources_plain,
    c.solicitation_procedures_code,
    c.solicitation_procedures_plain,
    c.sole_source,
    c.sole_source_basis,
    c.competition_status,
    c.single_offer,
    c.sole_source_modifications,
    c.first_sole_source_modification,
    coalesce(cl.capability_ids, []::VARCHAR[])                  AS capability_ids,
    cl.capability_names,
    coalesce(len(cl.capability_ids), 0) > 0                     AS has_surveillance_capability,
    coalesce(ls.jump_count, 0)                                  AS jump_count,
    ls.largest_jump_modification,
    coalesce(ls.options_exercised, 0)                           AS options_exercised,
    coalesce(ls.extensions, 0)                                  AS extensions,
    coalesce(ls.deobligated_amount, 0)                          AS deobligated_amount,
    coalesce(a.total_obligation, a.obligated_in_registry)       AS obligated_amount,
    CASE WHEN a.total_obligation IS NOT NULL THEN 'award record total'
         WHEN a.obligated_in_registry IS NOT NULL THEN 'sum of transactions in the registry'
         ELSE 'not reported' END                                AS obligated_amount_basis
FROM t_awards a
LEFT JOIN t_vendor_matches m USING (recipient_key)
LEFT JOIN t_vendors v ON v.vendor_id = m.vendor_id
LEFT JOIN t_vendors pv ON pv.vendor_id = v.parent_vendor_id
LEFT JOIN t_vendors fv ON fv.vendor_id = v.family_vendor_id
LEFT JOIN t_award_agency ag USING (award_key)
LEFT JOIN t_award_competition c USING (award_key)
LEFT JOIN t_award_capability_list cl USING (award_key)
LEFT JOIN t_award_lifecycle_summary ls USING (award_key);

-- One row per t_transactions row, in its row order (tx_id = t_transactions.rowid: the competition and lifecycle
-- steps carried it). The `transactions` view joins this table to t_transactions by POSITIONAL JOIN: under the
-- build's 1 GB memory cap, two hash joins of 5M rows on (award_key, modification_number, transaction_number)
-- spilled to disk and took 47 s of a 147 s build at 1M awards; lining the rows up by position takes about 20 s
-- (bench/results.md). The check below stops the build if the two ever fall out of line.
CREATE TABLE t_transaction_model AS
SELECT t.tx_id,
       c.extent_competed_plain, c.other_than_full_and_open_plain, c.fair_opportunity_limited_sources_plain,
       c.solicitation_procedures_plain, c.sole_source, c.sole_source_basis, c.competition_status,
       l.prior_obligated, l.running_obligated, l.jump_ratio, l.is_jump, l.is_option_exercise,
       l.is_extension, l.is_deobligation, l.event_basis
FROM (SELECT rowid AS tx_id FROM t_transactions) t
LEFT JOIN t_transaction_competition c USING (tx_id)
LEFT JOIN t_award_lifecycle l USING (tx_id)
ORDER BY t.tx_id;

-- (a table shorter than the other is padded with NULLs by the positional join, so a missing or extra row fails
-- the same row-by-row test)
SELECT CASE WHEN count(*) FILTER (t.rowid IS DISTINCT FROM m.tx_id) > 0
            THEN error('t_transaction_model is out of line with t_transactions: the transactions view would pair '
                       || 'rows wrongly') END
FROM t_transactions t POSITIONAL JOIN t_transaction_model m;
