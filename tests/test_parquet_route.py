"""The registry as Hive-partitioned Parquet answers exactly as the DuckDB file does (issue 8, beyond one machine).

Why: `registry export --parquet DIR` is the route to object storage, MotherDuck, Trino or Spark. A user who
queries the Parquet copy (`registry sql --parquet DIR`, the dashboard with REGISTRY_PARQUET=DIR) must see the
same rows and the same exact amounts as on registry.duckdb, and the copy must be just as read-only.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from registry import export
from registry.core.readonly import (
    ReadOnlyViolation,
    check_statement,
    connect_parquet,
    connect_readonly,
    run_readonly_parquet,
)
from tests.conftest import invoke_cli

ICM = "70CTD022FR0000170"

QUERIES = [
    # the ImmigrationOS story: the order's modifications, amounts exact to the cent
    f"SELECT modification_number, action_date, federal_action_obligation FROM transactions "
    f"WHERE piid = '{ICM}' ORDER BY action_date, modification_number",
    f"SELECT sum(federal_action_obligation) FROM transactions WHERE piid = '{ICM}'",
    "SELECT awarding_subagency, count(*), sum(obligated_in_registry) FROM awards GROUP BY ALL ORDER BY ALL",
    "SELECT recipient_name, count(*) AS n FROM awards GROUP BY ALL ORDER BY n DESC, recipient_name LIMIT 20",
    "SELECT date_trunc('month', action_date) AS m, sum(federal_action_obligation) FROM transactions "
    "GROUP BY ALL ORDER BY m",
    "SELECT count(*), count(DISTINCT vendor_id) FROM vendors",
    "SELECT * FROM vendor_summary ORDER BY ALL LIMIT 50",
    "SELECT count(*) FROM award_capabilities",
    "SELECT key, value FROM registry_meta WHERE key = 'is_sample'",
]


@pytest.fixture(scope="module")
def parquet_dir(sample_registry, tmp_path_factory):
    d = tmp_path_factory.mktemp("parquet_route") / "registry"
    export.export(sample_registry, d.parent / "unused", parquet_dir=d)
    return d


def _canon(rows: list[tuple]) -> list[str]:
    """Rows as comparable text in a fixed order (Parquet files have no row order of their own)."""
    return sorted(json.dumps(r, default=str) for r in rows)


@pytest.fixture(scope="module")
def parquet_con(parquet_dir):
    """One connection to the Parquet export (connect_parquet reads every exported view's schema: about 0.3 s of
    CPU each time), shared by the tests that only compare answers. The route a `registry sql` statement takes
    (run_readonly_parquet: a connection of its own, checked, then closed) is tested on its own below. The file
    side opens its own connection per test (cheap), since DuckDB refuses a second configuration of an open file."""
    con = connect_parquet(parquet_dir)
    yield con
    con.close()


@pytest.fixture
def file_con(sample_registry):
    con = connect_readonly(sample_registry)
    yield con
    con.close()


def answer(con, query: str) -> tuple[list[str], list[tuple]]:
    cur = con.cursor()
    try:
        cur.execute(query)
        return [d[0] for d in cur.description or []], cur.fetchall()
    finally:
        cur.close()


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_on_file_and_parquet(file_con, parquet_con, query):
    cols_db, rows_db = answer(file_con, query)
    cols_pq, rows_pq = answer(parquet_con, query)
    assert cols_pq == cols_db
    assert rows_db, "a query with no rows proves nothing"
    assert _canon(rows_pq) == _canon(rows_db)


def test_every_exported_view_has_the_same_rows_and_columns(file_con, parquet_con):
    on_file, pq = file_con, parquet_con
    views = export.public_views(on_file)
    have = {r[0] for r in answer(pq, "SELECT view_name FROM duckdb_views() WHERE NOT internal")[1]}
    for v in views:
        _, rows_db = answer(on_file, f"SELECT * FROM {v}")
        if not rows_db:  # an empty view writes no partition files: nothing to read back
            continue
        assert v in have, f"view {v} missing from the Parquet route"
        assert _canon(answer(pq, f"SELECT * FROM {v}")[1]) == _canon(rows_db), v


def test_the_icm_modifications_are_exact_on_parquet(parquet_dir):
    _, rows = run_readonly_parquet(
        parquet_dir, f"SELECT modification_number, federal_action_obligation FROM transactions WHERE piid = '{ICM}' "
        "AND modification_number IN ('P00009', 'P00012') ORDER BY 1")
    assert rows == [("P00009", Decimal("29898236.00")), ("P00012", Decimal("29898236.00"))]


def test_partitions_are_pruned_by_fiscal_year_and_agency(parquet_dir, parquet_con):
    assert any(p.name.startswith("fiscal_year=") for p in (parquet_dir / "transactions").iterdir())
    _, plan = answer(parquet_con, "EXPLAIN SELECT count(*) FROM transactions WHERE action_date >= DATE '2025-01-01'")
    assert "READ_PARQUET" in str(plan).upper() or "PARQUET_SCAN" in str(plan).upper()


def test_parquet_route_is_read_only(parquet_dir, parquet_con):
    with pytest.raises(ReadOnlyViolation):  # the whole route: a connection of its own, the statement checked
        run_readonly_parquet(parquet_dir, "CREATE TABLE x AS SELECT 1")
    for statement in ("COPY (SELECT 1) TO '/tmp/registry-leak.csv'", "SET enable_external_access = true"):
        with pytest.raises(ReadOnlyViolation):  # the same check, on the same kind of connection
            check_statement(parquet_con, statement)
    with pytest.raises(Exception, match="disabled by configuration"):
        run_readonly_parquet(parquet_dir, "SELECT * FROM read_csv('/etc/passwd')")


def test_registry_sql_cli_on_parquet(sample_registry, parquet_dir):
    query = f"SELECT sum(federal_action_obligation) AS total FROM transactions WHERE piid = '{ICM}'"
    on_file = invoke_cli("sql", "--db", str(sample_registry), "--format", "csv", query)
    on_parquet = invoke_cli("sql", "--parquet", str(parquet_dir), "--format", "csv", query)
    assert on_file.returncode == 0 and on_parquet.returncode == 0, on_parquet.stderr
    assert on_parquet.stdout == on_file.stdout
    missing = invoke_cli("sql", "--parquet", str(parquet_dir.parent / "nowhere"), "SELECT 1")
    assert missing.returncode != 0 and "registry export --parquet" in missing.stderr
    assert "Traceback" not in missing.stderr


# functions of dashboard/queries.py that are not queries: a LIKE escaper, and the recorder that re-runs a query
# to show its SQL in a "how this was computed" popover
HELPERS = {"like_pattern", "statements"}


def _dashboard_answers(con, monkeypatch) -> dict[str, list[str]]:
    """Every public function of dashboard/queries.py run on `con` (Streamlit's cache bypassed)."""
    import inspect

    import dashboard.queries as q

    monkeypatch.setattr(q, "_df", lambda sql, params=(): con.execute(
        sql, [list(p) if isinstance(p, tuple) else p for p in params]).df())
    vendor_id = con.execute("SELECT vendor_id FROM vendor_summary ORDER BY obligated_amount DESC NULLS LAST, "
                            "vendor_id LIMIT 1").fetchone()[0]
    agency_id = con.execute("SELECT agency_id FROM agency_summary ORDER BY award_count DESC NULLS LAST, agency_id "
                            "LIMIT 1").fetchone()[0]
    award_key = con.execute("SELECT award_key FROM awards WHERE piid = ? LIMIT 1", [ICM]).fetchone()[0]
    args = {"vendor_id": vendor_id, "vendor_ids": [vendor_id], "agency_id": agency_id, "award_key": award_key,
            "piid": ICM, "ident": ICM, "text": "palantir", "facets": {}, "year_from": 2015, "year_to": 2026,
            "name": "awards", "names": ["awards", "transactions"], "view": "awards", "column": "piid",
            "value": ICM, "columns": ["description"], "date_from": date(2015, 1, 1), "date_to": date(2026, 12, 31)}
    out = {}
    for name, f in inspect.getmembers(q, inspect.isfunction):
        if name.startswith("_") or f.__module__ != q.__name__ or name in HELPERS:
            continue
        if inspect.isgeneratorfunction(f):  # streams from its own cursor (search_export): an export test counts it
            continue
        params = inspect.signature(f).parameters.values()
        missing = [p.name for p in params if p.name not in args and p.default is inspect.Parameter.empty]
        assert not missing, f"{name}: give the test an argument for {missing}"
        result = f(**{p.name: args[p.name] for p in params if p.name in args})
        rows = result.to_dict("records") if hasattr(result, "to_dict") else [result]
        out[name] = _canon([tuple(sorted(r.items())) if isinstance(r, dict) else (r,) for r in rows])
    return out


def test_every_dashboard_query_answers_the_same_on_parquet(file_con, parquet_con, monkeypatch):
    on_file = _dashboard_answers(file_con, monkeypatch)
    on_parquet = _dashboard_answers(parquet_con, monkeypatch)
    assert len(on_file) > 20
    # table_names also lists the internal t_* tables, which are not exported: the exported names are a subset
    names = {label: {json.loads(r)[0][1] for r in answers.pop("table_names")}
             for label, answers in (("file", on_file), ("parquet", on_parquet))}
    assert names["parquet"] <= names["file"] and "awards" in names["parquet"]
    differ = [n for n in on_file if on_file[n] != on_parquet[n]]
    assert not differ, differ


def test_dashboard_opens_the_parquet_registry_when_asked(parquet_dir, monkeypatch):
    """REGISTRY_PARQUET=DIR makes the dashboard's own connection read the exported Parquet."""
    from dashboard import db

    monkeypatch.setenv("REGISTRY_PARQUET", str(parquet_dir))
    sig = db.signature()
    assert sig is not None and sig[0] == str(parquet_dir.resolve())
    cur = db.open_registry(parquet_dir).cursor()
    rows = cur.execute("SELECT modification_number, federal_action_obligation FROM transactions "
                       "WHERE award_key LIKE 'CONT_AWD_70CTD022FR0000170%' AND modification_number IN "
                       "('P00009', 'P00012') ORDER BY 1").fetchall()
    assert rows == [("P00009", Decimal("29898236.00")), ("P00012", Decimal("29898236.00"))]
    target = parquet_dir.parent / "written.csv"
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do: nothing may be written to disk
        cur.execute(f"COPY (SELECT 1) TO '{target}'")
    assert not target.exists()


def test_pyarrow_reads_the_partitions_with_integer_years_null_for_missing_and_exact_totals(sample_registry,
                                                                                          tmp_path):
    """Another engine reads the export: partition discovery, DECIMAL amounts, NULL (not 'unknown') for a missing
    fiscal year or agency, non-ASCII agency names intact, and totals equal to DuckDB's."""
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    staging_like = tmp_path / "with_edge_rows.duckdb"
    # the sample plus two edge rows: an award without any date and one from an agency with a non-ASCII name
    src = duckdb.connect(str(staging_like))
    src.execute("ATTACH ? AS s (READ_ONLY)", [str(sample_registry)])
    src.execute("CREATE TABLE t AS SELECT * FROM s.transactions")
    src.execute("INSERT INTO t SELECT * REPLACE (NULL::DATE AS action_date, 'EDGE-1' AS modification_number) "
                "FROM s.transactions LIMIT 1")
    src.execute("INSERT INTO t SELECT * REPLACE ('Oficina de Adquisición' AS awarding_subagency, "
                "'EDGE-2' AS modification_number) FROM s.transactions LIMIT 1")
    src.execute("CREATE VIEW transactions AS SELECT * FROM t")
    src.execute("CREATE TABLE a AS SELECT * FROM s.awards")
    src.execute("CREATE VIEW awards AS SELECT * FROM a")
    src.close()
    out = tmp_path / "pq"
    export.export(staging_like, tmp_path / "unused", parquet_dir=out)
    table = ds.dataset(out / "transactions", format="parquet", partitioning="hive").to_table()
    assert pa.types.is_integer(table.schema.field("fiscal_year").type)
    assert pa.types.is_decimal(table.schema.field("federal_action_obligation").type)
    years = table.column("fiscal_year").to_pylist()
    assert None in years and "unknown" not in [str(y) for y in years]
    assert "Oficina de Adquisición" in set(table.column("agency").to_pylist())
    check = duckdb.connect(str(staging_like), read_only=True)
    total, n = check.execute("SELECT sum(federal_action_obligation), count(*) FROM transactions").fetchone()
    check.close()
    assert (pc.sum(table.column("federal_action_obligation")).as_py(), table.num_rows) == (total, n)
    only_2025 = table.filter(pc.equal(table.column("fiscal_year"), 2025))
    assert only_2025.num_rows > 0 and set(only_2025.column("fiscal_year").to_pylist()) == {2025}
