-- The model's per-award columns in one place, so the public views in 900_core_views.sql need one join for them
-- (the steps before this one each built one table). The per-transaction model columns (competition, lifecycle)
-- stay in their own tables, keyed by tx_id, the row id of t_transactions: see the `transactions` view.
-- reads: t_awards, t_vendors, t_vendor_matches, t_award_agency, t_award_capability_list, t_award_competition, t_award_lifecycle_summary
-- writes: t_award_model

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
    ag.office_code                                              AS agency_office_code,
    ag.office_name                                              AS agency_office,
    ag.office_basis                                             AS agency_office_basis,
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
    coalesce(cl.component_capability_ids, []::VARCHAR[])        AS component_capability_ids,
    coalesce(cl.possible_capability_ids, []::VARCHAR[])         AS possible_capability_ids,
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
