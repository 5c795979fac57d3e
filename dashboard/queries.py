"""Every SQL statement the dashboard runs: one named function per question, each returning a DataFrame.

Why here and only here: pages stay free of SQL, every query is parameterized (user text is bound with
`?`, never formatted in), and results are cached per registry build (the db signature is part of the
cache key, so a rebuild is seen at once). Filters that may be empty are passed as lists and tested with
`len(?) = 0 OR list_contains(?, column)`, so one statement serves every combination of facets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import db

# The per-award agency label pages show (subtier abbreviation, e.g. ICE, CBP).
AGENCY_LABEL = "coalesce(a.agency_subtier_abbreviation, a.awarding_subagency, a.awarding_agency)"
# Rows the search table shows per page (totals and exports always cover every match).
SEARCH_PAGE_SIZE = 100

# WHICH CAPABILITY TAGS COUNT IN TOTALS, in one place: every total, chart and facet on every page reads the tags
# through this fragment (one row per award and capability). The capability model decides what a counted tag is;
# when it marks tags as 'tagged'/'possible' and 'purpose'/'component', this one line changes, e.g. to
# `... FROM award_capabilities WHERE tier = 'tagged' AND role = 'purpose'`.
COUNTED_TAGS = "SELECT award_key, capability_id FROM counted_capabilities"  # tagged purpose tags only (docs/model.md)
# Awards with at least one counted tag: the "surveillance-tagged" awards every page totals.
COUNTED_AWARDS = "SELECT DISTINCT award_key FROM (" + COUNTED_TAGS + ")"  # noqa: S608 (fixed fragments)


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached(sig: db.Signature, sql: str, params: tuple) -> pd.DataFrame:
    cur = db.connection(sig)
    try:
        return cur.execute(sql, list(params)).df()
    finally:
        cur.close()


# Statements recorded by `statements()` (per thread: each Streamlit session runs its script in its own thread).
_recording = threading.local()


def _df(sql: str, params: Sequence = ()) -> pd.DataFrame:
    """Run one parameterized statement against the current registry build (cached per build)."""
    sig = db.signature()
    if sig is None:
        raise FileNotFoundError(f"{db.registry_path()} does not exist")
    frozen = tuple(tuple(p) if isinstance(p, list) else p for p in params)
    recorder = getattr(_recording, "statements", None)
    if recorder is not None:
        recorder.append((sql, frozen))
    return _cached(sig, sql, frozen).copy()


def statements(query: Callable, *args, **kwargs) -> list[tuple[str, tuple]]:
    """The statements and parameters `query(*args, **kwargs)` runs, in order, recorded as it runs them.

    Why run it rather than keep each statement in a constant: a "how this was computed" popover must show exactly
    what produced the figure on screen (the search statement, for one, depends on the index and the facets), and
    the figure's own call has just put the result in the cache, so running it again costs a cache hit.
    """
    _recording.statements = []
    try:
        query(*args, **kwargs)
        return [s for s in _recording.statements if "information_schema" not in s[0]]
    finally:
        _recording.statements = None


def _list(values: Sequence[str] | None) -> list[str]:
    return [str(v) for v in (values or [])]


def like_pattern(text: str) -> str:
    r"""`%text%` for ILIKE with the LIKE wildcards in the user's text escaped (ESCAPE '\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---------------------------------------------------------------------------------------------- meta

def table_names() -> pd.DataFrame:
    """Tables and views in the registry (to show optional sources only when a build has them)."""
    return _df("SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'")


def has_view(name: str) -> bool:
    """True when the registry has this table or view (other sources add views over time)."""
    return name in set(table_names()["table_name"])


def registry_meta() -> pd.DataFrame:
    """Build facts: is_sample, built_at, sample_description."""
    return _df("SELECT key, value FROM registry_meta")


def view_columns(name: str) -> pd.DataFrame:
    """Columns of a view (optional views differ by source; pages pick the ones present)."""
    return _df("SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
               [name])


# ------------------------------------------------------------------------------------------ overview

# The headline statement, kept as a constant so the page can show it ("how this was computed").
TOTALS_SQL = """
        SELECT (SELECT count(*) FROM awards) AS awards,
               (SELECT count(*) FROM transactions) AS transactions,
               (SELECT count(DISTINCT family_vendor_id) FROM awards) AS vendors,
               (SELECT sum(federal_action_obligation) FROM transactions) AS obligated,
               (SELECT count(*) FROM awards WHERE award_key IN (""" + COUNTED_AWARDS + """)) AS surveillance_awards,
               (SELECT sum(obligated_amount) FROM awards
                WHERE award_key IN (""" + COUNTED_AWARDS + """)) AS surveillance_obligated,
               (SELECT sum(obligated_amount) FROM awards) AS awards_obligated,
               (SELECT min(action_date) FROM transactions) AS first_action,
               (SELECT max(action_date) FROM transactions) AS last_action
"""  # noqa: S608 (fixed SQL fragments only)


def totals() -> pd.DataFrame:
    """Headline counts and sums over the whole registry."""
    return _df(TOTALS_SQL)


def freshness() -> pd.DataFrame:
    """Last crawl per source, with its counts (fetched = loaded + rejected)."""
    return _df("""
        SELECT source, max(finished_at) AS last_finished, arg_max(status, started_at) AS last_status,
               count(*) AS runs, sum(items_fetched) AS items_fetched, sum(items_loaded) AS items_loaded,
               sum(items_rejected) AS items_rejected
        FROM crawl_runs GROUP BY source ORDER BY source
    """)


def top_vendors(limit: int = 10, surveillance_only: bool = True) -> pd.DataFrame:
    """Vendor families by obligations: each award once (surveillance-tagged awards only, or all)."""
    return _df("""
        WITH tagged AS (""" + COUNTED_AWARDS + """)
        SELECT a.family_vendor_id AS vendor_id, any_value(a.family_vendor_name) AS vendor_name,
               coalesce(any_value(s.on_watchlist), false) AS on_watchlist,
               sum(a.obligated_amount) AS obligated, count(*) AS awards,
               'https://www.usaspending.gov/search' AS source_url
        FROM awards a LEFT JOIN vendor_summary s ON s.vendor_id = a.family_vendor_id
        WHERE NOT ? OR a.award_key IN (SELECT award_key FROM tagged)
        GROUP BY a.family_vendor_id HAVING sum(a.obligated_amount) > 0
        ORDER BY obligated DESC LIMIT ?
    """, [surveillance_only, limit])  # noqa: S608


