"""`registry crawl fpds`: contract actions from the FPDS ATOM feed, run by the project's crawl runner."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, SinceOpt, StagingOpt, UntilOpt, iso_date


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add this source's commands to `registry crawl` (and `registry load`)."""

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
                  "since": iso_date(since, "--since", fail), "until": iso_date(until, "--until", fail)}
        settings = {"FPDS_ATOM_URL": atom_url} if atom_url else {}
        run_crawl("fpds", staging, settings, {k: v for k, v in kwargs.items() if v})
