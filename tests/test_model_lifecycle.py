"""Contract lifecycle and monthly obligations: the ImmigrationOS modifications as a reader checks them.

Expected numbers are computed here from the bundled sample's CSV (the real USAspending rows), not from
the registry, so the test checks the build against its source.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from tests.model_support import sample_csv_path

PIID = "70CTD022FR0000170"


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    df = pd.read_csv(sample_csv_path(), dtype=str)
    df["amount"] = df["Federal Action Obligation"].map(Decimal)
    return df


@pytest.fixture(scope="module")
def con(sample_registry):
    c = duckdb.connect(str(sample_registry), read_only=True)
    yield c
    c.close()


def test_april_2025_modification_is_flagged_as_a_jump(con, source):
    rows = source[source["Award ID"] == PIID].sort_values(["Action Date", "Modification"])
    p9 = rows[rows["Modification"] == "P00009"].iloc[0]
    before = rows[rows["Action Date"] < p9["Action Date"]]["amount"].sum()
    assert p9["Action Date"] == "2025-04-11" and p9["amount"] == Decimal("29898236.00")
    assert p9["amount"] > Decimal("0.5") * before  # the rule, computed from the source rows

    got = con.execute(
        "SELECT is_jump, prior_obligated, obligation, event_basis FROM award_lifecycle "
        "WHERE piid = ? AND modification_number = 'P00009'", [PIID]).fetchone()
    assert got[0] is True
    assert got[1] == before and got[2] == Decimal("29898236.00")
    assert "jump" in got[3]


def test_september_2025_extension_is_not_a_jump_and_running_total_adds_up(con, source):
    rows = con.execute(
        "SELECT modification_number, obligation, running_obligated, is_jump, is_deobligation, is_option_exercise "
        "FROM award_lifecycle WHERE piid = ? ORDER BY seq", [PIID]).fetchall()
    by_mod = {r[0]: r for r in rows}
    assert by_mod["P00012"][1] == Decimal("29898236.00") and by_mod["P00012"][3] is False  # ~28% of the prior total
    assert rows[-1][2] == source[source["Award ID"] == PIID]["amount"].sum()
    assert [r[0] for r in rows if r[4]] == ["P00010"]  # the one de-obligation (-18,000.00)
    assert by_mod["P00004"][5] is True  # "EXERCISE OPTION" in its description


def test_palantir_ice_monthly_obligations_april_2025_equal_the_months_transactions(con, source):
    month = source[source["Recipient Name"].str.contains("PALANTIR", case=False)
                   & (source["Agency"] == "ICE") & source["Action Date"].str.startswith("2025-04")]
    expected = month["amount"].sum()
    got = con.execute(
        "SELECT obligated, transaction_count FROM monthly_obligations "
        "WHERE vendor_id = 'v:palantir' AND agency = 'ICE' AND month_label = '2025-04'").fetchone()
    assert got == (expected, len(month))
    assert expected == Decimal("29898236.00")  # P00009, plus a $0 no-cost extension (P00008)


def test_monthly_obligations_reconcile_with_all_transactions(con, source):
    total = con.execute("SELECT sum(obligated), sum(transaction_count) FROM monthly_obligations").fetchone()
    assert total == (source["amount"].sum(), len(source))


def test_monthly_award_counts_are_distinct_awards(con):
    """award_count is counted without count(DISTINCT): recomputed here the slow way, group by group."""
    diff = con.execute(
        """
        WITH slow AS (
            SELECT a.family_vendor_id AS vendor_id, a.agency_subtier_abbreviation AS agency,
                   a.agency_component, date_trunc('month', t.action_date)::DATE AS month,
                   count(DISTINCT t.award_key) AS award_count, count(*) FILTER (t.is_jump) AS jump_count
            FROM transactions t JOIN awards a USING (award_key) GROUP BY ALL
        ), fast AS (
            SELECT vendor_id, agency, agency_component, month, sum(award_count) AS award_count,
                   sum(jump_count) AS jump_count
            FROM monthly_obligations GROUP BY ALL
        )
        SELECT count(*) FROM slow FULL JOIN fast
            ON slow.vendor_id IS NOT DISTINCT FROM fast.vendor_id AND slow.agency IS NOT DISTINCT FROM fast.agency
           AND slow.agency_component IS NOT DISTINCT FROM fast.agency_component AND slow.month = fast.month
        WHERE slow.award_count IS DISTINCT FROM fast.award_count OR slow.jump_count IS DISTINCT FROM fast.jump_count
        """).fetchone()[0]
    n = con.execute("SELECT count(*) FILTER (award_count > 1) FROM monthly_obligations").fetchone()[0]
    assert diff == 0 and n > 0, (diff, n)


def test_lifecycle_has_one_row_per_transaction_with_its_source(con):
    n_tx, n_life, no_url = con.execute(
        "SELECT (SELECT count(*) FROM transactions), count(*), count(*) FILTER (source_url IS NULL) "
        "FROM award_lifecycle").fetchone()
    assert n_life == n_tx and no_url == 0


def test_every_transaction_carries_its_own_competition_and_lifecycle(con):
    """`transactions` joins its model columns on tx_id, the row id competition and lifecycle carried
    (900_core_views.sql); joined here by the three-part key instead, every transaction must show the same values,
    so a row paired with its neighbour's would fail."""
    n, off = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (t.running_obligated IS DISTINCT FROM l.running_obligated
                                OR t.prior_obligated IS DISTINCT FROM l.prior_obligated
                                OR t.event_basis IS DISTINCT FROM l.event_basis
                                OR t.sole_source IS DISTINCT FROM c.sole_source
                                OR t.competition_status IS DISTINCT FROM c.competition_status
                                OR t.extent_competed_plain IS DISTINCT FROM c.extent_competed_plain)
        FROM transactions t
        JOIN t_award_lifecycle l USING (award_key, modification_number, transaction_number)
        JOIN t_transaction_competition c USING (award_key, modification_number, transaction_number)
        """).fetchone()
    assert n == con.execute("SELECT count(*) FROM t_transactions").fetchone()[0] and off == 0, (n, off)
    distinct = con.execute("SELECT count(DISTINCT running_obligated) FROM transactions").fetchone()[0]
    assert distinct > 100, "enough different values that a shifted pairing would show"


def test_transactions_stored_in_many_slices_equal_one_slice(sample_registry, tmp_path, monkeypatch):
    """registry/materialize.py stores `transactions` in slices of row ids; with slices of 37 rows (many slices,
    a short last one) the stored rows must be exactly those of one slice (the session's sample build, from the
    same staging store with the default slice size): none lost or doubled at a border."""
    from registry import build, materialize

    staging = sample_registry.parent / "sample-staging.duckdb"
    assert materialize.SLICE_ROWS > 3000, "the session's build must hold the sample's transactions in one slice"
    monkeypatch.setattr(materialize, "SLICE_ROWS", 37)
    build.build(staging, tmp_path / "sliced.duckdb", is_sample=True)
    with duckdb.connect(str(tmp_path / "sliced.duckdb"), read_only=True) as c:
        c.execute("ATTACH ? AS one (READ_ONLY)", [str(sample_registry)])
        n, slices = c.execute("SELECT count(*), ceil(count(*) / 37) FROM t_transactions").fetchone()
        assert slices > 5 and n % 37 != 0, (n, slices)  # the sample gives many slices and a short last one
        assert c.execute("SELECT count(*) FROM transactions").fetchone()[0] == n
        for a, b in (("transactions", "one.transactions"), ("one.transactions", "transactions")):
            assert c.execute(f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})").fetchone()[0] == 0  # noqa: S608
        assert c.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'transactions_between'"
                         ).fetchone()[0] == 0, "the slice macro is a build tool, not part of the registry"
