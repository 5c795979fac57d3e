-- OMB 2025 consolidated COTS AI use cases: one row per agency and common AI task, as published, with its
-- provenance and the CSV row as fetched (JSON of header -> cell, plus its line).

CREATE TABLE IF NOT EXISTS stg_ai_cots (
    agency          VARCHAR NOT NULL,      -- as published, e.g. 'Department of Homeland Security'
    use_case        VARCHAR NOT NULL,      -- one of OMB's common tasks, e.g. 'Generating code using AI.'
    agency_use      BOOLEAN,               -- Y = true, N = false, blank = NULL (not answered)
    products        VARCHAR,               -- the product cell as published
    product_names   VARCHAR[],             -- the same, split on commas and semicolons
    licenses        VARCHAR,               -- estimated licences/users, a range as published
    source_line     INTEGER,               -- line of the CSV (header = 1)
    source          VARCHAR NOT NULL,
    source_url      VARCHAR NOT NULL,      -- the file as downloaded
    fetched_at      TIMESTAMPTZ NOT NULL,
    payload_sha256  VARCHAR NOT NULL,
    raw_payload     VARCHAR,
    run_id          VARCHAR,
    PRIMARY KEY (agency, use_case)
);
