"""Build figure: `registry build` on the synthetic staging vs a bare CREATE TABLE AS of the same joins.

Why subprocesses: peak memory (RSS) is a property of the process that builds, measured by GNU time around a
fresh interpreter, so each measurement is of one build alone. The ceiling runs registry/sql/100_base.sql (the joins
that make the award and transaction tables) in a fresh file and nothing else: no vendor resolution, no
capability rules, no model tables, no views. The ratio is what the model costs on top of DuckDB itself.

Child usage: python -m bench.build_figure build|ctas STAGING OUT  -> JSON on stdout
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from registry.core import store

ROOT = Path(__file__).resolve().parents[1]


def measured(args: list[str]) -> tuple[dict, float, float]:
    """(child's JSON, wall seconds, peak RSS in MB) of one child process.

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks the child from its own small process:
    the rusage of a child forked straight from this (large) process would count this process's pages too.
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB %M", sys.executable, "-m", "bench.build_figure",
                               *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        wall = time.perf_counter() - t0
        err.seek(0)
        lines = err.read().splitlines()
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {' '.join(lines[-20:])}")
    rss_kb = next(int(x.split()[1]) for x in reversed(lines) if x.startswith("MAXRSS_KB "))
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall, rss_kb / 1024


def run(staging: Path, out: Path, log=print) -> dict:
    log(f"build: registry build of {staging.name}")
    report, wall, rss = measured(["build", str(staging), str(out)])
    log(f"build: bare CREATE TABLE AS of the same joins ({staging.name})")
    ctas, wall_c, rss_c = measured(["ctas", str(staging), str(out.with_name(out.stem + "-ctas.duckdb"))])
    return {"build_seconds": report["seconds"], "build_wall": wall, "build_rss_mb": rss,
            "timings": report["timings"], "counts": report["counts"], "sql_seconds": report["sql_seconds"],
            "statements": report["statements"],
            "ctas_seconds": ctas["seconds"], "ctas_rss_mb": rss_c}


class _StatementTimer:
    """Sums the time the build spends inside DuckDB's execute(): the rest of a build is Python (vendor name
    matching, rule loops, orchestration). Why: it says whether the build's time is the SQL's own or overhead
    around it, which the ratio to the bare CTAS alone cannot tell."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def module(self, duckdb_module):
        timer = self

        class Connection:
            def __init__(self, con) -> None:
                self._con = con

            def execute(self, *args, **kwargs):
                t0 = time.perf_counter()
                try:
                    return self._con.execute(*args, **kwargs)
                finally:
                    timer.seconds += time.perf_counter() - t0
                    timer.count += 1

            def __getattr__(self, name):
                return getattr(self._con, name)

        class Module:
            def __getattr__(self, name):
                return getattr(duckdb_module, name)

            @staticmethod
            def connect(*args, **kwargs):
                return Connection(duckdb_module.connect(*args, **kwargs))

        return Module()


def _child(mode: str, staging: str, out: str) -> None:
    import duckdb

    if mode == "build":
        from registry import build

        timer = _StatementTimer()
        build.duckdb = timer.module(duckdb)  # this child process only: the build's connection, timed
        r = build.build(staging, out)
        print(json.dumps({"seconds": r.seconds, "timings": r.timings, "counts": r.counts,
                          "sql_seconds": timer.seconds, "statements": timer.count}))
        return
    store.remove(out)
    t0 = time.perf_counter()
    from registry.build import BUILD_MEMORY

    con = duckdb.connect(out)
    # the same memory cap as the build: a policy of both, not overhead of one
    con.execute("SET memory_limit = ?", [os.environ.get("REGISTRY_BUILD_MEMORY", BUILD_MEMORY)])
    con.execute("ATTACH ? AS stg (READ_ONLY)", [staging])
    con.execute(resources.files("registry.sql").joinpath("100_base.sql").read_text())
    con.execute("DETACH stg")
    con.execute("CHECKPOINT")
    con.close()
    print(json.dumps({"seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    _child(*sys.argv[1:4])
