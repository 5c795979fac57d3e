-- Public views of the model: who sells what to whom, and on what terms. Every column is described
-- (COMMENT ON); "family" means a vendor with all its subsidiaries (vendors.family_vendor_id), which is
-- how the summaries count so a parent and its children are never counted twice.
-- reads: awards, transactions, t_awards, t_agencies, t_award_agency, t_award_capabilities, t_award_competition, t_award_lifecycle, t_award_model, t_capabilities, t_capability_annotations, t_vendors, t_watchlist
-- writes: watchlist, agencies, capabilities, capability_annotations, award_capabilities, award_lifecycle, competition, vendor_summary, agency_summary, capability_summary, edges, monthly_obligations

CREATE VIEW watchlist AS SELECT * FROM t_watchlist;
CREATE VIEW agencies AS SELECT * FROM t_agencies;
CREATE VIEW capabilities AS SELECT * FROM t_capabilities;
CREATE VIEW capability_annotations AS SELECT * FROM t_capability_annotations;

CREATE VIEW award_capabilities AS
SELECT t.award_key, a.piid, t.capability_id, c.name AS capability_name, t.tier, t.role, t.score, t.role_rule,
       t.method, t.rule_id, t.field, t.modification_number, t.matched_text, t.match_count, t.confidence,
       t.source_url,
       md.family_vendor_id AS vendor_id, md.family_vendor_name AS vendor_name,
       md.agency_subtier_abbreviation AS agency
FROM t_award_capabilities t
JOIN t_awards a USING (award_key)
JOIN t_capabilities c USING (capability_id)
LEFT JOIN t_award_model md USING (award_key);

-- The one named fragment every capability total counts: (award, capability) pairs tagged as the award's purpose.
CREATE VIEW counted_capabilities AS
SELECT DISTINCT award_key, capability_id FROM t_award_capabilities WHERE tier = 'tagged' AND role = 'purpose';

CREATE VIEW award_lifecycle AS
SELECT l.award_key, a.piid, md.family_vendor_id AS vendor_id, md.family_vendor_name AS vendor_name,
       md.agency_subtier_abbreviation AS agency, l.seq, l.modification_number, l.transaction_number,
       l.action_date, l.action_type, l.action_type_description, l.obligation, l.prior_obligated,
       l.running_obligated, l.jump_ratio, l.is_jump, l.is_option_exercise, l.is_extension, l.is_deobligation,
       l.event_basis, a.base_and_all_options AS award_ceiling, l.ceiling_change, l.ceiling_after,
       l.description, l.source_url
FROM t_award_lifecycle l
JOIN t_awards a USING (award_key)
LEFT JOIN t_award_model md USING (award_key);

CREATE VIEW competition AS
SELECT c.award_key, a.piid, md.family_vendor_id AS vendor_id, md.family_vendor_name AS vendor_name,
       md.agency_subtier_abbreviation AS agency, md.agency_component, md.obligated_amount,
       c.extent_competed_raw, c.extent_competed_code, c.extent_competed_plain,
       c.other_than_full_and_open_raw, c.other_than_full_and_open_code, c.other_than_full_and_open_plain,
       c.fair_opportunity_limited_sources_raw, c.fair_opportunity_limited_sources_code,
       c.fair_opportunity_limited_sources_plain,
       c.solicitation_procedures_raw, c.solicitation_procedures_code, c.solicitation_procedures_plain,
       c.number_of_offers, c.single_offer, c.sole_source, c.sole_source_basis, c.competition_status,
       c.sole_source_modifications, c.first_sole_source_modification, c.first_sole_source_basis,
       c.modifications_reporting_competition, a.usaspending_url, c.source_url
FROM t_award_competition c
JOIN t_awards a USING (award_key)
LEFT JOIN t_award_model md USING (award_key);

CREATE VIEW vendor_summary AS
WITH aw AS (
    SELECT md.family_vendor_id AS vendor_id, a.award_key, md.obligated_amount, a.obligated_in_registry,
           a.first_action_date, a.last_action_date, coalesce(a.date_signed, a.first_action_date) AS started,
           md.agency_subtier_abbreviation AS agency, md.capability_ids, md.has_surveillance_capability,
           md.sole_source, md.competition_status
    FROM t_awards a JOIN t_award_model md USING (award_key)
), members AS (
    SELECT family_vendor_id AS vendor_id, list(vendor_name ORDER BY vendor_name) AS member_names,
           count(*) AS member_count
    FROM t_vendors GROUP BY family_vendor_id
), caps AS (
    SELECT vendor_id, list(DISTINCT cap ORDER BY cap) AS capability_ids
    FROM aw, unnest(aw.capability_ids) AS u(cap) GROUP BY vendor_id
)
SELECT v.vendor_id, v.vendor_name, v.website, v.on_watchlist, v.watchlist_name, v.watchlist_citation,
       m.member_count, m.member_names,
       count(*)                                                        AS award_count,
       sum(aw.obligated_amount)                                        AS obligated_amount,
       sum(aw.obligated_in_registry)                                   AS obligated_in_registry,
       count(*) FILTER (aw.has_surveillance_capability)                AS surveillance_award_count,
       coalesce(sum(aw.obligated_amount) FILTER (aw.has_surveillance_capability), 0)
                                                                       AS surveillance_obligated_amount,
       coalesce(any_value(caps.capability_ids), []::VARCHAR[])         AS capability_ids,
       list(DISTINCT aw.agency ORDER BY aw.agency) FILTER (aw.agency IS NOT NULL) AS agencies,
       count(*) FILTER (aw.sole_source)                                AS sole_source_awards,
       count(*) FILTER (aw.competition_status = 'competed')            AS competed_awards,
       count(*) FILTER (aw.competition_status = 'not reported')        AS competition_not_reported_awards,
       min(aw.started)                                                 AS first_award_date,
       max(aw.last_action_date)                                        AS last_action_date
FROM aw
JOIN t_vendors v USING (vendor_id)
LEFT JOIN members m USING (vendor_id)
LEFT JOIN caps USING (vendor_id)
GROUP BY ALL;

