"""`registry`: crawl, load, build, inspect, export and show the registry.

Each command is a thin shell over a module with one job (crawl.py, loaders/, build.py, export.py),
so the same code runs from the CLI, the Makefile and the tests.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from registry import paths

app = typer.Typer(help="Surveillance Tech Registry: public records of surveillance technology contracts.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
crawl_app = typer.Typer(help="Fetch public records from a source into the staging store.", no_args_is_help=True)
load_app = typer.Typer(help="Load files you already downloaded into the staging store.", no_args_is_help=True)
app.add_typer(crawl_app, name="crawl")
app.add_typer(load_app, name="load")

console = Console(stderr=True)
out = Console()

StagingOpt = Annotated[Path | None, typer.Option("--staging", help="Staging store (default: staging.duckdb)")]
DbOpt = Annotated[Path | None, typer.Option("--db", help="Registry file (default: registry.duckdb)")]


def fail(message: str, code: int = 2) -> None:
    """One clear line on stderr and a non-zero exit: what users see instead of a traceback."""
    console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)  # one line, never wrapped
    raise typer.Exit(code)


@app.command()
def build(
    staging: StagingOpt = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Registry file to write")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Build from the bundled offline sample")] = False,
) -> None:
    """Build registry.duckdb from staging (atomic: the previous registry survives any failure)."""
    from registry import build as build_mod
    from registry import sample as sample_mod

    try:
        meta = {}
        if sample:
            staging = sample_mod.load_sample(log=lambda m: console.print(m, highlight=False))
            meta["sample_description"] = sample_mod.describe()
        report = build_mod.build(staging, out_path, is_sample=sample, meta=meta,
                                 log=lambda m: console.print(m, highlight=False))
    except FileNotFoundError as e:
        fail(str(e))
    counts = ", ".join(f"{k} {v:,}" for k, v in report.counts.items())
    out.print(f"built {report.out} in {report.seconds:.2f}s: {counts}", highlight=False)


@app.command()
def stats(staging: StagingOpt = None, db: DbOpt = None) -> None:
    """Crawl runs (fetched = loaded + rejected) and table counts."""
    import duckdb

    path = Path(staging or paths.staging_path())
    target, is_registry = (path, False) if path.exists() else (Path(db or paths.registry_path()), True)
    if not target.exists():
        fail(f"nothing to report: neither {path} nor {target} exists")
    con = duckdb.connect(str(target), read_only=True)
    runs = con.execute(
        "SELECT run_id, source, status, started_at, finished_at, requests, items_fetched, items_loaded, "
        "items_rejected, pages_lost FROM crawl_runs ORDER BY started_at"
    ).fetchall()
    t = Table(title=f"crawl runs in {target}")
    for c in ("run", "source", "status", "started", "requests", "fetched", "loaded", "rejected", "lost pages",
              "reconciles"):
        t.add_column(c)
    for r in runs:
        t.add_row(r[0], r[1], r[2], f"{r[3]:%Y-%m-%d %H:%M}", str(r[5]), str(r[6]), str(r[7]), str(r[8]),
                  str(r[9]), "yes" if r[6] == r[7] + r[8] else "NO")
    out.print(t)
    tables = ["stg_awards", "stg_transactions", "rejects"] if not is_registry else ["awards", "transactions",
                                                                                    "vendors", "rejects"]
    for name in tables:
        n = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608
        out.print(f"{name}: {n:,}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="One read-only statement (SELECT, WITH, DESCRIBE, SHOW ...)")],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | json")] = "table",
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Query a `registry export --parquet` "
                                                 "folder instead of the registry file")] = None,
) -> None:
    """Run a read-only query against the registry (writes are refused)."""
    import csv

    from registry.readonly import ReadOnlyViolation, run_readonly, run_readonly_parquet

    try:
        if parquet is not None:
            columns, rows = run_readonly_parquet(parquet, query)
        else:
            columns, rows = run_readonly(Path(db or paths.registry_path()), query)
    except ReadOnlyViolation as e:
        fail(str(e))
    except FileNotFoundError as e:
        fail(str(e))
    except Exception as e:  # a user's SQL error: say it in one line
        fail(f"query failed: {str(e).splitlines()[0]}")
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        w.writerows(["" if v is None else str(v) for v in row] for row in rows)
    elif fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, default=str) + "\n")
    else:
        t = Table(show_lines=False)
        for c in columns:
            t.add_column(str(c), overflow="fold")
        for row in rows:
            t.add_row(*["" if v is None else str(v) for v in row])
        out.print(t)
        console.print(f"{len(rows):,} rows", highlight=False)


@app.command()
def export(
    db: DbOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for CSV/Parquet files")] = Path("export"),
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Write Hive-partitioned Parquet here")] = None,
) -> None:
    """CSV and Parquet of every public view (or Hive-partitioned Parquet with --parquet DIR)."""
    from registry import export as export_mod

    written = export_mod.export(Path(db or paths.registry_path()), out_dir, parquet_dir=parquet)
    for p in written:
        out.print(str(p), highlight=False)


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind (default: this machine only)")] = "127.0.0.1",
    db: DbOpt = None,
) -> None:
    """Open the dashboard (Streamlit) on http://ADDRESS:PORT, reading the registry read-only."""
    registry = Path(db or paths.registry_path())
    if not registry.exists():
        fail(f"{registry} does not exist: run `make registry` (sample) or `make crawl` first")
    env = dict(os.environ, REGISTRY_PATH=str(registry.resolve()))
    cmd = [sys.executable, "-m", "streamlit", "run", str(paths.ROOT / "dashboard" / "app.py"),
           "--server.headless", "true", "--server.address", address, "--server.port", str(port),
           "--browser.gatherUsageStats", "false"]
    out.print(f"dashboard on http://{address}:{port} (Ctrl-C to stop)", highlight=False)
    sys.stdout.flush()
    # Become the Streamlit process (exec, not a child), so stopping `registry dashboard` stops the server too.
    os.execve(sys.executable, cmd, env)


