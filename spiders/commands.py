"""What every source's `registry crawl <source>` command shares: the option types, date checking, the runner type.

Each source's own command lives in spiders/<source>/commands.py as `register(crawl_app, load_app, fail, run_crawl)`;
registry.cli finds them (registry.core.sources) and passes in its runner, so no module imports the CLI back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

StagingOpt = Annotated[Path | None, typer.Option("--staging", help="Staging store (default: staging.duckdb)")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="First date, YYYY-MM-DD")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Last date, YYYY-MM-DD (default: today)")]
Fail = Callable[..., None]
RunCrawl = Callable[..., None]


def iso_date(value: str | None, name: str, fail: Fail) -> str | None:
    """A YYYY-MM-DD option as ISO text, or one clear error line naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"{name} must be a date YYYY-MM-DD, not {value!r}")
    return None
