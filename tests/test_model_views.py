"""The model's public views: `registry sql` answers on each, and every column is described and documented."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from tests.conftest import ROOT, invoke_cli

ANALYSIS_VIEWS = [  # the summaries and links the dashboard's questions are answered from
    "vendor_summary", "agency_summary", "capability_summary", "edges", "monthly_obligations",
    "award_capabilities", "competition",
]
MODEL_VIEWS = [*ANALYSIS_VIEWS, "vendors", "vendor_matches", "watchlist", "agencies", "capabilities",
               "award_lifecycle", "capability_annotations", "award_years", "search_index", "review_queue",
               "counted_capabilities"]


@pytest.mark.parametrize("view", MODEL_VIEWS)
def test_registry_sql_returns_rows(sample_registry, view):
    proc = invoke_cli("sql", "--db", str(sample_registry), "--format", "json", f"SELECT * FROM {view} LIMIT 5")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) >= 1, f"{view} is empty"


def _columns(sample_registry) -> dict[str, list[tuple[str, str | None]]]:
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        out: dict[str, list] = {}
        for view, col, comment in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE table_name IN (SELECT unnest(?)) "
            "ORDER BY table_name, column_index", [MODEL_VIEWS]).fetchall():
            out.setdefault(view, []).append((col, comment))
        return out
    finally:
        con.close()


def test_every_column_of_the_issue_views_is_described_in_the_registry(sample_registry):
    cols = _columns(sample_registry)
    missing = [f"{v}.{c}" for v in ANALYSIS_VIEWS + ["vendors", "vendor_matches"] for c, note in cols[v] if not note]
    assert not missing, missing


def test_docs_document_every_view_column(sample_registry):
    """Each view has a section (in README.md or a docs/*.md page; several pages may each describe some columns)
    and every column is named in one of its sections."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    cols = _columns(sample_registry)
    missing = []
    for view in MODEL_VIEWS:
        sections = []
        for page in pages:
            docs = page.read_text(encoding="utf-8")
            for m in re.finditer(rf"^(#+) `{view}`$", docs, flags=re.M):
                sections.append(docs[m.end():].split("\n" + m.group(1) + " ", 1)[0])
        assert sections, f"no README.md or docs/*.md section for `{view}`"
        missing += [f"{view}.{c}" for c, _ in cols[view] if not any(f"`{c}`" in s for s in sections)]
    assert not missing, missing


def test_no_public_column_is_typed_null_on_a_registry_without_competition_data(sample_registry):
    """The sample has no competition fields; its columns must still have their documented types (BOOLEAN,
    VARCHAR), or exports and users' SQL would see a column typed "NULL" that changes type once data arrives."""
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        untyped = con.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND data_type = '\"NULL\"'").fetchall()
        reported = con.execute("SELECT count(*) FILTER (sole_source IS NOT NULL) FROM awards").fetchone()[0]
    finally:
        con.close()
    assert reported == 0, "the bundled sample reports no competition: this test checks that case"
    assert untyped == []