CREATE VIEW agency_summary AS
WITH aw AS (
    SELECT a.award_key, ag.department_code, ag.department_name, ag.subtier_code, ag.subtier_name,
           ag.subtier_abbreviation, ag.component_id, ag.component_name, md.family_vendor_id,
           md.family_vendor_name, md.obligated_amount, md.has_surveillance_capability, md.sole_source,
           md.capability_ids
    FROM t_awards a JOIN t_award_agency ag USING (award_key) JOIN t_award_model md USING (award_key)
), levels AS (
    SELECT 'subtier' AS level, 'sub:' || subtier_code AS agency_id, NULL::VARCHAR AS component_id,
           NULL::VARCHAR AS component_name, * EXCLUDE (component_id, component_name)
    FROM aw WHERE subtier_code IS NOT NULL
    UNION ALL BY NAME
    SELECT 'component' AS level, 'comp:' || component_id AS agency_id, * FROM aw WHERE component_id IS NOT NULL
), top_vendors AS (
    SELECT agency_id, list(family_vendor_name ORDER BY amt DESC NULLS LAST, family_vendor_name)[1:5] AS top_vendors
    FROM (SELECT agency_id, family_vendor_name, sum(obligated_amount) AS amt FROM levels GROUP BY ALL)
    GROUP BY agency_id
), caps AS (
    SELECT agency_id, list(DISTINCT cap ORDER BY cap) AS capability_ids
    FROM levels, unnest(levels.capability_ids) AS u(cap) GROUP BY agency_id
)
SELECT l.level, l.agency_id, any_value(l.department_name) AS department_name, l.subtier_code,
       any_value(l.subtier_name) AS subtier_name, any_value(l.subtier_abbreviation) AS subtier_abbreviation,
       l.component_id, any_value(l.component_name) AS component_name,
       count(*)                                                         AS award_count,
       sum(l.obligated_amount)                                          AS obligated_amount,
       count(DISTINCT l.family_vendor_id)                               AS vendor_count,
       count(*) FILTER (l.has_surveillance_capability)                  AS surveillance_award_count,
       coalesce(sum(l.obligated_amount) FILTER (l.has_surveillance_capability), 0)
                                                                        AS surveillance_obligated_amount,
       count(*) FILTER (l.sole_source)                                  AS sole_source_awards,
       coalesce(any_value(c.capability_ids), []::VARCHAR[])             AS capability_ids,
       any_value(t.top_vendors)                                         AS top_vendors
FROM levels l
LEFT JOIN top_vendors t USING (agency_id)
LEFT JOIN caps c USING (agency_id)
GROUP BY l.level, l.agency_id, l.subtier_code, l.component_id;

CREATE VIEW capability_summary AS
WITH tagged AS (
    -- the one place the capability totals are defined: tagged tags whose role is the award's purpose
    SELECT DISTINCT t.capability_id, t.award_key FROM t_award_capabilities t
    WHERE t.tier = 'tagged' AND t.role = 'purpose'
), aw AS (
    SELECT tg.capability_id, md.family_vendor_id, md.family_vendor_name, md.agency_subtier_code,
           md.obligated_amount, md.sole_source, a.first_action_date, a.last_action_date,
           coalesce(a.date_signed, a.first_action_date) AS started
    FROM tagged tg JOIN t_awards a USING (award_key) JOIN t_award_model md USING (award_key)
), ev AS (
    SELECT capability_id,
           count(*) FILTER (method = 'rule')         AS rule_tags,
           count(*) FILTER (method = 'vendor')       AS vendor_tags,
           count(*) FILTER (method = 'ai_inventory') AS ai_inventory_tags,
           count(*) FILTER (method = 'annotation')   AS annotation_tags,
           count(DISTINCT award_key) FILTER (tier = 'possible')                         AS possible_award_count,
           count(DISTINCT award_key) FILTER (tier = 'tagged' AND role = 'component')    AS component_award_count
    FROM t_award_capabilities GROUP BY capability_id
), top_vendors AS (
    SELECT capability_id, list(family_vendor_name ORDER BY amt DESC NULLS LAST, family_vendor_name)[1:5] AS top_vendors
    FROM (SELECT capability_id, family_vendor_name, sum(obligated_amount) AS amt FROM aw GROUP BY ALL)
    GROUP BY capability_id
)
SELECT c.capability_id, c.name, c.definition, c.sort_order,
       count(aw.capability_id)                                   AS award_count,
       count(DISTINCT aw.family_vendor_id)                       AS vendor_count,
       count(DISTINCT aw.agency_subtier_code)                    AS agency_count,
       coalesce(sum(aw.obligated_amount), 0)                     AS obligated_amount,
       count(aw.capability_id) FILTER (aw.sole_source)           AS sole_source_awards,
       min(aw.started)                                           AS first_award_date,
       max(aw.last_action_date)                                  AS last_action_date,
       coalesce(any_value(t.top_vendors), []::VARCHAR[])         AS top_vendors,
       coalesce(any_value(ev.rule_tags), 0)                      AS rule_tags,
       coalesce(any_value(ev.vendor_tags), 0)                    AS vendor_tags,
       coalesce(any_value(ev.ai_inventory_tags), 0)              AS ai_inventory_tags,
       coalesce(any_value(ev.annotation_tags), 0)                AS annotation_tags,
       coalesce(any_value(ev.possible_award_count), 0)           AS possible_award_count,
       coalesce(any_value(ev.component_award_count), 0)          AS component_award_count
FROM t_capabilities c
LEFT JOIN aw USING (capability_id)
LEFT JOIN ev USING (capability_id)
LEFT JOIN top_vendors t USING (capability_id)
GROUP BY c.capability_id, c.name, c.definition, c.sort_order;

CREATE VIEW edges AS
WITH aw AS (
    SELECT a.award_key, md.family_vendor_id, md.family_vendor_name, md.vendor_on_watchlist,
           md.agency_subtier_code, md.agency_subtier_abbreviation, md.obligated_amount, md.sole_source,
           a.obligated_in_registry, coalesce(a.date_signed, a.first_action_date) AS started, a.last_action_date,
           CASE WHEN len(md.capability_ids) = 0 THEN [NULL::VARCHAR] ELSE md.capability_ids END AS caps
    FROM t_awards a JOIN t_award_model md USING (award_key)
)
SELECT aw.family_vendor_id AS vendor_id, aw.family_vendor_name AS vendor_name,
       aw.vendor_on_watchlist AS on_watchlist,
       'sub:' || aw.agency_subtier_code AS agency_id, aw.agency_subtier_abbreviation AS agency,
       u.capability_id, c.name AS capability_name,
       count(*)                                   AS award_count,
       sum(aw.obligated_amount)                   AS obligated_amount,
       sum(aw.obligated_in_registry)              AS obligated_in_registry,
       count(*) FILTER (aw.sole_source)           AS sole_source_awards,
       min(aw.started)                            AS first_award_date,
       max(aw.last_action_date)                   AS last_action_date
FROM aw, unnest(aw.caps) AS u(capability_id)
LEFT JOIN t_capabilities c USING (capability_id)
GROUP BY ALL;

