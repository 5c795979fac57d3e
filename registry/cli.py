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

from registry.core import paths
from registry.locks import locked_line

app = typer.Typer(help="Surveillance Tech Registry: public records of surveillance technology contracts.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
# A source has one name: `registry crawl ai_inventory` and `registry crawl ai-inventory` are the same command.
crawl_app = typer.Typer(help="Fetch public records from a source into the staging store.", no_args_is_help=True,
                        context_settings={"token_normalize_func": lambda name: name.replace("_", "-")})
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
    allow_partial: Annotated[bool, typer.Option("--allow-partial", help="Build even when a scope's latest "
                                                "crawl did not finish (the registry says so)")] = False,
) -> None:
    """Build registry.duckdb from staging (atomic: the previous registry survives any failure)."""
    import duckdb

    from registry import build as build_mod
    from registry import sample as sample_mod
    from registry.completeness import IncompleteCrawl

    try:
        meta = {}
        if sample:
            staging = sample_mod.load_sample(log=lambda m: console.print(m, highlight=False))
            meta["sample_description"] = sample_mod.describe()
        report = build_mod.build(staging, out_path, is_sample=sample, meta=meta, allow_partial=allow_partial,
                                 log=lambda m: console.print(m, highlight=False))
    except FileNotFoundError as e:
        fail(str(e))
    except IncompleteCrawl as e:
        fail(str(e), code=4)
    except duckdb.IOException as e:  # e.g. a crawl holds the staging store's lock
        fail(locked_line(e))
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
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.IOException as e:  # a crawl holds the lock: one line naming it, not a traceback
        fail(locked_line(e))
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
                  str(r[9]), "unfinished: counts unknown" if r[2] in ("running", "aborted")
                  else "yes" if r[6] == r[7] + r[8] else "NO")
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
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds before the query is stopped")] = 30.0,
    memory: Annotated[str, typer.Option("--memory", help="DuckDB memory limit of the query, e.g. 4GB")] = "1GB",
    max_rows: Annotated[int, typer.Option("--max-rows", help="Rows returned at most (the rest are "
                                          "counted as truncated)")] = 10_000,
) -> None:
    """Run a read-only query against the registry (writes are refused; time, memory and rows are capped)."""
    import csv

    import duckdb

    from registry.core.readonly import (
        Limits,
        QueryTimeout,
        ReadOnlyViolation,
        connect_parquet,
        connect_readonly,
        run_limited,
    )

    limits = Limits(timeout=timeout, memory=memory, max_rows=max_rows)
    try:
        con = (connect_parquet(parquet, memory) if parquet is not None
               else connect_readonly(Path(db or paths.registry_path()), memory))
        answer = run_limited(con, query, limits)
    except (ReadOnlyViolation, FileNotFoundError, QueryTimeout) as e:
        fail(str(e))
    except duckdb.OutOfMemoryException:
        fail(f"query needs more than {memory} of memory (raise it with --memory, or narrow the query)")
    except duckdb.IOException as e:
        fail(locked_line(e))
    except Exception as e:  # a user's SQL error: say it in one line
        fail(f"query failed: {str(e).splitlines()[0]}")
    columns, rows = answer.columns, answer.rows
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
    if answer.truncated:
        console.print(f"[yellow]truncated:[/] showing the first {max_rows:,} rows (raise it with --max-rows)",
                      highlight=False, soft_wrap=True)


@app.command()
def export(
    db: DbOpt = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for CSV/Parquet files")] = Path("export"),
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Write Hive-partitioned Parquet here")] = None,
    snapshot: Annotated[Path | None, typer.Option("--snapshot", help="Write a publishable snapshot here: every "
                                                  "stored table as Parquet + manifest.json with SHA-256 per "
                                                  "file (`registry pull` rebuilds the registry from it)")] = None,
) -> None:
    """CSV and Parquet of every public view (or Hive-partitioned Parquet with --parquet DIR, or a snapshot)."""
    from registry import export as export_mod

    if snapshot is not None:
        from registry import snapshot as snapshot_mod

        try:
            manifest = snapshot_mod.export_snapshot(Path(db or paths.registry_path()), snapshot)
        except FileNotFoundError as e:
            fail(str(e))
        size = sum(f["bytes"] for f in manifest["files"])
        out.print(f"snapshot {snapshot}: {len(manifest['files'])} files, {size:,} bytes, "
                  f"built {manifest['built_at']}", highlight=False)
        return
    written = export_mod.export(Path(db or paths.registry_path()), out_dir, parquet_dir=parquet)
    for p in written:
        out.print(str(p), highlight=False)