def top_agencies(surveillance_only: bool = True) -> pd.DataFrame:
    """Obligations per subtier and, inside it, per component (each award once; unattributed awards in
    their own "component not identified" row), with how the components were attributed."""
    return _df("""
        WITH tagged AS (""" + COUNTED_AWARDS + """)
        SELECT """ + AGENCY_LABEL + """ AS subtier, any_value(a.awarding_subagency) AS subtier_name,
               any_value(a.awarding_agency) AS department,
               any_value(a.agency_subtier_code) AS subtier_code,
               coalesce(a.agency_component, 'component not identified') AS component,
               sum(a.obligated_amount) AS obligated, count(*) AS awards,
               count(DISTINCT a.family_vendor_id) AS vendors,
               string_agg(DISTINCT a.component_basis, ', ' ORDER BY a.component_basis) AS attributed_by
        FROM awards a
        WHERE NOT ? OR a.award_key IN (SELECT award_key FROM tagged)
        GROUP BY ALL ORDER BY subtier, obligated DESC NULLS LAST
    """, [surveillance_only])  # noqa: S608


# What each component_basis value means, in the order the build tries them (registry/model/agencies.py).
COMPONENT_RULES = {
    "subtier": "the whole subtier is the component",
    "funding_office": "the funding office name (the record's, else FPDS's)",
    "office": "the awarding office name",
    "description": "the award's description naming the component",
    "program": "the description naming a program only that component runs",
    "piid_office": "the office code that opens the PIID",
}


def component_rules(surveillance_only: bool = True) -> pd.DataFrame:
    """Awards and obligations whose component each rule decided (`awards.component_basis`), each award once, in
    the order the build tries the rules; awards no rule decided are not listed."""
    return _df("""
        WITH tagged AS (""" + COUNTED_AWARDS + """)
        SELECT a.component_basis AS rule, count(*) AS awards, sum(a.obligated_amount) AS obligated
        FROM awards a
        WHERE a.agency_component IS NOT NULL AND (NOT ? OR a.award_key IN (SELECT award_key FROM tagged))
        GROUP BY 1
        ORDER BY list_position(?::VARCHAR[], a.component_basis)
    """, [surveillance_only, list(COMPONENT_RULES)])  # noqa: S608


def top_offices(surveillance_only: bool = True) -> pd.DataFrame:
    """Obligations per contracting office inside each subtier (each award once; awards whose office neither the
    record nor the PIID's office code names in an "office not identified" row), with where the name came from.
    Why beside components: the office that signed is known for far more awards than the component it bought for."""
    return _df("""
        WITH tagged AS (""" + COUNTED_AWARDS + """)
        SELECT """ + AGENCY_LABEL + """ AS subtier, any_value(a.awarding_agency) AS department,
               coalesce(a.agency_office, 'office not identified') AS office,
               any_value(a.agency_office_code) AS office_code,
               sum(a.obligated_amount) AS obligated, count(*) AS awards,
               count(DISTINCT a.family_vendor_id) AS vendors,
               string_agg(DISTINCT a.agency_office_basis, ', ' ORDER BY a.agency_office_basis) AS named_by
        FROM awards a
        WHERE NOT ? OR a.award_key IN (SELECT award_key FROM tagged)
        GROUP BY ALL ORDER BY subtier, obligated DESC NULLS LAST
    """, [surveillance_only])  # noqa: S608


def capability_mix() -> pd.DataFrame:
    """Obligations and counts per capability in taxonomy order. An award with two counted tags is in both
    bars (the bars add up to more than the de-duplicated total; `capability_overlap` says by how much)."""
    return _df("""
        WITH tags AS (""" + COUNTED_TAGS + """)
        SELECT k.capability_id, k.name, k.sort_order, count(*) AS award_count,
               count(DISTINCT a.family_vendor_id) AS vendor_count, sum(a.obligated_amount) AS obligated_amount,
               count(*) FILTER (WHERE a.sole_source) AS sole_source_awards
        FROM tags JOIN awards a USING (award_key) JOIN capabilities k USING (capability_id)
        GROUP BY ALL ORDER BY k.sort_order
    """)  # noqa: S608


def capability_overlap() -> pd.DataFrame:
    """Awards with more than one counted tag and their obligations (so a chart can say what it double counts)."""
    return _df("""
        WITH tags AS (""" + COUNTED_TAGS + """),
             multi AS (SELECT award_key FROM tags GROUP BY award_key HAVING count(*) > 1)
        SELECT count(*) AS awards, coalesce(sum(a.obligated_amount), 0) AS obligated
        FROM awards a WHERE a.award_key IN (SELECT award_key FROM multi)
    """)  # noqa: S608


def capabilities() -> pd.DataFrame:
    """The taxonomy: id, name, definition, references."""
    return _df("SELECT capability_id, name, definition, \"references\", rule_count, sort_order "
               "FROM capabilities ORDER BY sort_order")


def obligations_by_month() -> pd.DataFrame:
    """All and surveillance-tagged obligations per month (by action date)."""
    return _df("""
        SELECT date_trunc('month', t.action_date) AS month, sum(t.federal_action_obligation) AS obligated,
               coalesce(sum(t.federal_action_obligation)
                        FILTER (WHERE t.award_key IN (""" + COUNTED_AWARDS + """)), 0) AS surveillance_obligated
        FROM transactions t WHERE t.action_date IS NOT NULL GROUP BY ALL ORDER BY month
    """)  # noqa: S608


def date_coverage() -> pd.DataFrame:
    """Which dates the registry covers: first and last action date, first and last time a record was fetched."""
    return _df("""
        SELECT min(action_date) AS first_action, max(action_date) AS last_action,
               min(fetched_at) AS first_fetched, max(fetched_at) AS last_fetched
        FROM transactions
    """)


def recent_actions(date_from, date_to, limit: int = 200) -> pd.DataFrame:
    """Actions (base awards and modifications) dated in [date_from, date_to], newest first, with their awards."""
    return _df("""
        SELECT t.action_date, a.piid, a.family_vendor_name AS vendor, """ + AGENCY_LABEL + """ AS agency,
               t.modification_number, t.federal_action_obligation AS obligation, t.description, a.award_key,
               t.source_url
        FROM transactions t JOIN awards a USING (award_key)
        WHERE t.action_date BETWEEN ? AND ?
        ORDER BY t.action_date DESC, abs(t.federal_action_obligation) DESC NULLS LAST, t.transaction_key LIMIT ?
    """, [date_from, date_to, limit])  # noqa: S608


