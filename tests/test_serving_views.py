"""The serving views (award_years, search_index) answer what the joins they replace would answer.

Why: they exist so the map, flows and search pages read one stored table at 1M awards (bench/results.md). A
shortcut that counts an award twice over a range of years, or names the wrong modification as the match,
would be fast and wrong; these checks recompute each answer the slow way, from `transactions` and `awards`.
"""

from __future__ import annotations

import duckdb
import pytest

import dashboard.queries as q

RANGES = [(2015, 2026), (2019, 2021), (2024, 2024), (2025, 2025), (2026, 2030)]


@pytest.fixture(scope="module")
def con(sample_registry):
    c = duckdb.connect(str(sample_registry), read_only=True)
    yield c
    c.close()


@pytest.fixture
def queries(con, monkeypatch):
    """dashboard.queries on the sample registry, Streamlit's cache bypassed."""
    monkeypatch.setattr(q, "_df", lambda sql, params=(): con.execute(
        sql, [list(p) if isinstance(p, tuple) else p for p in params]).df())
    return q


@pytest.mark.parametrize(("year_from", "year_to"), RANGES)
def test_award_years_counts_each_award_once_per_range(con, year_from, year_to):
    fast = con.execute("""
        SELECT agency_label, count(*) FILTER (WHERE previous_year IS NULL OR previous_year < ?), sum(obligated)
        FROM award_years WHERE year BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL
    """, [year_from, year_from, year_to]).fetchall()
    slow = con.execute("""
        SELECT coalesce(a.agency_subtier_abbreviation, a.awarding_subagency, a.awarding_agency),
               count(DISTINCT t.award_key), sum(t.federal_action_obligation)
        FROM transactions t JOIN awards a USING (award_key)
        WHERE year(t.action_date) BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL
    """, [year_from, year_to]).fetchall()
    assert fast == slow
    if (year_from, year_to) == (2015, 2026):
        assert sum(r[1] for r in fast) > 900, "the sample's awards should all be counted"


def test_flows_count_awards_once_across_years(queries, con):
    flows = queries.flows(2015, 2026)
    assert not flows.empty
    slow = con.execute("""
        SELECT c.capability_id, count(DISTINCT a.award_key)
        FROM awards a, unnest(list_distinct(a.capability_ids)) AS c(capability_id)
        WHERE a.has_surveillance_capability AND a.award_key IN (
            SELECT award_key FROM transactions WHERE year(action_date) BETWEEN 2015 AND 2026)
        GROUP BY ALL
    """).fetchall()
    per_capability = flows.groupby("capability_id").awards.sum().to_dict()
    assert per_capability == dict(slow)


def test_search_names_the_earliest_matching_modification(queries, con):
    """A word found only in a modification's description: the hit says which modification, as the record does."""
    row = con.execute("""
        SELECT t.award_key, t.description FROM transactions t JOIN awards a USING (award_key)
        WHERE t.description IS NOT NULL AND length(t.description) > 12
          AND NOT contains(lower(concat_ws(' ', a.piid, a.vendor_name, a.recipient_name, a.description)),
                           lower(t.description))
        ORDER BY t.award_key, t.action_date LIMIT 1
    """).fetchone()
    assert row, "the sample should have a modification described differently from its award"
    award_key, text = row
    expected = con.execute("""
        SELECT modification_number FROM transactions
        WHERE award_key = ? AND contains(lower(description), lower(?))
        ORDER BY action_date, modification_number LIMIT 1
    """, [award_key, text]).fetchone()[0]
    hits = queries.search(text.upper())
    hit = hits[hits.award_key == award_key]
    assert len(hit) == 1
    assert hit.matched_in.iloc[0] == f"modification {expected}"
    assert hit.matched_text.iloc[0].lower().find(text.lower()) >= 0


def test_search_index_lists_every_awards_modification_texts_in_date_order(con):
    """search_index.modifications, for every award: each distinct description other than the award's own,
    under its earliest modification, in date order (what the search page names as the match), recomputed
    from `transactions` without the build's list sorting."""
    slow = con.execute("""
        WITH d AS (
            SELECT t.award_key, t.description, min(t.action_date) AS first_date,
                   arg_min(t.modification_number, t.action_date) AS modification_number
            FROM transactions t JOIN awards a USING (award_key)
            WHERE t.description IS NOT NULL AND t.description IS DISTINCT FROM a.description
            GROUP BY ALL)
        SELECT award_key, list(modification_number ORDER BY first_date, modification_number, description),
               list(description ORDER BY first_date, modification_number, description)
        FROM d GROUP BY ALL ORDER BY award_key
    """).fetchall()
    fast = con.execute("""
        SELECT award_key, list_transform(modifications, lambda m: m.modification_number),
               list_transform(modifications, lambda m: m.description)
        FROM search_index WHERE modifications IS NOT NULL ORDER BY award_key
    """).fetchall()
    assert len(slow) > 20 and any(len(r[1]) > 3 for r in slow), "the sample has awards with several texts"
    assert fast == slow


def test_search_agrees_with_a_plain_scan_of_awards_and_modifications(queries, con):
    for text in ["palantir", "license plate", "70CTD022FR0000170", "%", "_", "zzz-not-there"]:
        expected = con.execute("""
            SELECT count(*) FROM awards a WHERE
                contains(lower(a.piid), lower($1)) OR contains(lower(a.vendor_name), lower($1))
                OR contains(lower(a.recipient_name), lower($1)) OR contains(lower(a.description), lower($1))
                OR a.award_key IN (SELECT award_key FROM transactions WHERE contains(lower(description), lower($1)))
        """, [text]).fetchone()[0]
        assert int(queries.search_count(text).n.iloc[0]) == expected, text
    assert int(queries.search_count("palantir").n.iloc[0]) > 0
    assert int(queries.search_count("").n.iloc[0]) == con.execute("SELECT count(*) FROM awards").fetchone()[0]
