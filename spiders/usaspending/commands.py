"""`registry crawl usaspending`: the API route (award search -> award detail -> every modification)."""

from __future__ import annotations

from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, StagingOpt


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add `registry crawl usaspending`."""

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
        redis_url: Annotated[str | None, typer.Option("--redis-url", help="Share this crawl with other workers "
                                                      "through Redis (scrapy-redis), e.g. "
                                                      "redis://127.0.0.1:6379/0")] = None,
        job: Annotated[str | None, typer.Option("--job", help="With --redis-url: the job's name; every worker of "
                                                "one crawl uses the same name and its own --staging")] = None,
        worker: Annotated[str | None, typer.Option("--worker", help="With --redis-url: this worker's name "
                                                   "(default: host and process id)")] = None,
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
        if redis_url or job:
            # imported here: it imports Scrapy (seconds), which every other `registry` command does without
            from spiders.distributed import distributed_settings

            settings.update(distributed_settings(redis_url, job, worker, fail))
        run_crawl("usaspending", staging, settings, {k: v for k, v in kwargs.items() if v is not None},
                  since_last=since_last)
