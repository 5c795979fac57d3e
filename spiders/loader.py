"""Scrapy's spider loader, one source at a time: `load("lda")` imports spiders/lda/spider.py and nothing else.

Why: Scrapy's own SpiderLoader imports every module in SPIDER_MODULES when a crawler process starts, and each
source's items read its staging DDL through DuckDB as they are defined: every crawl paid for all eight sources
(~0.3 s of each process's start) to run one. A source's spider lives in spiders/<name>/spider.py under its one
name (registry.core.sources), so the name says which module to import. A name the folders do not give (a spider
named unlike its folder) falls back to Scrapy's full scan, so no spider is ever missed.
"""

from __future__ import annotations

import importlib
from typing import Any

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.spider import iter_spider_classes

from registry.core import sources


class SourceSpiderLoader:
    """SpiderLoaderProtocol over the source folders; the full scan only when a name is not a folder's."""

    def __init__(self, settings: Any) -> None:
        self._settings = settings
        self._full: SpiderLoader | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> SourceSpiderLoader:
        return cls(settings)

    def _scan(self) -> SpiderLoader:
        if self._full is None:
            self._full = SpiderLoader.from_settings(self._settings)
        return self._full

    def load(self, spider_name: str) -> type:
        if spider_name in sources.names():
            module = importlib.import_module(f"spiders.{spider_name}.spider")
            for cls in iter_spider_classes(module):
                if cls.name == spider_name:
                    return cls
        return self._scan().load(spider_name)

    def list(self) -> list[str]:
        return self._scan().list()

    def find_by_request(self, request: Any) -> list[str]:
        return self._scan().find_by_request(request)