-- Reads the public `awards` and `transactions`: by the time it is materialized (registry/materialize.py) both are
-- stored tables, so this is one join on award_key instead of three joins over the model tables.
CREATE VIEW monthly_obligations AS
-- Two steps: award x month first, then the award's vendor and agency. Every award falls in exactly one group
-- per month, so counting its rows counts distinct awards without count(DISTINCT), which took 12 s of the build
-- at 5M transactions against 5 s this way (same rows).
WITH award_months AS (
    SELECT t.award_key, date_trunc('month', t.action_date)::DATE AS month,
           sum(t.federal_action_obligation) AS obligated, count(*) AS transaction_count,
           count(*) FILTER (t.is_jump) AS jump_count
    FROM transactions t
    GROUP BY ALL
)
SELECT a.family_vendor_id AS vendor_id, a.family_vendor_name AS vendor_name,
       a.vendor_on_watchlist AS on_watchlist,
       'sub:' || a.agency_subtier_code AS agency_id, a.agency_subtier_abbreviation AS agency,
       coalesce(a.agency_subtier_abbreviation, a.awarding_subagency, a.awarding_agency) AS agency_label,
       a.agency_component,
       m.month,
       strftime(m.month, '%Y-%m')                     AS month_label,
       sum(m.obligated)                               AS obligated,
       coalesce(sum(m.obligated) FILTER (a.has_surveillance_capability), 0)
                                                      AS surveillance_obligated,
       sum(m.transaction_count)::BIGINT               AS transaction_count,
       count(*)                                       AS award_count,
       sum(m.jump_count)::BIGINT                      AS jump_count
FROM award_months m
JOIN awards a USING (award_key)
GROUP BY ALL;

-- What a reviewer should look at first: possible (award, capability) pairs that no annotation has decided,
-- largest score x dollars first. Confirming one (an `add` annotation) makes it tagged at the next build;
-- rejecting it (`remove`) drops it.
CREATE VIEW review_queue AS
WITH ev AS (
    SELECT award_key, capability_id, any_value(score) AS score,
           string_agg(method || ': ' || matched_text, ' | ' ORDER BY confidence DESC, rule_id) AS evidence,
           arg_max(source_url, confidence) AS evidence_url
    FROM t_award_capabilities WHERE tier = 'possible' GROUP BY ALL
)
SELECT ev.award_key, a.piid, a.recipient_name,
       coalesce(md.agency_subtier_abbreviation, a.awarding_subagency, a.awarding_agency) AS agency_label,
       ev.capability_id, c.name AS capability_name, ev.score, md.obligated_amount AS obligated,
       ev.score * greatest(coalesce(md.obligated_amount, 0), 0) AS priority,
       ev.evidence AS evidence_summary, coalesce(a.usaspending_url, a.source_url) AS source_url,
       ev.evidence_url
FROM ev
JOIN t_awards a USING (award_key)
JOIN t_capabilities c USING (capability_id)
LEFT JOIN t_award_model md USING (award_key)
WHERE NOT EXISTS (SELECT 1 FROM t_capability_annotations n
                  WHERE n.award_key = ev.award_key AND n.capability_id = ev.capability_id)
ORDER BY priority DESC, ev.score DESC, ev.award_key, ev.capability_id;

-- ---------------------------------------------------------------------------------------------
-- Descriptions: the views are the public interface; every column says what it is and where from.

COMMENT ON VIEW vendors IS 'One row per resolved vendor (a company as the records show it, name variants and registrations merged), with its parent company and watchlist status.';
COMMENT ON COLUMN vendors.vendor_id IS 'Stable vendor id (v:<slug>); curated ids come from data/vendors.yaml.';
COMMENT ON COLUMN vendors.vendor_name IS 'Display name: the curated name, else the recipient name with the most awards.';
COMMENT ON COLUMN vendors.parent_vendor_id IS 'Parent company''s vendor id (data/vendors.yaml, else the award records'' parent UEI / parent name); blank for a top-level company.';
COMMENT ON COLUMN vendors.family_vendor_id IS 'Top of the parent chain: the family the summaries count this vendor under (itself when it has no parent).';
COMMENT ON COLUMN vendors.website IS 'Company website (data/vendors.yaml or data/watchlist.yaml).';
COMMENT ON COLUMN vendors.on_watchlist IS 'True when the vendor, or a vendor of its family, matches a data/watchlist.yaml entry.';
COMMENT ON COLUMN vendors.watchlist_id IS 'The matching data/watchlist.yaml entry id.';
COMMENT ON COLUMN vendors.watchlist_name IS 'Name of the matching watchlist entry.';
COMMENT ON COLUMN vendors.watchlist_citation IS 'First citation URL of the watchlist entry: why the registry follows this company.';
COMMENT ON COLUMN vendors.watchlist_basis IS 'How the watchlist mark was made: the name pattern matched, or membership of a matched family.';
COMMENT ON COLUMN vendors.basis IS 'override = curated in data/vendors.yaml; records = resolved from award recipients; records (parent) = parent company named only in award records.';
COMMENT ON COLUMN vendors.citation IS 'Citation URL of the curated entry (override vendors only).';
COMMENT ON COLUMN vendors.parent_method IS 'How the parent link was made: override, parent_uei or parent_name.';
COMMENT ON COLUMN vendors.parent_evidence IS 'The record or citation behind the parent link.';
COMMENT ON COLUMN vendors.recipient_count IS 'Raw recipients (UEI + name spellings) linked to this vendor in vendor_matches.';
COMMENT ON COLUMN vendors.award_count IS 'Awards whose recipient is linked to this vendor (children not included).';

