-- Sub-awards reported under prime contracts (USAspending's Contracts_Subawards_*.csv; SAM.gov/FSRS reports),
-- loaded by registry/loaders/subawards_csv.py. Why: they show who really delivers (a data broker under a
-- systems integrator). Linked to the prime award by its generated key and to the sub-recipient by UEI and name.
CREATE TABLE IF NOT EXISTS stg_subawards (
    prime_award_key        VARCHAR NOT NULL,   -- prime_award_unique_key, e.g. CONT_AWD_..._7012_..._7012
    report_id              VARCHAR NOT NULL,   -- subaward_sam_report_id (older files: subaward_fsrs_report_id); '' if none
    subaward_number        VARCHAR NOT NULL,   -- '' if none
    subaward_type          VARCHAR,
    subaward_amount        DECIMAL(18, 2),
    subaward_action_date   DATE,
    subawardee_uei         VARCHAR,
    subawardee_name        VARCHAR,
    subawardee_dba_name    VARCHAR,
    subawardee_parent_uei  VARCHAR,
    subawardee_parent_name VARCHAR,
    subawardee_city        VARCHAR,
    subawardee_state       VARCHAR,
    subawardee_country     VARCHAR,
    subaward_description   VARCHAR,
    prime_award_piid       VARCHAR,
    prime_awardee_uei      VARCHAR,
    prime_awardee_name     VARCHAR,
    prime_awarding_subagency VARCHAR,
    report_last_modified   DATE,
    source                 VARCHAR NOT NULL,
    source_url             VARCHAR,            -- the row's usaspending_permalink (the prime award's page)
    fetched_at             TIMESTAMPTZ,
    payload_sha256         VARCHAR,
    raw_payload            VARCHAR,            -- the row's non-empty cells as JSON
    run_id                 VARCHAR,
    PRIMARY KEY (prime_award_key, report_id, subaward_number)
);
