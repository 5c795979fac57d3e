"""What a live crawl needs (internet, time, disk), computed from the crawl scope and measured rates, for the banner.

Why computed: the scope (data/crawl_scope.yaml) and the measured rates change; a sentence typed once would go
stale. Offline the dashboard cannot know the archive files' real sizes (`registry crawl plan` reads them from
the archive before fetching anything), so the banner gives what the scope fixes (how many files) and what was
measured (time per file, load rate, staging per row), and says that the plan gives the exact figures.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from registry.bulk_crawl import BENCH_LOAD_RATE, PER_FILE_SECONDS, default_fiscal_years, scope_departments
from registry.core.paths import DATA_DIR
from spiders.usaspending.spider import default_scope

# Staging written per transaction row, measured by bench/bulk_crawl.py (docs/crawling.md, "Measured on this
# machine"): 203 MB of staging for 200,002 rows. Real archive rows fill more of the 297 columns: a floor.
STAGING_BYTES_PER_ROW = 203e6 / 200_002
# End-to-end rate of the same measured run (download, unzip, load, bookkeeping) on the shared 2-core machine.
END_TO_END_ROWS_PER_S = 1_785.0
HOSTS = ("api.usaspending.gov", "files.usaspending.gov")


@dataclass(frozen=True)
class CrawlNeeds:
    departments: int
    fiscal_years: list[int]
    files: int
    start_up_seconds: float
    seconds_per_million_rows: tuple[float, float]  # (measured end to end on a busy machine, loader alone, quiet)
    staging_gb_per_million_rows: float

    def sentence(self) -> str:
        """One paragraph for the banner's details."""
        slow, fast = (s / 60 for s in self.seconds_per_million_rows)
        return (f"**A live crawl** (`make crawl`) needs internet access to {' and '.join(HOSTS)}. Its scope "
                f"(data/crawl_scope.yaml) is {self.departments} departments × {len(self.fiscal_years)} fiscal years "
                f"(FY{self.fiscal_years[0]}–FY{self.fiscal_years[-1]}): up to {self.files} archive files. "
                f"**Time:** {self.start_up_seconds / 60:.0f} min of per-file start-up, plus {fast:.0f}–{slow:.0f} "
                f"min per million transaction rows (measured: the loader on a quiet machine, and the whole crawl "
                f"on a busy one). **Disk:** at least {self.staging_gb_per_million_rows:.1f} GB of staging per "
                "million rows, plus the downloaded files and the registry. `registry crawl plan` prints the "
                "real files, bytes, rows and estimate before anything is fetched.")


def live_crawl_needs(today: date | None = None) -> CrawlNeeds:
    """The figures for the default scope, as of `today`.

    Why kept: every page of a sample registry draws the banner, and reading the scope with PyYAML took 0.2-0.4 s
    of each page's run on the shared machine. The figures change only with the scope file and the date, so they
    are computed once per (file identity, day) for the whole server; an edited scope is read on the next page.
    """
    scope_file = DATA_DIR / "crawl_scope.yaml"
    stat = scope_file.stat()
    return _needs(str(scope_file), stat.st_mtime_ns, stat.st_size, today or date.today())


@functools.lru_cache(maxsize=8)
def _needs(_scope_file: str, _mtime_ns: int, _size: int, today: date) -> CrawlNeeds:
    """live_crawl_needs for one version of the scope file (the key) and one day."""
    scope = default_scope()
    departments = scope_departments(scope)
    years = default_fiscal_years(scope, today)
    files = len(departments) * len(years)
    return CrawlNeeds(
        departments=len(departments), fiscal_years=years, files=files,
        start_up_seconds=files * PER_FILE_SECONDS,
        seconds_per_million_rows=(1e6 / END_TO_END_ROWS_PER_S, 1e6 / BENCH_LOAD_RATE),
        staging_gb_per_million_rows=STAGING_BYTES_PER_ROW * 1e6 / 1e9,
    )
