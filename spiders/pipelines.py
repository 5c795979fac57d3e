"""Item pipeline: every item validated, written to the staging DuckDB in Arrow batches, or rejected.

Why one pipeline for every source: validation lives on the item (`to_record` raises ParseError with
the reason), so storing is the same everywhere: buffer by staging table, merge by natural key in
batches (re-crawls are idempotent upserts, never row-by-row inserts), and send whatever fails to
`rejects` with its reason and raw payload. The run's bookkeeping (`crawl_runs`) reconciles what the
spider yielded with what was stored: fetched = loaded + rejected.
"""

from __future__ import annotations

import errno
import json
import logging
from pathlib import Path
from typing import Any

import duckdb

from registry.core import paths, runs, store
from registry.core.parse import ParseError
from spiders import guards
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


class StagingFull(RuntimeError):
    """The staging store's disk is full: the crawl stops at once (one line), committed rows are kept."""


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
        self.fatal: str | None = None  # set when the store cannot take more (a full disk): the crawl stops

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
        """Flush, then record the run; a write that failed still leaves a finished, non-ok run behind.

        Why the run is finished whatever happened: a run left `running` reads as "still going" to every
        later command, and its counts (what was fetched, what is missing) are what a re-run needs.
        """
        spider = spider or self.crawler.spider
        stats = self.crawler.stats if self.crawler else None
        write_error: Exception | None = None
        try:
            if self.fatal is None:
                for item in spider.completeness_rejects():  # e.g. a listing that ended early
                    self.process_item(item, spider)
                self.flush()
        except StagingFull:
            pass  # self.fatal says it; the run is recorded below as far as the disk allows
        except Exception as e:  # noqa: BLE001 - recorded in the run, then raised
            write_error = e
        requests = int(stats.get_value("downloader/request_count", 0)) if stats else 0
        pages_lost = lost_pages(stats, spider.name)
        reason = stats.get_value("finish_reason") if stats else None
        stop = stats.get_value(guards.STOP_REASON) if stats else None
        error = self.fatal or (f"staging write failed: {one_line(write_error)}" if write_error else None) or stop
        if error is None and reason not in (None, "finished"):
            error = f"crawl ended early: {reason}"
        status = "failed" if self.fatal or write_error else None
        try:
            status = runs.finish_run(self.con, self.run_id, requests=requests, fetched=self.fetched,
                                     loaded=self.loaded, rejected=self.rejected, pages_lost=pages_lost,
                                     error=error, status=status, expected=spider.expected_total())
        except duckdb.Error as e:  # e.g. the disk is still full: the run stays unfinished and says nothing more
            status = "failed"
            error = error or f"could not record the run: {one_line(e)}"
        finally:
            self.con.close()
        if stats:
            stats.set_value("registry/run_status", status)
            if error:
                stats.set_value("registry/error", error)
        log.info("crawl run %s %s: fetched %d, loaded %d, rejected %d, pages lost %d",
                 self.run_id, status, self.fetched, self.loaded, self.rejected, pages_lost)
        if write_error is not None:
            raise write_error

    # -- items -------------------------------------------------------------------------------
    def process_item(self, item, spider=None):
        self.fetched += 1
        if self.fatal is not None:  # the store cannot take more: the crawl is stopping, nothing is written
            return item
        table, row = stage_item(item, getattr(spider, "name", "unknown"))
        if table == "rejects":
            self.reject_buffer.append(row)
        else:
            row["run_id"] = self.run_id
            self.buffers.setdefault(table, []).append(row)
        self.pending += 1
        if self.pending >= self.batch_size:
            try:
                self.flush()
            except StagingFull:
                return item  # said once (self.fatal), the crawl is closing
        return item

    def flush(self) -> None:
        """Write buffered records (one Arrow batch per table) and rejects, in one transaction.

        Each table's batches go in as plain inserts until one meets keys stored already (a re-crawl); that
        flush is rolled back and written again with the table's upsert, which its later batches keep using.
        A batch that fails for another reason is split in halves, down to the one record that cannot be
        stored, which goes to rejects with the error and its payload: one bad record never costs the rest
        (a lone surrogate in one description once cost a whole crawl). A full disk is not a record's fault:
        it raises StagingFull at once and asks the crawl to stop.
        """
        if not self.buffers and not self.reject_buffer:
            return
        entries = [(table, r) for table, records in self.buffers.items() for r in records]
        rejects = self.reject_buffer
        self.buffers = {}
        self.reject_buffer = []
        self.pending = 0
        try:
            self._write_split(entries, rejects)
        except StagingFull as e:
            self._stop(str(e))
            raise

    def _write_split(self, entries: list[tuple[str, dict[str, Any]]], rejects: list[dict[str, Any]]) -> None:
        """Write entries and rejects; on a record-level failure, halves are written apart (bisection)."""
        try:
            self._write(entries, rejects)
            return
        except StagingFull:
            raise
        except Exception as e:  # noqa: BLE001 - a record the store refuses: find it, reject it
            if len(entries) + len(rejects) <= 1:
                if entries:
                    table, record = entries[0]
                    self._write([], [self._unstorable(table, record, e)])
                else:  # a reject row itself could not be written: its text, made storable
                    self._write([], [_storable_reject(rejects[0], e)])
                return
            error = e
        log.warning("staging write of %d records failed (%s): writing them in halves to find the bad one",
                    len(entries) + len(rejects), one_line(error))
        half = len(entries) // 2
        if entries:
            self._write_split(entries[:half], rejects)
            self._write_split(entries[half:], [])
        else:
            mid = len(rejects) // 2
            self._write_split([], rejects[:mid])
            self._write_split([], rejects[mid:])

    def _unstorable(self, table: str, record: dict[str, Any], error: Exception) -> dict[str, Any]:
        return _storable_reject({
            "source": record.get("source") or "unknown", "kind": table.removeprefix("stg_"),
            "source_url": record.get("source_url"), "raw_payload": record.get("raw_payload"),
            "reason": f"staging write refused the record: {one_line(error)}",
        }, None)

    def _write(self, entries: list[tuple[str, dict[str, Any]]], rejects: list[dict[str, Any]]) -> None:
        """One transaction for these records; counts move only when it commits."""
        buffers: dict[str, list[dict[str, Any]]] = {}
        for table, r in entries:
            buffers.setdefault(table, []).append(r)
        while True:
            self.con.execute("BEGIN TRANSACTION")
            try:
                loaded = 0
                for table, records in buffers.items():
                    if table not in self.columns:
                        self.columns[table] = store.table_columns(self.con, table)
                    store.merge_batch(self.con, table, records, insert_first=not self.conflicts.get(table),
                                      columns=self.columns[table])
                    loaded += len(records)  # every record was stored (a repeated key: merged into one row)
                for r in rejects:
                    r["run_id"] = self.run_id
                rejected = store.insert_rejects(self.con, rejects)
                self.con.execute("COMMIT")
                break
            except store.KeysStored as e:
                self._rollback()
                self.conflicts[e.table] = True  # bounded: each retry moves one more table to its upsert
            except Exception as e:
                self._rollback()
                if disk_full(e):
                    raise StagingFull(f"staging store full: {one_line(e)} ({self.path}); rows committed before "
                                      "are kept: free space and re-run the same command") from e
                raise
        self.loaded += loaded
        self.rejected += rejected

    def _rollback(self) -> None:
        """Roll back if a transaction is still open (a failed COMMIT has already ended it: no masking error)."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    def _stop(self, message: str) -> None:
        """Say it once and close the spider: nothing more can be stored."""
        if self.fatal is not None:
            return
        self.fatal = message
        log.error("%s", message)
        crawler = self.crawler
        if crawler is not None and getattr(crawler, "engine", None) is not None:
            if crawler.stats:
                crawler.stats.set_value(guards.STOP_REASON, message)
            guards.close_crawl(crawler, "staging_full")


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def disk_full(error: BaseException) -> bool:
    """The store's disk (or quota) is full: no record's fault, and no later write will do better."""
    e: BaseException | None = error
    while e is not None:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        text = str(e)
        if "No space left on device" in text or "Disk quota exceeded" in text:
            return True
        e = e.__cause__ or e.__context__
    return False


def _safe_text(value: Any) -> Any:
    """Text the store can hold: lone surrogates (from JSON's \\ud800 escapes) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8") if not value.isascii() else value
    return value


def _storable_reject(row: dict[str, Any], error: Exception | None) -> dict[str, Any]:
    raw = row.get("raw_payload")
    if raw is not None and not isinstance(raw, str):
        raw = json.dumps(raw, default=str)
    out = {k: _safe_text(v) for k, v in row.items()}
    out["raw_payload"] = _safe_text(raw)
    if error is not None:
        out["reason"] = _safe_text(f"{row.get('reason')} (stored with its text repaired: {one_line(error)})")
    return out
