"""`registry sql` is read-only: writes, session changes, file and network access are refused (issue 9).

tests/test_sql_cli.py shows the CLI refusing eight plain writes in one line. This file tries what an
attacker (or a careless paste) would: every write statement type, writes smuggled after a read or hidden
behind comments, string tricks, CTE-wrapped writes, EXPLAIN ANALYZE (which executes its statement), and
reads of local files, environment and secrets. Each must fail, leave the registry byte-identical and
create no file; ordinary reads with comments keep working.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from registry.core.readonly import ReadOnlyViolation, run_readonly
from tests.conftest import invoke_cli

LEAK = Path("/tmp/registry-security-leak")  # no statement may create this

WRITES = [
    "INSERT INTO t_awards (award_key) VALUES ('x')",
    "UPDATE t_transactions SET federal_action_obligation = 0",
    "DELETE FROM t_transactions",
    "DROP VIEW awards",
    "DROP TABLE t_awards",
    "ALTER TABLE t_awards RENAME TO gone",
    "CREATE TABLE x AS SELECT 1",
    "CREATE TEMP TABLE x AS SELECT 1",
    "CREATE OR REPLACE VIEW awards AS SELECT 1 AS award_key",
    "CREATE MACRO m() AS 1",
    "TRUNCATE t_rejects",
    f"COPY t_awards TO '{LEAK}.csv'",
    f"COPY (SELECT 1) TO '{LEAK}.parquet' (FORMAT parquet)",
    f"EXPORT DATABASE '{LEAK}'",
    f"ATTACH '{LEAK}.duckdb' AS other",
    "DETACH registry",
    "INSTALL httpfs",
    "LOAD httpfs",
    "PRAGMA enable_profiling",
    "PRAGMA threads = 1",
    "SET enable_external_access = true",
    "SET GLOBAL threads = 1",
    "RESET threads",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "USE memory",
    "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
    # smuggling: a read first, then a write; comments and strings that hide the separator
    "SELECT 1; DROP TABLE t_awards",
    "SELECT 1;DELETE FROM t_transactions;",
    "SELECT 1 -- harmless\n; DROP VIEW awards",
    "SELECT 1 /* ; */ ; DROP VIEW awards",
    "/* SELECT */ DROP VIEW awards",
    "-- SELECT 1\nDELETE FROM t_transactions",
    "SELECT ';' AS s; DROP VIEW awards",
    "SELECT $$;$$; DROP VIEW awards",
    "WITH x AS (SELECT 1) INSERT INTO t_awards (award_key) SELECT 'x'",
    "WITH d AS (DELETE FROM t_transactions RETURNING *) SELECT * FROM d",
    f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{LEAK}.csv'",
    "EXPLAIN ANALYZE DELETE FROM t_transactions",
    "EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1",
]

READS_OUTSIDE = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')",
    f"SELECT * FROM read_json_auto('{LEAK}.json')",
    "EXPLAIN ANALYZE SELECT * FROM read_csv('/etc/passwd')",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def registry_file(sample_registry) -> Path:
    return sample_registry


@pytest.fixture(scope="module")
def pristine(registry_file) -> str:
    """The registry file's digest before any statement of this module ran: each test compares with it, so a
    change made by any earlier test fails too (and the file is read once more per test, not twice)."""
    return digest(registry_file)


@pytest.mark.parametrize("statement", WRITES)
def test_writes_and_session_changes_are_refused(registry_file, pristine, statement):
    with pytest.raises((ReadOnlyViolation, duckdb.Error)):
        run_readonly(registry_file, statement)
    assert digest(registry_file) == pristine
    assert not list(LEAK.parent.glob(LEAK.name + "*"))
    # the registry still answers: nothing was dropped, deleted or renamed
    assert run_readonly(registry_file, "SELECT count(*) FROM awards")[1][0][0] == 970


@pytest.mark.parametrize("statement", READS_OUTSIDE)
def test_files_network_and_environment_are_out_of_reach(registry_file, statement):
    with pytest.raises((ReadOnlyViolation, duckdb.Error)):
        run_readonly(registry_file, statement)


def test_reads_with_comments_and_semicolons_in_strings_still_work(registry_file):
    cols, rows = run_readonly(registry_file, "-- how many?\nSELECT count(*) AS n /* all */ FROM awards WHERE "
                                             "coalesce(description, '') <> 'a; DROP TABLE x'")
    assert cols == ["n"] and rows[0][0] == 970
    cols, rows = run_readonly(registry_file, "WITH t AS (SELECT 1 AS one) SELECT one FROM t;")
    assert rows == [(1,)]


@pytest.mark.parametrize("statement", ["SELECT 1; DROP VIEW awards", "/* x */ DELETE FROM t_transactions",
                                       "EXPLAIN ANALYZE DELETE FROM t_transactions", "PRAGMA threads = 1"])
def test_the_cli_refuses_in_one_line(registry_file, pristine, statement):
    proc = invoke_cli("sql", "--db", str(registry_file), statement)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert digest(registry_file) == pristine


def test_explain_analyze_of_a_write_is_refused(sample_registry):
    """EXPLAIN ANALYZE runs the statement it explains: the statement inside is checked too."""
    for q in ("EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1", "explain analyze DELETE FROM awards"):
        r = invoke_cli("sql", "--db", str(sample_registry), q)
        assert r.returncode != 0 and "refused" in r.stderr
    ok = invoke_cli("sql", "--db", str(sample_registry), "EXPLAIN ANALYZE SELECT count(*) FROM awards")
    assert ok.returncode == 0, ok.stderr
