"""`registry crawl ai-cots`: OMB's 2025 consolidated COTS AI use cases, downloaded and staged."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, StagingOpt


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add `registry crawl ai-cots`."""

    @crawl_app.command("ai-cots")
    def crawl_ai_cots(
        url: Annotated[str | None, typer.Option("--url", help="URL of the COTS CSV (default: setting AI_COTS_URL, "
                                                 "the pinned OMB file)")] = None,
        staging: StagingOpt = None,
    ) -> None:
        """Which agency uses which commercial AI product for OMB's common tasks (OMB 2025 COTS AI list)."""
        run_crawl("ai_cots", staging, {"AI_COTS_URL": url} if url else {}, {})
