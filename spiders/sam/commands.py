"""`registry crawl sam`: a thin CLI shell over the spider, run by the project's crawl runner.

Why the key check lives here, before anything else: SAM.gov refuses every request without a key, so a
crawl without SAM_API_KEY could only fail slowly or, worse, "succeed" with zero items; the user gets one
line saying what to set, and nothing is started, written or logged."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, SinceOpt, StagingOpt, UntilOpt, iso_date


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add this source's commands to `registry crawl` (and `registry load`)."""

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
        kwargs = {"since": iso_date(since, "--since", fail), "until": iso_date(until, "--until", fail),
                  "ptypes": ptype or None, "organizations": organization or None, "descriptions": descriptions}
        settings = {"SAM_API_URL": api_url} if api_url else {}
        run_crawl("sam", staging, settings, {k: v for k, v in kwargs.items() if v})
