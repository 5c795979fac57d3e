"""`registry load usaspending-csv` and `registry crawl usaspending-bulk`: the bulk route's commands.

Kept here (registered into the CLI's sub-apps by `register`) so the shared cli.py only gains two lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from registry.core import paths

console = Console(stderr=True)
out = Console()


def register(load_app: typer.Typer, crawl_app: typer.Typer, fail: Callable[..., None],
             run_crawl: Callable[..., None] | None = None) -> None:
    """Add the bulk route's commands to the CLI's `load` and `crawl` sub-apps."""

    @load_app.command("usaspending-csv")
    def load_usaspending_csv(
        files: Annotated[list[Path], typer.Argument(help="Contracts_PrimeTransactions_*.csv, "
                                                    "Contracts_PrimeAwardSummaries_*.csv, Award Data Archive "
                                                    "full/delta files, or zips of them (kind told by headers)")],
        staging: Annotated[Path | None, typer.Option("--staging", help="Staging store (default: "
                                                     "staging.duckdb)")] = None,
    ) -> None:
        """Load USAspending bulk contract files you downloaded (custom downloads, Award Data Archive)."""
        from registry.core import store
        from registry.loaders import bulk_csv

        for f in files:
            if not f.exists():
                fail(f"no such file: {f}")
        con = store.connect(staging or paths.staging_path())
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[rows]:,} rows, {task.fields[rate]:,.0f} rows/s"),
                          TimeElapsedColumn(), console=console, transient=False) as bar:
                task = bar.add_task("loading", total=len(files), rows=0, rate=0.0)
                totals = {"rows": 0, "seconds": 0.0}

                def progress(name: str, rows: int, seconds: float) -> None:
                    totals["rows"] += rows
                    totals["seconds"] += seconds
                    bar.update(task, description=name, rows=totals["rows"],
                               rate=totals["rows"] / totals["seconds"] if totals["seconds"] else 0.0)

                for f in files:
                    try:
                        result = bulk_csv.load(con, f, progress=progress)
                    except ValueError as e:
                        fail(str(e))
                    bar.advance(task)
                    out.print(f"{f}: {json.dumps(result)}", highlight=False, soft_wrap=True)
        finally:
            con.close()

    if run_crawl is None:
        return

    @crawl_app.command("usaspending-bulk")
    def crawl_usaspending_bulk(
        api_url: Annotated[str | None, typer.Option("--api-url", help="Base URL (default: setting "
                                                    "USASPENDING_API_URL)")] = None,
        agency: Annotated[list[str] | None, typer.Option("--agency", help="Awarding subtier agency name as "
                                                         "USAspending spells it (repeatable)")] = None,
        toptier: Annotated[str | None, typer.Option("--toptier", help="Its department, e.g. 'Department of "
                                                    "Homeland Security'")] = None,
        since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (default 2020-10-01)")] = None,
        until: Annotated[str | None, typer.Option("--until", help="YYYY-MM-DD (default today)")] = None,
        award_type: Annotated[list[str] | None, typer.Option("--award-type", help="Prime award type codes "
                                                             "(default A B C D and IDV_*)")] = None,
        sub_award_type: Annotated[list[str] | None, typer.Option("--sub-award-type", help="Sub-awards instead "
                                                                 "of prime awards: procurement (contracts' "
                                                                 "sub-awards) or grant")] = None,
        archive_agency_id: Annotated[str | None, typer.Option("--archive-agency-id", help="Award Data Archive "
                                                              "instead: agency database id (bulk_download/"
                                                              "list_agencies)")] = None,
        fiscal_year: Annotated[list[int] | None, typer.Option("--fiscal-year", help="Archive fiscal year "
                                                              "(repeatable)")] = None,
        archive_file: Annotated[list[str] | None, typer.Option("--archive-file", help="Archive file name "
                                                               "(e.g. a monthly delta), fetched from setting "
                                                               "USASPENDING_ARCHIVE_URL")] = None,
        staging: Annotated[Path | None, typer.Option("--staging", help="Staging store")] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Scrapy's INFO log")] = False,
        setting: Annotated[list[str] | None, typer.Option("--setting", hidden=True,
                                                          help="Advanced: a Scrapy setting KEY=VALUE")] = None,
    ) -> None:
        """Bulk route: request a custom award download (or Award Data Archive files), wait, verify, load."""
        kwargs = {"agencies": agency or None, "toptier": toptier, "since": since, "until": until,
                  "award_types": award_type or None, "sub_award_types": sub_award_type or None,
                  "archive_agency_id": archive_agency_id,
                  "fiscal_years": fiscal_year or None, "archive_files": archive_file or None, "api_url": api_url}
        settings = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
        for item in setting or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                fail(f"--setting must be KEY=VALUE, not {item!r}")
            settings[key.strip()] = value
        run_crawl("usaspending_bulk", staging, settings, {k: v for k, v in kwargs.items() if v is not None})
