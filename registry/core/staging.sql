-- Staging store, the part every source shares: crawl runs and rejects. Each source's own tables are
-- declared in spiders/<source>/staging.sql (found by registry.core.sources, applied after this file).

CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id          VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,      -- spider or loader name
    scope           JSON,                  -- arguments that define what was asked for
    scope_hash      VARCHAR,               -- stable hash of scope, to find the last run of the same scope
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL,      -- running | ok | empty (the source counted 0) | partial | failed | aborted
    requests        BIGINT DEFAULT 0,
    pages_lost      BIGINT DEFAULT 0,      -- responses that never succeeded after retries
    items_fetched   BIGINT DEFAULT 0,
    items_loaded    BIGINT DEFAULT 0,
    items_rejected  BIGINT DEFAULT 0,
    since_date      DATE,                  -- incremental runs: last_modified_date lower bound
    error           VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS rejects_seq;
CREATE TABLE IF NOT EXISTS rejects (
    reject_id    BIGINT PRIMARY KEY DEFAULT nextval('rejects_seq'),
    run_id       VARCHAR,
    source       VARCHAR NOT NULL,
    kind         VARCHAR,                  -- award | transaction | page | ...
    source_url   VARCHAR,
    reason       VARCHAR NOT NULL,
    raw_payload  VARCHAR,
    payload_sha256 VARCHAR,
    rejected_at  TIMESTAMPTZ NOT NULL
);
