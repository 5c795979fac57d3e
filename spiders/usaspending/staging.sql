-- USAspending awards and transactions: every record as fetched, typed, with its provenance and raw payload.
-- Both USAspending routes (API: spiders/usaspending, bulk files: spiders/usaspending_bulk) write here under
-- the same natural keys.

CREATE TABLE IF NOT EXISTS stg_awards (
    award_key                   VARCHAR PRIMARY KEY,  -- USAspending generated_unique_award_id
    piid                        VARCHAR,
    parent_piid                 VARCHAR,
    parent_award_key            VARCHAR,
    category                    VARCHAR,              -- contract | idv
    award_type                  VARCHAR,              -- A B C D or IDV_*
    award_type_description      VARCHAR,
    recipient_name              VARCHAR,
    recipient_uei               VARCHAR,
    recipient_parent_name       VARCHAR,
    recipient_parent_uei        VARCHAR,
    recipient_city              VARCHAR,
    recipient_state             VARCHAR,
    recipient_country           VARCHAR,
    awarding_agency             VARCHAR,
    awarding_agency_code        VARCHAR,
    awarding_subagency          VARCHAR,
    awarding_subagency_code     VARCHAR,
    awarding_office             VARCHAR,
    awarding_office_code        VARCHAR,
    funding_agency              VARCHAR,
    funding_subagency           VARCHAR,
    funding_office              VARCHAR,
    description                 VARCHAR,
    psc_code                    VARCHAR,
    psc_description             VARCHAR,
    naics_code                  VARCHAR,
    naics_description           VARCHAR,
    date_signed                 DATE,
    start_date                  DATE,
    end_date                    DATE,
    potential_end_date          DATE,
    last_modified_date          DATE,
    total_obligation            DECIMAL(18,2),
    base_exercised_options      DECIMAL(18,2),
    base_and_all_options        DECIMAL(18,2),
    extent_competed             VARCHAR,   -- FPDS code (A, B, C, D, E, F, G, CDO, NDO)
    other_than_full_and_open    VARCHAR,   -- FPDS code (ONE, URG, UNQ, ...)
    fair_opportunity_limited_sources VARCHAR,
    solicitation_procedures     VARCHAR,
    number_of_offers            INTEGER,
    type_of_contract_pricing    VARCHAR,
    type_set_aside              VARCHAR,
    pop_city                    VARCHAR,
    pop_state                   VARCHAR,   -- two-letter state code
    pop_country                 VARCHAR,
    pop_zip                     VARCHAR,
    usaspending_url             VARCHAR,   -- public award page
    source                      VARCHAR NOT NULL,  -- usaspending | usaspending_bulk | usaspending_csv | usaspending_search_csv
    source_url                  VARCHAR NOT NULL,  -- where this row was fetched from
    fetched_at                  TIMESTAMPTZ NOT NULL,
    payload_sha256              VARCHAR NOT NULL,
    raw_payload                 VARCHAR,
    run_id                      VARCHAR
);

CREATE TABLE IF NOT EXISTS stg_transactions (
    award_key                   VARCHAR NOT NULL,
    modification_number         VARCHAR NOT NULL,  -- '0' for the base award
    transaction_number          INTEGER NOT NULL,  -- FPDS transaction number, 0 when the source gives none
    transaction_key             VARCHAR,           -- contract_transaction_unique_key when the source gives it
    action_date                 DATE NOT NULL,
    action_type                 VARCHAR,
    action_type_description     VARCHAR,
    federal_action_obligation   DECIMAL(18,2) NOT NULL,
    description                 VARCHAR,
    piid                        VARCHAR,
    recipient_name              VARCHAR,
    recipient_uei               VARCHAR,
    awarding_agency             VARCHAR,
    awarding_subagency          VARCHAR,
    awarding_office             VARCHAR,
    psc_code                    VARCHAR,
    psc_description             VARCHAR,
    naics_code                  VARCHAR,
    naics_description           VARCHAR,
    extent_competed             VARCHAR,
    other_than_full_and_open    VARCHAR,
    fair_opportunity_limited_sources VARCHAR,
    solicitation_procedures     VARCHAR,
    number_of_offers            INTEGER,
    last_modified_date          DATE,
    source                      VARCHAR NOT NULL,
    source_url                  VARCHAR NOT NULL,
    fetched_at                  TIMESTAMPTZ NOT NULL,
    payload_sha256              VARCHAR NOT NULL,
    raw_payload                 VARCHAR,
    run_id                      VARCHAR,
    PRIMARY KEY (award_key, modification_number, transaction_number)
);
