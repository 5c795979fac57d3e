"""The pipeline's batch writes: every record stored once, and a failed write neither silent nor lossy.

Why: a write can fail mid-crawl (a full disk, a locked file). The failure has to reach the crawl, and the
batch's records must be written when storing works again, with the run's counts still reconciling
(fetched = loaded + rejected).
"""

from __future__ import annotations

import types

import pytest

from registry.core import store
from spiders.base import RegistrySpider
from spiders.pipelines import StagingPipeline
from tests.test_properties_parse import transaction

SPIDER = RegistrySpider(name="usaspending")  # what the pipeline reads of a spider: the base class declares it


def _items(n: int) -> list:
    return [transaction(transaction_key=f"T{i}", modification_number=f"P{i:05d}") for i in range(n)]


def _stored(path) -> tuple[int, tuple]:
    con = store.connect(path)
    try:
        n = con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0]
        run = con.execute("SELECT items_fetched, items_loaded, items_rejected, status FROM crawl_runs").fetchone()
        return n, run
    finally:
        con.close()


def test_every_record_of_many_batches_is_stored_once(tmp_path):
    pipeline = StagingPipeline(tmp_path / "staging.duckdb", batch_size=7)
    pipeline.open_spider(SPIDER)
    for item in _items(100):
        pipeline.process_item(item, SPIDER)
    pipeline.close_spider(SPIDER)
    assert _stored(tmp_path / "staging.duckdb") == (100, (100, 100, 0, "ok"))


def test_a_recrawl_meeting_stored_keys_mid_batch_stores_each_record_once_with_the_richer_fields(tmp_path):
    """A second crawl overlaps the first: its batches meet stored keys part-way, are written again as upserts."""
    path = tmp_path / "staging.duckdb"
    first = StagingPipeline(path, batch_size=7)
    first.open_spider(SPIDER)
    for i in range(30):  # the first crawl knows P00000..P00029 and how each was competed
        first.process_item(transaction(transaction_key=f"T{i}", modification_number=f"P{i:05d}",
                                       extent_competed="C"), SPIDER)
    first.close_spider(SPIDER)
    second = StagingPipeline(path, batch_size=7)
    second.open_spider(SPIDER)
    for i in range(20, 50):  # the second crawl: 10 known actions (no competition field) and 20 new ones
        second.process_item(transaction(transaction_key=f"T{i}", modification_number=f"P{i:05d}",
                                        description=f"TEXT {i}"), SPIDER)
    second.close_spider(SPIDER)
    con = store.connect(path)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT modification_number) FROM stg_transactions"
                           ).fetchone() == (50, 50)
        overlap = con.execute("SELECT count(*) FILTER (extent_competed = 'C' AND description LIKE 'TEXT %') "
                              "FROM stg_transactions WHERE modification_number BETWEEN 'P00020' AND 'P00029'"
                              ).fetchone()[0]
        assert overlap == 10, "known actions keep the first crawl's competition and take the second's text"
        runs = con.execute("SELECT items_fetched, items_loaded, items_rejected, status FROM crawl_runs "
                           "ORDER BY started_at").fetchall()
    finally:
        con.close()
    assert runs == [(30, 30, 0, "ok"), (30, 30, 0, "ok")], "a rolled-back write is not counted twice"


def _crawl_through_one_failed_write(path, monkeypatch, items: list, batch_size: int, fails) -> int:
    """Run items through a pipeline whose store write fails once, on the first call `fails(call, table)`
    picks (a write that failed for a moment); returns how many times the failure reached the crawl."""
    real = store.merge_batch
    calls = {"n": 0, "failed": False}

    def flaky(con, table, records, **kw):
        calls["n"] += 1
        if not calls["failed"] and fails(calls["n"], table):
            calls["failed"] = True
            raise RuntimeError("the write failed for a moment")
        return real(con, table, records, **kw)

    monkeypatch.setattr(store, "merge_batch", flaky)
    pipeline = StagingPipeline(path, batch_size=batch_size)
    pipeline.open_spider(SPIDER)
    raised = 0
    for item in items:
        try:
            pipeline.process_item(item, SPIDER)
        except RuntimeError:
            raised += 1
    pipeline.close_spider(SPIDER)
    return raised


