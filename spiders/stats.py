"""The one crawl statistic the registry keeps from Scrapy's stats: pages lost after every retry.

Why one place: the pipeline records it in `crawl_runs.pages_lost` (a run with a lost page is `partial`) and the
progress line shows it, both under `<spider name>/pages_lost`. A spider counting under another key loses the
count silently, as fpds, lda and sam did while every other spider used this key.
"""

from __future__ import annotations

from typing import Any


def pages_lost_key(spider_name: str) -> str:
    return f"{spider_name}/pages_lost"


def count_lost_page(spider: Any) -> None:
    """Count one page that never succeeded (after retries) for this spider's run."""
    spider.crawler.stats.inc_value(pages_lost_key(spider.name))


def pages_lost(stats: Any, spider_name: str) -> int:
    """Pages this spider's run lost so far (0 without stats)."""
    return int(stats.get_value(pages_lost_key(spider_name), 0)) if stats else 0
