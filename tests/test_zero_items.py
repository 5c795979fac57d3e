"""A crawl that brings back nothing is a failed crawl, unless the source itself says the scope is empty.

Why: zero items is the most common silent failure of a scraper (a changed page, a filter that no longer
matches); before, such a run finished 'ok'. Now the run records which it was: 'failed' with the reason in
crawl_runs.error (and `registry crawl` exits 1), or 'empty' when the source's own count is 0.
"""

from __future__ import annotations

import json

import duckdb

from tests.conftest import run_cli
from tests.source_fixtures import FixtureServer


def _crawl_federal_register(tmp_path, page: dict):
    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(page).encode()

    staging = tmp_path / "staging.duckdb"
    with FixtureServer(route) as server:
        proc = run_cli("crawl", "federal-register", "--agency", "justice-department", "--api-url",
                       server.base + "/api/v1", "--staging", str(staging), timeout=120)
    con = duckdb.connect(str(staging), read_only=True)
    try:
        run = con.execute("SELECT source, status, items_fetched, error FROM crawl_runs").fetchall()
    finally:
        con.close()
    return proc, run


def test_zero_items_without_the_source_saying_so_is_a_failed_crawl(tmp_path):
    proc, run = _crawl_federal_register(tmp_path, {"description": "a page that lost its count", "results": []})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("failed:")
    [(source, status, fetched, error)] = run
    assert (source, status, fetched) == ("federal_register", "failed", 0)
    assert error.startswith("no items") and "was not given" in error


def test_zero_items_is_an_empty_scope_when_the_source_counts_zero(tmp_path):
    proc, run = _crawl_federal_register(tmp_path, {"count": 0, "total_pages": 0, "results": []})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("empty:")
    assert run == [("federal_register", "empty", 0, None)]


def test_zero_items_when_the_source_counted_some_is_a_failed_crawl(tmp_path):
    """The search said 3 documents, none came: not an empty scope."""
    proc, run = _crawl_federal_register(tmp_path, {"count": 3, "total_pages": 1, "results": []})
    assert proc.returncode == 1
    [(_, status, _, error)] = run
    assert status == "failed" and "said 3" in error