def recent_actions_total(date_from, date_to) -> pd.DataFrame:
    """How many actions are dated in the range and what they obligate (every one, not only those listed)."""
    return _df("""
        SELECT count(*) AS actions, count(DISTINCT award_key) AS awards,
               coalesce(sum(federal_action_obligation), 0) AS obligated
        FROM transactions WHERE action_date BETWEEN ? AND ?
    """, [date_from, date_to])


_FIRST_SEEN = """
    WITH seen AS (SELECT award_key, min(fetched_at) AS first_seen FROM transactions GROUP BY award_key)
"""


def first_seen_awards(date_from, date_to, limit: int = 200) -> pd.DataFrame:
    """Awards the registry first fetched in [date_from, date_to] (new to the registry), newest first."""
    return _df(_FIRST_SEEN + """
        SELECT s.first_seen::DATE AS first_seen, a.piid, a.family_vendor_name AS vendor,
               """ + AGENCY_LABEL + """ AS agency, a.first_action_date, a.obligated_amount, a.description,
               a.award_key, a.source_url
        FROM seen s JOIN awards a USING (award_key)
        WHERE s.first_seen::DATE BETWEEN ? AND ?
        ORDER BY s.first_seen DESC, a.obligated_amount DESC NULLS LAST, a.award_key LIMIT ?
    """, [date_from, date_to, limit])  # noqa: S608


def first_seen_total(date_from, date_to) -> pd.DataFrame:
    """How many awards were first fetched in the range and their obligations."""
    return _df(_FIRST_SEEN + """
        SELECT count(*) AS awards, coalesce(sum(a.obligated_amount), 0) AS obligated
        FROM seen s JOIN awards a USING (award_key) WHERE s.first_seen::DATE BETWEEN ? AND ?
    """, [date_from, date_to])  # noqa: S608


# ----------------------------------------------------------------------------------------------- map

def filter_options() -> pd.DataFrame:
    """Choices for the map and search facets: agencies, competition statuses, year range."""
    return _df("""
        SELECT list(DISTINCT """ + AGENCY_LABEL + """ ORDER BY """ + AGENCY_LABEL + """)
                   FILTER (WHERE """ + AGENCY_LABEL + """ IS NOT NULL) AS agencies,
               list(DISTINCT competition_status ORDER BY competition_status)
                   FILTER (WHERE competition_status IS NOT NULL) AS competition,
               (SELECT min(year(action_date)) FROM transactions) AS min_year,
               (SELECT max(year(action_date)) FROM transactions) AS max_year
        FROM awards a
    """)  # noqa: S608


# award_years has one row per award and calendar year; the award's first row inside years A..B is the one
# whose previous_year is blank or before A, so counting those rows counts distinct awards exactly.
_FIRST_IN_RANGE = "(y.previous_year IS NULL OR y.previous_year < ?)"


_FLOW_ROWS = """
    WITH tags AS (""" + COUNTED_TAGS + """),
         y AS (SELECT y.award_key, y.year, y.agency_label, y.vendor_id, y.vendor_name, y.obligated, y.sole_source,
                      """ + _FIRST_IN_RANGE + """ AS first_in_range, t.capability_id
               FROM award_years y JOIN tags t USING (award_key)
               WHERE y.year BETWEEN ? AND ?
                 AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], y.agency_label))
                 AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], y.competition_status))
                 AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.capability_id)))
"""  # noqa: S608 (fixed SQL fragments only)


def _flow_params(year_from: int, year_to: int, agencies, capability_ids, competition) -> list:
    ag, cap, comp = _list(agencies), _list(capability_ids), _list(competition)
    return [year_from, year_from, year_to, ag, ag, comp, comp, cap, cap]


def flows(year_from: int, year_to: int, agencies: Sequence[str] | None = None,
          capability_ids: Sequence[str] | None = None, competition: Sequence[str] | None = None) -> pd.DataFrame:
    """Agency -> capability -> vendor obligations in the chosen years (surveillance-tagged awards only).

    An award tagged with two capabilities is drawn under both, as the tags say it buys both; the page's total
    comes from flows_total(), which counts each award once.
    """
    return _df(_FLOW_ROWS + """
        SELECT y.agency_label AS agency, y.capability_id, k.name AS capability, k.sort_order,
               y.vendor_id, any_value(y.vendor_name) AS vendor_name,
               count(*) FILTER (WHERE y.first_in_range) AS awards, sum(y.obligated) AS obligated,
               count(*) FILTER (WHERE y.first_in_range AND y.sole_source) AS sole_source_awards
        FROM y JOIN capabilities k ON k.capability_id = y.capability_id
        GROUP BY ALL ORDER BY obligated DESC
    """, _flow_params(year_from, year_to, agencies, capability_ids, competition))  # noqa: S608


def flows_total(year_from: int, year_to: int, agencies: Sequence[str] | None = None,
                capability_ids: Sequence[str] | None = None,
                competition: Sequence[str] | None = None) -> pd.DataFrame:
    """The same filters as flows(), each award-year once: distinct awards, vendors and obligations."""
    return _df(_FLOW_ROWS + """
        SELECT count(DISTINCT award_key) AS awards, count(DISTINCT vendor_id) AS vendors,
               coalesce(sum(obligated), 0) AS obligated
        FROM (SELECT DISTINCT award_key, year, vendor_id, obligated FROM y)
    """, _flow_params(year_from, year_to, agencies, capability_ids, competition))  # noqa: S608


def undated_tagged() -> pd.DataFrame:
    """What the Map (money placed by action date) cannot draw of the surveillance-tagged total: awards with no dated
    action in the registry (an award-summary download gives only the award's total), and, for awards it draws,
    reported award totals beyond the actions the registry holds (`gap`)."""
    return _df("""
        WITH tagged AS (SELECT a.award_key, a.obligated_amount FROM awards a
                        WHERE a.award_key IN (""" + COUNTED_AWARDS + """)),
             dated AS (SELECT award_key, sum(obligated) AS in_actions FROM award_years GROUP BY award_key)
        SELECT count(*) FILTER (WHERE d.award_key IS NULL) AS awards,
               coalesce(sum(t.obligated_amount) FILTER (WHERE d.award_key IS NULL), 0) AS obligated,
               coalesce(sum(t.obligated_amount - d.in_actions) FILTER (WHERE d.award_key IS NOT NULL), 0) AS gap
        FROM tagged t LEFT JOIN dated d USING (award_key)
    """)  # noqa: S608


