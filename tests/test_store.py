"""The staging store: batch upserts by natural key are idempotent and never erase what a richer source said."""

from datetime import UTC, date, datetime
from decimal import Decimal

import duckdb
import pytest

from registry.core import runs, store


def _tx(**over):
    rec = {
        "award_key": "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730",
        "modification_number": "P00009",
        "transaction_number": 0,
        "action_date": date(2025, 4, 11),
        "federal_action_obligation": Decimal("29898236.00"),
        "description": "THIS MODIFICATION ADDS LICENSES",
        "source": "usaspending_api",
        "source_url": "https://api.usaspending.gov/api/v2/transactions/",
        "fetched_at": datetime(2026, 1, 1, tzinfo=UTC),
        "payload_sha256": "x",
    }
    rec.update(over)
    return rec


def test_migrations_are_recorded_and_idempotent(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    assert store.migrate(con) == []
    names = [r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()]
    assert {"core", "usaspending", "sam", "fpds", "lda", "ai_inventory", "federal_register"} <= set(names)


def test_merge_twice_leaves_one_copy(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    store.merge_records(con, "stg_transactions", [_tx(), _tx(modification_number="P00012")])
    store.merge_records(con, "stg_transactions", [_tx(), _tx(modification_number="P00012")])
    n, total = con.execute("SELECT count(*), sum(federal_action_obligation) FROM stg_transactions").fetchone()
    assert n == 2
    assert total == Decimal("59796472.00")


def test_thinner_record_does_not_erase_richer_fields(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    store.merge_records(con, "stg_transactions", [_tx(extent_competed="A", other_than_full_and_open="URG")])
    store.merge_records(con, "stg_transactions", [_tx(source="usaspending_search_csv", description="NEW TEXT")])
    row = con.execute(
        "SELECT extent_competed, other_than_full_and_open, description, source FROM stg_transactions"
    ).fetchone()
    assert row == ("A", "URG", "NEW TEXT", "usaspending_search_csv")


def test_insert_first_batch_meeting_stored_keys_writes_nothing_and_says_so(tmp_path):
    """The pipeline's fast path (a plain insert) must not write half a batch when it meets a stored key."""
    con = store.connect(tmp_path / "s.duckdb")
    assert store.merge_batch(con, "stg_transactions", [_tx(extent_competed="A")], insert_first=True) == 1
    batch = [_tx(modification_number="P00012"), _tx(description="NEW TEXT")]
    with pytest.raises(store.KeysStored) as met:
        store.merge_batch(con, "stg_transactions", batch, insert_first=True)
    assert met.value.table == "stg_transactions"
    assert con.execute("SELECT count(*) FROM stg_transactions").fetchone() == (1,), "nothing of the batch written"
    assert store.merge_batch(con, "stg_transactions", batch) == 2
    rows = con.execute("SELECT modification_number, extent_competed, description FROM stg_transactions "
                       "ORDER BY 1").fetchall()
    assert rows == [("P00009", "A", "NEW TEXT"), ("P00012", None, "THIS MODIFICATION ADDS LICENSES")]


def test_insert_first_does_not_hide_a_real_constraint_error(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        store.merge_batch(con, "stg_transactions", [_tx(source_url=None)], insert_first=True)


def test_duplicate_keys_inside_one_batch_keep_the_latest(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    older = _tx(description="OLD", fetched_at=datetime(2026, 1, 1, tzinfo=UTC))
    newer = _tx(description="NEW", fetched_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert store.merge_records(con, "stg_transactions", [newer, older]) == 1
    assert con.execute("SELECT description FROM stg_transactions").fetchone() == ("NEW",)


def test_rejects_keep_reason_and_payload(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    store.insert_rejects(con, [{"source": "usaspending_api", "reason": "action_date: not a date: '2025-13-01'",
                                "raw_payload": {"action_date": "2025-13-01"}, "kind": "transaction"}])
    reason, payload = con.execute("SELECT reason, raw_payload FROM rejects").fetchone()
    assert "action_date" in reason
    assert '"2025-13-01"' in payload


def test_runs_reconcile_or_are_partial(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    ok = runs.start_run(con, "usaspending_api", {"agency": ["ICE"]})
    assert runs.finish_run(con, ok, requests=3, fetched=10, loaded=8, rejected=2) == "ok"
    bad = runs.start_run(con, "usaspending_api", {"agency": ["ICE"]})
    assert runs.finish_run(con, bad, requests=3, fetched=10, loaded=7, rejected=2) == "partial"
    lost = runs.start_run(con, "usaspending_api", {"agency": ["ICE"]})
    assert runs.finish_run(con, lost, requests=3, fetched=10, loaded=8, rejected=2, pages_lost=1) == "partial"
    assert runs.last_successful_start(con, "usaspending_api", {"agency": ["ICE"]}) is not None
    assert runs.last_successful_start(con, "usaspending_api", {"agency": ["CBP"]}) is None


def test_a_killed_run_is_marked_aborted_by_the_next(tmp_path):
    con = store.connect(tmp_path / "s.duckdb")
    first = runs.start_run(con, "usaspending_api", {})
    runs.start_run(con, "usaspending_api", {})
    status = con.execute("SELECT status FROM crawl_runs WHERE run_id = ?", [first]).fetchone()[0]
    assert status == "aborted"
