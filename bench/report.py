"""bench/results.md and bench/latency.png from one run's raw numbers (figures, targets, pass/fail).

Why ratios: each figure is divided by a ceiling measured in the same run on the same machine (bare Scrapy,
DuckDB's own read_json / CREATE TABLE AS / fetchall), so a slower or busier machine moves both sides.
"""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

QUERY_TARGET_MS = 200.0


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines()
                      if x.startswith("MemTotal")).split()[1])
        ram = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, StopIteration, ValueError):
        ram = "unknown"
    return {"nproc": str(os.cpu_count()), "ram": ram, "cpu": cpu, "python": platform.python_version()}


def _row(figure: str, measured: str, target: str, ok: bool | None) -> str:
    verdict = "n/a" if ok is None else ("pass" if ok else "**FAIL**")
    return f"| {figure} | {measured} | {target} | {verdict} |"


def figures(r: dict) -> list[tuple[str, str, str, bool | None]]:
    """(figure, measured, target, pass) rows of the summary table."""
    rows: list[tuple[str, str, str, bool | None]] = []
    c = r.get("crawl")
    if c:
        p, b = c["project"], c["bare"]
        p_rate, b_rate = p["requests"] / p["seconds"], b["requests"] / b["seconds"]
        ratio = p_rate / b_rate
        rows.append((f"crawl: project spider vs bare Scrapy ({c['awards']:,} awards, no latency)",
                     f"{p_rate:.0f} vs {b_rate:.0f} req/s = {ratio:.2f}", ">= 0.7", ratio >= 0.7))
        pl, sq = c["project_latency"], c["sequential_latency"]
        pl_rate, sq_rate = pl["requests"] / pl["seconds"], sq["requests"] / sq["seconds"]
        rows.append((f"crawl: project spider vs sequential requests loop ({c['latency'] * 1000:.0f} ms/response)",
                     f"{pl_rate:.1f} vs {sq_rate:.1f} req/s = {pl_rate / sq_rate:.1f}x", "report speed-up", None))
        inc = c["incremental"]
        share = inc["requests"] / p["requests"]
        rows.append(("incremental: --since-last requests when 1% changed, share of a full crawl",
                     f"{inc['requests']} / {p['requests']} = {share:.1%}", "<= 5%", share <= 0.05))
    i = r.get("ingest")
    if i:
        ratio = i["pipeline_items_s"] / i["readjson_items_s"]
        rows.append((f"ingest: StagingPipeline vs DuckDB read_json ({i['items']:,} items, median of "
                     f"{i.get('repeats', 1)} interleaved runs each)",
                     f"{i['pipeline_items_s']:,.0f} vs {i['readjson_items_s']:,.0f} items/s = {ratio:.3f}",
                     ">= 0.3", ratio >= 0.3))
    for size, b in sorted((r.get("build") or {}).items(), key=lambda kv: int(kv[0])):
        n_tx = b["counts"]["transactions"]
        ratio = b["build_seconds"] / b["ctas_seconds"]
        label = f"{int(size):,} awards / {n_tx:,} tx"
        if int(size) == max(int(k) for k in r["build"]):
            rows.append((f"build: registry build vs bare CREATE TABLE AS ({label})",
                         f"{b['build_seconds']:.1f} s vs {b['ctas_seconds']:.1f} s = {ratio:.1f}x", "<= 2x",
                         ratio <= 2))
            rows.append((f"build: peak RSS of the build process ({label})", f"{b['build_rss_mb']:,.0f} MB",
                         "< 2,048 MB", b["build_rss_mb"] < 2048))
            rows.append((f"build: absolute time ({label})", f"{b['build_seconds']:.1f} s", "report", None))
    q = r.get("queries") or {}
    if q:
        size = max(q, key=int)
        res = q[size]
        ok = [v for v in res.values() if "p95_ms" in v]
        errs = [k for k, v in res.items() if "error" in v]
        worst = max(ok, key=lambda v: v["p95_ms"]) if ok else None
        over = [k for k, v in res.items() if v.get("p95_ms", 0) > QUERY_TARGET_MS]
        if worst:
            name = next(k for k, v in res.items() if v is worst)
            rows.append((f"dashboard queries: p95 of every function in dashboard/queries.py ({int(size):,} awards)",
                         f"{len(ok) - len(over)}/{len(ok)} within target; worst {name} {worst['p95_ms']:,.0f} ms"
                         + (f"; {len(errs)} not run" if errs else ""),
                         f"p95 <= {QUERY_TARGET_MS:.0f} ms each", not over and not errs))
    ps = r.get("page_settle")
    if ps:
        target = ps.get("target_s", 1.5)
        for field, how in (("in_app_s", "reached in the app by its sidebar link"),
                           ("warm_s", "opened again in a new tab")):
            warm = {k: v[field] for k, v in ps["pages"].items() if field in v}
            if not warm:
                continue
            worst = max(warm, key=warm.get)
            within = sum(v <= target for v in warm.values())
            rows.append((f"dashboard pages: warm settle in headless Chromium, {how} ({ps['registry']['awards']:,} "
                         "awards, the sample replicated; median of 3)",
                         f"{within}/{len(warm)} within target; worst {worst} {warm[worst]:.2f} s",
                         f"<= {target} s each", within == len(warm)))
    csv_ = r.get("bench_csv")
    if csv_ and "loader_share_of_read_csv" in csv_:
        share = csv_["loader_share_of_read_csv"]
        rows.append((f"bulk CSV: loader vs DuckDB read_csv ({csv_.get('rows', 0):,} rows, bench/bench_csv.py)",
                     f"{csv_.get('loader_rows_per_s', 0):,} vs {csv_.get('read_csv_rows_per_s', 0):,} rows/s = "
                     f"{share:.2f}", ">= 0.3", share >= 0.3))
    return rows


