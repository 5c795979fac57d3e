-- FPDS ATOM feed: one row per contract action (base award or modification) with its competition detail.
-- Same natural key as stg_transactions, but kept apart so FPDS never overwrites what USAspending said and
-- every competition value keeps its own provenance; the build fills only the blanks of `transactions`.

CREATE TABLE IF NOT EXISTS stg_fpds_actions (
    award_key                   VARCHAR NOT NULL,  -- USAspending-style key: CONT_AWD_<PIID>_<agency>_<IDV PIID|-NONE->_<IDV agency|-NONE->
    modification_number         VARCHAR NOT NULL,  -- modNumber ('0' for the base award)
    transaction_number          INTEGER NOT NULL,  -- transactionNumber (0 when absent)
    record_type                 VARCHAR,           -- award | idv
    piid                        VARCHAR,
    agency_id                   VARCHAR,           -- awardContractID/agencyID (4-character subtier code)
    agency_name                 VARCHAR,
    idv_piid                    VARCHAR,           -- referencedIDVID/PIID
    idv_agency_id               VARCHAR,
    idv_modification_number     VARCHAR,
    signed_date                 DATE,              -- relevantContractDates/signedDate (USAspending action_date)
    effective_date              DATE,
    current_completion_date     DATE,
    ultimate_completion_date    DATE,
    obligated_amount            DECIMAL(18,2),     -- dollarValues/obligatedAmount (federal_action_obligation)
    base_and_exercised_options_value DECIMAL(18,2),
    base_and_all_options_value  DECIMAL(18,2),
    total_obligated_amount      DECIMAL(18,2),
    total_base_and_all_options_value DECIMAL(18,2),
    contract_action_type        VARCHAR,
    contract_action_type_description VARCHAR,
    action_type                 VARCHAR,           -- reasonForModification code
    action_type_description     VARCHAR,
    description                 VARCHAR,           -- descriptionOfContractRequirement
    extent_competed             VARCHAR,
    extent_competed_description VARCHAR,
    solicitation_procedures     VARCHAR,
    solicitation_procedures_description VARCHAR,
    other_than_full_and_open    VARCHAR,           -- competition/reasonNotCompeted
    other_than_full_and_open_description VARCHAR,
    fair_opportunity_limited_sources VARCHAR,      -- competition/statutoryExceptionToFairOpportunity
    fair_opportunity_limited_sources_description VARCHAR,
    number_of_offers            INTEGER,
    type_set_aside              VARCHAR,
    type_set_aside_description  VARCHAR,
    contracting_office_agency_id VARCHAR,
    contracting_office_id       VARCHAR,
    contracting_office_name     VARCHAR,
    funding_agency_id           VARCHAR,           -- purchaserInformation/fundingRequestingAgencyID: subtier that pays
    funding_agency_name         VARCHAR,
    funding_office_id           VARCHAR,           -- purchaserInformation/fundingRequestingOfficeID: the office that pays
    funding_office_name         VARCHAR,           -- its @name (e.g. an ICE program office); read for the component
    psc_code                    VARCHAR,
    naics_code                  VARCHAR,
    vendor_name                 VARCHAR,
    vendor_uei                  VARCHAR,
    ultimate_parent_uei         VARCHAR,
    ultimate_parent_name        VARCHAR,
    last_modified_date          DATE,
    fpds_url                    VARCHAR,           -- the entry's ezsearch link on fpds.gov
    source                      VARCHAR NOT NULL,
    source_url                  VARCHAR NOT NULL,  -- the ATOM page the entry came from
    fetched_at                  TIMESTAMPTZ NOT NULL,
    payload_sha256              VARCHAR NOT NULL,
    raw_payload                 VARCHAR,           -- the entry's XML
    run_id                      VARCHAR,
    PRIMARY KEY (award_key, modification_number, transaction_number)
);
