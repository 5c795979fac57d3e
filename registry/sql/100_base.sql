-- Base tables of the registry, built from the staging store attached as `stg`.
-- Raw payloads stay in staging (rebuild without re-crawl); the registry keeps their hashes.
-- reads: stg.stg_awards, stg.stg_transactions, stg.rejects, stg.crawl_runs
-- writes: recipient_key, key_part, t_awards, t_transactions, t_rejects, t_crawl_runs

CREATE MACRO recipient_key(uei, name) AS
    coalesce(upper(trim(uei)), '') || '|' || coalesce(upper(regexp_replace(trim(name), '\s+', ' ', 'g')), '');

-- USAspending's generated award keys are CONT_AWD_<piid>_<agency>_<parent piid>_<parent agency>
-- (and CONT_IDV_<piid>_<agency> for IDVs); '-NONE-' marks an absent parent.
CREATE MACRO key_part(k, i) AS nullif(split_part(k, '_', i), '-NONE-');

CREATE TABLE t_transactions AS
SELECT
    t.* EXCLUDE (raw_payload),
    'https://www.usaspending.gov/award/' || t.award_key || '/' AS usaspending_url
FROM stg.stg_transactions t
-- A row stored without a transaction number (a search export: number 0, no transaction key) gives way to
-- the same award and modification known under its real FPDS number from the API or a bulk file, in
-- whichever order the two were loaded: the two routes never double-count one action.
WHERE NOT (t.transaction_number = 0 AND t.transaction_key IS NULL AND EXISTS (
    SELECT 1 FROM stg.stg_transactions r
    WHERE r.award_key = t.award_key AND r.modification_number = t.modification_number
      AND r.transaction_key IS NOT NULL AND r.transaction_number <> 0));

CREATE TABLE t_awards AS
WITH tx AS (
    SELECT
        award_key,
        sum(federal_action_obligation)               AS obligated_in_registry,
        count(*)                                     AS transaction_count,
        min(action_date)                             AS first_action_date,
        max(action_date)                             AS last_action_date,
        arg_max(recipient_name, action_date)         AS tx_recipient_name,
        arg_max(recipient_uei, action_date)          AS tx_recipient_uei,
        arg_max(awarding_agency, action_date)        AS tx_awarding_agency,
        arg_max(awarding_subagency, action_date)     AS tx_awarding_subagency,
        arg_max(awarding_office, action_date)        AS tx_awarding_office,
        arg_min(description, (modification_number <> '0', action_date)) AS tx_description,
        arg_max(psc_code, action_date)               AS tx_psc_code,
        arg_max(psc_description, action_date)        AS tx_psc_description,
        arg_max(naics_code, action_date)             AS tx_naics_code,
        arg_max(naics_description, action_date)      AS tx_naics_description,
        arg_max(piid, action_date)                   AS tx_piid,
        min(source_url)                              AS tx_source_url,
        min(source)                                  AS tx_source,
        max(fetched_at)                              AS tx_fetched_at,
        min(payload_sha256)                          AS tx_payload_sha256
    FROM stg.stg_transactions
    GROUP BY award_key
),
from_awards AS (
    SELECT a.* EXCLUDE (raw_payload), 'award record' AS award_basis
    FROM stg.stg_awards a
),
-- Awards known only from transaction-level sources (e.g. the spending_by_transaction export):
-- only what those rows say is filled; totals the source does not give stay NULL.
from_transactions AS (
    SELECT
        tx.award_key,
        coalesce(tx.tx_piid, key_part(tx.award_key, 3))                           AS piid,
        CASE WHEN tx.award_key LIKE 'CONT_AWD_%' THEN key_part(tx.award_key, 5) END AS parent_piid,
        CASE WHEN tx.award_key LIKE 'CONT_AWD_%' AND key_part(tx.award_key, 5) IS NOT NULL
             THEN 'CONT_IDV_' || key_part(tx.award_key, 5) || '_' || key_part(tx.award_key, 6) END
                                                                                    AS parent_award_key,
        CASE WHEN tx.award_key LIKE 'CONT_IDV_%' THEN 'idv' ELSE 'contract' END    AS category,
        tx.tx_recipient_name      AS recipient_name,
        tx.tx_recipient_uei       AS recipient_uei,
        tx.tx_awarding_agency     AS awarding_agency,
        tx.tx_awarding_subagency  AS awarding_subagency,
        tx.tx_awarding_office     AS awarding_office,
        tx.tx_description         AS description,
        tx.tx_psc_code            AS psc_code,
        tx.tx_psc_description     AS psc_description,
        tx.tx_naics_code          AS naics_code,
        tx.tx_naics_description   AS naics_description,
        'https://www.usaspending.gov/award/' || tx.award_key || '/' AS usaspending_url,
        tx.tx_source              AS source,
        tx.tx_source_url          AS source_url,
        tx.tx_fetched_at          AS fetched_at,
        tx.tx_payload_sha256      AS payload_sha256,
        'transactions only'       AS award_basis
    FROM tx
    WHERE tx.award_key NOT IN (SELECT award_key FROM stg.stg_awards)
)
SELECT
    u.*,
    tx.obligated_in_registry,
    coalesce(tx.transaction_count, 0) AS transaction_count,
    tx.first_action_date,
    tx.last_action_date,
    recipient_key(u.recipient_uei, u.recipient_name) AS recipient_key
FROM (
    SELECT * FROM from_awards
    UNION ALL BY NAME
    SELECT * FROM from_transactions
) u
LEFT JOIN tx USING (award_key);

-- One row per distinct reject (same source, URL, reason and payload): a re-run that meets the same bad
-- record again does not double it; times_seen and first_rejected_at keep the history.
CREATE TABLE t_rejects AS
SELECT *, count(*) OVER w AS times_seen, min(rejected_at) OVER w AS first_rejected_at
FROM stg.rejects
WINDOW w AS (PARTITION BY source, kind, source_url, reason, payload_sha256)
QUALIFY row_number() OVER (PARTITION BY source, kind, source_url, reason, payload_sha256
                           ORDER BY rejected_at DESC, reject_id DESC) = 1;
CREATE TABLE t_crawl_runs AS SELECT * FROM stg.crawl_runs;