def test_a_failed_batch_write_is_written_again_in_halves_and_loses_nothing(tmp_path, monkeypatch):
    """A batch whose write fails is split and written again (issue 19): the crawl goes on, every record stored."""
    raised = _crawl_through_one_failed_write(tmp_path / "staging.duckdb", monkeypatch, _items(45), batch_size=10,
                                             fails=lambda call, _table: call == 2)  # the second batch's write
    assert raised == 0, "a record-level failure is handled in the pipeline, not raised into the crawl"
    assert _stored(tmp_path / "staging.duckdb") == (45, (45, 45, 0, "ok"))


def test_a_flush_failing_on_its_second_table_counts_nothing_of_the_first_twice(tmp_path, monkeypatch):
    """Awards are written, then the transactions' write fails: the rolled-back awards are written (and
    counted) once, when the batch is written again in halves."""
    from spiders.usaspending.items import AwardItem

    items = []
    for i in range(10):
        items += [AwardItem(source="usaspending", source_url=f"https://www.usaspending.gov/award/A{i}/",
                            fetched_at=transaction()["fetched_at"], raw_payload="{}", award_key=f"CONT_AWD_A{i}"),
                  transaction(transaction_key=f"T{i}", modification_number=f"P{i:05d}")]
    raised = _crawl_through_one_failed_write(tmp_path / "staging.duckdb", monkeypatch, items, batch_size=4,
                                             fails=lambda _call, table: table == "stg_transactions")
    con = store.connect(tmp_path / "staging.duckdb")
    try:
        awards = con.execute("SELECT count(*) FROM stg_awards").fetchone()[0]
        run = con.execute("SELECT items_fetched, items_loaded, items_rejected, status FROM crawl_runs").fetchone()
    finally:
        con.close()
    assert raised == 0 and awards == 10
    assert run == (20, 20, 0, "ok"), run


def test_a_full_disk_at_close_records_a_failed_run_not_a_silent_one(tmp_path, monkeypatch):
    def broken(con, table, records, **kw):
        raise OSError(28, "No space left on device")

    pipeline = StagingPipeline(tmp_path / "staging.duckdb", batch_size=1000)
    pipeline.open_spider(SPIDER)
    for item in _items(5):
        pipeline.process_item(item, SPIDER)
    monkeypatch.setattr(store, "merge_batch", broken)
    pipeline.close_spider(SPIDER)
    assert pipeline.fatal and pipeline.fatal.startswith("staging store full: OSError")
    assert _stored(tmp_path / "staging.duckdb") == (0, (5, 0, 0, "failed"))


def test_a_write_failing_at_close_for_another_reason_is_raised_after_the_run_is_recorded(tmp_path, monkeypatch):
    def broken(con, table, records, **kw):
        raise MemoryError("out of memory")

    pipeline = StagingPipeline(tmp_path / "staging.duckdb", batch_size=1000)
    pipeline.open_spider(SPIDER)
    pipeline.process_item(_items(1)[0], SPIDER)
    monkeypatch.setattr(store, "merge_batch", broken)
    monkeypatch.setattr(store, "insert_rejects", lambda con, rows: (_ for _ in ()).throw(MemoryError("oom")))
    with pytest.raises(MemoryError):
        pipeline.close_spider(SPIDER)
    assert _stored(tmp_path / "staging.duckdb") == (0, (1, 0, 0, "failed"))


def test_the_staging_writer_takes_its_duckdb_settings_from_the_crawl_settings(tmp_path):
    from scrapy.settings import Settings

    settings = Settings({"STAGING_PATH": str(tmp_path / "staging.duckdb"), "STAGING_BATCH_SIZE": 3,
                         "STAGING_CHECKPOINT_THRESHOLD": "64MB", "STAGING_THREADS": 2})
    pipeline = StagingPipeline.from_crawler(types.SimpleNamespace(settings=settings, spider=SPIDER, stats=None))
    pipeline.open_spider(SPIDER)
    try:
        threads, threshold = pipeline.con.execute(
            "SELECT current_setting('threads'), current_setting('checkpoint_threshold')").fetchone()
    finally:
        pipeline.close_spider(SPIDER)
    assert (pipeline.batch_size, threads) == (3, 2)
    assert threshold == "61.0 MiB", threshold  # DuckDB reports 64 MB (10^6 bytes) in MiB
