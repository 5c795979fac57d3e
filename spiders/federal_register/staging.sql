-- Federal Register API v1: Privacy Act documents (system-of-records notices, privacy rules) of DHS, DOJ and
-- their components. One row per document number.

CREATE TABLE IF NOT EXISTS stg_fr_documents (
    document_number     VARCHAR PRIMARY KEY,   -- e.g. '2020-25619'
    title               VARCHAR NOT NULL,
    type                VARCHAR,               -- Notice | Rule | Proposed Rule
    action              VARCHAR,
    abstract            VARCHAR,
    dates               VARCHAR,               -- the DATES paragraph as published
    citation            VARCHAR,               -- e.g. '85 FR 74362'
    publication_date    DATE NOT NULL,
    effective_on        DATE,
    comments_close_on   DATE,
    agency_names        JSON,                  -- list of agency names as the API gives them
    agency_slugs        JSON,                  -- list of agency slugs (homeland-security-department, ...)
    docket_ids          JSON,
    html_url            VARCHAR,
    pdf_url             VARCHAR,
    body_html_url       VARCHAR,
    raw_text_url        VARCHAR,
    json_url            VARCHAR,
    document_kind       VARCHAR,               -- sorn | privacy_rule | privacy_notice
    system_identifier   VARCHAR,               -- extracted, e.g. 'DHS/ICE-009'
    system_name         VARCHAR,               -- extracted, e.g. 'External Investigations'
    system_evidence     VARCHAR,               -- the text the identifier and name were read from
    source              VARCHAR NOT NULL,
    source_url          VARCHAR NOT NULL,      -- the API page that returned the document
    fetched_at          TIMESTAMPTZ NOT NULL,
    payload_sha256      VARCHAR NOT NULL,
    raw_payload         VARCHAR,               -- the document object as sent
    run_id              VARCHAR
);
