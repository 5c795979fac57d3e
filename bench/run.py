"""`make bench`: every figure of issue 8 in one run, written to bench/results.md and bench/latency.png.

BENCH_SCALE=small runs 10k awards only (a quick check, ~3 min); BENCH_REUSE=1 keeps staging stores
already generated in bench/work/; the default runs 10k, 100k and 1M awards
(~5M transactions) for build and queries, and a few thousand awards over HTTP for the crawl figures; every
page's settle time in headless Chromium on ~23k awards (the sample replicated with new keys, bench/page_settle.py).
Synthetic data lives in bench/work/ (git-ignored) and is never written to the registry at the repository root.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bench import build_figure, crawl, ingest, page_settle, queries_figure, report
from bench.generate import generate_staging

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work"

SCALES = {
    "small": {"sizes": [10_000], "crawl_awards": 500, "latency_awards": 100, "seq_awards": 20, "ingest": 5_000},
    "full": {"sizes": [10_000, 100_000, 1_000_000], "crawl_awards": 2_000, "latency_awards": 400,
             "seq_awards": 60, "ingest": 20_000},
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    scale = os.environ.get("BENCH_SCALE", "full")
    if scale not in SCALES:
        raise SystemExit(f"BENCH_SCALE must be one of {', '.join(SCALES)}")
    cfg = SCALES[scale]
    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    results: dict = {"scale": scale, "build": {}, "queries": {}, "load_start": _load()}
    stagings = {}
    for n in cfg["sizes"]:
        log(f"generate {n:,} awards")
        stagings[n] = WORK / f"stg-{n}.duckdb"
        if os.environ.get("BENCH_REUSE") == "1" and stagings[n].exists():  # same seed, same data: skip
            log(f"reusing {stagings[n].name} (BENCH_REUSE=1)")
            continue
        counts = generate_staging(stagings[n], n)
        log(f"generated {counts}")

    results["crawl"] = crawl.run(WORK, awards=cfg["crawl_awards"], latency_awards=cfg["latency_awards"],
                                 seq_awards=cfg["seq_awards"], log=log)
    results["ingest"] = ingest.run(stagings[cfg["sizes"][-1] if scale == "small" else 100_000], WORK,
                                   awards=cfg["ingest"], log=log)
    try:
        from bench import bench_csv  # written by the bulk-route work (issue: CSV loader figure)
    except ImportError:
        bench_csv = None
    if bench_csv is not None:
        log("bulk CSV figure (bench/bench_csv.py)")
        results["bench_csv"] = bench_csv.run(50_000) if scale == "small" else bench_csv.run()

    for n in cfg["sizes"]:
        reg = WORK / f"reg-{n}.duckdb"
        results["build"][str(n)] = build_figure.run(stagings[n], reg, log=log)
        log(f"build {n:,}: {results['build'][str(n)]['build_seconds']:.1f}s, "
            f"{results['build'][str(n)]['build_rss_mb']:,.0f} MB")
        results["queries"][str(n)] = queries_figure.run(reg, log=log)
    log("page settle in Chromium at ~23k awards (bench/page_settle.py)")
    results["page_settle"] = page_settle.run(WORK, log=log, reps=2 if scale == "small" else 3)

    results["seconds"] = time.perf_counter() - t0
    results["load_end"] = _load()
    (WORK / f"results-{scale}.json").write_text(json.dumps(results, indent=1, default=str))
    out_md = BENCH / ("results.md" if scale == "full" else "results-small.md")
    report.write_markdown(results, out_md)
    report.plot_latency(results, BENCH / ("latency.png" if scale == "full" else "latency-small.png"))
    for row in report.figures(results):
        log(" | ".join(str(x) for x in row))
    log(f"wrote {out_md} in {results['seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