COMMENT ON VIEW vendor_matches IS 'Every raw award recipient (UEI + name as spelled) and the vendor it was linked to, with the method and evidence, so a wrong merge can be found and undone in data/vendors.yaml.';
COMMENT ON COLUMN vendor_matches.recipient_key IS 'Raw recipient key: upper-cased UEI and name joined by |, as in t_awards.recipient_key.';
COMMENT ON COLUMN vendor_matches.recipient_name IS 'Recipient name exactly as the award records spell it.';
COMMENT ON COLUMN vendor_matches.recipient_uei IS 'Recipient Unique Entity ID (SAM.gov) when the source gives it.';
COMMENT ON COLUMN vendor_matches.normalised_name IS 'Name after normalisation: upper case, punctuation out, trailing INC/LLC/CORP/CO/LTD/USA and a leading THE removed.';
COMMENT ON COLUMN vendor_matches.vendor_id IS 'The vendor this recipient belongs to.';
COMMENT ON COLUMN vendor_matches.method IS 'override (data/vendors.yaml), uei (shares a UEI with another recipient of the vendor), name_exact (same normalised name), name_fuzzy (rapidfuzz ratio >= 92 with guards).';
COMMENT ON COLUMN vendor_matches.score IS 'Fuzzy match score 0-100 (name_fuzzy only).';
COMMENT ON COLUMN vendor_matches.evidence IS 'What links the recipient: the shared UEI, the shared normalised name and other spellings, the fuzzy partner and score, or the curated citation.';
COMMENT ON COLUMN vendor_matches.parent_vendor_id IS 'The vendor''s parent company (see vendors.parent_vendor_id).';
COMMENT ON COLUMN vendor_matches.parent_method IS 'How the parent link was made: override, parent_uei or parent_name.';
COMMENT ON COLUMN vendor_matches.parent_evidence IS 'The record or citation behind the parent link.';
COMMENT ON COLUMN vendor_matches.family_vendor_id IS 'Top of the parent chain (the family).';

COMMENT ON VIEW watchlist IS 'Surveillance vendors the registry follows by name (data/watchlist.yaml), each with why it is there.';
COMMENT ON COLUMN watchlist.watchlist_id IS 'Stable watchlist entry id.';
COMMENT ON COLUMN watchlist.name IS 'Company as readers know it.';
COMMENT ON COLUMN watchlist.match_pattern IS 'Regular expression matched against recipient names to find the company''s vendors.';
COMMENT ON COLUMN watchlist.website IS 'Company website.';
COMMENT ON COLUMN watchlist.default_capabilities IS 'What the company sells to government; used only for its awards that nothing else tags.';
COMMENT ON COLUMN watchlist.products IS 'Product name patterns and the capabilities they provide (JSON), matched in any award''s descriptions.';
COMMENT ON COLUMN watchlist.citation_url IS 'First citation: a public record of why the company is followed.';
COMMENT ON COLUMN watchlist.citation_title IS 'What the first citation shows.';
COMMENT ON COLUMN watchlist.citations IS 'All citations (JSON list of url and title).';

COMMENT ON VIEW agencies IS 'Agency hierarchy used by the awards: department -> subtier -> component or office, with the rule that defines each row.';
COMMENT ON COLUMN agencies.level IS 'department, subtier, component or office.';
COMMENT ON COLUMN agencies.agency_id IS 'Id: dept:<CGAC>, sub:<subtier code>, comp:<component id>, office:<subtier>:<office code or name>.';
COMMENT ON COLUMN agencies.name IS 'Name from the code table, data/agency_components.yaml or the award record.';
COMMENT ON COLUMN agencies.abbreviation IS 'Abbreviation (subtier, e.g. ICE) or component id (e.g. ICE-HSI).';
COMMENT ON COLUMN agencies.code IS 'CGAC department code, subtier code or office code.';
COMMENT ON COLUMN agencies.parent_agency_id IS 'The row one level up.';
COMMENT ON COLUMN agencies.rule IS 'Where the row comes from: the code table, the component rule, or the award record.';

COMMENT ON VIEW capabilities IS 'The surveillance capability taxonomy (data/capabilities.yaml).';
COMMENT ON COLUMN capabilities.capability_id IS 'Stable capability id.';
COMMENT ON COLUMN capabilities.name IS 'Capability name as shown to readers.';
COMMENT ON COLUMN capabilities.definition IS 'What counts and what does not.';
COMMENT ON COLUMN capabilities."references" IS 'Public pages describing the technology or a federal record of its use.';
COMMENT ON COLUMN capabilities.rule_count IS 'Number of description/PSC/NAICS rules for the capability.';
COMMENT ON COLUMN capabilities.sort_order IS 'Order of the taxonomy file.';

COMMENT ON VIEW capability_annotations IS 'Manual corrections from data/annotations.yaml: a capability added to or removed from an award, with the citation; they win over rules.';
COMMENT ON COLUMN capability_annotations.award_key IS 'Award the annotation applies to.';
COMMENT ON COLUMN capability_annotations.piid IS 'PIID given in the annotation (when it named the award by PIID).';
COMMENT ON COLUMN capability_annotations.capability_id IS 'Capability added or removed.';
COMMENT ON COLUMN capability_annotations.action IS 'add or remove.';
COMMENT ON COLUMN capability_annotations.citation IS 'Public source for the correction.';
COMMENT ON COLUMN capability_annotations.note IS 'What the citation shows.';
COMMENT ON COLUMN capability_annotations.applied IS 'False when the award is not in this registry (the annotation waits for it).';
COMMENT ON COLUMN capability_annotations.tags_removed IS 'Evidence rows a remove annotation deleted.';
COMMENT ON COLUMN capability_annotations.reviewer IS 'Who decided (review page annotations).';
COMMENT ON COLUMN capability_annotations.reviewed_at IS 'When it was decided (review page annotations).';

COMMENT ON VIEW counted_capabilities IS 'The (award, capability) pairs every total counts: tier tagged and role purpose (possible and component tags are shown, never counted).';
COMMENT ON COLUMN counted_capabilities.award_key IS 'Award.';
COMMENT ON COLUMN counted_capabilities.capability_id IS 'Capability counted for it.';

COMMENT ON VIEW review_queue IS 'Possible (award, capability) pairs no annotation has decided, largest priority (score x obligated dollars) first: what a reviewer should confirm or reject.';
COMMENT ON COLUMN review_queue.award_key IS 'Award.';
COMMENT ON COLUMN review_queue.piid IS 'Award PIID.';
COMMENT ON COLUMN review_queue.recipient_name IS 'Recipient as the record spells it.';
COMMENT ON COLUMN review_queue.agency_label IS 'Subtier abbreviation, else the awarding subagency, else the awarding agency.';
COMMENT ON COLUMN review_queue.capability_id IS 'Capability the model finds possible.';
COMMENT ON COLUMN review_queue.capability_name IS 'Its name.';
COMMENT ON COLUMN review_queue.score IS 'Model score (between the possible and tagged thresholds).';
COMMENT ON COLUMN review_queue.obligated IS 'Award obligations.';
COMMENT ON COLUMN review_queue.priority IS 'score x obligated (negative obligations count as 0).';
COMMENT ON COLUMN review_queue.evidence_summary IS 'The evidence rows: method and matched words, strongest first.';
COMMENT ON COLUMN review_queue.source_url IS 'The award record (usaspending.gov).';
COMMENT ON COLUMN review_queue.evidence_url IS 'Where the strongest evidence can be read.';