def obligations_by_state(year_from: int, year_to: int, agencies: Sequence[str] | None = None) -> pd.DataFrame:
    """Obligations by place-of-performance state (two-letter code) in the chosen years."""
    ag = _list(agencies)
    return _df("""
        SELECT upper(y.pop_state) AS state, count(*) FILTER (WHERE """ + _FIRST_IN_RANGE + """) AS awards,
               sum(y.obligated) AS obligated
        FROM award_years y
        WHERE y.pop_state IS NOT NULL AND y.year BETWEEN ? AND ?
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], y.agency_label))
        GROUP BY ALL ORDER BY obligated DESC
    """, [year_from, year_from, year_to, ag, ag])  # noqa: S608


def state_coverage() -> pd.DataFrame:
    """How many awards report a place-of-performance state at all."""
    return _df("SELECT count(*) AS awards, count(pop_state) AS with_state FROM awards")


# -------------------------------------------------------------------------------------------- vendor

def vendor_choices() -> pd.DataFrame:
    """Vendor families with obligations, largest first (watchlist vendors flagged)."""
    return _df("""
        SELECT vendor_id, vendor_name, on_watchlist, award_count, obligated_amount
        FROM vendor_summary ORDER BY on_watchlist DESC, obligated_amount DESC NULLS LAST, vendor_name
    """)


def vendor(vendor_id: str) -> pd.DataFrame:
    """One vendor family's summary row plus its curated facts (website, watchlist citation)."""
    return _df("""
        SELECT s.*, v.parent_vendor_id, v.basis, v.citation
        FROM vendor_summary s LEFT JOIN vendors v USING (vendor_id) WHERE s.vendor_id = ?
    """, [vendor_id])


VENDOR_TOTALS_SQL = """
    SELECT count(*) AS all_awards, coalesce(sum(a.obligated_amount), 0) AS all_obligated,
           count(*) FILTER (WHERE a.award_key IN (""" + COUNTED_AWARDS + """)) AS awards,
           coalesce(sum(a.obligated_amount) FILTER (WHERE a.award_key IN (""" + COUNTED_AWARDS + """)), 0)
               AS obligated
    FROM awards a WHERE a.family_vendor_id = ? OR a.vendor_id = ?
"""  # noqa: S608 (fixed SQL fragments only)


def vendor_tagged_total(vendor_id: str) -> pd.DataFrame:
    """A vendor family's awards and obligations, all (all_*) and surveillance-tagged, each award once."""
    return _df(VENDOR_TOTALS_SQL, [vendor_id, vendor_id])


def vendor_family(vendor_id: str) -> pd.DataFrame:
    """Parent and children of a vendor, with how each was linked."""
    return _df("""
        SELECT vendor_id, vendor_name, parent_vendor_id, family_vendor_id, parent_method, parent_evidence,
               award_count, website
        FROM vendors WHERE family_vendor_id = (SELECT family_vendor_id FROM vendors WHERE vendor_id = ?)
        ORDER BY parent_vendor_id NULLS FIRST, vendor_name
    """, [vendor_id])


def vendor_matches(vendor_id: str) -> pd.DataFrame:
    """Recipient names in the records matched to this vendor family, with method, score and evidence."""
    return _df("""
        SELECT recipient_name, recipient_uei, vendor_id, method, score, evidence
        FROM vendor_matches WHERE family_vendor_id = ? OR vendor_id = ? ORDER BY recipient_name
    """, [vendor_id, vendor_id])


def vendor_awards(vendor_id: str) -> pd.DataFrame:
    """A vendor family's awards, largest first."""
    return _df("""
        SELECT a.piid, a.award_key, """ + AGENCY_LABEL + """ AS agency, a.agency_component, a.description,
               a.capability_names, a.obligated_amount, a.base_and_all_options, a.first_action_date,
               a.last_action_date, a.competition_status, a.usaspending_url, a.source_url
        FROM awards a WHERE a.family_vendor_id = ? OR a.vendor_id = ?
        ORDER BY a.obligated_amount DESC NULLS LAST
    """, [vendor_id, vendor_id])  # noqa: S608


def vendor_agencies(vendor_id: str) -> pd.DataFrame:
    """Which agencies buy from the vendor family, and how much."""
    return _df("""
        SELECT """ + AGENCY_LABEL + """ AS agency, coalesce(a.agency_component, '(component not identified)')
               AS component, count(*) AS awards, sum(a.obligated_amount) AS obligated,
               'https://www.usaspending.gov/search' AS source_url
        FROM awards a WHERE a.family_vendor_id = ? OR a.vendor_id = ?
        GROUP BY ALL ORDER BY obligated DESC NULLS LAST
    """, [vendor_id, vendor_id])  # noqa: S608


def vendor_capabilities(vendor_id: str) -> pd.DataFrame:
    """Capability tags on the vendor's awards with the evidence behind each (rule text or vendor default)."""
    return _df("""
        SELECT capability_name, method, piid, matched_text, field, modification_number, confidence, award_key,
               source_url
        FROM award_capabilities c
        WHERE c.award_key IN (SELECT award_key FROM awards WHERE family_vendor_id = ? OR vendor_id = ?)
        ORDER BY capability_name, confidence DESC, piid
    """, [vendor_id, vendor_id])


def vendor_monthly(vendor_id: str) -> pd.DataFrame:
    """Obligations per month for a vendor family."""
    return _df("""
        SELECT date_trunc('month', t.action_date) AS month, sum(t.federal_action_obligation) AS obligated
        FROM transactions t
        WHERE t.family_vendor_id = ? OR t.vendor_id = ? GROUP BY ALL ORDER BY month
    """, [vendor_id, vendor_id])


def largest_modifications(vendor_id: str, limit: int = 10) -> pd.DataFrame:
    """The vendor's largest single actions (modifications and base awards).

    From `transactions` (which carries the award's vendor ids and the lifecycle columns), not award_lifecycle
    joined to awards: the same rows without a join of every action at read time.
    """
    return _df("""
        SELECT t.piid, t.modification_number, t.action_date, t.federal_action_obligation AS obligation,
               t.running_obligated, t.event_basis, t.description, t.award_key, t.source_url
        FROM transactions t
        WHERE t.family_vendor_id = ? OR t.vendor_id = ?
        ORDER BY t.federal_action_obligation DESC NULLS LAST LIMIT ?
    """, [vendor_id, vendor_id, limit])


