-- SAM.gov Get Opportunities API v2: justification (J&A, ptype=u) and award notices (ptype=a).
-- One row per notice (the API returns only the latest version of a notice). The API key is never stored:
-- every URL here has had `api_key` removed before it was written.

CREATE TABLE IF NOT EXISTS stg_sam_notices (
    notice_id               VARCHAR PRIMARY KEY,   -- noticeId
    ptype                   VARCHAR,               -- procurement type asked for: u (J&A) | a (award notice)
    notice_type             VARCHAR,               -- type: current notice type, e.g. 'Justification', 'Award Notice'
    base_type               VARCHAR,               -- baseType: original notice type
    title                   VARCHAR,
    solicitation_number     VARCHAR,
    full_parent_path_name   VARCHAR,               -- e.g. 'HOMELAND SECURITY, DEPARTMENT OF.US IMMIGRATION AND CUSTOMS ENFORCEMENT....'
    full_parent_path_code   VARCHAR,               -- e.g. '070.7012.xxxx'
    department              VARCHAR,               -- deprecated v1 fields, kept when present
    subtier                 VARCHAR,
    office                  VARCHAR,
    organization_type       VARCHAR,
    posted_date             DATE,
    response_deadline       VARCHAR,               -- as sent (date or timestamp with offset)
    archive_type            VARCHAR,
    archive_date            DATE,
    active                  BOOLEAN,               -- 'Yes' = active, 'No' = archived
    naics_code              VARCHAR,
    classification_code     VARCHAR,               -- PSC
    set_aside_code          VARCHAR,
    set_aside               VARCHAR,
    award_number            VARCHAR,               -- award.number: the PIID as the notice gives it
    award_piid              VARCHAR,               -- award_number normalised (upper case, no spaces or dashes)
    award_amount            DECIMAL(18,2),
    award_date              DATE,
    awardee_name            VARCHAR,
    awardee_uei             VARCHAR,
    description_url         VARCHAR,               -- the noticedesc link, without api_key
    description_text        VARCHAR,               -- fetched text (HTML tags removed) when the crawl fetched it
    authority_cited         VARCHAR,               -- FAR/USC authority quoted in title or description (regex, see spiders/sam/spider.py)
    piids_in_text           JSON,                  -- PIID-shaped tokens found in title/description (normalised), a JSON list
    resource_links          JSON,                  -- attachment download URLs, a JSON list
    ui_link                 VARCHAR,
    additional_info_link    VARCHAR,
    source                  VARCHAR NOT NULL,
    source_url              VARCHAR NOT NULL,      -- the search URL that returned the notice, without api_key
    fetched_at              TIMESTAMPTZ NOT NULL,
    payload_sha256          VARCHAR NOT NULL,
    raw_payload             VARCHAR,               -- the notice as sent, with the key redacted if it was echoed
    run_id                  VARCHAR
);