COMMENT ON VIEW award_capabilities IS 'Capability tags of awards with their evidence: one row per award, capability, rule and field, with the pair''s score, tier and role. Totals count tier = ''tagged'' AND role = ''purpose'' only.';
COMMENT ON COLUMN award_capabilities.tier IS 'tagged (score >= the tagging threshold, or an annotation added it) or possible (score between the two thresholds: shown, never counted). See docs/model.md.';
COMMENT ON COLUMN award_capabilities.role IS 'purpose (the technology is what the award buys: counted) or component (one part of a larger buy such as a wall, building or vehicle: shown, not counted).';
COMMENT ON COLUMN award_capabilities.score IS 'The model''s score for the award and capability (0-1), combining all evidence rows of the pair; the same on each of its rows.';
COMMENT ON COLUMN award_capabilities.role_rule IS 'The data/capabilities.yaml roles rule that made the tag a component (blank for purpose).';
COMMENT ON COLUMN award_capabilities.award_key IS 'USAspending generated award id.';
COMMENT ON COLUMN award_capabilities.piid IS 'Procurement Instrument Identifier of the award.';
COMMENT ON COLUMN award_capabilities.capability_id IS 'Capability tagged.';
COMMENT ON COLUMN award_capabilities.capability_name IS 'Capability name.';
COMMENT ON COLUMN award_capabilities.method IS 'rule (capabilities.yaml), prior (PSC/NAICS code, weak), product (gazetteer or watchlist product named in a description), vendor (a specialised vendor''s default capabilities), text_model (the trained text model), ai_inventory (federal AI use-case inventory) or annotation (annotations.yaml).';
COMMENT ON COLUMN award_capabilities.rule_id IS 'Rule, watchlist product/default (watchlist:<id>:<product>), AI use case (ai_inventory:<id>) or annotation.';
COMMENT ON COLUMN award_capabilities.field IS 'What was read: description, modification_description, psc, naics, vendor, ai_inventory or annotation.';
COMMENT ON COLUMN award_capabilities.modification_number IS 'Earliest modification whose description matched (modification_description only).';
COMMENT ON COLUMN award_capabilities.matched_text IS 'The words that matched (or the vendor name, the AI use case, the annotation note).';
COMMENT ON COLUMN award_capabilities.match_count IS 'How many texts of the award matched this rule and field.';
COMMENT ON COLUMN award_capabilities.confidence IS 'Strength of this piece of evidence (0-1): the rule''s confidence, the prior''s weight, 0.9 for a product, 0.7 for a vendor default, the text model''s probability, 1.0 for an annotation.';
COMMENT ON COLUMN award_capabilities.source_url IS 'Where the evidence can be read: the award or transaction record, the watchlist citation, the inventory, or the annotation citation.';
COMMENT ON COLUMN award_capabilities.vendor_id IS 'Vendor family of the award''s recipient.';
COMMENT ON COLUMN award_capabilities.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN award_capabilities.agency IS 'Awarding subtier agency abbreviation (e.g. ICE, CBP).';

COMMENT ON VIEW award_lifecycle IS 'Each award''s transactions in order with running obligated totals and what each did: jumps (> 50% of the total before it), option exercises, extensions, de-obligations.';
COMMENT ON COLUMN award_lifecycle.award_key IS 'USAspending generated award id.';
COMMENT ON COLUMN award_lifecycle.piid IS 'Procurement Instrument Identifier.';
COMMENT ON COLUMN award_lifecycle.vendor_id IS 'Vendor family of the recipient.';
COMMENT ON COLUMN award_lifecycle.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN award_lifecycle.agency IS 'Awarding subtier agency abbreviation.';
COMMENT ON COLUMN award_lifecycle.seq IS 'Order within the award (by action date, base award first, then modification number).';
COMMENT ON COLUMN award_lifecycle.modification_number IS 'Modification number (0 = base award).';
COMMENT ON COLUMN award_lifecycle.transaction_number IS 'FPDS transaction number (0 when the source gives none).';
COMMENT ON COLUMN award_lifecycle.action_date IS 'Action date of the transaction.';
COMMENT ON COLUMN award_lifecycle.action_type IS 'FPDS action type code when the source gives it (G = exercise an option).';
COMMENT ON COLUMN award_lifecycle.action_type_description IS 'FPDS action type description.';
COMMENT ON COLUMN award_lifecycle.obligation IS 'Federal action obligation of this transaction (negative = de-obligation).';
COMMENT ON COLUMN award_lifecycle.prior_obligated IS 'Total obligated by the earlier transactions in the registry.';
COMMENT ON COLUMN award_lifecycle.running_obligated IS 'Total obligated up to and including this transaction.';
COMMENT ON COLUMN award_lifecycle.jump_ratio IS 'obligation / prior_obligated (blank when nothing was obligated before).';
COMMENT ON COLUMN award_lifecycle.is_jump IS 'True when the transaction adds more than 50% of the total obligated before it.';
COMMENT ON COLUMN award_lifecycle.is_option_exercise IS 'Option exercised: FPDS action type G, or the description says so.';
COMMENT ON COLUMN award_lifecycle.is_extension IS 'Period of performance extended, per the description (extend/extension, FAR 52.217-8).';
COMMENT ON COLUMN award_lifecycle.is_deobligation IS 'Negative obligation.';
COMMENT ON COLUMN award_lifecycle.event_basis IS 'Why each flag was set: the action type or the description words, and the jump arithmetic.';
COMMENT ON COLUMN award_lifecycle.award_ceiling IS 'Award base and all options value from the award record (blank when only transactions are known).';
COMMENT ON COLUMN award_lifecycle.ceiling_change IS 'Change to base and all options value by this transaction (bulk transaction files only).';
COMMENT ON COLUMN award_lifecycle.ceiling_after IS 'Potential total value of the award after this transaction (bulk transaction files only).';
COMMENT ON COLUMN award_lifecycle.description IS 'Transaction description as published.';
COMMENT ON COLUMN award_lifecycle.source_url IS 'Where the transaction came from.';

