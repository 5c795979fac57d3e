-- The bulk route's own staging tables (the usaspending source's stg_awards/stg_transactions are in spiders/usaspending/staging.sql).

-- Award Data Archive files that `registry crawl all` (registry/bulk_crawl.py) fetched through the bulk spider:
-- one row per file, written 'loading' before the spider starts on it and 'loaded' once the spider's run ended ok.
-- Why: a killed crawl resumes where it stopped (loaded files are skipped; a file left 'loading' is fetched and
-- loaded again, which the loader's upserts make idempotent, after its earlier attempt's rejects are removed),
-- and a later crawl fetches only what is new (a department-year whose full file is loaded takes deltas).
CREATE TABLE IF NOT EXISTS stg_archive_files (
    url          VARCHAR PRIMARY KEY,  -- the URL the spider fetched (also the source_url of its rejects)
    file_name    VARCHAR NOT NULL,
    toptier_code VARCHAR,              -- CGAC department code, e.g. 070
    fiscal_year  INTEGER,              -- NULL for FY(All) delta files
    kind         VARCHAR,              -- full | delta
    file_date    DATE,                 -- the archive's generation date (from the listing or the file name)
    bytes        BIGINT,               -- Content-Length announced by HEAD
    etag         VARCHAR,              -- ETag announced by HEAD (S3: the MD5 of a single-part upload)
    sha256       VARCHAR,              -- of the verified download kept by the spider
    row_count    BIGINT,               -- rows the spider's run fetched from the file (loaded + rejected)
    status       VARCHAR NOT NULL,     -- loading | loaded | failed
    crawl_id     VARCHAR,              -- the `registry crawl all` invocation
    load_run     VARCHAR,              -- the bulk spider's crawl_runs.run_id that loaded it
    error        VARCHAR,
    started_at   TIMESTAMPTZ,
    fetched_at   TIMESTAMPTZ           -- when it was loaded (newest wins in `registry merge`)
);

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