def build_split(timings: dict[str, float]) -> tuple[float, float, float]:
    """(base joins, model, stored tables) seconds of one build from its step timings.

    `materialize:<view>` entries are the parts of the materialize step, so they are not counted twice."""
    base = timings.get("sql:100_base.sql", 0.0)
    stored = timings.get("py:registry.materialize:build", 0.0)
    model = sum(v for k, v in timings.items()
                if not k.startswith("materialize:") and k not in ("sql:100_base.sql", "py:registry.materialize:build"))
    return base, model, stored


def page_settle_lines(ps: dict | None) -> list[str]:
    """The page-settle table: each page on the ~23k-award registry in the app and in a new tab, against the sample."""
    if not ps:
        return []

    def span(v: dict, field: str) -> str:
        if field not in v:
            return ""
        return f"{v[field]:.2f} ({v[field.replace('_s', '_min_s')]:.2f}-{v[field.replace('_s', '_max_s')]:.2f})"

    def ratio(v: dict, base: dict, field: str) -> str:
        return f"{v[field] / base[field]:.2f}" if v.get(field) and base.get(field) else ""

    awards = f"{ps['registry']['awards']:,}"
    lines = [f"## Dashboard pages: settle time in headless Chromium, 1440x900 (s; load average "
             f"{ps.get('load_start', '?')} / {ps.get('load_end', '?')})", "",
             f"| page | in the app, {awards} awards | sample | ratio | new tab warm, {awards} awards | sample | "
             "ratio | new tab cold | new tab: scripts / websocket / title | new tab CPU: browser / server |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def pair(v: dict, *fields: str) -> str:
        return " / ".join(f"{v[f]:.2f}" for f in fields) if all(f in v for f in fields) else ""

    for name, v in ps["pages"].items():
        base = (ps.get("sample_pages") or {}).get(name, {})
        lines.append(f"| {name} | {span(v, 'in_app_s')} | {base.get('in_app_s', float('nan')):.2f} | "
                     f"{ratio(v, base, 'in_app_s')} | {span(v, 'warm_s')} | {base.get('warm_s', float('nan')):.2f} | "
                     f"{ratio(v, base, 'warm_s')} | {v['cold_s']:.2f} | "
                     f"{pair(v, 'warm_dcl_s', 'warm_ws_s', 'warm_title_s')} | "
                     f"{pair(v, 'warm_browser_cpu_s', 'warm_server_cpu_s')} |")
    lines += ["", "Settle: to the page's last change a reader can see before its DOM stays unchanged for 0.7 s with "
              "Streamlit idle and every chart drawn; changes inside a canvas's own DOM (the accessibility table "
              "glide-data-grid keeps inside each st.dataframe's <canvas>, never drawn) are not counted, and are "
              "recorded apart in the JSON (in_app_dom_s, warm_dom_s: the last DOM change of any kind). In the app: from clicking the page's sidebar link in an open tab (\"search: "
              "text\": typing the words and pressing Enter), median (min-max) of 3 passes. New tab warm: from "
              "navigation start, the page opened again in a new tab of a Chromium with a persistent profile on disk, "
              "as a reader's browser (a new Streamlit session; Streamlit's hashed bundles in the HTTP cache, "
              "queries in st.cache_data), median of 3; cold: its first visit. The sample columns are the same pages "
              "on the 970-award sample the registry was replicated from, measured interleaved in the same run. "
              "New tab phases (median, s from navigation start): scripts parsed (DOMContentLoaded), websocket "
              "open, title drawn. New tab CPU (median, s): Chromium's processes and the page's Streamlit server "
              "over the open.", ""]
    return lines


def write_markdown(r: dict, path: Path) -> None:
    m = machine()
    lines = [
        "# Benchmark results", "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, Python {m['python']}",
        f"- load average at start / end: {r.get('load_start', '?')} / {r.get('load_end', '?')} (other work on the "
        "machine slows both sides of each ratio)",
        f"- scale: {r['scale']} (synthetic data, source = 'synthetic-bench', in bench/work/, never in the registry)",
        f"- run time: {r.get('seconds', 0) / 60:.1f} min (`make bench`; `BENCH_SCALE=small make bench` for 10k only)",
        "",
        "| figure | measured | target | result |", "|---|---|---|---|",
        *(_row(*f) for f in figures(r)), "",
        "Crawls run over HTTP on 127.0.0.1 against a synthetic USAspending API (bench/serve.py) at a few thousand",
        "awards: a crawl is bounded by the API's latency and politeness, so 1M awards over HTTP would take hours",
        "whatever the code; builds and queries run at full scale on staging generated with SQL (bench/generate.py).",
        "",
    ]
    if r.get("build"):
        lines += ["## Build", "",
                  "| awards | transactions | build s | bare CTAS s | ratio | base joins / model / stored tables s "
                  "| inside DuckDB statements s | peak RSS MB | slowest steps |",
                  "|---:|---:|---:|---:|---:|---|---:|---:|---|"]
        for size, b in sorted(r["build"].items(), key=lambda kv: int(kv[0])):
            slow = sorted(b["timings"].items(), key=lambda kv: -kv[1])[:3]
            base, model, stored = build_split(b["timings"])
            lines.append(f"| {int(size):,} | {b['counts']['transactions']:,} | {b['build_seconds']:.1f} | "
                         f"{b['ctas_seconds']:.1f} | {b['build_seconds'] / b['ctas_seconds']:.1f}x | "
                         f"{base:.1f} / {model:.1f} / {stored:.1f} | "
                         + (f"{b['sql_seconds']:.1f} ({b['sql_seconds'] / b['build_seconds']:.0%}) | "
                            if "sql_seconds" in b else "n/a | ")
                         + f"{b['build_rss_mb']:,.0f} | " + ", ".join(f"{k} {v:.1f}s" for k, v in slow) + " |")
        lines += ["", "Base joins are `registry/sql/100_base.sql` inside the build, the same statement the bare CTAS "
                  "runs; model is every step after it up to the views (vendors, agencies, competition, lifecycle, "
                  "capabilities, links); stored tables are the views `registry/materialize.py` writes once so that "
                  "1M-award pages answer within 200 ms. Inside DuckDB statements is the time the build spent in "
                  "DuckDB's execute() (all its SQL); the rest is Python: name matching, rule loops, orchestration.",
                  ""]
    q = r.get("queries") or {}
    if q:
        sizes = sorted(q, key=int)
        lines += ["## Dashboard queries (ms; p50 / p95 through dashboard/queries.py; SQL-only p95 = same SQL, "
                  "fetchall, no DataFrame)", "",
                  "| function | " + " | ".join(f"{int(s):,} awards p50 / p95" for s in sizes)
                  + f" | SQL-only p95 at {int(sizes[-1]):,} |",
                  "|---|" + "---:|" * (len(sizes) + 1)]
        names = sorted({n for s in sizes for n in q[s]},
                       key=lambda n: -q[sizes[-1]].get(n, {}).get("p95_ms", 1e12))
        for n in names:
            cells = []
            for s in sizes:
                v = q[s].get(n, {})
                cells.append(f"{v['p50_ms']:,.0f} / {v['p95_ms']:,.0f}" if "p95_ms" in v
                             else f"not run: {v.get('error', '?')}")
            last = q[sizes[-1]].get(n, {})
            cells.append(f"{last['sql_p95_ms']:,.0f}" if "sql_p95_ms" in last else "")
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += page_settle_lines(r.get("page_settle"))
    if r.get("crawl"):
        c = r["crawl"]
        lines += ["## Crawl (raw)", "", "| run | requests | items | seconds |", "|---|---:|---:|---:|"]
        for k in ("project", "bare", "incremental", "project_latency", "sequential_latency"):
            v = c[k]
            lines.append(f"| {k} | {v['requests']:,} | {v.get('items', v.get('awards', ''))} | {v['seconds']:.1f} |")
        lines.append("")
    lines += ["![query latency vs registry size](latency.png)", ""]
    path.write_text("\n".join(lines))


def plot_latency(r: dict, path: Path) -> None:
    """p95 per query function against registry size (log-log), the median and the 200 ms target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    q = r.get("queries") or {}
    sizes = sorted(q, key=int)
    if not sizes:
        return
    xs = [int(s) for s in sizes]
    names = sorted({n for s in sizes for n in q[s] if "p95_ms" in q[s][n]})
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    for n in names:
        ys = [q[s].get(n, {}).get("p95_ms") for s in sizes]
        if None in ys:
            continue
        ax.plot(xs, ys, color="0.75", linewidth=0.8)
    worst = sorted(names, key=lambda n: -q[sizes[-1]].get(n, {}).get("p95_ms", 0))[:5]
    for n in worst:
        ax.plot(xs, [q[s].get(n, {}).get("p95_ms", float("nan")) for s in sizes], marker="o", linewidth=1.5,
                label=f"{n} (p95)")
    med = []
    for s in sizes:
        vals = sorted(v["p95_ms"] for v in q[s].values() if "p95_ms" in v)
        med.append(vals[len(vals) // 2])
    ax.plot(xs, med, color="black", linewidth=2.5, marker="s", label="median of all functions (p95)")
    ax.axhline(QUERY_TARGET_MS, color="red", linestyle="--", label=f"target {QUERY_TARGET_MS:.0f} ms")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("registry size (awards; ~5 transactions each)")
    ax.set_ylabel("latency p95 (ms)")
    ax.set_title(f"dashboard/queries.py latency vs registry size ({len(names)} functions)")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
