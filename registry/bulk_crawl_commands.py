"""`registry crawl all` (what `make crawl` runs), `registry crawl plan`, and the hidden `crawl api-refresh`.

`crawl all`: archive files (registry/bulk_crawl.py), then the sub-award download jobs (registry/subaward_crawl.py),
then the API refresh.

Kept in their own module, registered into the CLI's `crawl` sub-app by `register`, so cli.py gains one line.
The work is in registry/bulk_crawl.py; these are thin shells that print and exit with clear codes:
0 everything loaded (and refreshed), 2 cannot start (no network, bad scope), 3 some file or the refresh did not
complete (re-run the same command: it resumes).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from registry.core import paths

ApiOpt = Annotated[str, typer.Option("--api-url", help="USAspending API base URL")]
AllOpt = Annotated[bool, typer.Option("--all-agencies", help="Every department the Award Data Archive "
                                      "lists (the whole federal contract universe), not data/crawl_scope.yaml")]
YearOpt = Annotated[list[int] | None, typer.Option("--fiscal-year", help="Fiscal year (repeatable; default: "
                                                   "the scope's since-date to today)")]
RateOpt = Annotated[float | None, typer.Option("--download-rate", help="Download rate in MB/s for the "
                                               "estimate (default: measured on the first file)")]
LoadOpt = Annotated[float | None, typer.Option("--load-rate", help="Load rate in rows/s for the estimate "
                                               "(default: the bulk loader's benchmark, bench/results.md)")]
StagingOpt = Annotated[Path | None, typer.Option("--staging", help="Staging store (default: staging.duckdb)")]
SettingOpt = Annotated[list[str] | None, typer.Option("--setting", hidden=True, help="Advanced: a Scrapy "
                                                      "setting KEY=VALUE for the spiders (repeatable)")]
NoSubOpt = Annotated[bool, typer.Option("--no-subawards", help="Skip the sub-award download jobs "
                                         "(bulk_download/awards with sub_award_types)")]
DEFAULT_API = "https://api.usaspending.gov"


def _echo(message: str) -> None:
    print(message, flush=True)  # flushed line by line: progress is read as it happens (and by the tests)


def register(crawl_app: typer.Typer, fail: Callable[..., None], report_crawl: Callable[..., None]) -> None:
    """Add `crawl all`, `crawl plan` and the hidden `crawl api-refresh` to the CLI's crawl sub-app."""

    def plan_or_fail(api: str, staging: Path, all_agencies: bool, fiscal_year: list[int] | None,
                     download_rate: float | None, load_rate: float | None):
        from registry import bulk_crawl as bc
        from registry import crawl as crawl_mod
        from spiders.usaspending.spider import default_scope

        scope = default_scope()
        try:
            crawl_mod.preflight(api)
            return scope, bc.make_plan(api, staging, None if all_agencies else bc.scope_departments(scope),
                                       sorted(fiscal_year or bc.default_fiscal_years(scope)),
                                       download_rate=download_rate * 1e6 if download_rate else None,
                                       load_rate=load_rate)
        except (crawl_mod.CrawlError, bc.PlanError) as e:
            fail(str(e))

    def subaward_jobs(api: str, staging: Path, scope: dict, plan, all_agencies: bool):
        """The sub-award download jobs (one per fiscal year) for the same agencies and years as the plan."""
        from registry import subaward_crawl as sc

        names = [a["name"] for a in scope["agencies"]] if not all_agencies else _resolvable(plan.departments)
        # one filter per name: "Office of the Inspector General" is in scope for 4 departments, matched by name
        return sc.plan_jobs(api, staging, list(dict.fromkeys(names)), plan.fiscal_years)

    @crawl_app.command("plan")
    def crawl_plan(api_url: ApiOpt = DEFAULT_API, all_agencies: AllOpt = False, fiscal_year: YearOpt = None,
                   download_rate: RateOpt = None, load_rate: LoadOpt = None, staging: StagingOpt = None,
                   no_subawards: NoSubOpt = False) -> None:
        """Print what `registry crawl all` would fetch: files, bytes, requests and the estimated time."""
        from registry import bulk_crawl as bc
        from registry import subaward_crawl as sc

        api, path = api_url.rstrip("/"), Path(staging or paths.staging_path())
        scope, plan = plan_or_fail(api, path, all_agencies, fiscal_year, download_rate, load_rate)
        _echo(bc.format_plan(plan))
        if not no_subawards:
            _echo(sc.format_jobs(*subaward_jobs(api, path, scope, plan, all_agencies)))

    @crawl_app.command("all")
    def crawl_all(api_url: ApiOpt = DEFAULT_API, all_agencies: AllOpt = False, fiscal_year: YearOpt = None,
                  download_rate: RateOpt = None, load_rate: LoadOpt = None, staging: StagingOpt = None,
                  no_refresh: Annotated[bool, typer.Option("--no-refresh", help="Skip the API refresh after "
                                                           "the files")] = False,
                  no_subawards: NoSubOpt = False, setting: SettingOpt = None) -> None:
        """Bulk first: print the plan, fetch and load the Award Data Archive files and the sub-award downloads
        (resumable), then refresh from the API what changed since the files were made."""
        from registry import bulk_crawl as bc
        from registry import subaward_crawl as sc

        api = api_url.rstrip("/")
        path = Path(staging or paths.staging_path())
        scope, plan = plan_or_fail(api, path, all_agencies, fiscal_year, download_rate, load_rate)
        _echo(bc.format_plan(plan, refresh=not no_refresh))
        jobs, done_jobs = ([], []) if no_subawards else subaward_jobs(api, path, scope, plan, all_agencies)
        if not no_subawards:
            _echo(sc.format_jobs(jobs, done_jobs))
        summary = bc.run_plan(plan, path, api, setting or [], echo=_echo)
        _echo(f"files: {len(summary.loaded)} loaded ({summary.rows:,} rows, {bc.human_bytes(summary.bytes)}) in "
              f"{summary.seconds:.1f} s, {len(plan.skipped)} loaded earlier, {len(summary.failed)} not loaded")
        subs = sc.run_jobs(jobs, path, api, setting or [], echo=_echo)
        if jobs:
            _echo(f"sub-awards: {len(subs.loaded)} job(s) loaded ({subs.rows:,} rows, {bc.human_bytes(subs.bytes)})"
                  f" in {subs.seconds:.1f} s, {len(done_jobs)} fetched earlier, {len(subs.failed)} not loaded")
        if summary.failed or subs.failed:
            first = (summary.failed + subs.failed)[0]
            fail(f"{len(summary.failed)} file(s) and {len(subs.failed)} sub-award job(s) not loaded, first "
                 f"{first[0]}: {first[1]}; re-run the same command to resume", code=3)
        if no_refresh:
            return
        since = bc.refresh_since(path)
        if since is None:
            fail("no archive file is loaded, so there is nothing to refresh from", code=3)
        agencies = [a["name"] for a in scope["agencies"]] if not all_agencies else _resolvable(plan.departments)
        _echo(f"refresh: API route, awards modified since {since}")
        r = subprocess.run(bc.refresh_command(path, api, agencies, since, setting or []), check=False)
        if r.returncode:
            raise typer.Exit(r.returncode)

    @crawl_app.command("api-refresh", hidden=True)
    def crawl_api_refresh(modified_since: Annotated[str, typer.Option("--modified-since", help="YYYY-MM-DD")],
                          api_url: Annotated[str | None, typer.Option("--api-url")] = None,
                          agency: Annotated[list[str] | None, typer.Option("--agency")] = None,
                          staging: StagingOpt = None, setting: SettingOpt = None) -> None:
        """The API route over awards modified since a date (what `crawl all` runs after the files)."""
        from registry import crawl as crawl_mod

        try:
            date.fromisoformat(modified_since)
        except ValueError:
            fail(f"--modified-since: {modified_since!r} is not a date (YYYY-MM-DD)")
        settings = {"LOG_LEVEL": "WARNING"}
        for item in setting or []:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                fail(f"--setting must be KEY=VALUE, not {item!r}")
            settings[key.strip()] = value
        kwargs = {"modified_since": modified_since, "agencies": agency or None}
        if api_url:
            kwargs["api_url"] = api_url
        try:
            result = crawl_mod.run_spider("usaspending", staging=staging, settings=settings,
                                          spider_kwargs={k: v for k, v in kwargs.items() if v is not None})
        except crawl_mod.CrawlError as e:
            fail(str(e))
        report_crawl(result)  # the CLI's own summary line and exit code (passed in: no import of the CLI)


