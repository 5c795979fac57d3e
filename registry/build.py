"""`registry build`: staging → registry.duckdb, written aside and swapped in atomically.

Why a temporary file and `os.replace`: readers (the dashboard) keep the old file open and see a
whole registry before and after; a failed or killed build leaves the previous registry untouched.
The registry is rebuilt from scratch each time from versioned SQL (registry/sql/NNN_*.sql) and
Python steps (the model, each source's spiders/<source>/build.py), in the order their declared reads and
writes give (registry/build_order.py); `schema_version` records what made it, step by step.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module, resources
from pathlib import Path

import duckdb

from registry import build_order, completeness, fulltext
from registry.core import paths, store
from registry.core.store import now_utc


@dataclass
class BuildContext:
    """What a build step may use: the new registry (staging attached as `stg`) and the curated data."""

    con: duckdb.DuckDBPyConnection
    data_dir: Path
    is_sample: bool
    log: Callable[[str], None]
    timings: dict[str, float] = field(default_factory=dict)


def steps() -> list[str]:
    """The build's step ids in the order they run: found on disk and sorted by what each reads and writes
    (registry/build_order.py, which caches the order while the files are unchanged); "sql:<file>" runs a
    versioned SQL file, "py:<module>:build" a Python step."""
    return [s.id for s in build_order.ordered()]


BUILD_MEMORY = "1GB"  # DuckDB memory_limit of a build; env REGISTRY_BUILD_MEMORY overrides (e.g. 8GB: faster)


@dataclass
class BuildReport:
    out: Path
    seconds: float
    counts: dict[str, int]
    timings: dict[str, float]


def _run_step(ctx: BuildContext, step: str) -> None:
    """Run one step and record it in schema_version, in one transaction.

    Why one transaction per step: outside a transaction every statement commits, and each commit syncs
    DuckDB's write-ahead log to disk; a sample build ran about a thousand syncs (most of them one COMMENT ON
    per column), a second of waiting on a busy disk. A step's statements now commit together. A failed step
    fails the build, which removes the whole file, so a rollback changes nothing a reader could see.
    """
    kind, _, target = step.partition(":")
    if kind not in ("sql", "py"):
        raise ValueError(f"unknown build step {step!r}")
    ctx.con.execute("BEGIN TRANSACTION")
    try:
        if kind == "sql":
            ctx.con.execute(resources.files("registry.sql").joinpath(target).read_text())
        else:
            module, _, func = target.partition(":")
            getattr(import_module(module), func)(ctx)
        ctx.con.execute("INSERT INTO schema_version VALUES (?, ?, ?)",
                        [target, "sql" if kind == "sql" else "python", now_utc()])
        ctx.con.execute("COMMIT")
    except BaseException:
        try:
            ctx.con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the failed statement already ended the transaction
        raise


def _remove_stale_temps(out: Path) -> None:
    """Temp files of builds that were killed: never read, safe to remove."""
    for p in out.parent.glob(out.name + ".tmp-*"):
        try:
            pid = int(p.name.rsplit("-", 1)[-1].split(".")[0])
        except ValueError:
            continue
        if pid != os.getpid():
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                p.unlink(missing_ok=True)
            except PermissionError:
                pass


def build(
    staging: Path | str | None = None,
    out: Path | str | None = None,
    *,
    is_sample: bool = False,
    meta: dict | None = None,
    data_dir: Path | None = None,
    log: Callable[[str], None] = lambda _m: None,
    allow_partial: bool = False,
) -> BuildReport:
    """Build the registry from staging; on any error the previous registry stays as it was."""
    staging = Path(staging or paths.staging_path())
    out = Path(out or paths.registry_path())
    if not staging.exists():
        raise FileNotFoundError(f"staging store not found: {staging} (crawl or load something first)")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(out)
    tmp = out.with_name(f"{out.name}.tmp-{os.getpid()}")
    store.remove(tmp)
    started = time.perf_counter()
    con = duckdb.connect(str(tmp))
    fts_name: str | None = None
    try:
        # DuckDB would take up to 80% of RAM; the build shares the machine with the dashboard and crawls, so it
        # caps itself and spills to disk beyond (1M awards / 5M transactions in < 2 GB RSS, see bench/results.md).
        con.execute("SET memory_limit = ?", [os.environ.get("REGISTRY_BUILD_MEMORY", BUILD_MEMORY)])
        # DuckDB runs one thread per core by default; where other work shares the cores (the test suite's
        # workers, each building), REGISTRY_BUILD_THREADS=1 spends about a tenth less CPU on a sample-sized
        # build for the same registry (a small build is mostly planning, which does not run in parallel).
        if os.environ.get("REGISTRY_BUILD_THREADS"):
            con.execute("SET threads = ?", [int(os.environ["REGISTRY_BUILD_THREADS"])])
        # Why no fsync while building: the file is a temporary that nobody reads until it is complete; a crash
        # mid-build leaves it to _remove_stale_temps. Its one sync that matters is the os.fsync below, after
        # the last CHECKPOINT and before the swap, so each step's COMMIT (and the checkpoint) need not wait on
        # the disk: on a busy shared disk each of those syncs was a wait, not work.
        con.execute("SET fsync_mode = 'NONE'")
        con.execute("ATTACH ? AS stg (READ_ONLY)", [str(staging)])
        incomplete = completeness.incomplete_scopes(con, "stg")
        for warning in completeness.check(incomplete, allow_partial):  # raises for an unfinished crawl
            log(warning)
        con.execute("CREATE TABLE schema_version (step VARCHAR, kind VARCHAR, applied_at TIMESTAMPTZ)")
        ctx = BuildContext(con=con, data_dir=data_dir or paths.DATA_DIR, is_sample=is_sample, log=log)
        for step in steps():  # a cycle or a missing input fails here, before the first step
            t0 = time.perf_counter()
            log(f"build: {step}")
            _run_step(ctx, step)
            ctx.timings[step] = time.perf_counter() - t0
        t0 = time.perf_counter()
        fts_name = fulltext.build_index(con, out, log)  # named in registry_meta: swapped with the file
        ctx.timings["fulltext_index"] = time.perf_counter() - t0
        info = {
            fulltext.META_KEY: fts_name,
            "built_at": now_utc().isoformat(),
            "is_sample": "true" if is_sample else "false",
            "staging": str(staging),
            "incomplete_scopes": completeness.meta_value(incomplete),
            **{k: (v if isinstance(v, str) else json.dumps(v)) for k, v in (meta or {}).items()},
        }
        con.execute("CREATE TABLE registry_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany("INSERT INTO registry_meta VALUES (?, ?)", list(info.items()))
        con.execute("COMMENT ON TABLE registry_meta IS 'Facts about this build: when it was built, from which "
                    "staging store, whether it is the bundled sample, scopes left incomplete, its full-text index.'")
        con.execute("COMMENT ON COLUMN registry_meta.key IS 'What the fact is (built_at, is_sample, staging, "
                    "incomplete_scopes, fulltext_index, sample_description, ...).'")
        con.execute("COMMENT ON COLUMN registry_meta.value IS 'Its value, as text.'")
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("awards", "transactions", "vendors", "rejects", "crawl_runs")
        }
        con.execute("DETACH stg")
        con.execute("CHECKPOINT")
        con.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        previous_fts = fulltext.previous_index(out)
        os.replace(tmp, out)
        Path(str(out) + ".wal").unlink(missing_ok=True)
        dfd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except BaseException:
        try:
            con.close()
        except Exception:
            pass
        store.remove(tmp)
        if fts_name:
            fulltext.prune(out, keep={n for n in (fulltext.previous_index(out),) if n})
        raise
    fulltext.prune(out, keep={n for n in (fts_name, previous_fts) if n})
    return BuildReport(out=out, seconds=time.perf_counter() - started, counts=counts, timings=ctx.timings)
