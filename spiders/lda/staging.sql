-- Lobbying Disclosure Act filings (lda.gov API v1, formerly lda.senate.gov): one row per filing.
-- Activities (issues, agencies contacted, lobbyists) stay as the JSON the API sent; the build unnests them.

CREATE TABLE IF NOT EXISTS stg_lda_filings (
    filing_uuid             VARCHAR PRIMARY KEY,
    filing_type             VARCHAR,               -- RR, Q1..Q4, 1A, MM, ... (see the API's filing types)
    filing_type_display     VARCHAR,
    filing_year             INTEGER,
    filing_period           VARCHAR,               -- first_quarter .. fourth_quarter, mid_year, year_end
    filing_period_display   VARCHAR,
    income                  DECIMAL(18,2),         -- reported by a lobbying firm for this client
    expenses                DECIMAL(18,2),         -- reported by an organisation lobbying for itself
    dt_posted               TIMESTAMPTZ,
    termination_date        DATE,
    registrant_id           BIGINT,
    registrant_name         VARCHAR,
    registrant_description  VARCHAR,
    client_id               BIGINT,
    client_name             VARCHAR,
    client_description      VARCHAR,
    client_state            VARCHAR,
    client_country          VARCHAR,
    filing_document_url     VARCHAR,               -- the filing as filed (HTML/PDF on lda.gov / lda.senate.gov)
    api_url                 VARCHAR,               -- the filing's own API URL
    matched_query           VARCHAR,               -- which query found it, e.g. 'client_name=Palantir'
    lobbying_activities     JSON,                  -- [{general_issue_code, description, government_entities, lobbyists...}]
    source                  VARCHAR NOT NULL,
    source_url              VARCHAR NOT NULL,
    fetched_at              TIMESTAMPTZ NOT NULL,
    payload_sha256          VARCHAR NOT NULL,
    raw_payload             VARCHAR,
    run_id                  VARCHAR
);