def vendor_lobbying(vendor_id: str) -> pd.DataFrame:
    """Lobbying spend per quarter reported for the vendor (LDA), when that source is loaded."""
    return _df("""
        SELECT filing_year, quarter, client_name, amount, filings, min_match_confidence
        FROM lobbying_quarters WHERE vendor_id = ? ORDER BY filing_year, quarter
    """, [vendor_id])


def links_to(ident: str, kind: str = "award") -> pd.DataFrame:
    """Records of other sources that link to this award or vendor (`links` view), with method and evidence."""
    if not has_view("links"):
        return pd.DataFrame()
    return _df("""
        SELECT from_kind AS record_kind, from_id AS record_id, method, evidence, confidence, link_source
        FROM links WHERE to_kind = ? AND to_id = ? ORDER BY confidence DESC, record_kind, record_id
    """, [kind, ident])


def award_linked_timeline(award_key: str) -> pd.DataFrame:
    """Dated records linked to an award other than its own actions (notices, AI entries, privacy documents)."""
    if not has_view("timeline"):
        return pd.DataFrame()
    return _df("""
        SELECT event_date, record_kind, title, amount, how_linked, record_id, source_url FROM timeline
        WHERE subject_kind = 'award' AND subject_id = ?
          AND record_kind NOT IN ('award', 'base_award_action', 'modification', 'transaction')
        ORDER BY event_date
    """, [award_key])


def award_systems(award_key: str) -> pd.DataFrame:
    """Named systems (e.g. ImmigrationOS) linked to an award."""
    if not (has_view("systems") and has_view("links")):
        return pd.DataFrame()
    return _df("""
        SELECT s.system_id, s.name, s.summary, s.funded_as, l.method, l.evidence, s.source_url
        FROM links l JOIN systems s ON s.system_id = l.from_id
        WHERE l.from_kind = 'system' AND l.to_kind = 'award' AND l.to_id = ?
    """, [award_key])


def vendor_systems(vendor_id: str) -> pd.DataFrame:
    """Named systems the vendor builds or runs (curated with citations)."""
    if not has_view("systems"):
        return pd.DataFrame()
    return _df("""
        SELECT system_id, name, summary, award_count, modification_count, modification_obligations, funded_as,
               source_url
        FROM systems WHERE vendor_id = ? ORDER BY name
    """, [vendor_id])


def vendor_ai_use_cases(vendor_id: str, name: str) -> pd.DataFrame:
    """AI use-case inventory entries linked to the vendor, or naming it in their vendor column."""
    if not has_view("ai_use_cases"):
        return pd.DataFrame()
    linked = "FALSE"
    if has_view("links"):
        linked = ("use_case_key IN (SELECT from_id FROM links WHERE from_kind = 'ai_use_case' "
                  "AND to_kind = 'vendor' AND to_id = ?)")
    params = ([vendor_id] if has_view("links") else []) + [like_pattern(name)]
    return _df(f"""
        SELECT inventory_year, agency, bureau, use_case_name, vendor_name, system_name, stage, impact,
               use_case_key, source_url
        FROM ai_use_cases WHERE {linked} OR vendor_name ILIKE ? ESCAPE '\\'
        ORDER BY inventory_year DESC, agency, use_case_name
    """, params)  # noqa: S608


# ------------------------------------------------------------------------------------------- compare

def compare_summary(vendor_ids: Sequence[str], agencies: Sequence[str] | None = None) -> pd.DataFrame:
    """Side-by-side figures per vendor family (optionally at the chosen agencies only)."""
    ids, ag = _list(vendor_ids), _list(agencies)
    return _df("""
        SELECT a.family_vendor_id AS vendor_id, any_value(a.family_vendor_name) AS vendor_name,
               count(*) AS awards, sum(a.obligated_amount) AS obligated,
               avg(a.obligated_amount) AS average_award, max(a.obligated_amount) AS largest_award,
               count(*) FILTER (WHERE a.sole_source) AS sole_source_awards,
               count(*) FILTER (WHERE NOT a.sole_source) AS competed_awards,
               count(*) FILTER (WHERE a.sole_source IS NULL) AS competition_not_reported,
               string_agg(DISTINCT """ + AGENCY_LABEL + """, ', ') AS agencies,
               min(a.first_action_date) AS first_action, max(a.last_action_date) AS last_action
        FROM awards a
        WHERE list_contains(?::VARCHAR[], a.family_vendor_id)
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], """ + AGENCY_LABEL + """))
        GROUP BY a.family_vendor_id ORDER BY obligated DESC NULLS LAST
    """, [ids, ag, ag])  # noqa: S608


def compare_by_year(vendor_ids: Sequence[str], agencies: Sequence[str] | None = None) -> pd.DataFrame:
    """Obligations per fiscal year per vendor family (FY starts 1 October)."""
    ids, ag = _list(vendor_ids), _list(agencies)
    return _df("""
        SELECT m.vendor_name, year(m.month + INTERVAL 3 MONTH) AS fiscal_year, sum(m.obligated) AS obligated
        FROM monthly_obligations m
        WHERE list_contains(?::VARCHAR[], m.vendor_id)
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], m.agency_label))
        GROUP BY ALL ORDER BY fiscal_year, vendor_name
    """, [ids, ag, ag])


def compare_capabilities(vendor_ids: Sequence[str], agencies: Sequence[str] | None = None) -> pd.DataFrame:
    """Capabilities per vendor family: tagged awards and their obligations."""
    ids, ag = _list(vendor_ids), _list(agencies)
    return _df("""
        WITH tags AS (""" + COUNTED_TAGS + """)
        SELECT a.family_vendor_name AS vendor_name, k.name AS capability, count(*) AS awards,
               sum(a.obligated_amount) AS obligated
        FROM awards a JOIN tags USING (award_key) JOIN capabilities k USING (capability_id)
        WHERE list_contains(?::VARCHAR[], a.family_vendor_id)
          AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], """ + AGENCY_LABEL + """))
        GROUP BY ALL ORDER BY vendor_name, obligated DESC
    """, [ids, ag, ag])  # noqa: S608