@load_app.command("usaspending-search-csv")
def load_search_csv(
    files: Annotated[list[Path], typer.Argument(help="spending_by_transaction CSV exports")],
    staging: StagingOpt = None,
) -> None:
    """Load CSV exports of USAspending's spending_by_transaction search."""
    from registry import store
    from registry.loaders import search_csv

    con = store.connect(staging or paths.staging_path())
    try:
        for f in files:
            if not f.exists():
                fail(f"no such file: {f}")
            out.print(f"{f}: {json.dumps(search_csv.load(con, f))}", highlight=False)
    finally:
        con.close()


def report_crawl(result) -> None:
    """One summary line; exit 1 when the run failed, 3 when it is partial (pages lost: re-run to complete)."""
    line = (f"{result.status}: {result.requests:,} requests, fetched {result.fetched:,} = loaded {result.loaded:,}"
            f" + rejected {result.rejected:,}, pages lost {result.pages_lost:,} -> {result.staging}")
    out.print(line, highlight=False, soft_wrap=True)
    if result.status == "failed":
        fail(f"crawl failed (run {result.run_id}): see `registry stats` and the rejects table", code=1)
    if result.status == "partial":
        console.print(f"[yellow]warning:[/] run {result.run_id} is partial: {result.pages_lost} pages lost "
                      "(listed in rejects); re-run the same command to complete it", highlight=False,
                      soft_wrap=True)
        raise typer.Exit(3)


def run_crawl(spider: str, staging: Path | None, settings: dict, kwargs: dict, since_last: bool = False) -> None:
    """Shared by every `registry crawl SOURCE`: preflight, Scrapy's engine, crawl_runs, one-line errors."""
    from registry import crawl as crawl_mod

    try:
        result = crawl_mod.run_spider(spider, staging=staging, settings=settings, spider_kwargs=kwargs,
                                      since_last=since_last)
    except crawl_mod.CrawlError as e:
        fail(str(e), code=2)
    report_crawl(result)


@crawl_app.command("usaspending")
def crawl_usaspending(
    api_url: Annotated[str | None, typer.Option("--api-url", help="Base URL (default: setting "
                                                "USASPENDING_API_URL = https://api.usaspending.gov)")] = None,
    agency: Annotated[list[str] | None, typer.Option("--agency", help="Awarding subtier name as USAspending "
                                                     "spells it, or its code (repeatable); default: "
                                                     "data/crawl_scope.yaml")] = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (default 2020-10-01, FY2021)")] = None,
    until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD (default today)")] = None,
    recipient: Annotated[list[str] | None, typer.Option("--recipient", help="Recipient name/UEI text")] = None,
    psc: Annotated[list[str] | None, typer.Option("--psc", help="PSC code (repeatable)")] = None,
    naics: Annotated[list[str] | None, typer.Option("--naics", help="NAICS code (repeatable)")] = None,
    award_id: Annotated[list[str] | None, typer.Option("--award-id", help="PIID/award id, exact")] = None,
    award_type: Annotated[list[str] | None, typer.Option("--award-type", help="contracts, idvs, or codes "
                                                         "A-D, IDV_* (default both groups)")] = None,
    since_last: Annotated[bool, typer.Option("--since-last", help="Only awards modified since the last "
                                             "successful run of the same scope")] = False,
    staging: StagingOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Scrapy's INFO log")] = False,
    setting: Annotated[list[str] | None, typer.Option("--setting", hidden=True, help="Advanced: a Scrapy "
                                                      "setting KEY=VALUE (repeatable), e.g. DOWNLOAD_TIMEOUT=5")] = None,
) -> None:
    """Crawl USAspending's API: award search -> award detail -> every modification, into staging."""
    kwargs = {"agencies": agency or None, "since": since, "until": until, "recipient": recipient or None,
              "psc": psc or None, "naics": naics or None, "award_ids": award_id or None,
              "award_types": award_type or None}
    if api_url:
        kwargs["api_url"] = api_url
    settings = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    for item in setting or []:  # strings: Scrapy's getint/getfloat convert them, as `scrapy crawl -s` does
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--setting must be KEY=VALUE, not {item!r}")
        settings[key.strip()] = value
    run_crawl("usaspending", staging, settings, {k: v for k, v in kwargs.items() if v is not None},
              since_last=since_last)


# `registry crawl sam | fpds | lda` (SAM.gov notices, FPDS actions, lobbying filings): registry/sources/commands.py
from registry.sources import commands as _sources_b_commands  # noqa: E402

_sources_b_commands.register(crawl_app, fail)
# `registry crawl ai-inventory | federal-register`, `registry load ai-inventory-csv` (issue 7 part A)
_sources_b_commands.register_a(crawl_app, load_app, fail)

# `registry load usaspending-csv`, `registry crawl usaspending-bulk` (bulk route): registry/loaders/bulk_commands.py
from registry.loaders import bulk_commands as _bulk_commands  # noqa: E402

_bulk_commands.register(load_app, crawl_app, fail, run_crawl)
# `registry crawl all | plan` (bulk first, resumable; what `make crawl` runs): registry/bulk_crawl_commands.py
from registry import bulk_crawl_commands as _bulk_crawl_commands  # noqa: E402

_bulk_crawl_commands.register(crawl_app, fail)
_bulk_crawl_commands.register_load(load_app, fail)  # `registry load usaspending-subawards`


def main() -> None:  # pragma: no cover - console entry
    app()
