"""Run a spider through Scrapy's own engine into the staging store, after checking the source is reachable.

Why a preflight: without a network (or with a typo in the base URL) Scrapy would retry every start request
with backoff for minutes before giving up, and a user would see pages of tracebacks. One TCP connection
attempt with a short timeout tells in seconds, with one clear line, and nothing is written.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from registry.core import paths, runs

FINISHED = ("ok", "empty", "partial", "failed")  # statuses a run ends with; anything else did not finish
PREFLIGHT_TIMEOUT = 10.0  # seconds for name resolution, and again for the TCP connection


class CrawlError(RuntimeError):
    """A crawl that cannot start or failed as a whole; the message is one line for the user."""


@dataclass
class CrawlResult:
    run_id: str | None
    status: str
    requests: int
    fetched: int
    loaded: int
    rejected: int
    pages_lost: int
    staging: Path
    error: str | None = None  # why the run stopped early or failed (one line), when it did


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """getaddrinfo with a timeout (the call itself has none; a missing resolver can block for long)."""
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            result["addrs"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as e:
            result["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise CrawlError(f"cannot reach {host}: name resolution timed out after {timeout:.0f}s")
    if "error" in result:
        raise CrawlError(f"cannot reach {host}: {result['error']}")
    return result["addrs"]


def preflight(url: str, timeout: float = PREFLIGHT_TIMEOUT) -> None:
    """Raise CrawlError unless a TCP connection to the URL's host and port opens within the timeout."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CrawlError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    errors = []
    for family, kind, proto, _, addr in _resolve(host, port, timeout):
        try:
            with socket.socket(family, kind, proto) as s:
                s.settimeout(timeout)
                s.connect(addr)
                return
        except OSError as e:
            errors.append(str(e) or e.__class__.__name__)
    raise CrawlError(f"cannot reach {host}:{port}: {errors[0] if errors else 'no address'}")


def project_settings(overrides: dict[str, Any] | None = None):
    """The Scrapy project's settings (spiders/settings.py) with per-run overrides."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    return settings


def spider_class(name: str, settings):
    from scrapy.utils.misc import load_object

    from spiders.base import RegistrySpider

    try:
        cls = load_object(settings["SPIDER_LOADER_CLASS"]).from_settings(settings).load(name)
    except KeyError as e:
        raise CrawlError(f"no spider named {name!r}") from e
    if not issubclass(cls, RegistrySpider):
        raise CrawlError(f"spider {name!r} is not a RegistrySpider (spiders/base.py): the runner reads its scope, "
                         "base URL and completeness from there")
    return cls


@dataclass
class PreparedCrawl:
    """A crawl checked and ready for Scrapy: its spider class, settings, arguments and staging store."""

    cls: Any
    settings: Any
    kwargs: dict[str, Any]
    staging: Path


def prepare(
    spider: str,
    staging: Path | None = None,
    settings: dict[str, Any] | None = None,
    spider_kwargs: dict[str, Any] | None = None,
    since_last: bool = False,
    preflight_timeout: float = PREFLIGHT_TIMEOUT,
) -> PreparedCrawl:
    """Everything run_spider does before Scrapy's engine starts: settings, the loader's class, the scope check,
    --since-last, the preflight. Raises CrawlError (one line). Separate so several crawls can share one reactor
    (Scrapy runs several crawlers in one process; the reactor runs once per process) set up exactly as here."""
    staging = Path(staging or paths.staging_path())
    overrides = {"STAGING_PATH": str(staging), **(settings or {})}
    s = project_settings(overrides)
    cls = spider_class(spider, s)
    kwargs = dict(spider_kwargs or {})
    try:
        probe = cls(**kwargs)  # scope errors (unknown agency, bad date) surface here, before any request
    except ValueError as e:
        raise CrawlError(str(e)) from e
    if since_last:
        kwargs["modified_since"] = _since_last(staging, cls.name, probe.scope)
    base = cls.preflight_url(s, kwargs.get("api_url"))  # RegistrySpider: the argument, the setting or the default
    if base:
        preflight(base, preflight_timeout)
    return PreparedCrawl(cls, s, kwargs, staging)


def finish(crawler, staging: Path) -> CrawlResult:
    """The finished crawler's run as crawl_runs stored it; a run that never recorded its end is `failed`."""
    run_id = crawler.spider.run_id if crawler.spider else None
    result = _result(staging, run_id)
    stats = crawler.stats
    result.error = (stats.get_value("registry/error") or stats.get_value("registry/stop_reason")) if stats else None
    if result.status not in FINISHED:  # e.g. `running`: the run never recorded its end; never a success
        result.error = result.error or f"the run did not finish (status {result.status!r})"
        result.status = "failed"
    return result


def run_spider(
    spider: str,
    staging: Path | None = None,
    settings: dict[str, Any] | None = None,
    spider_kwargs: dict[str, Any] | None = None,
    since_last: bool = False,
    preflight_timeout: float = PREFLIGHT_TIMEOUT,
) -> CrawlResult:
    """Crawl one source into staging. Raises CrawlError (one line) when it cannot start."""
    job = prepare(spider, staging, settings, spider_kwargs, since_last, preflight_timeout)

    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess(job.settings)
    crawler = process.create_crawler(job.cls)
    process.crawl(crawler, **job.kwargs)
    process.start()
    return finish(crawler, job.staging)


def _since_last(staging: Path, source: str, scope: dict) -> str | None:
    """Day before the last successful run of the same scope began (a margin for same-day updates)."""
    if not staging.exists():
        return None
    con = duckdb.connect(str(staging), read_only=True)
    try:
        started = runs.last_successful_start(con, source, scope)
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
    return str((started - timedelta(days=1)).date()) if started else None


def _result(staging: Path, run_id: str | None) -> CrawlResult:
    if not run_id or not staging.exists():
        return CrawlResult(run_id, "failed", 0, 0, 0, 0, 0, staging)
    con = duckdb.connect(str(staging), read_only=True)
    try:
        row = con.execute(
            "SELECT status, requests, items_fetched, items_loaded, items_rejected, pages_lost "
            "FROM crawl_runs WHERE run_id = ?", [run_id]
        ).fetchone()
    finally:
        con.close()
    if row is None:
        return CrawlResult(run_id, "failed", 0, 0, 0, 0, 0, staging)
    return CrawlResult(run_id, row[0], *(int(x or 0) for x in row[1:]), staging)