def compare_largest(vendor_ids: Sequence[str], agencies: Sequence[str] | None = None,
                    per_vendor: int = 5) -> pd.DataFrame:
    """Each vendor family's largest awards."""
    ids, ag = _list(vendor_ids), _list(agencies)
    return _df("""
        SELECT vendor_name, piid, agency, obligated_amount, description, award_key, source_url FROM (
            SELECT a.family_vendor_name AS vendor_name, a.piid, """ + AGENCY_LABEL + """ AS agency,
                   a.obligated_amount, a.description, a.award_key, a.source_url,
                   row_number() OVER (PARTITION BY a.family_vendor_id
                                      ORDER BY a.obligated_amount DESC NULLS LAST) AS rank
            FROM awards a
            WHERE list_contains(?::VARCHAR[], a.family_vendor_id)
              AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], """ + AGENCY_LABEL + """)))
        WHERE rank <= ? ORDER BY vendor_name, obligated_amount DESC
    """, [ids, ag, ag, per_vendor])  # noqa: S608


# -------------------------------------------------------------------------------------------- agency

def agency_choices() -> pd.DataFrame:
    """Subtiers and components with their display names."""
    return _df("""
        SELECT agency_id, level, coalesce(component_name, subtier_name) AS name, subtier_abbreviation,
               subtier_code, component_name, award_count, obligated_amount
        FROM agency_summary ORDER BY level DESC, obligated_amount DESC
    """)


_AGENCY_MATCH = """(('sub:' || a.agency_subtier_code) = ?
                    OR a.agency_component = (SELECT component_name FROM agency_summary WHERE agency_id = ?))"""


def agency_offices(agency_id: str) -> pd.DataFrame:
    """Subtiers, components (with the rule that attributed them, `awards.component_basis`) and contracting offices
    of an agency, by obligations."""
    return _df("""
        SELECT a.awarding_subagency AS subtier, coalesce(a.agency_component, '(component not identified)')
               AS component, a.component_basis AS attributed_by, a.awarding_office AS office, count(*) AS awards,
               sum(a.obligated_amount) AS obligated
        FROM awards a WHERE """ + _AGENCY_MATCH + """
        GROUP BY ALL ORDER BY obligated DESC NULLS LAST
    """, [agency_id, agency_id])  # noqa: S608


def agency_vendors(agency_id: str, limit: int = 25) -> pd.DataFrame:
    """An agency's vendor families by obligations."""
    return _df("""
        SELECT a.family_vendor_id AS vendor_id, any_value(a.family_vendor_name) AS vendor_name,
               bool_or(a.vendor_on_watchlist) AS on_watchlist, count(*) AS awards,
               sum(a.obligated_amount) AS obligated,
               count(*) FILTER (WHERE a.sole_source) AS sole_source_awards,
               count(*) FILTER (WHERE a.sole_source IS NOT NULL) AS competition_reported
        FROM awards a WHERE """ + _AGENCY_MATCH + """
        GROUP BY a.family_vendor_id ORDER BY obligated DESC NULLS LAST LIMIT ?
    """, [agency_id, agency_id, limit])  # noqa: S608


def agency_capabilities(agency_id: str) -> pd.DataFrame:
    """Capabilities an agency buys: tagged awards and obligations."""
    return _df("""
        WITH tags AS (""" + COUNTED_TAGS + """)
        SELECT k.capability_id, k.name AS capability, count(*) AS awards, sum(a.obligated_amount) AS obligated
        FROM awards a JOIN tags USING (award_key) JOIN capabilities k USING (capability_id)
        WHERE """ + _AGENCY_MATCH + """
        GROUP BY ALL ORDER BY obligated DESC NULLS LAST
    """, [agency_id, agency_id])  # noqa: S608


def agency_monthly(agency_id: str) -> pd.DataFrame:
    """An agency's obligations per month, all and surveillance-tagged."""
    return _df("""
        SELECT m.month, sum(m.obligated) AS obligated, sum(m.surveillance_obligated) AS surveillance_obligated
        FROM monthly_obligations m
        WHERE m.agency_id = ?
           OR m.agency_component = (SELECT component_name FROM agency_summary WHERE agency_id = ?)
        GROUP BY ALL ORDER BY month
    """, [agency_id, agency_id])


def agency_competition(agency_id: str) -> pd.DataFrame:
    """Awards and obligations by competition status at an agency."""
    return _df("""
        SELECT coalesce(a.competition_status, 'not reported') AS competition_status, count(*) AS awards,
               sum(a.obligated_amount) AS obligated
        FROM awards a WHERE """ + _AGENCY_MATCH + """ GROUP BY ALL ORDER BY awards DESC
    """, [agency_id, agency_id])  # noqa: S608


# --------------------------------------------------------------------------------------------- award

def find_awards(ident: str) -> pd.DataFrame:
    """Awards whose award_key or PIID is exactly `ident` (a PIID can recur under different IDVs)."""
    return _df("""
        SELECT award_key, piid, vendor_name, obligated_amount FROM awards
        WHERE award_key = ? OR upper(piid) = upper(?) ORDER BY obligated_amount DESC NULLS LAST
    """, [ident, ident])


def award(award_key: str) -> pd.DataFrame:
    """One award with every public column."""
    return _df("SELECT * FROM awards WHERE award_key = ?", [award_key])


def award_modifications(award_key: str) -> pd.DataFrame:
    """The award's actions in order: amount, running total, ceiling, what happened, source."""
    return _df("""
        SELECT seq, modification_number, action_date, action_type_description, obligation, running_obligated,
               ceiling_after, is_jump, is_option_exercise, is_extension, is_deobligation, event_basis,
               description, source_url
        FROM award_lifecycle WHERE award_key = ? ORDER BY seq
    """, [award_key])


def award_competition_by_modification(award_key: str) -> pd.DataFrame:
    """Competition fields reported on each modification (they can differ from the base award)."""
    return _df("""
        SELECT modification_number, action_date, extent_competed_plain, other_than_full_and_open_plain,
               fair_opportunity_limited_sources_plain, competition_status, sole_source_basis, source_url
        FROM transactions WHERE award_key = ?
          AND (extent_competed_plain IS NOT NULL OR other_than_full_and_open_plain IS NOT NULL
               OR fair_opportunity_limited_sources_plain IS NOT NULL)
        ORDER BY action_date, modification_number
    """, [award_key])


def award_capability_evidence(award_key: str) -> pd.DataFrame:
    """Capability tags on an award and the text or rule behind each."""
    return _df("""
        SELECT capability_name, method, rule_id, field, modification_number, matched_text, confidence, source_url
        FROM award_capabilities WHERE award_key = ? ORDER BY confidence DESC
    """, [award_key])