COMMENT ON VIEW competition IS 'How each award was competed, decoded from FPDS codes into plain words, with a sole-source flag and its basis; unknown stays "not reported".';
COMMENT ON COLUMN competition.award_key IS 'USAspending generated award id.';
COMMENT ON COLUMN competition.piid IS 'Procurement Instrument Identifier.';
COMMENT ON COLUMN competition.vendor_id IS 'Vendor family of the recipient.';
COMMENT ON COLUMN competition.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN competition.agency IS 'Awarding subtier agency abbreviation.';
COMMENT ON COLUMN competition.agency_component IS 'Agency component (HSI, ERO, OFO, Border Patrol, ...) when resolved.';
COMMENT ON COLUMN competition.obligated_amount IS 'Award obligations: the award record total, else the sum of its transactions in the registry.';
COMMENT ON COLUMN competition.extent_competed_raw IS 'Extent competed as the source gave it (code or description).';
COMMENT ON COLUMN competition.extent_competed_code IS 'FPDS extent competed code (A, B, C, D, E, F, G, CDO, NDO).';
COMMENT ON COLUMN competition.extent_competed_plain IS 'Extent competed in plain words; "not reported" when unknown.';
COMMENT ON COLUMN competition.other_than_full_and_open_raw IS 'Reason not competed (other than full and open) as the source gave it.';
COMMENT ON COLUMN competition.other_than_full_and_open_code IS 'FPDS code (UNQ, FOC, ONE, URG = urgency FAR 6.302-2, ...).';
COMMENT ON COLUMN competition.other_than_full_and_open_plain IS 'Reason in plain words with the FAR reference.';
COMMENT ON COLUMN competition.fair_opportunity_limited_sources_raw IS 'Fair-opportunity exception (orders under multiple-award contracts) as the source gave it.';
COMMENT ON COLUMN competition.fair_opportunity_limited_sources_code IS 'FPDS code (URG, ONE, FOO, MG, OSA, FAIR, CSA, SS).';
COMMENT ON COLUMN competition.fair_opportunity_limited_sources_plain IS 'Fair-opportunity exception in plain words.';
COMMENT ON COLUMN competition.solicitation_procedures_raw IS 'Solicitation procedures as the source gave them.';
COMMENT ON COLUMN competition.solicitation_procedures_code IS 'FPDS code (NP, SB, TS, SP1, AE, BR, AS, SSS, MAFO).';
COMMENT ON COLUMN competition.solicitation_procedures_plain IS 'Solicitation procedures in plain words.';
COMMENT ON COLUMN competition.number_of_offers IS 'Number of offers received, when reported.';
COMMENT ON COLUMN competition.single_offer IS 'True when exactly one offer was received.';
COMMENT ON COLUMN competition.sole_source IS 'True = awarded without competition, false = competed, blank = not reported.';
COMMENT ON COLUMN competition.sole_source_basis IS 'Why: the most specific reason reported (e.g. "Not competed: urgency (FAR 6.302-2)"), or "not reported".';
COMMENT ON COLUMN competition.competition_status IS 'competed, not competed, or not reported (never assumed competed).';
COMMENT ON COLUMN competition.sole_source_modifications IS 'Transactions of the award whose own competition fields say not competed (e.g. a sole-source modification of a competed order).';
COMMENT ON COLUMN competition.first_sole_source_modification IS 'Earliest such modification.';
COMMENT ON COLUMN competition.first_sole_source_basis IS 'Its reason in plain words.';
COMMENT ON COLUMN competition.modifications_reporting_competition IS 'Transactions of the award that report any competition field.';
COMMENT ON COLUMN competition.usaspending_url IS 'Public USAspending page of the award.';
COMMENT ON COLUMN competition.source_url IS 'Where the award record came from.';

COMMENT ON VIEW vendor_summary IS 'One row per vendor family (a company with its subsidiaries) with awards in the registry: obligations, capabilities, agencies, competition.';
COMMENT ON COLUMN vendor_summary.vendor_id IS 'Family vendor id (top of the parent chain).';
COMMENT ON COLUMN vendor_summary.vendor_name IS 'Family display name.';
COMMENT ON COLUMN vendor_summary.website IS 'Company website.';
COMMENT ON COLUMN vendor_summary.on_watchlist IS 'True when the family is on data/watchlist.yaml.';
COMMENT ON COLUMN vendor_summary.watchlist_name IS 'Matching watchlist entry.';
COMMENT ON COLUMN vendor_summary.watchlist_citation IS 'Why the company is followed (citation URL).';
COMMENT ON COLUMN vendor_summary.member_count IS 'Vendors in the family (the company and its subsidiaries).';
COMMENT ON COLUMN vendor_summary.member_names IS 'Names of the family''s vendors.';
COMMENT ON COLUMN vendor_summary.award_count IS 'Awards to any vendor of the family.';
COMMENT ON COLUMN vendor_summary.obligated_amount IS 'Sum of award obligations (award record total, else sum of transactions in the registry).';
COMMENT ON COLUMN vendor_summary.obligated_in_registry IS 'Sum of the family''s transactions present in the registry.';
COMMENT ON COLUMN vendor_summary.surveillance_award_count IS 'Awards with at least one TAGGED surveillance capability whose role is the award''s PURPOSE (possible tags and components, e.g. cameras in a wall project, are not counted).';
COMMENT ON COLUMN vendor_summary.surveillance_obligated_amount IS 'Obligations of those awards (tagged purpose tags only).';
COMMENT ON COLUMN vendor_summary.capability_ids IS 'Capabilities tagged as the purpose of the family''s awards.';
COMMENT ON COLUMN vendor_summary.agencies IS 'Awarding subtier agencies (abbreviations).';
COMMENT ON COLUMN vendor_summary.sole_source_awards IS 'Awards reported as not competed.';
COMMENT ON COLUMN vendor_summary.competed_awards IS 'Awards reported as competed.';
COMMENT ON COLUMN vendor_summary.competition_not_reported_awards IS 'Awards whose competition is not reported (never counted as competed).';
COMMENT ON COLUMN vendor_summary.first_award_date IS 'Earliest award signature or action date.';
COMMENT ON COLUMN vendor_summary.last_action_date IS 'Latest transaction action date.';

