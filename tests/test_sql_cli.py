"""`registry sql` answers reads and refuses writes, in one clear line.

In process (Typer's CliRunner) except the missing-registry test, which runs the installed command as a user does."""

import pytest

from tests.conftest import invoke_cli, run_cli


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE t_awards",
        "DELETE FROM t_transactions",
        "CREATE TABLE x AS SELECT 1",
        "COPY (SELECT 1) TO '/tmp/registry-leak.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "SELECT 1; DROP TABLE t_awards",
        "INSTALL httpfs",
        "SET threads = 1",
    ],
)
def test_writes_are_refused(sample_registry, statement):
    before = sample_registry.read_bytes()
    proc = invoke_cli("sql", "--db", str(sample_registry), statement)
    assert proc.returncode != 0
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr
    assert sample_registry.read_bytes() == before


def test_reading_files_through_sql_is_refused(sample_registry):
    proc = invoke_cli("sql", "--db", str(sample_registry), "SELECT * FROM read_csv('/etc/passwd')")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr


def test_csv_output_keeps_money_exact(sample_registry):
    proc = invoke_cli("sql", "--db", str(sample_registry), "--format", "csv",
                   "SELECT sum(federal_action_obligation) AS total FROM transactions WHERE piid = '70CTD022FR0000170'")
    assert proc.returncode == 0, proc.stderr
    header, value = proc.stdout.strip().splitlines()
    assert header == "total"
    assert value.endswith(".61") or value.count(".") == 1


def test_missing_registry_is_a_clear_error(tmp_path):
    proc = run_cli("sql", "--db", str(tmp_path / "none.duckdb"), "SELECT 1")
    assert proc.returncode != 0
    assert "registry build" in proc.stderr
