"""`registry crawl lda`: lobbying filings naming the watchlist vendors, run by the project's crawl runner."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, StagingOpt


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add this source's commands to `registry crawl` (and `registry load`)."""

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
        from spiders.lda.spider import watchlist_vendor_names

        if not vendor and not watchlist_vendor_names():
            fail("no vendors to query: pass --vendor NAME or add data/watchlist.yaml")
        kwargs = {"vendors": vendor, "years": year, "roles": role}
        settings = {"LDA_API_URL": api_url} if api_url else {}
        run_crawl("lda", staging, settings, {k: v for k, v in kwargs.items() if v})