def _resolvable(departments: dict[str, str]) -> list[str]:
    """Department names the API spider's agency filter accepts (a one-subtier department may not resolve)."""
    from spiders.usaspending.spider import ScopeError, resolve_agency

    names = []
    for name in departments.values():
        try:
            resolve_agency(name)
            names.append(name)
        except ScopeError:
            print(f"refresh: {name} has no agency filter in the code table; its files are loaded, not refreshed",
                  file=sys.stderr, flush=True)
    return names


def register_load(load_app: typer.Typer, fail: Callable[..., None]) -> None:
    """Add `registry load usaspending-subawards` (Contracts_Subawards_*.csv or zips) to the CLI's load sub-app."""

    @load_app.command("usaspending-subawards")
    def load_subawards(
        files: Annotated[list[Path], typer.Argument(help="Contracts_Subawards_*.csv files or download zips")],
        staging: StagingOpt = None,
    ) -> None:
        """Load USAspending sub-award files: who delivers under each prime contract (view `subawards`)."""
        import json

        from registry.core import store
        from registry.loaders import subawards_csv

        for f in files:
            if not f.exists():
                fail(f"no such file: {f}")
        con = store.connect(staging or paths.staging_path())
        try:
            for f in files:
                try:
                    _echo(f"{f}: {json.dumps(subawards_csv.load(con, f))}")
                except ValueError as e:
                    fail(str(e))
        finally:
            con.close()
