-- Cross-source links and the timeline of an award or a system (issue 7).
-- Every t_links_* table has the same columns; `links` is their union (registry/links.py). Ids by kind:
--   award = awards.award_key; transaction = award_key|modification_number|transaction_number;
--   vendor = vendors.vendor_id; agency = agencies.agency_id; sam_notice = sam_notices.notice_id;
--   fpds_action = fpds key; lobbying_filing = filing uuid; ai_use_case = ai_use_cases.use_case_key;
--   privacy_notice = privacy_notices.document_number; system = systems.system_id; ai_cots = ai_cots.cots_key.
-- reads: t_awards, t_transactions, t_vendor_matches, t_ai_use_cases, t_privacy_notices, t_sam_notices, t_systems, t_lobbying_quarters, t_links_ai, t_links_fpds, t_links_fr, t_links_lda, t_links_sam, t_links_systems
-- writes: timeline, system_timeline

CREATE VIEW timeline AS
-- How each linked record shows on a timeline (date, id, title, source), written once for awards and systems alike.
WITH ai_events AS (
    SELECT inventory_year || ':' || use_case_id AS record_id,
           coalesce(date_implemented, date_initiated, make_date(inventory_year, 12, 31)) AS event_date,
           inventory_year || ' AI inventory: ' || use_case_name || coalesce(' (' || bureau || ')', '') AS title,
           source_url
    FROM t_ai_use_cases
),
privacy_events AS (
    SELECT document_number AS record_id, publication_date AS event_date,
           title || coalesce(' — ' || system_identifier, '') || coalesce(' ' || system_name, '') AS title,
           coalesce(html_url, source_url) AS source_url
    FROM t_privacy_notices
),
lobbying_events AS (
    SELECT vendor_id, period_start AS event_date, vendor_id || '|' || filing_year || '|' || filing_period AS record_id,
           'Lobbying ' || filing_year || ' ' || filing_period || ' for ' || client_name AS title, amount
    FROM t_lobbying_quarters
),
award_events AS (
    SELECT a.award_key, coalesce(a.date_signed, a.first_action_date) AS event_date, 'award' AS record_kind,
           a.award_key AS record_id, 'Award ' || a.piid || coalesce(': ' || a.description, '') AS title,
           a.total_obligation AS amount, 'the award' AS how_linked, coalesce(a.usaspending_url, a.source_url) AS source_url
    FROM t_awards a
    UNION ALL
    SELECT t.award_key, t.action_date,
           CASE WHEN t.modification_number IN ('0', '') THEN 'base_award_action' ELSE 'modification' END,
           t.award_key || '|' || t.modification_number || '|' || t.transaction_number,
           CASE WHEN t.modification_number IN ('0', '') THEN 'Base award action' ELSE 'Modification ' || t.modification_number END
               || coalesce(': ' || t.description, ''),
           t.federal_action_obligation, 'action of the award', coalesce(t.usaspending_url, t.source_url)
    FROM t_transactions t
    UNION ALL
    SELECT l.to_id, n.posted_date, 'sam_notice', n.notice_id,
           coalesce(n.notice_type, 'Notice') || ': ' || coalesce(n.title, '') || coalesce(' [' || n.authority_cited || ']', ''),
           n.award_amount, l.method || ' (' || l.confidence || ')', n.sam_url
    FROM t_links_sam l JOIN t_sam_notices n ON n.notice_id = l.from_id WHERE l.to_kind = 'award'
    UNION ALL
    SELECT l.to_id, u.event_date, 'ai_use_case', u.record_id, u.title, NULL, l.method || ' (' || l.confidence || ')',
           u.source_url
    FROM t_links_ai l JOIN ai_events u ON u.record_id = l.from_id WHERE l.to_kind = 'award'
    UNION ALL
    SELECT l.to_id, n.event_date, 'privacy_notice', n.record_id, n.title, NULL, l.method || ' (' || l.confidence || ')',
           n.source_url
    FROM t_links_fr l JOIN privacy_events n ON n.record_id = l.from_id WHERE l.to_kind = 'award'
    UNION ALL
    SELECT a.award_key, q.event_date, 'lobbying_quarter', q.record_id, q.title, q.amount,
           'lobbying by the award''s vendor', NULL
    FROM t_awards a JOIN t_vendor_matches m ON m.recipient_key = a.recipient_key
    JOIN lobbying_events q ON q.vendor_id = m.vendor_id
),
system_events AS (
    SELECT l.from_id AS system_id, e.event_date, e.record_kind, e.record_id, e.title, e.amount,
           'via award: ' || e.how_linked AS how_linked, e.source_url
    FROM t_links_systems l JOIN award_events e ON e.award_key = l.to_id
    WHERE l.to_kind = 'award' AND e.record_kind <> 'lobbying_quarter'
    UNION ALL
    SELECT l.from_id, u.event_date, 'ai_use_case', u.record_id, u.title, NULL, l.method || ' (' || l.confidence || ')',
           u.source_url
    FROM t_links_systems l JOIN ai_events u ON u.record_id = l.to_id WHERE l.to_kind = 'ai_use_case'
    UNION ALL
    SELECT l.from_id, n.event_date, 'privacy_notice', n.record_id, n.title, NULL, l.method || ' (' || l.confidence || ')',
           n.source_url
    FROM t_links_systems l JOIN privacy_events n ON n.record_id = l.to_id WHERE l.to_kind = 'privacy_notice'
    UNION ALL
    SELECT s.system_id, q.event_date, 'lobbying_quarter', q.record_id, q.title, q.amount,
           'lobbying by the system''s vendor', NULL
    FROM t_systems s JOIN lobbying_events q ON q.vendor_id = s.vendor_id
)
SELECT 'award' AS subject_kind, award_key AS subject_id, event_date, record_kind, record_id, title, amount,
       how_linked, source_url
