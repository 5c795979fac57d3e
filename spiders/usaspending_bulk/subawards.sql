-- Sub-awards under prime contracts (stg_subawards, from USAspending's Contracts_Subawards files), run by
-- spiders/usaspending_bulk/build.py with {subawards} = the staging table (or an empty copy in an older store).
-- Linked to the prime award (prime_in_registry: the prime is one of this registry's awards) and to the
-- sub-recipient's vendor when the vendor model matched its UEI and name (sub_vendor_id).
CREATE TABLE t_subawards AS
SELECT s.* EXCLUDE (raw_payload), recipient_key(s.subawardee_uei, s.subawardee_name) AS sub_recipient_key
FROM {subawards} s;

CREATE VIEW subawards AS
SELECT
    s.prime_award_key, s.prime_award_piid, a.award_key IS NOT NULL AS prime_in_registry,
    coalesce(a.recipient_name, s.prime_awardee_name) AS prime_recipient_name,
    coalesce(a.recipient_uei, s.prime_awardee_uei)   AS prime_recipient_uei,
    a.vendor_id AS prime_vendor_id, a.vendor_name AS prime_vendor_name,
    coalesce(a.awarding_subagency, s.prime_awarding_subagency) AS awarding_subagency,
    s.report_id, s.subaward_number, s.subaward_type, s.subaward_amount, s.subaward_action_date,
    s.subawardee_name, s.subawardee_uei, s.subawardee_dba_name, s.subawardee_parent_name, s.subawardee_parent_uei,
    m.vendor_id AS sub_vendor_id,
    s.subawardee_city, s.subawardee_state, s.subawardee_country, s.subaward_description,
    s.report_last_modified, s.source, s.source_url, s.fetched_at, s.payload_sha256
FROM t_subawards s
LEFT JOIN awards a ON a.award_key = s.prime_award_key
LEFT JOIN vendor_matches m ON m.recipient_key = s.sub_recipient_key;
