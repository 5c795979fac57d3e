-- Federal AI use-case inventories (OMB consolidations of 2023, 2024, 2025): one row per use case and year.
-- The capability classifier (registry/model/capabilities.py) reads inventory_year, use_case_id, agency, bureau,
-- use_case_name, description, vendor_name, piids and source_url from this table.

CREATE TABLE IF NOT EXISTS stg_ai_use_cases (
    inventory_year      INTEGER NOT NULL,      -- the inventory the row was published in
    use_case_id         VARCHAR NOT NULL,      -- the agency's id (2023, 2025) or a derived one (see use_case_id_derived)
    use_case_id_derived BOOLEAN,               -- true when the inventory gave no id: agency-year-hash of agency|bureau|name
    source_row          INTEGER,               -- 1-based data row in the file the row came from
    use_case_name       VARCHAR NOT NULL,
    agency              VARCHAR NOT NULL,      -- department abbreviation as published (DHS, DOJ, ...)
    agency_name         VARCHAR,
    bureau              VARCHAR,               -- bureau / component as published (ICE, CBP, "Department of Justice / ATF")
    office              VARCHAR,               -- 2023 only
    stage               VARCHAR,               -- development stage as published
    impact              VARCHAR,               -- 2025 is_high_impact / 2024 rights- or safety-impacting answer, as published
    high_impact         BOOLEAN,               -- impact read as yes/no (NULL when the answer is neither)
    topic_area          VARCHAR,
    vendor_name         VARCHAR,               -- 2025 only
    system_name         VARCHAR,               -- system with the authority to operate (2025 system_name_ato, 2024 System Name)
    has_pii             VARCHAR,
    pia_url             VARCHAR,               -- privacy impact assessment link (2025), only when it is an http(s) URL
    contracting_usage   VARCHAR,
    techniques          VARCHAR,               -- 2023 only
    description         VARCHAR,               -- purpose/benefits/outputs texts joined
    piid_text           VARCHAR,               -- 2024 PIID answer as typed
    piids               VARCHAR[],             -- PIIDs read from piid_text (upper case, hyphens dropped)
    date_initiated      DATE,
    date_implemented    DATE,                  -- 2024 Date Implemented / 2025 operational_date, when readable
    date_retired        DATE,
    source              VARCHAR NOT NULL,
    source_url          VARCHAR NOT NULL,      -- the published file the row came from
    fetched_at          TIMESTAMPTZ NOT NULL,
    payload_sha256      VARCHAR NOT NULL,
    raw_payload         VARCHAR,               -- the CSV row as a JSON object (header -> cell)
    run_id              VARCHAR,
    PRIMARY KEY (inventory_year, use_case_id)
);