FROM award_events
UNION ALL
SELECT DISTINCT ON (system_id, record_kind, record_id) 'system', system_id, event_date, record_kind, record_id, title,
       amount, how_linked, source_url
FROM system_events;

COMMENT ON VIEW timeline IS 'Every dated public record of an award or a named system, one row each: the award, its modifications, linked J&A/award notices, AI inventory entries, privacy notices and the vendor''s lobbying quarters. Order by event_date.';
COMMENT ON COLUMN timeline.subject_kind IS 'award or system.';
COMMENT ON COLUMN timeline.subject_id IS 'award_key or system_id.';
COMMENT ON COLUMN timeline.event_date IS 'Date of the record: signed/action/posted/publication date; for an AI inventory entry its implemented or initiated date, else 31 December of its inventory year; for a lobbying quarter its first day.';
COMMENT ON COLUMN timeline.record_kind IS 'award, base_award_action, modification, sam_notice, ai_use_case, privacy_notice, lobbying_quarter.';
COMMENT ON COLUMN timeline.record_id IS 'Id of the record in its own view (as in links).';
COMMENT ON COLUMN timeline.title IS 'What the record is, in a line.';
COMMENT ON COLUMN timeline.amount IS 'Money of the record (obligation, award amount stated, lobbying amount), USD; blank when none.';
COMMENT ON COLUMN timeline.how_linked IS 'How the record is tied to the subject (link method and confidence).';
COMMENT ON COLUMN timeline.source_url IS 'Public source of the record.';

CREATE VIEW system_timeline AS
SELECT subject_id AS system_id, event_date, record_kind, record_id, title, amount, how_linked, source_url
FROM timeline WHERE subject_kind = 'system';

COMMENT ON VIEW system_timeline IS 'The timeline of named systems only (timeline where subject_kind = system).';
COMMENT ON COLUMN system_timeline.system_id IS 'System (systems.system_id).';
COMMENT ON COLUMN system_timeline.event_date IS 'Date of the record (see timeline.event_date).';
COMMENT ON COLUMN system_timeline.record_kind IS 'Kind of record (see timeline.record_kind).';
COMMENT ON COLUMN system_timeline.record_id IS 'Id of the record in its own view.';
COMMENT ON COLUMN system_timeline.title IS 'What the record is, in a line.';
COMMENT ON COLUMN system_timeline.amount IS 'Money of the record, USD; blank when none.';
COMMENT ON COLUMN system_timeline.how_linked IS 'How the record is tied to the system.';
COMMENT ON COLUMN system_timeline.source_url IS 'Public source of the record.';
