"""The commands a user types after a hostile crawl: build on an unfinished crawl, stats under a lock, runaway SQL.

Each answer is one line and an exit code a script can act on, never a traceback. `stats` runs as its own process,
as a user runs it; the `sql` limits run through Typer's CliRunner in this process (tests/test_sql_cli.py runs
`registry sql` as its own process).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import duckdb

from registry.core import runs, store
from tests.conftest import invoke_cli, run_cli


def _killed_crawl(staging) -> str:
    """A staging store whose latest usaspending run never finished (a kill -9), with rows it committed."""
    con = store.connect(staging)
    try:
        run_id = runs.start_run(con, "usaspending", {"agencies": ["ICE"]})
        con.execute("INSERT INTO stg_awards (award_key, source, source_url, fetched_at, payload_sha256, run_id) "
                    "VALUES ('CONT_AWD_K1', 'usaspending', 'https://www.usaspending.gov/award/K1/', now(), 'x', ?)",
                    [run_id])
    finally:
        con.close()
    return run_id


def test_build_on_a_killed_crawl_is_refused_in_one_line_and_allowed_with_a_record_of_it(tmp_path):
    staging, out = tmp_path / "staging.duckdb", tmp_path / "registry.duckdb"
    run_id = _killed_crawl(staging)
    refused = invoke_cli("build", "--staging", str(staging), "--out", str(out))
    assert refused.returncode == 4 and not out.exists(), refused.stderr
    lines = [x for x in refused.stderr.splitlines() if x.strip()]
    assert lines[-1].startswith("error:") and run_id in lines[-1] and "is running, 1 rows committed" in lines[-1]
    assert "--allow-partial" in lines[-1] and "Traceback" not in refused.stderr

    allowed = invoke_cli("build", "--staging", str(staging), "--out", str(out), "--allow-partial")
    assert allowed.returncode == 0, allowed.stderr
    assert f"warning: incomplete scope: usaspending run {run_id}" in allowed.stderr
    con = duckdb.connect(str(out), read_only=True)
    try:
        (value,), = con.execute("SELECT value FROM registry_meta WHERE key = 'incomplete_scopes'").fetchall()
    finally:
        con.close()
    (scope,) = json.loads(value)
    assert (scope["run_id"], scope["status"], scope["rows_committed"]) == (run_id, "running", 1)


def test_stats_while_a_crawl_holds_staging_names_the_holder_in_one_line(tmp_path):
    staging = tmp_path / "staging.duckdb"
    store.connect(staging).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(20)", str(staging)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        r = run_cli("stats", "--staging", str(staging), timeout=60)
        b = invoke_cli("build", "--staging", str(staging), "--out", str(tmp_path / "r.duckdb"))
    finally:
        holder.kill()
        holder.wait()
    for answer in (r, b):
        lines = [x for x in answer.stderr.splitlines() if x.strip()]
        assert answer.returncode == 2 and len(lines) == 1, answer.stderr
        assert f"is in use by process {holder.pid}" in lines[0] and "python" in lines[0]


def _empty_registry(tmp_path):
    db = tmp_path / "registry.duckdb"
    duckdb.connect(str(db)).close()
    return db


def test_sql_that_runs_forever_is_stopped_at_its_timeout(tmp_path):
    db = _empty_registry(tmp_path)
    t0 = time.monotonic()
    r = invoke_cli("sql", "SELECT sum(a * b) FROM range(100000000) t(a), range(100000) u(b)", "--db", str(db),
                   "--timeout", "0.5")
    seconds = time.monotonic() - t0
    print(f"\n[reliability] registry sql cross join: stopped after {seconds:.1f}s")
    # the cross join needs hours; stopped, the command answers within the bound (a generous one for a busy host)
    assert r.returncode == 2 and "query stopped after 0.5s" in r.stderr and seconds < 20, r.stderr


def test_sql_returning_300_million_rows_returns_the_cap_and_says_truncated(tmp_path):
    db = _empty_registry(tmp_path)
    r = invoke_cli("sql", "SELECT * FROM range(300000000)", "--db", str(db), "--format", "csv", "--max-rows", "1000")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 1 + 1000  # header + the cap
    assert "truncated: showing the first 1,000 rows" in r.stderr


def test_sql_needing_more_memory_than_its_limit_is_refused_in_one_line(tmp_path):
    db = _empty_registry(tmp_path)
    # a list of ten million strings, built in memory (an aggregate DuckDB cannot spill): far past 64MB
    r = invoke_cli("sql", "SELECT list(a::VARCHAR) FROM range(10000000) t(a)", "--db", str(db),
                   "--memory", "64MB")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "query needs more than 64MB of memory" in r.stderr and "Traceback" not in r.stderr