def sam_notices_for(piid: str) -> pd.DataFrame:
    """SAM.gov notices (e.g. justifications for other than full and open competition) naming a PIID."""
    return _df("""
        SELECT posted_date, notice_type, title, authority_cited, solicitation_number, sam_url, source_url
        FROM sam_notices WHERE upper(award_piid) = upper(?) OR list_contains(piids_in_text, upper(?))
        ORDER BY posted_date
    """, [piid, piid])


# -------------------------------------------------------------------------------------------- search

_SEARCH_FILTER = """
    (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], """ + AGENCY_LABEL + """))
    AND (len(?::VARCHAR[]) = 0 OR a.award_key IN (SELECT award_key FROM (""" + COUNTED_TAGS + """) ct
                                                   WHERE list_contains(?::VARCHAR[], ct.capability_id)))
    AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], a.family_vendor_name))
    AND (len(?::INTEGER[]) = 0 OR list_contains(?::INTEGER[], year(a.first_action_date)))
    AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], a.competition_status))
"""  # noqa: S608 (fixed SQL fragments only)

# The award columns the facets filter and count on, and the sort key: `filtered` stays narrow for the count and
# the facets (a CTE read more than once is materialized); only search() reads the wide ones it shows.
_SEARCH_COLUMNS = """a.award_key, a.family_vendor_name, a.agency_subtier_abbreviation, a.awarding_subagency,
    a.awarding_agency, a.capability_ids, a.obligated_amount, a.first_action_date, a.competition_status"""
_SEARCH_PAGE_COLUMNS = _SEARCH_COLUMNS + """, a.piid, a.capability_names, a.description, a.usaspending_url,
    a.source_url"""

# With text: search_index has one row per award with the award's columns and its text (PIID, vendor, recipient,
# description, then modification descriptions) lower-cased at build time; a search is one substring test on one
# column (the user's text taken literally, wildcards included), and only matching awards are read further.
# A first match inside the award's own part is a match on the award, else the earliest matching modification.
_SEARCH_TEXT = """
    WITH filtered AS (
        SELECT {columns},
               CASE WHEN strpos(a.search_text, lower(?)) <= a.award_text_length THEN 'award'
                    ELSE 'modification ' || list_filter(a.modifications,
                                                        lambda m: contains(lower(m.description), lower(?)))[1]
                                            .modification_number END AS matched_in,
               CASE WHEN strpos(a.search_text, lower(?)) <= a.award_text_length THEN a.description
                    ELSE list_filter(a.modifications, lambda m: contains(lower(m.description), lower(?)))[1]
                         .description END AS matched_text
        FROM search_index a
        WHERE contains(a.search_text, lower(?)) AND """ + _SEARCH_FILTER + """
    )
"""  # noqa: S608 (fixed SQL fragments only)
# With the full-text index (registry/fulltext.py, built with the registry): tantivy ranks the awards (words,
# phrases, synonyms, one spelling slip), the hits are bound as two lists, and the facets filter them here.
# `matched_in` says where the user's literal text occurs, when it does (else the match was on words or names).
_SEARCH_RANKED = """
    WITH hits AS (SELECT unnest(?::VARCHAR[]) AS award_key, unnest(?::DOUBLE[]) AS relevance),
    filtered AS (
        SELECT {columns}, h.relevance,
               CASE WHEN strpos(a.search_text, lower(?)) BETWEEN 1 AND a.award_text_length THEN 'award'
                    WHEN contains(a.search_text, lower(?)) THEN 'modification ' || list_filter(a.modifications,
                        lambda m: contains(lower(m.description), lower(?)))[1].modification_number
                    ELSE 'words, names or ids' END AS matched_in,
               CASE WHEN strpos(a.search_text, lower(?)) BETWEEN 1 AND a.award_text_length THEN a.description
                    WHEN contains(a.search_text, lower(?)) THEN list_filter(a.modifications,
                        lambda m: contains(lower(m.description), lower(?)))[1].description
                    ELSE a.description END AS matched_text
        FROM search_index a JOIN hits h USING (award_key)
        WHERE """ + _SEARCH_FILTER + """
    )
"""  # noqa: S608 (fixed SQL fragments only)
_SEARCH_ALL = """
    WITH filtered AS (
        SELECT {columns}, NULL::DOUBLE AS relevance, 'award' AS matched_in, a.description AS matched_text
        FROM awards a
        WHERE """ + _SEARCH_FILTER + """
    )
"""  # noqa: S608 (fixed SQL fragments only)


@st.cache_resource(show_spinner=False, max_entries=4)
def _searcher(folder: str):
    """One opened index per folder for the whole server (tantivy readers are safe to share)."""
    from registry.fulltext import Searcher

    return Searcher(Path(folder))


def fulltext_folder() -> Path | None:
    """The full-text index built with the registry now at the path (named in registry_meta), if there is one."""
    meta = dict(registry_meta().itertuples(index=False, name=None))
    name = meta.get("fulltext_index")
    if not name or db.registry_path().is_dir():
        return None
    folder = db.registry_path().parent / name
    return folder if folder.is_dir() else None


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _hits(sig: db.Signature, folder: str, text: str) -> tuple[list[str], list[float], bool]:
    found, fuzzy = _searcher(folder).search(text)
    return [k for k, _ in found], [s for _, s in found], fuzzy


def fulltext_hits(text: str) -> tuple[list[str], list[float], bool] | None:
    """Ranked award keys for `text` and whether spelling was relaxed; None without a full-text index."""
    folder = fulltext_folder()
    if folder is None:
        return None
    return _hits(db.signature(), str(folder), text)


def _search_cte(text: str, facets: dict, columns: str = _SEARCH_COLUMNS) -> tuple[str, list]:
    """The `filtered` CTE for this text (one of three fixed statements, with fixed columns) and its parameters:
    ranked full-text hits when the registry has its index, else a literal substring test, else no text."""
    ag, cap, ven = _list(facets.get("agency")), _list(facets.get("capability")), _list(facets.get("vendor"))
    years = [int(y) for y in facets.get("year") or []]
    comp = _list(facets.get("competition"))
    params = [ag, ag, cap, cap, ven, ven, years, years, comp, comp]
    if not text:
        return _SEARCH_ALL.replace("{columns}", columns), params
    hits = fulltext_hits(text)
    if hits is not None:
        keys, scores, _fuzzy = hits
        literal = text.replace('"', "").strip()  # where the typed words occur as written, for `matched_in`
        return _SEARCH_RANKED.replace("{columns}", columns), [keys, scores, *[literal] * 6, *params]
    literal = _SEARCH_TEXT.replace("{columns}", columns + ", NULL::DOUBLE AS relevance")
    return literal, [text] * 5 + params