COMMENT ON VIEW agency_summary IS 'One row per awarding subtier agency and per resolved component: what it buys, from whom, on what terms.';
COMMENT ON COLUMN agency_summary.level IS 'subtier (all awards of the agency) or component (awards resolved to HSI, ERO, OFO, ...; a subset of the subtier row).';
COMMENT ON COLUMN agency_summary.agency_id IS 'sub:<subtier code> or comp:<component id> (see agencies).';
COMMENT ON COLUMN agency_summary.department_name IS 'Department (e.g. Department of Homeland Security).';
COMMENT ON COLUMN agency_summary.subtier_code IS 'Subtier agency code (e.g. 7012 = ICE).';
COMMENT ON COLUMN agency_summary.subtier_name IS 'Subtier agency name.';
COMMENT ON COLUMN agency_summary.subtier_abbreviation IS 'Subtier abbreviation.';
COMMENT ON COLUMN agency_summary.component_id IS 'Component id (component rows only).';
COMMENT ON COLUMN agency_summary.component_name IS 'Component name (component rows only).';
COMMENT ON COLUMN agency_summary.award_count IS 'Awards.';
COMMENT ON COLUMN agency_summary.obligated_amount IS 'Sum of award obligations.';
COMMENT ON COLUMN agency_summary.vendor_count IS 'Distinct vendor families.';
COMMENT ON COLUMN agency_summary.surveillance_award_count IS 'Awards with a TAGGED surveillance capability whose role is the award''s PURPOSE (possible tags and components not counted).';
COMMENT ON COLUMN agency_summary.surveillance_obligated_amount IS 'Obligations of those awards (tagged purpose tags only).';
COMMENT ON COLUMN agency_summary.sole_source_awards IS 'Awards reported as not competed.';
COMMENT ON COLUMN agency_summary.capability_ids IS 'Capabilities bought (tagged purpose tags).';
COMMENT ON COLUMN agency_summary.top_vendors IS 'Up to five vendor families with the largest obligations.';

COMMENT ON VIEW capability_summary IS 'One row per capability: how many awards, vendors and agencies, how much money (counting TAGGED tags whose role is PURPOSE only), and how the tags were made.';
COMMENT ON COLUMN capability_summary.capability_id IS 'Capability id.';
COMMENT ON COLUMN capability_summary.name IS 'Capability name.';
COMMENT ON COLUMN capability_summary.definition IS 'What counts.';
COMMENT ON COLUMN capability_summary.sort_order IS 'Order of the taxonomy file.';
COMMENT ON COLUMN capability_summary.award_count IS 'Awards tagged with the capability as their purpose (tier tagged, role purpose; possible and component tags not counted).';
COMMENT ON COLUMN capability_summary.vendor_count IS 'Vendor families of those awards.';
COMMENT ON COLUMN capability_summary.agency_count IS 'Subtier agencies of those awards.';
COMMENT ON COLUMN capability_summary.obligated_amount IS 'Sum of the obligations of awards tagged with the capability as their purpose (tier tagged, role purpose; an award with two capabilities counts in both).';
COMMENT ON COLUMN capability_summary.sole_source_awards IS 'Tagged awards reported as not competed.';
COMMENT ON COLUMN capability_summary.first_award_date IS 'Earliest tagged award date.';
COMMENT ON COLUMN capability_summary.last_action_date IS 'Latest action on a tagged award.';
COMMENT ON COLUMN capability_summary.top_vendors IS 'Up to five vendor families with the largest tagged obligations.';
COMMENT ON COLUMN capability_summary.rule_tags IS 'Evidence rows from description/PSC/NAICS rules.';
COMMENT ON COLUMN capability_summary.vendor_tags IS 'Evidence rows from watchlist products or vendor defaults.';
COMMENT ON COLUMN capability_summary.ai_inventory_tags IS 'Evidence rows from the federal AI use-case inventory.';
COMMENT ON COLUMN capability_summary.annotation_tags IS 'Evidence rows added by annotations.';
COMMENT ON COLUMN capability_summary.possible_award_count IS 'Awards with a possible tag (score between the thresholds): shown for review, not counted.';
COMMENT ON COLUMN capability_summary.component_award_count IS 'Awards where the capability is a tagged component of a larger buy (e.g. cameras in a wall project): shown, not counted.';

COMMENT ON VIEW edges IS 'Vendor family x agency x capability, for network views: awards and obligations. Capabilities are tagged purpose tags only; awards without one (untagged, possible or component only) appear with a blank capability; an award with two capabilities counts on both edges.';
COMMENT ON COLUMN edges.vendor_id IS 'Vendor family id.';
COMMENT ON COLUMN edges.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN edges.on_watchlist IS 'Vendor family on the watchlist.';
COMMENT ON COLUMN edges.agency_id IS 'sub:<subtier code>.';
COMMENT ON COLUMN edges.agency IS 'Subtier abbreviation (e.g. ICE).';
COMMENT ON COLUMN edges.capability_id IS 'Capability (blank = award with no surveillance capability tagged).';
COMMENT ON COLUMN edges.capability_name IS 'Capability name.';
COMMENT ON COLUMN edges.award_count IS 'Awards on the edge.';
COMMENT ON COLUMN edges.obligated_amount IS 'Sum of their award obligations.';
COMMENT ON COLUMN edges.obligated_in_registry IS 'Sum of their transactions in the registry.';
COMMENT ON COLUMN edges.sole_source_awards IS 'Awards reported as not competed.';
COMMENT ON COLUMN edges.first_award_date IS 'Earliest award date on the edge.';
COMMENT ON COLUMN edges.last_action_date IS 'Latest action date on the edge.';

COMMENT ON VIEW monthly_obligations IS 'Vendor family x agency (subtier and component) x calendar month: the sum of transaction obligations by action date (the series behind "largest monthly sum on record").';
COMMENT ON COLUMN monthly_obligations.vendor_id IS 'Vendor family id.';
COMMENT ON COLUMN monthly_obligations.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN monthly_obligations.on_watchlist IS 'Vendor family on the watchlist.';
COMMENT ON COLUMN monthly_obligations.agency_id IS 'sub:<subtier code>.';
COMMENT ON COLUMN monthly_obligations.agency IS 'Subtier abbreviation.';
COMMENT ON COLUMN monthly_obligations.agency_label IS 'Agency as the dashboard labels it: subtier abbreviation, else the awarding subagency, else the awarding agency.';
COMMENT ON COLUMN monthly_obligations.agency_component IS 'Component within the subtier (e.g. HSI, ERO), when identified.';
COMMENT ON COLUMN monthly_obligations.month IS 'First day of the month.';
COMMENT ON COLUMN monthly_obligations.month_label IS 'Month as YYYY-MM.';
COMMENT ON COLUMN monthly_obligations.obligated IS 'Sum of federal action obligations of the month''s transactions (de-obligations subtract).';
COMMENT ON COLUMN monthly_obligations.surveillance_obligated IS 'The part on awards with a TAGGED surveillance capability whose role is the award''s PURPOSE (possible tags and components not counted).';
COMMENT ON COLUMN monthly_obligations.transaction_count IS 'Transactions in the month.';
COMMENT ON COLUMN monthly_obligations.award_count IS 'Distinct awards with a transaction in the month.';
COMMENT ON COLUMN monthly_obligations.jump_count IS 'Transactions flagged as jumps (> 50% of the award''s total before them).';

