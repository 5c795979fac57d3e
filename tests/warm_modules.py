"""Imported once by the warm process server (tests/warm_process.py): what `registry crawl` imports before its first
request, so that each forked crawl starts warm. It installs no Twisted reactor (each crawl installs its own)."""

from __future__ import annotations

import importlib

# The modules a `registry crawl usaspending` process imports (listed from sys.modules after one crawl); the
# Scrapy components the project's settings name are imported by load_object below.
MODULES = [
    "duckdb", "pandas", "pyarrow.compute", "aiohttp", "pydantic", "requests", "tldextract", "yaml", "dateutil.parser",
    "queuelib", "zoneinfo", "sqlite3", "tarfile", "ftplib", "netrc",
    "twisted.web.client", "twisted.internet.endpoints", "twisted.internet.asyncioreactor", "twisted.conch.telnet",
    "scrapy.crawler", "scrapy.core.engine", "scrapy.core.scheduler", "scrapy.core.downloader",
    "scrapy.core.downloader.handlers.http11", "scrapy.pqueues", "scrapy.squeues", "scrapy.dupefilters",
    "scrapy.logformatter", "scrapy.statscollectors", "scrapy.resolver", "scrapy.extensions.telnet",
    "scrapy.cmdline", "registry.cli", "registry.crawl", "registry.core.store", "registry.core.parse", "spiders.settings", "spiders.pipelines",
    "spiders.guards", "spiders.extensions", "spiders.middlewares",
    # what a `registry crawl usaspending-bulk` child (archive file or sub-award job) still imported after the above
    # (sys.modules after one crawl, helper A): ~0.07 s of CPU per child
    "registry.loaders.bulk_csv", "registry.loaders.subawards_csv", "spiders.loader", "pydantic.main",
    "typer._adapters", "typer._click.decorators", "rich._emoji_codes", "encodings.cp437", "encodings.utf_8_sig",
]


def _warm() -> None:
    for name in MODULES:
        importlib.import_module(name)
    from scrapy.utils.misc import load_object

    from registry.crawl import project_settings

    s = project_settings()
    for key in ("DOWNLOADER_MIDDLEWARES_BASE", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE",
                "SPIDER_MIDDLEWARES", "EXTENSIONS_BASE", "EXTENSIONS", "ITEM_PIPELINES"):
        for path, order in s.getdict(key).items():
            if order is not None and isinstance(path, str):
                load_object(path)
    for path in s.getdict("DOWNLOAD_HANDLERS_BASE").values():  # scheme -> handler class
        if isinstance(path, str):
            load_object(path)
    for key in ("DUPEFILTER_CLASS", "SCHEDULER", "SCHEDULER_PRIORITY_QUEUE", "STATS_CLASS", "LOG_FORMATTER"):
        load_object(s[key])
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(s)
    for name in loader.list():
        loader.load(name)


_warm()