@app.command()
def merge(
    out_path: Annotated[Path, typer.Argument(help="Staging store to write (included as an input if it exists)")],
    stores: Annotated[list[Path], typer.Argument(help="Workers' staging stores to merge")],
) -> None:
    """Merge staging stores (e.g. distributed workers') into one: newest non-null value wins, rejects renumbered."""
    from registry import merge as merge_mod

    try:
        report = merge_mod.merge(out_path, stores, log=lambda m: console.print(m, highlight=False))
    except (FileNotFoundError, RuntimeError) as e:
        fail(str(e))
    tables = ", ".join(f"{k} {v:,}" for k, v in report.rows.items() if v)
    out.print(f"merged {report.inputs} stores into {report.out}: {tables}; rejects {report.rejects:,}, "
              f"runs {report.runs:,}", highlight=False)


@app.command()
def feeds(
    out_dir: Annotated[Path, typer.Argument(help="Folder for the Atom files (vendor/, agency/, capability/)")],
    db: DbOpt = None,
    limit: Annotated[int, typer.Option(help="Newest actions per feed")] = 100,
    dashboard_url: Annotated[str | None, typer.Option("--dashboard-url", help="Public dashboard URL, for "
                                                      "entry links to award pages")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="URL the feeds are published at (self "
                                                 "links and index.opml)")] = None,
) -> None:
    """Atom feeds of new awards and modifications per watchlist vendor, agency and capability."""
    from registry import feeds as feeds_mod

    try:
        written = feeds_mod.write_feeds(Path(db or paths.registry_path()), out_dir, limit=limit,
                                        dashboard_url=dashboard_url, base_url=base_url)
    except FileNotFoundError as e:
        fail(str(e))
    out.print(f"{len(written) - 1} feeds and index.opml in {out_dir}", highlight=False)


