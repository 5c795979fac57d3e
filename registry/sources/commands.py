"""`registry crawl sam | fpds | lda`: thin CLI shells over the spiders, run by the project's crawl runner.

Why the key check lives here, before anything else: SAM.gov refuses every request without a key, so a
crawl without SAM_API_KEY could only fail slowly or, worse, "succeed" with zero items; the user gets one
line saying what to set, and nothing is started, written or logged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

StagingOpt = Annotated[Path | None, typer.Option("--staging", help="Staging store (default: staging.duckdb)")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First date, YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last date, YYYY-MM-DD (default: today)")]


def _date(value: str | None, name: str, fail: Callable[[str], None]) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"{name} must be a date YYYY-MM-DD, not {value!r}")
    return None


def _run(spider: str, staging: Path | None, settings: dict, kwargs: dict) -> None:
    """Hand the crawl to the project's runner (registry/crawl.py): preflight, CrawlerProcess, crawl_runs."""
    from registry.cli import run_crawl

    run_crawl(spider, staging, settings, kwargs)


def register(crawl_app: typer.Typer, fail: Callable[[str], None]) -> None:
    """Add the three commands to `registry crawl`."""

    @crawl_app.command("sam")
    def crawl_sam(
        since: SinceOpt = None,
        until: UntilOpt = None,
        ptype: Annotated[list[str] | None, typer.Option(
            "--ptype", help="u = Justification (J&A), a = Award Notice (default: both)")] = None,
        organization: Annotated[list[str] | None, typer.Option(
            "--organization", help="Department or subtier name as SAM.gov spells it (default: "
            "'HOMELAND SECURITY, DEPARTMENT OF' and 'JUSTICE, DEPARTMENT OF')")] = None,
        descriptions: Annotated[str, typer.Option(
            help="Fetch notice descriptions for: u (J&A only), all, none")] = "u",
        api_url: Annotated[str | None, typer.Option("--api-url", help="Opportunities search URL")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """J&A and award notices from SAM.gov's Get Opportunities API v2 (needs SAM_API_KEY)."""
        if not os.environ.get("SAM_API_KEY"):
            fail("SAM_API_KEY is not set: SAM.gov requires a public API key (sam.gov > Account Details); "
                 "export SAM_API_KEY=... and run again")
        bad = [p for p in ptype or [] if p not in {"u", "a"}]
        if bad:
            fail(f"--ptype must be u or a, not {', '.join(bad)}")
        kwargs = {"since": _date(since, "--since", fail), "until": _date(until, "--until", fail),
                  "ptypes": ptype or None, "organizations": organization or None, "descriptions": descriptions}
        settings = {"SAM_API_URL": api_url} if api_url else {}
        _run("sam", staging, settings, {k: v for k, v in kwargs.items() if v})

    @crawl_app.command("fpds")
    def crawl_fpds(
        piid: Annotated[list[str] | None, typer.Option("--piid", help="Contract or order PIID")] = None,
        idv_piid: Annotated[list[str] | None, typer.Option("--idv-piid", help="Referenced IDV PIID")] = None,
        agency: Annotated[list[str] | None, typer.Option(
            "--agency", help="FPDS agency code, e.g. 7012 (ICE), 7014 (CBP)")] = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        atom_url: Annotated[str | None, typer.Option("--atom-url", help="FPDS ATOM feed URL")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """Contract actions with per-modification competition detail from the FPDS ATOM feed."""
        if not (piid or idv_piid or agency or since or until):
            fail("say what to fetch: --piid, --idv-piid, --agency and/or --since/--until (LAST_MOD_DATE)")
        kwargs = {"piids": piid, "idv_piids": idv_piid, "agencies": agency,
                  "since": _date(since, "--since", fail), "until": _date(until, "--until", fail)}
        settings = {"FPDS_ATOM_URL": atom_url} if atom_url else {}
        _run("fpds", staging, settings, {k: v for k, v in kwargs.items() if v})

    @crawl_app.command("lda")
    def crawl_lda(
        vendor: Annotated[list[str] | None, typer.Option(
            "--vendor", help="Client/registrant name to query (default: data/watchlist.yaml vendors)")] = None,
        year: Annotated[list[int] | None, typer.Option("--year", help="Filing year")] = None,
        role: Annotated[list[str] | None, typer.Option(
            "--role", help="client and/or registrant (default: both)")] = None,
        api_url: Annotated[str | None, typer.Option("--api-url", help="LDA filings API URL")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """Lobbying Disclosure Act filings naming the watchlist vendors (LDA_API_KEY optional)."""
        from spiders.spiders.lda import watchlist_vendor_names

        if not vendor and not watchlist_vendor_names():
            fail("no vendors to query: pass --vendor NAME or add data/watchlist.yaml")
        kwargs = {"vendors": vendor, "years": year, "roles": role}
        settings = {"LDA_API_URL": api_url} if api_url else {}
        _run("lda", staging, settings, {k: v for k, v in kwargs.items() if v})


def register_a(crawl_app: typer.Typer, load_app: typer.Typer, fail: Callable[[str], None]) -> None:
    """Issue 7 part A: `registry crawl ai-inventory | federal-register`, `registry load ai-inventory-csv`."""

    @crawl_app.command("ai-inventory")
    def crawl_ai_inventory(
        year: Annotated[list[str] | None, typer.Option("--year", help="Inventory year: 2023, 2024, 2025 "
                                                       "(default: all; URLs: setting AI_INVENTORY_URLS)")] = None,
        agency: Annotated[list[str] | None, typer.Option(
            "--agency", help="Keep only these department abbreviations, e.g. DHS, DOJ (default: all)")] = None,
        url: Annotated[list[str] | None, typer.Option(
            "--url", help="YEAR=URL: download that year's CSV from URL (a mirror); repeatable")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """Federal AI use-case inventories (OMB's consolidated CSVs), one row per use case."""
        import json

        bad = [y for y in year or [] if y not in {"2023", "2024", "2025"}]
        if bad:
            fail(f"--year must be 2023, 2024 or 2025, not {', '.join(bad)}")
        urls = {}
        for item in url or []:
            y, sep, u = item.partition("=")
            if not sep or y not in {"2023", "2024", "2025"} or not u.startswith(("http://", "https://")):
                fail(f"--url must be YEAR=http(s)://..., not {item!r}")
            urls[y] = u
        settings = {"AI_INVENTORY_URLS": json.dumps(urls)} if urls else {}
        _run("ai_inventory", staging, settings,
             {k: v for k, v in {"years": year, "agencies": agency}.items() if v})

    @crawl_app.command("federal-register")
    def crawl_federal_register(
        since: SinceOpt = None,
        until: UntilOpt = None,
        agency: Annotated[list[str] | None, typer.Option(
            "--agency", help="Federal Register agency slug (default: homeland-security-department, "
            "justice-department)")] = None,
        api_url: Annotated[str | None, typer.Option("--api-url", help="Federal Register API base URL")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """Privacy Act notices (SORNs) and privacy rules of DHS, DOJ and components (Federal Register API v1)."""
        kwargs = {"since": _date(since, "--since", fail), "until": _date(until, "--until", fail),
                  "agencies": agency}
        settings = {"FEDERAL_REGISTER_API_URL": api_url} if api_url else {}
        _run("federal_register", staging, settings, {k: v for k, v in kwargs.items() if v})

    @load_app.command("ai-inventory-csv")
    def load_ai_inventory_csv(
        paths: Annotated[list[Path], typer.Argument(help="Inventory CSV files, or folders holding them "
                                                    "(2023, 2024, 2025; recognised by their headers)")],
        staging: StagingOpt = None,
    ) -> None:
        """Load downloaded AI use-case inventory CSVs, exactly as the ai-inventory spider reads them."""
        import json

        from registry import paths as registry_paths
        from registry import store
        from registry.sources import ai_inventory

        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            fail(f"no such file or folder: {', '.join(missing)}")
        con = store.connect(staging or registry_paths.staging_path())
        try:
            typer.echo(json.dumps(ai_inventory.load_paths(con, paths)))
        except (FileNotFoundError, ValueError) as e:  # ValueError: not UTF-8 text (the run is recorded failed)
            fail(str(e))
        finally:
            con.close()
