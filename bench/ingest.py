"""Ingest figure: items/s through the real StagingPipeline vs DuckDB's own read_json of the same records.

Why this ceiling: read_json + INSERT is the fastest way DuckDB itself takes these records in; the pipeline adds
per-item validation (to_record), a payload hash, Arrow batching and merge-by-key (idempotent upserts). The items
are built before the clock starts, as the spider would have yielded them (strings and Decimals from the API).
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import date, datetime
from pathlib import Path

from bench.generate import sample_rows
from registry.core import store
from spiders.base import RegistrySpider
from spiders.pipelines import StagingPipeline
from spiders.usaspending.items import AwardItem, TransactionItem


def _api_value(v):
    """As the spider hands values over: dates as the API's strings (Decimals stay Decimals)."""
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return v.isoformat()
    return v


def _items(rows: list[dict], cls) -> list:
    fields = set(cls.fields)
    return [cls(**{k: _api_value(v) for k, v in r.items() if k in fields}) for r in rows]


def _pipeline_seconds(items: list, target: Path, spider) -> float:
    store.remove(target)
    pipe = StagingPipeline(target, batch_size=5000)
    t0 = time.perf_counter()
    pipe.open_spider(spider)
    for it in items:
        pipe.process_item(it, spider)
    pipe.close_spider(spider)
    seconds = time.perf_counter() - t0
    assert pipe.loaded == len(items), (pipe.loaded, len(items))
    return seconds


def _readjson_seconds(files: dict[str, Path], target: Path, expected: int) -> float:
    store.remove(target)
    con = store.connect(target)
    try:
        t0 = time.perf_counter()
        for table, f in files.items():
            cols = store.table_columns(con, table)
            spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in cols if c not in ("run_id",)) + "}"
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_json('{f}', columns = {spec}, "
                        "format = 'newline_delimited')")
        # both sides end with the rows checkpointed into the file: the pipeline's close_spider closes its
        # connection (a checkpoint) inside its clock, so the ceiling's checkpoint is inside this one
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - t0
        n = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in files)
    finally:
        con.close()
    assert n == expected, (n, expected)
    return seconds


def run(source_staging: Path, work: Path, awards: int = 20_000, log=print, repeats: int = 3) -> dict:
    """Median of `repeats` runs of each side, interleaved: one run of the ceiling lasts under a second, so a
    single pair moved the ratio by +-0.03 on this shared machine."""
    work.mkdir(parents=True, exist_ok=True)
    aw_rows = sample_rows(source_staging, "stg_awards", awards)
    tx_rows = sample_rows(source_staging, "stg_transactions", awards * 5)
    items = _items(aw_rows, AwardItem) + _items(tx_rows, TransactionItem)
    spider = RegistrySpider(name="synthetic-bench")  # what the pipeline reads of a spider: the base declares it
    spider.scope = {"bench": "ingest"}
    # warm-up on a scratch file: the first flush imports what DuckDB's Arrow scan needs (~0.3 s, once per
    # process); the figure is the steady-state rate, as the ceiling's is (duckdb is imported before its clock)
    scratch = work / "ingest-warmup.duckdb"
    _pipeline_seconds(items[:10], scratch, spider)
    store.remove(scratch)

    # the same records, typed as the pipeline stores them, as NDJSON files for read_json
    files = {}
    for table, its in (("stg_awards", items[:len(aw_rows)]), ("stg_transactions", items[len(aw_rows):])):
        f = work / f"ingest-{table}.ndjson"
        with f.open("w") as fh:
            for it in its:  # to_record gives the payload hash too, as the pipeline stores it
                fh.write(json.dumps(it.to_record(), default=str) + "\n")
        files[table] = f
    pipeline_runs, readjson_runs = [], []
    for i in range(repeats):
        log(f"ingest: {len(items):,} items through StagingPipeline, then DuckDB read_json ({i + 1}/{repeats})")
        pipeline_runs.append(_pipeline_seconds(items, work / "ingest-pipeline.duckdb", spider))
        readjson_runs.append(_readjson_seconds(files, work / "ingest-readjson.duckdb", len(items)))
    pipeline_s, readjson_s = statistics.median(pipeline_runs), statistics.median(readjson_runs)
    return {"items": len(items), "repeats": repeats, "pipeline_seconds": pipeline_s, "readjson_seconds": readjson_s,
            "pipeline_runs": pipeline_runs, "readjson_runs": readjson_runs,
            "pipeline_items_s": len(items) / pipeline_s, "readjson_items_s": len(items) / readjson_s}


if __name__ == "__main__":
    root = Path(__file__).resolve().parent / "work"
    print(run(root / "stg-10000.duckdb", root, awards=5000))