@app.command()
def pull(
    url: Annotated[str, typer.Argument(help="Snapshot folder URL (holding manifest.json), http(s) or file")],
    out_path: Annotated[Path | None, typer.Option("--out", help="Registry file to write")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds without data before a download is abandoned")] = 30.0,
) -> None:
    """Download a published snapshot, verify every checksum, and build registry.duckdb from it (atomic)."""
    from registry import snapshot as snapshot_mod

    target = Path(out_path or paths.registry_path())
    try:
        report = snapshot_mod.pull(url, target, timeout=timeout, log=lambda m: console.print(m, highlight=False))
    except snapshot_mod.SnapshotError as e:
        fail(f"pull failed, {target} left as it was: {e}")
    out.print(f"pulled {report.files} files ({report.bytes:,} bytes, {report.rows:,} rows) into {report.out}; "
              f"registry built {report.built_at}", highlight=False)


def _streamlit_config_flags() -> list[str]:
    """Every setting of the project's .streamlit/config.toml as a command-line flag.

    Why: Streamlit reads that file only from the directory it is started in, and `registry dashboard` is run from
    anywhere; started elsewhere, readers got the "Deploy" button and the developer menu (`client.toolbarMode`)."""
    import tomllib

    config = tomllib.loads((paths.ROOT / ".streamlit" / "config.toml").read_text())
    return [arg for section, settings in config.items() for key, value in settings.items()
            for arg in (f"--{section}.{key}", str(value).lower() if isinstance(value, bool) else str(value))]


@app.command()
def dashboard(
    port: Annotated[int, typer.Option(help="Port to serve on")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind (default: this machine only)")] = "127.0.0.1",
    db: DbOpt = None,
    review: Annotated[bool, typer.Option("--review", help="Let the Review queue page write reviewers' "
                                         "decisions to the annotations file (the registry stays read-only)")] = False,
    annotations: Annotated[Path | None, typer.Option("--annotations", help="Annotations file --review writes "
                                                     "(default: data/annotations.yaml, read by the build)")] = None,
) -> None:
    """Open the dashboard (Streamlit) on http://ADDRESS:PORT, reading the registry read-only."""
    registry = Path(db or paths.registry_path())
    if not registry.exists():
        fail(f"{registry} does not exist: run `make registry` (sample) or `make crawl` first")
    env = dict(os.environ, REGISTRY_PATH=str(registry.resolve()))
    if review:
        target = Path(annotations or paths.DATA_DIR / "annotations.yaml").resolve()
        if not target.exists():
            fail(f"{target} does not exist: --review appends reviewers' decisions to an existing annotations file")
        env.update(REGISTRY_REVIEW="1", REGISTRY_ANNOTATIONS=str(target))
        out.print(f"review mode: decisions are written to {target}", highlight=False)
    cmd = [sys.executable, "-m", "streamlit", "run", str(paths.ROOT / "dashboard" / "app.py"),
           *_streamlit_config_flags(),
           "--server.headless", "true", "--server.address", address, "--server.port", str(port),
           "--client.showErrorDetails", "none"]  # a visitor never sees a traceback or a server path
    # Headless: no browser is opened, so say where it serves rather than promise to open one.
    out.print(f"serving at http://{address}:{port} (open it in a browser; Ctrl-C to stop)", highlight=False)
    sys.stdout.flush()
    # Become the Streamlit process (exec, not a child), so stopping `registry dashboard` stops the server too.
    os.execve(sys.executable, cmd, env)


@load_app.command("usaspending-search-csv")
def load_search_csv(
    files: Annotated[list[Path], typer.Argument(help="spending_by_transaction CSV exports")],
    staging: StagingOpt = None,
) -> None:
    """Load CSV exports of USAspending's spending_by_transaction search."""
    from registry.core import store
    from registry.loaders import search_csv

    con = store.connect(staging or paths.staging_path())
    try:
        for f in files:
            if not f.exists():
                fail(f"no such file: {f}")
            try:
                result = search_csv.load(con, f)
            except ValueError as e:  # empty, binary, wrong header: one line, the run recorded as failed
                fail(str(e))
            out.print(f"{f}: {json.dumps(result)}", highlight=False)
    finally:
        con.close()


@app.command("new-source")
def new_source(
    name: Annotated[str, typer.Argument(help="The source's one name: folder, spider, source column, CLI")],
    url: Annotated[str, typer.Option("--url", help="The source's API URL")] = "https://example.org/api/records",
    title: Annotated[str, typer.Option("--title", help="What the source is, in a few words")] = "A new public source",
) -> None:
    """Write spiders/NAME/ (spider, items, staging DDL, build step, schema, README) and tests/NAME/ with a test."""
    from registry import scaffold

    try:
        written = scaffold.new_source(name, url, title)
    except scaffold.ScaffoldError as e:
        fail(str(e))
    for path in written:
        out.print(str(path.relative_to(paths.ROOT)), highlight=False)


def report_crawl(result) -> None:
    """One summary line; exit 1 when the run failed, 3 when it is partial (pages lost: re-run to complete)."""
    line = (f"{result.status}: {result.requests:,} requests, fetched {result.fetched:,} = loaded {result.loaded:,}"
            f" + rejected {result.rejected:,}, pages lost {result.pages_lost:,} -> {result.staging}")
    out.print(line, highlight=False, soft_wrap=True)
    error = getattr(result, "error", None)
    if result.status not in ("ok", "empty", "partial"):  # `failed`, or `running`: never a success
        fail(f"crawl failed (run {result.run_id}): {error or 'see `registry stats` and the rejects table'}", code=1)
    if result.status == "partial" and error:
        console.print(f"[yellow]stopped:[/] {error}", highlight=False, soft_wrap=True)
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


# `registry crawl <source>` (and `registry load ...` where a source has one): each source's folder holds its
# commands (spiders/<source>/commands.py), found on disk; the runner is passed in, so nothing imports this module.
def _register_sources() -> None:
    from importlib import import_module

    from registry.core import sources

    for name in sources.names():
        dotted = sources.module(name, "commands")
        if dotted:
            import_module(dotted).register(crawl_app, load_app, fail, run_crawl)


_register_sources()

# `registry load usaspending-csv`, `registry crawl usaspending-bulk` (bulk route): registry/loaders/bulk_commands.py
from registry.loaders import bulk_commands as _bulk_commands  # noqa: E402

_bulk_commands.register(load_app, crawl_app, fail, run_crawl)
from registry.model import commands as _model_commands  # noqa: E402

_model_commands.register(app)
# `registry crawl all | plan` (bulk first, resumable; what `make crawl` runs): registry/bulk_crawl_commands.py
from registry import bulk_crawl_commands as _bulk_crawl_commands  # noqa: E402

_bulk_crawl_commands.register(crawl_app, fail, report_crawl)
_bulk_crawl_commands.register_load(load_app, fail)  # `registry load usaspending-subawards`


def main() -> None:  # pragma: no cover - console entry
    app()
