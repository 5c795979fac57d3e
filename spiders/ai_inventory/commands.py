"""`registry crawl ai-inventory` and `registry load ai-inventory-csv`: the AI use-case inventories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spiders.commands import Fail, RunCrawl, StagingOpt


def register(crawl_app: typer.Typer, load_app: typer.Typer, fail: Fail, run_crawl: RunCrawl) -> None:
    """Add this source's commands to `registry crawl` (and `registry load`)."""

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
        run_crawl("ai_inventory", staging, settings,
             {k: v for k, v in {"years": year, "agencies": agency}.items() if v})

    @load_app.command("ai-inventory-csv")
    def load_ai_inventory_csv(
        paths: Annotated[list[Path], typer.Argument(help="Inventory CSV files, or folders holding them "
                                                    "(2023, 2024, 2025; recognised by their headers)")],
        staging: StagingOpt = None,
    ) -> None:
        """Load downloaded AI use-case inventory CSVs, exactly as the ai-inventory spider reads them."""
        import json

        from registry.core import paths as registry_paths
        from registry.core import store
        from spiders.ai_inventory import build as ai_inventory

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
