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
