"""Item pipeline: every item validated, written to the staging DuckDB in Arrow batches, or rejected.

Why one pipeline for every source: validation lives on the item (`to_record` raises ParseError with
the reason), so storing is the same everywhere: buffer by staging table, merge by natural key in
batches (re-crawls are idempotent upserts, never row-by-row inserts), and send whatever fails to
`rejects` with its reason and raw payload. The run's bookkeeping (`crawl_runs`) reconciles what the
spider yielded with what was stored: fetched = loaded + rejected.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from registry.core import paths, runs, store
from registry.core.parse import ParseError
from spiders.items import RegistryItem, RejectItem
from spiders.stats import pages_lost as lost_pages

log = logging.getLogger(__name__)


def stage_item(item: Any, source: str = "unknown") -> tuple[str, dict[str, Any]]:
    """(staging table, typed record) for a valid item, or ("rejects", reject row) with the reason.

    The one place an item becomes a row: the pipeline and the tests' offline staging both use it.
    """
    if isinstance(item, RegistryItem):  # nearly every item: checked first
        try:
            return item.staging_table, item.to_record()
        except ParseError as e:
            return "rejects", {"source": item.get("source"), "kind": item.kind, "source_url": item.get("source_url"),
                               "reason": str(e), "raw_payload": item.get("raw_payload")}
    if isinstance(item, RejectItem):
        return "rejects", dict(item)
    return "rejects", {"source": source, "kind": "unknown", "reason": f"unexpected item type {type(item).__name__}",
                       "raw_payload": repr(dict(item))[:100_000]}


class StagingPipeline:
    """Buffers items per staging table and flushes them as Arrow batches; records the crawl run."""

    def __init__(self, path: Path, batch_size: int, crawler=None, checkpoint_threshold: str = "256MB",
                 threads: int = 1) -> None:
        self.path = path
        self.batch_size = batch_size
        self.checkpoint_threshold = checkpoint_threshold
        self.threads = threads
        self.crawler = crawler
        self.con = None
        self.run_id: str | None = None
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        self.reject_buffer: list[dict[str, Any]] = []
        self.pending = 0  # records buffered since the last flush (all tables and rejects)
        self.conflicts: dict[str, bool] = {}  # per table: has a batch met keys stored already (a re-crawl)?
        self.columns: dict[str, list[tuple[str, str]]] = {}  # per table: its (name, type) pairs, looked up once
        self.fetched = 0
        self.loaded = 0
        self.rejected = 0

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("STAGING_PATH") or paths.staging_path()
        return cls(Path(path), crawler.settings.getint("STAGING_BATCH_SIZE", 5000), crawler,
                   crawler.settings.get("STAGING_CHECKPOINT_THRESHOLD", "256MB"),
                   crawler.settings.getint("STAGING_THREADS", 1))

    # -- lifecycle ---------------------------------------------------------------------------
    def open_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = store.connect(self.path)
        self.con.execute("SET checkpoint_threshold = ?", [self.checkpoint_threshold])
        self.con.execute("SET threads = ?", [self.threads])
        scope = dict(spider.scope)  # RegistrySpider's declared attributes
        since = spider.modified_since
        self.run_id = runs.start_run(self.con, spider.name, scope, since_date=since)
        spider.run_id = self.run_id
        log.info("crawl run %s writing to %s", self.run_id, self.path)

    def close_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        try:
            for item in spider.completeness_rejects():  # e.g. a listing that ended early
                self.process_item(item, spider)
            self.flush()
            stats = self.crawler.stats if self.crawler else None
            requests = int(stats.get_value("downloader/request_count", 0)) if stats else 0
            pages_lost = lost_pages(stats, spider.name)
            reason = stats.get_value("finish_reason") if stats else None
            error = None if reason in (None, "finished") else f"crawl ended early: {reason}"
            status = runs.finish_run(self.con, self.run_id, requests=requests, fetched=self.fetched,
                                     loaded=self.loaded, rejected=self.rejected, pages_lost=pages_lost,
                                     error=error, expected=spider.expected_total())
            if stats:
                stats.set_value("registry/run_status", status)
            log.info("crawl run %s %s: fetched %d, loaded %d, rejected %d, pages lost %d",
                     self.run_id, status, self.fetched, self.loaded, self.rejected, pages_lost)
        finally:
            self.con.close()

    # -- items -------------------------------------------------------------------------------
    def process_item(self, item, spider=None):
        self.fetched += 1
        table, row = stage_item(item, getattr(spider, "name", "unknown"))
        if table == "rejects":
            self.reject_buffer.append(row)
        else:
            row["run_id"] = self.run_id
            self.buffers.setdefault(table, []).append(row)
        self.pending += 1
        if self.pending >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write buffered records (one Arrow batch per table) and rejects, in one transaction.

        Each table's batches go in as plain inserts until one meets keys stored already (a re-crawl); that
        flush is rolled back and written again with the table's upsert, which its later batches keep using.
        """
        if not self.buffers and not self.reject_buffer:
            return
        while True:
            self.con.execute("BEGIN TRANSACTION")
            try:
                loaded = 0
                for table, records in self.buffers.items():
                    if table not in self.columns:
                        self.columns[table] = store.table_columns(self.con, table)
                    store.merge_batch(self.con, table, records, insert_first=not self.conflicts.get(table),
                                      columns=self.columns[table])
                    loaded += len(records)  # every record was stored (a repeated key: merged into one row)
                for r in self.reject_buffer:
                    r["run_id"] = self.run_id
                rejected = store.insert_rejects(self.con, self.reject_buffer)
                self.con.execute("COMMIT")
                break
            except store.KeysStored as e:
                self.con.execute("ROLLBACK")
                self.conflicts[e.table] = True  # bounded: each retry moves one more table to its upsert
            except Exception:
                self.con.execute("ROLLBACK")
                raise
        self.loaded += loaded
        self.rejected += rejected
        self.buffers = {}
        self.reject_buffer = []
        self.pending = 0