def search(text: str, facets: dict | None = None, *, page: int = 1,
           page_size: int = SEARCH_PAGE_SIZE) -> pd.DataFrame:
    """One page of the awards matching `text` (PIID, vendor, award or modification descriptions) and the facets,
    largest first. Totals come from search_summary(), exports from search_export(): both cover every match."""
    cte, params = _search_cte(text, facets or {}, _SEARCH_PAGE_COLUMNS)
    return _df(cte + _SEARCH_SELECT + " LIMIT ? OFFSET ?",
               [*params, int(page_size), max(int(page) - 1, 0) * int(page_size)])  # noqa: S608


_SEARCH_SELECT = """
    SELECT piid, family_vendor_name AS vendor, """ + AGENCY_LABEL.replace("a.", "") + """ AS agency,
           capability_names AS capabilities, obligated_amount, first_action_date, competition_status,
           matched_in, matched_text, relevance, description, award_key, usaspending_url, source_url
    FROM filtered ORDER BY relevance DESC NULLS LAST, obligated_amount DESC NULLS LAST, award_key
"""  # noqa: S608 (fixed SQL fragments only)


def search_summary(text: str, facets: dict | None = None) -> pd.DataFrame:
    """How many awards match and their obligations: over EVERY match, never only the rows a page shows."""
    cte, params = _search_cte(text, facets or {})
    sql = cte + "SELECT count(*) AS n, coalesce(sum(obligated_amount), 0) AS obligated FROM filtered"  # noqa: S608
    return _df(sql, params)


def search_count(text: str, facets: dict | None = None) -> pd.DataFrame:
    """How many awards match (to say how many pages the table has)."""
    return search_summary(text, facets)[["n"]]


def search_export(text: str, facets: dict | None = None, batch_rows: int = 50_000):
    """Every matching award as Arrow record batches, read from DuckDB a batch at a time (not cached: an export
    may be far larger than a page). Yields pyarrow.RecordBatch; the caller writes them out as they come."""
    sig = db.signature()
    if sig is None:
        raise FileNotFoundError(f"{db.registry_path()} does not exist")
    cte, params = _search_cte(text, facets or {}, _SEARCH_PAGE_COLUMNS)
    cur = db.connection(sig)
    try:
        reader = cur.sql(cte + _SEARCH_SELECT, params=params).to_arrow_reader(batch_rows)  # noqa: S608
        yield from reader
    finally:
        cur.close()


def search_facets(text: str, facets: dict | None = None) -> pd.DataFrame:
    """Facet counts over the matching awards: facet, value, awards (datasette-style)."""
    cte, params = _search_cte(text, facets or {})
    return _df(cte + """
        SELECT 'agency' AS facet, """ + AGENCY_LABEL.replace("a.", "") + """ AS value, count(*) AS awards
            FROM filtered GROUP BY ALL
        UNION ALL SELECT 'capability', k.name, count(*) FROM
            (SELECT ct.capability_id FROM filtered JOIN (""" + COUNTED_TAGS + """) ct USING (award_key))
            JOIN capabilities k USING (capability_id) GROUP BY ALL
        UNION ALL SELECT 'vendor', family_vendor_name, count(*) FROM filtered GROUP BY ALL
        UNION ALL SELECT 'year', CAST(year(first_action_date) AS VARCHAR), count(*) FROM filtered GROUP BY ALL
        UNION ALL SELECT 'competition', competition_status, count(*) FROM filtered GROUP BY ALL
        ORDER BY facet, awards DESC, value
    """, params)  # noqa: S608


def capability_ids_by_name() -> pd.DataFrame:
    """Capability names to ids (search facets show names, filter by ids)."""
    return _df("SELECT capability_id, name FROM capabilities ORDER BY sort_order")


# ------------------------------------------------------------------------------------------- methods

def crawl_runs() -> pd.DataFrame:
    """Every crawl: source, when, status and counts (fetched = loaded + rejected)."""
    return _df("""
        SELECT source, started_at, finished_at, status, requests, items_fetched, items_loaded, items_rejected,
               pages_lost, error, run_id
        FROM crawl_runs ORDER BY started_at DESC
    """)


def rejects_by_reason() -> pd.DataFrame:
    """Rejected records grouped by source and reason."""
    return _df("""
        SELECT source, kind, reason, count(*) AS records, max(rejected_at) AS last_rejected
        FROM rejects GROUP BY ALL ORDER BY records DESC
    """)


def view_counts(names: Sequence[str]) -> pd.DataFrame:
    """Row counts of the public views (names come from the fixed list on the methods page)."""
    present = set(table_names()["table_name"])
    # Names are checked against information_schema above; they are not user input.
    parts = [f"SELECT '{n}' AS view, count(*) AS rows FROM \"{n}\"" for n in names if n in present]  # noqa: S608
    if not parts:
        return pd.DataFrame(columns=["view", "rows"])
    return _df(" UNION ALL ".join(parts))  # noqa: S608


def match_methods() -> pd.DataFrame:
    """How recipient names were matched to vendors."""
    return _df("SELECT method, count(*) AS recipients FROM vendor_matches GROUP BY ALL ORDER BY recipients DESC")


def tag_methods() -> pd.DataFrame:
    """How capability tags were made (rule, vendor default, inventory, annotation)."""
    return _df("SELECT method, count(*) AS tags, count(DISTINCT award_key) AS awards FROM award_capabilities "
               "GROUP BY ALL ORDER BY tags DESC")


# ------------------------------------------------------------------------------------------- review

def review_queue(limit: int = 5000) -> pd.DataFrame:
    """Possible (award, capability) pairs that no annotation has decided, most score x dollars first."""
    return _df("SELECT * FROM review_queue ORDER BY priority DESC NULLS LAST, award_key, capability_id LIMIT ?",
               [limit])


def column_glossary() -> pd.DataFrame:
    """Every public view's columns with their types and meanings: the registry's own COMMENT ON text, by the
    same query that renders docs/views.md (registry/glossary.py)."""
    from registry.glossary import GLOSSARY_SQL, PUBLIC_TABLES

    return _df(GLOSSARY_SQL, [list(PUBLIC_TABLES)])
