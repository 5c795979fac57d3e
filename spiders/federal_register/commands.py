"""`registry crawl federal-register`: Privacy Act notices from the Federal Register API."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, SinceOpt, StagingOpt, UntilOpt, iso_date


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add this source's commands to `registry crawl` (and `registry load`)."""

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
        kwargs = {"since": iso_date(since, "--since", fail), "until": iso_date(until, "--until", fail),
                  "agencies": agency}
        settings = {"FEDERAL_REGISTER_API_URL": api_url} if api_url else {}
        run_crawl("federal_register", staging, settings, {k: v for k, v in kwargs.items() if v})
