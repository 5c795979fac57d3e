"""The benchmark's synthetic data is labelled, provenanced, skewed like the real data, and builds (issue 8).

Why a test for a benchmark helper: `make bench` figures are only meaningful if the generated staging is what
the spiders would write (the build runs on it unchanged) and never passes for a public record.
"""

from __future__ import annotations

import duckdb
import pytest

from bench.generate import SOURCE, generate_staging
from registry import build


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """2,000 generated awards and their plain build (read by both tests below: one build, not two)."""
    tmp = tmp_path_factory.mktemp("bench_generate")
    staging = tmp / "stg.duckdb"
    counts = generate_staging(staging, 2_000)
    return staging, counts, build.build(staging, tmp / "registry.duckdb")


def test_generated_staging_is_labelled_skewed_and_builds(generated):
    staging, counts, report = generated
    assert counts["stg_awards"] == 2_000
    assert 4 <= counts["stg_transactions"] / counts["stg_awards"] <= 6  # ~5 modifications per award
    con = duckdb.connect(str(staging), read_only=True)
    for table in ("stg_awards", "stg_transactions"):
        labels = con.execute(f"SELECT DISTINCT source FROM {table}").fetchall()
        assert labels == [(SOURCE,)]
        assert con.execute(f"SELECT count(*) FROM {table} WHERE source_url IS NULL "
                           "OR source_url NOT LIKE 'http://127.0.0.1/synthetic-bench/%'").fetchone() == (0,)
    top, vendors = con.execute("SELECT max(n), count(*) FROM (SELECT count(*) AS n FROM stg_awards "
                               "GROUP BY recipient_uei)").fetchone()
    assert top >= 20 * 2_000 / vendors  # heavy tail: the largest vendor holds far more than the mean
    # award totals are the sums of their transactions, to the cent
    assert con.execute("SELECT count(*) FROM stg_awards a JOIN (SELECT award_key, sum(federal_action_obligation) s "
                       "FROM stg_transactions GROUP BY 1) t USING (award_key) "
                       "WHERE a.total_obligation <> t.s").fetchone() == (0,)
    con.close()
    assert report.counts["awards"] == 2_000
    assert report.counts["transactions"] == counts["stg_transactions"]


def test_build_figure_times_the_same_build_inside_duckdb(generated, tmp_path, monkeypatch):
    """bench/build_figure.py times the build's DuckDB statements by wrapping its connection: the wrapped build
    must make the same registry (as the plain build of the same generated staging), and its SQL time must be a
    real part of the build's time."""
    from bench.build_figure import _StatementTimer

    staging, _, plain = generated
    timer = _StatementTimer()
    monkeypatch.setattr(build, "duckdb", timer.module(duckdb))
    timed = build.build(staging, tmp_path / "timed.duckdb")
    assert timed.counts == plain.counts
    assert timer.count > len(build.steps())  # every step runs at least one statement through the wrapper
    assert 0 < timer.seconds < timed.seconds
    with duckdb.connect(str(tmp_path / "timed.duckdb"), read_only=True) as c:
        c.execute("ATTACH ? AS plain (READ_ONLY)", [str(plain.out)])
        for view in ("awards", "transactions", "search_index"):
            diff = c.execute(f"SELECT count(*) FROM (FROM {view} EXCEPT ALL FROM plain.{view})").fetchone()[0]  # noqa: S608
            assert diff == 0, view


def test_page_settle_registry_replicates_the_sample_with_new_keys_never_as_public_records(tmp_path):
    """The ~23k-award registry of the page-settle benchmark: the sample's rows as they are, then copies whose keys,
    PIIDs, source and source_url are new, so a copy can never be taken for (or collide with) a real record."""
    from bench.page_settle import SOURCE as BENCH_SOURCE
    from bench.page_settle import replicated_staging

    counts = replicated_staging(tmp_path / "stg.duckdb", target_awards=2_000)
    con = duckdb.connect(str(tmp_path / "stg.duckdb"), read_only=True)
    real = con.execute("SELECT count(DISTINCT award_key), count(*) FROM stg_transactions "
                       "WHERE source <> ?", [BENCH_SOURCE]).fetchone()
    assert counts["copies"] == -(-2_000 // real[0]) and counts["awards"] == real[0] * counts["copies"]
    assert counts["transactions"] == real[1] * counts["copies"]
    copies = con.execute("SELECT count(*) FILTER (WHERE source_url NOT LIKE 'http://127.0.0.1/synthetic-bench/%'), "
                         "count(*) FILTER (WHERE award_key NOT LIKE '%\\_BENCH%' ESCAPE '\\'), "
                         "count(DISTINCT piid) FROM stg_transactions WHERE source = ?", [BENCH_SOURCE]).fetchone()
    assert copies[:2] == (0, 0)
    clash = con.execute("SELECT count(*) FROM stg_transactions c JOIN stg_transactions r USING (piid) "
                        "WHERE c.source = ? AND r.source <> ?", [BENCH_SOURCE, BENCH_SOURCE]).fetchone()[0]
    assert clash == 0, "a copy shares a PIID with a real award"
