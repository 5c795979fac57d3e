-- Serving views: the same facts as `awards` and `transactions`, shaped so the dashboard's widest questions are
-- one scan of one stored table (registry/materialize.py stores both). Why: at 1M awards / 5M transactions,
-- joining every transaction to its award per page view took 0.5-0.9 s (bench/results.md); these take a scan.
-- reads: awards, transactions
-- writes: award_years, search_index

-- One row per award and calendar year with actions: the year's obligations plus the award's own facets.
-- previous_year (the award's last earlier year with actions) makes "distinct awards with actions in years
-- A..B" an exact count without hashing award keys: a row counts once when previous_year is blank or < A.
CREATE VIEW award_years AS
WITH y AS (
    SELECT award_key, year(action_date) AS year, sum(federal_action_obligation) AS obligated,
           count(*) AS transaction_count
    FROM transactions WHERE action_date IS NOT NULL
    GROUP BY ALL
)
SELECT y.award_key, a.piid, y.year,
       lag(y.year) OVER (PARTITION BY y.award_key ORDER BY y.year) AS previous_year,
       y.obligated, y.transaction_count,
       a.family_vendor_id AS vendor_id, a.family_vendor_name AS vendor_name, a.vendor_id AS member_vendor_id,
       'sub:' || a.agency_subtier_code AS agency_id,
       coalesce(a.agency_subtier_abbreviation, a.awarding_subagency, a.awarding_agency) AS agency_label,
       a.agency_component, a.pop_state, a.capability_ids, a.has_surveillance_capability,
       a.competition_status, a.sole_source, a.source_url
FROM y JOIN awards a USING (award_key);

-- Search, one row per award: the award's columns the search page filters on and shows, and the text it looks in,
-- lower-cased once here: PIID, vendor, recipient and description, then each distinct modification description
-- other than the award's own, one per line. Why one row per award with one text column: a substring test on one
-- column is pushed into the scan, so only matching awards' other columns are read (no join, no grouping).
-- The first award_text_length characters are the award's own fields: a first match inside them is a match on
-- the award, else on the earliest modification in `modifications` whose description matches.
CREATE VIEW search_index AS
WITH descriptions AS (
    -- a modification repeating the award's own description adds nothing: the award's text already has it
    SELECT t.award_key, t.description, arg_min(t.modification_number, (t.action_date, t.modification_number)) AS modification_number,
           min(t.action_date) AS action_date
    FROM transactions t JOIN awards a USING (award_key)
    WHERE t.description IS NOT NULL AND t.description IS DISTINCT FROM a.description
    GROUP BY t.award_key, t.description
), mods AS (
    -- sorted after aggregating: list(... ORDER BY ...) sorts inside each group as it aggregates, and took 16 of
    -- 17 s at 1M awards; list_sort of the finished structs (date first, then number, then text) took 7 of 13 s
    SELECT award_key,
           list_transform(list_sort(list({'action_date': action_date, 'modification_number': modification_number,
                                          'description': description})),
                          lambda m: {'modification_number': m.modification_number, 'description': m.description})
               AS modifications
    FROM descriptions GROUP BY award_key
), texts AS (
    SELECT a.*, lower(concat_ws(chr(10), a.piid, a.vendor_name, a.recipient_name, a.description)) AS award_text
    FROM awards a
)
SELECT a.award_key, a.piid, a.vendor_name, a.recipient_name, a.family_vendor_name, a.agency_subtier_abbreviation,
       a.awarding_subagency, a.awarding_agency, a.capability_ids, a.capability_names, a.obligated_amount,
       a.first_action_date, a.competition_status, a.description, a.usaspending_url, a.source_url,
       m.modifications,
       length(a.award_text) AS award_text_length,
       CASE WHEN m.modifications IS NULL THEN a.award_text
            ELSE a.award_text || chr(10)
                 || lower(array_to_string(list_transform(m.modifications, lambda x: x.description), chr(10))) END
           AS search_text
FROM texts a LEFT JOIN mods m USING (award_key)
-- stored largest first: the page's "largest 500 matches" then stops reading once later row groups cannot beat
-- them (DuckDB's top-N filter skips row groups by their min/max obligated_amount)
ORDER BY a.obligated_amount DESC NULLS LAST;

COMMENT ON VIEW award_years IS 'Award x calendar year with actions: the year''s obligations and the award''s vendor, agency, place, capabilities and competition (one scan answers maps and flows by year).';
COMMENT ON COLUMN award_years.award_key IS 'USAspending generated award id (awards.award_key).';
COMMENT ON COLUMN award_years.piid IS 'Award PIID.';
COMMENT ON COLUMN award_years.year IS 'Calendar year of the actions (action_date).';
COMMENT ON COLUMN award_years.previous_year IS 'The award''s latest earlier year with actions (blank for its first): a row with previous_year blank or before A is the award''s first row in years A..B, so counting those rows counts distinct awards.';
COMMENT ON COLUMN award_years.obligated IS 'Sum of the year''s federal action obligations.';
COMMENT ON COLUMN award_years.transaction_count IS 'Transactions of the award in the year.';
COMMENT ON COLUMN award_years.vendor_id IS 'Vendor family id.';
COMMENT ON COLUMN award_years.vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN award_years.member_vendor_id IS 'Vendor the recipient resolved to (awards.vendor_id), a member of the family.';
COMMENT ON COLUMN award_years.agency_id IS 'sub:<subtier code>.';
COMMENT ON COLUMN award_years.agency_label IS 'Agency as the dashboard labels it: subtier abbreviation, else the awarding subagency, else the awarding agency.';
COMMENT ON COLUMN award_years.agency_component IS 'Component within the subtier (e.g. HSI, ERO), when identified.';
COMMENT ON COLUMN award_years.pop_state IS 'Place of performance state of the award.';
COMMENT ON COLUMN award_years.capability_ids IS 'Surveillance capabilities tagged as the award''s purpose (tier tagged, role purpose: what totals count).';
COMMENT ON COLUMN award_years.has_surveillance_capability IS 'True when the award has at least one tagged purpose capability (possible and component tags are not counted).';
COMMENT ON COLUMN award_years.competition_status IS 'Competition status of the award (awards.competition_status).';
COMMENT ON COLUMN award_years.sole_source IS 'True when the award was not competed (blank: not reported).';
COMMENT ON COLUMN award_years.source_url IS 'Where the award record came from.';

COMMENT ON VIEW search_index IS 'What search looks in, one row per award: its PIID, vendor, recipient and description, and each distinct modification description that differs from the award''s own, lower-cased in search_text; with the award columns the search page filters on and shows.';
COMMENT ON COLUMN search_index.award_key IS 'USAspending generated award id (awards.award_key).';
COMMENT ON COLUMN search_index.piid IS 'Award PIID.';
COMMENT ON COLUMN search_index.vendor_name IS 'Resolved vendor name (awards.vendor_name).';
COMMENT ON COLUMN search_index.recipient_name IS 'Recipient name as the award record spells it.';
COMMENT ON COLUMN search_index.family_vendor_name IS 'Vendor family name.';
COMMENT ON COLUMN search_index.agency_subtier_abbreviation IS 'Awarding subtier abbreviation (e.g. ICE).';
COMMENT ON COLUMN search_index.awarding_subagency IS 'Awarding subagency as the record names it.';
COMMENT ON COLUMN search_index.awarding_agency IS 'Awarding agency as the record names it.';
COMMENT ON COLUMN search_index.capability_ids IS 'Surveillance capabilities tagged as the award''s purpose (tier tagged, role purpose).';
COMMENT ON COLUMN search_index.capability_names IS 'Their names.';
COMMENT ON COLUMN search_index.obligated_amount IS 'Award obligations (awards.obligated_amount).';
COMMENT ON COLUMN search_index.first_action_date IS 'Earliest action date of the award.';
COMMENT ON COLUMN search_index.competition_status IS 'Competition status of the award.';
COMMENT ON COLUMN search_index.description IS 'Award description as the record gives it.';
COMMENT ON COLUMN search_index.usaspending_url IS 'The award on usaspending.gov.';
COMMENT ON COLUMN search_index.source_url IS 'Where the award record came from.';
COMMENT ON COLUMN search_index.modifications IS 'Distinct modification descriptions other than the award''s own, each under its earliest modification number, in date order.';
COMMENT ON COLUMN search_index.award_text_length IS 'Length of the award''s own part at the start of search_text (PIID, vendor, recipient, description): a first match before it is a match on the award.';
COMMENT ON COLUMN search_index.search_text IS 'Lower-cased text searched: PIID, vendor name, recipient name, description, then the modification descriptions, one per line.';