-- Columns the model adds to the core views.
COMMENT ON COLUMN awards.vendor_name IS 'Resolved vendor''s display name (see vendors).';
COMMENT ON COLUMN awards.parent_vendor_id IS 'Parent company''s vendor id.';
COMMENT ON COLUMN awards.parent_vendor_name IS 'Parent company name.';
COMMENT ON COLUMN awards.family_vendor_id IS 'Vendor family id (top of the parent chain); summaries count by this.';
COMMENT ON COLUMN awards.family_vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN awards.vendor_on_watchlist IS 'The vendor family is on data/watchlist.yaml.';
COMMENT ON COLUMN awards.agency_subtier_code IS 'Awarding subtier code (from the record, else from the award key).';
COMMENT ON COLUMN awards.agency_subtier_abbreviation IS 'Awarding subtier abbreviation (ICE, CBP, ...).';
COMMENT ON COLUMN awards.agency_component IS 'Component (HSI, ERO, OFO, Border Patrol, FBI, DEA, ...) when the records allow; see component_rule.';
COMMENT ON COLUMN awards.component_basis IS 'What decided the component, the first that names exactly one: subtier (the whole subtier), funding_office (the funding office name: the award record''s, else FPDS''s fundingRequestingOfficeID name when FPDS''s paying agency is the award''s own subtier), office (the awarding office name), description (the base description names the component), program (it names a program only that component runs, data/component_programs.yaml), piid_office (the name of the PIID''s office code); ambiguous = several named, left unresolved; blank = nothing names one.';
COMMENT ON COLUMN awards.component_rule IS 'The rule and the words that decided the component.';
COMMENT ON COLUMN awards.agency_office_code IS 'Contracting office that signed the award: its code (the record''s awarding office code, else the six characters that open a DHS PIID).';
COMMENT ON COLUMN awards.agency_office IS 'Contracting office name: the record''s awarding office, else the name data/contracting_offices.yaml gives the PIID''s office code; blank when neither is known.';
COMMENT ON COLUMN awards.agency_office_basis IS 'Where agency_office came from: award record, or PIID office code.';
COMMENT ON COLUMN awards.extent_competed_plain IS 'Extent competed in plain words ("not reported" when unknown).';
COMMENT ON COLUMN awards.other_than_full_and_open_plain IS 'Reason not competed in plain words with the FAR reference.';
COMMENT ON COLUMN awards.fair_opportunity_limited_sources_plain IS 'Fair-opportunity exception in plain words.';
COMMENT ON COLUMN awards.solicitation_procedures_plain IS 'Solicitation procedures in plain words.';
COMMENT ON COLUMN awards.sole_source IS 'True = not competed, false = competed, blank = not reported.';
COMMENT ON COLUMN awards.sole_source_basis IS 'Reason in plain words, e.g. "Not competed: urgency (FAR 6.302-2)", or "not reported".';
COMMENT ON COLUMN awards.competition_status IS 'competed, not competed or not reported.';
COMMENT ON COLUMN awards.single_offer IS 'Exactly one offer received.';
COMMENT ON COLUMN awards.sole_source_modifications IS 'Transactions whose own competition fields say not competed.';
COMMENT ON COLUMN awards.first_sole_source_modification IS 'Earliest such modification.';
COMMENT ON COLUMN awards.capability_ids IS 'Surveillance capabilities TAGGED as the award''s PURPOSE: what totals count (evidence in award_capabilities).';
COMMENT ON COLUMN awards.component_capability_ids IS 'Capabilities tagged as a COMPONENT of a larger buy (e.g. cameras in a wall project): shown, not counted.';
COMMENT ON COLUMN awards.possible_capability_ids IS 'Capabilities the model finds POSSIBLE (score between the thresholds): shown for review, never counted.';
COMMENT ON COLUMN awards.capability_names IS 'Their names, separated by semicolons.';
COMMENT ON COLUMN awards.has_surveillance_capability IS 'At least one capability tagged as the award''s purpose (what every surveillance total counts).';
COMMENT ON COLUMN awards.jump_count IS 'Modifications that added more than 50% of the total obligated before them.';
COMMENT ON COLUMN awards.largest_jump_modification IS 'The largest such modification.';
COMMENT ON COLUMN awards.options_exercised IS 'Transactions that exercised an option.';
COMMENT ON COLUMN awards.extensions IS 'Transactions that extended the period of performance.';
COMMENT ON COLUMN awards.deobligated_amount IS 'Sum of negative obligations (de-obligations).';
COMMENT ON COLUMN awards.obligated_amount IS 'Award obligations: the award record total, else the sum of its transactions in the registry.';
COMMENT ON COLUMN awards.obligated_amount_basis IS 'Which of the two obligated_amount is.';
COMMENT ON COLUMN transactions.family_vendor_id IS 'Vendor family of the award''s recipient.';
COMMENT ON COLUMN transactions.vendor_id IS 'Vendor the award''s recipient resolved to (awards.vendor_id), a member of family_vendor_id.';
COMMENT ON COLUMN transactions.agency_subtier_code IS 'Awarding subtier code of the award.';
COMMENT ON COLUMN transactions.extent_competed_plain IS 'This transaction''s extent competed in plain words ("not reported" when unknown).';
COMMENT ON COLUMN transactions.other_than_full_and_open_plain IS 'This transaction''s reason not competed in plain words.';
COMMENT ON COLUMN transactions.fair_opportunity_limited_sources_plain IS 'This transaction''s fair-opportunity exception in plain words.';
COMMENT ON COLUMN transactions.solicitation_procedures_plain IS 'This transaction''s solicitation procedures in plain words.';
COMMENT ON COLUMN transactions.sole_source IS 'This transaction not competed (true), competed (false), not reported (blank).';
COMMENT ON COLUMN transactions.sole_source_basis IS 'Reason in plain words, or "not reported".';
COMMENT ON COLUMN transactions.competition_status IS 'competed, not competed or not reported.';
COMMENT ON COLUMN transactions.prior_obligated IS 'Award total obligated before this transaction (in the registry).';
COMMENT ON COLUMN transactions.running_obligated IS 'Award total obligated up to and including this transaction.';
COMMENT ON COLUMN transactions.jump_ratio IS 'Obligation / prior_obligated.';
COMMENT ON COLUMN transactions.is_jump IS 'Adds more than 50% of the award total before it.';
COMMENT ON COLUMN transactions.is_option_exercise IS 'Exercises an option (action type G or description).';
COMMENT ON COLUMN transactions.is_extension IS 'Extends the period of performance (description).';
COMMENT ON COLUMN transactions.is_deobligation IS 'Negative obligation.';
COMMENT ON COLUMN transactions.event_basis IS 'Why the flags were set.';
