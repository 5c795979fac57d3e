"""A crawl that brings back nothing is a failed crawl, unless the source itself says the scope is empty.

Why: zero items is the most common silent failure of a scraper (a changed page, a filter that no longer
matches); before, such a run finished 'ok'. Now the run records which it was: 'failed' with the reason in
crawl_runs.error (and `registry crawl` exits 1), or 'empty' when the source's own count is 0.
"""

from __future__ import annotations

import json
import subprocess
from contextlib import ExitStack

import duckdb
import pytest

from tests import warm_process
from tests.source_fixtures import FixtureServer

PAGES = {  # what the search answers, for each case below
    "no count": {"description": "a page that lost its count", "results": []},
    "count 0": {"count": 0, "total_pages": 0, "results": []},
    "count 3": {"count": 3, "total_pages": 1, "results": []},
}


def _route(page: dict):
    def route(path: str, query: dict, headers: dict) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(page).encode()

    return route


@pytest.fixture(scope="module")
def crawls(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, list]]:
    """`registry crawl federal-register` once per case, the three side by side (each its own server and store)."""
    out, running = {}, {}
    with ExitStack() as stack:
        for case, page in PAGES.items():
            server = stack.enter_context(FixtureServer(_route(page)))
            staging = tmp_path_factory.mktemp("zero") / "staging.duckdb"
            args = ["crawl", "federal-register", "--agency", "justice-department", "--api-url",
                    server.base + "/api/v1", "--staging", str(staging)]
            running[case] = (warm_process.popen(*args, stdout=warm_process.PIPE, stderr=warm_process.PIPE,
                                                text=True), staging)
        for case, (proc, staging) in running.items():
            stdout, stderr = proc.communicate(timeout=120)
            out[case] = (subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), staging)
    for case, (proc, staging) in out.items():
        con = duckdb.connect(str(staging), read_only=True)
        try:
            run = con.execute("SELECT source, status, items_fetched, error FROM crawl_runs").fetchall()
        finally:
            con.close()
        out[case] = (proc, run)
    return out


def test_zero_items_without_the_source_saying_so_is_a_failed_crawl(crawls):
    proc, run = crawls["no count"]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("failed:")
    [(source, status, fetched, error)] = run
    assert (source, status, fetched) == ("federal_register", "failed", 0)
    assert error.startswith("no items") and "was not given" in error


def test_zero_items_is_an_empty_scope_when_the_source_counts_zero(crawls):
    proc, run = crawls["count 0"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("empty:")
    assert run == [("federal_register", "empty", 0, None)]


def test_zero_items_when_the_source_counted_some_is_a_failed_crawl(crawls):
    """The search said 3 documents, none came: not an empty scope."""
    proc, run = crawls["count 3"]
    assert proc.returncode == 1
    [(_, status, _, error)] = run
    assert status == "failed" and "said 3" in error
