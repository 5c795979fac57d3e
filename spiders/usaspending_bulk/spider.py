"""USAspending bulk route: custom award downloads and Award Data Archive files, verified, then loaded by DuckDB.

Flow (documented endpoints, see shared/data/usaspending_api_contracts/contracts/v2/bulk_download/ and download/):
  POST /api/v2/bulk_download/awards/            one job per fiscal-year window: agencies, action-date range,
                                                prime award types -> {file_name, status_url, file_url}
  GET  /api/v2/download/status/?file_name=...   polled with exponential backoff while `ready`/`running`
                                                (a 5xx poll is retried by the project's retry middleware)
  GET  file_url                                 the zip; verified (Content-Length, zip integrity, MD5 where the
                                                server gives one, row count against the job's total_rows)
                                                and fetched again when it arrives truncated or corrupt
Sub-awards (`sub_award_types`, e.g. ["procurement"]): the same job with `filters.sub_award_types` and no
`prime_award_types` (the API then makes a Contracts_Subawards_*.csv file only; bulk_download/awards.md), loaded by
registry.loaders.subawards_csv. A job still pending after BULK_JOB_DEADLINE seconds is given up with its reason.
Award Data Archive (per agency and fiscal year, full and monthly delta files):
  POST /api/v2/bulk_download/list_monthly_files/ {agency, fiscal_year, type: contracts} -> file urls
  or file names given directly, fetched from the setting USASPENDING_ARCHIVE_URL.

Why not items per row: a transaction file has ~297 columns and an agency-year can hold millions of rows;
DuckDB's read_csv loads it in seconds where a Python row loop takes minutes. So the spider's items are
verified files, and its own pipeline hands them to registry.loaders.bulk_csv under the spider's crawl run.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import scrapy
from scrapy import signals
from scrapy.http import JsonRequest, Request, Response

from registry.core import paths, runs, store
from spiders.args import as_list
from spiders.base import RegistrySpider
from spiders.items import RejectItem
from spiders.stats import pages_lost, pages_lost_key
from spiders.usaspending.spider import (
    AWARD_TYPE_GROUPS,
    ScopeError,
    agency_table,
    as_date,
    default_scope,
    fiscal_year_windows,
    resolve_agency,
)

SOURCE = "usaspending_bulk"
ARCHIVE_URL = "https://files.usaspending.gov/award_data_archive/"
PENDING = {"ready", "queued", "running"}
SUB_AWARD_TYPES = ("procurement", "grant")  # filters.sub_award_types members (bulk_download/awards.md)


class BulkFileItem(scrapy.Item):
    """A downloaded, verified bulk file for the loader."""

    path = scrapy.Field()
    source_url = scrapy.Field()
    expected_rows = scrapy.Field()  # the job's total_rows, when the API said
    kind = scrapy.Field()           # "subawards" for a sub-award download; prime files otherwise


def verify_zip(body: bytes, headers: dict[str, str]) -> str | None:
    """Why a downloaded zip is not whole (None when it is): size, zip structure and CRCs, MD5 if given."""
    length = headers.get("content-length")
    encoded = headers.get("content-encoding", "identity") != "identity"  # then the length is of the encoded body
    if length and length.isdigit() and not encoded and int(length) != len(body):
        return f"size {len(body):,} bytes, Content-Length says {int(length):,}"
    md5 = hashlib.md5(body).hexdigest()  # noqa: S324 - an integrity check against the server's MD5, not security
    etag = (headers.get("etag") or "").strip('"')
    if re.fullmatch(r"[0-9a-f]{32}", etag) and etag != md5:  # S3's ETag is the MD5 of a single-part upload
        return f"MD5 {md5} differs from the ETag {etag}"
    content_md5 = headers.get("content-md5")
    if content_md5 and base64.b64encode(bytes.fromhex(md5)).decode() != content_md5.strip():
        return "MD5 differs from Content-MD5"
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            bad = zf.testzip()
    except zipfile.BadZipFile as e:
        return f"not a whole zip ({e})"
    if bad:
        return f"zip member {bad} fails its CRC check"
    return None


class UsaspendingBulkSpider(RegistrySpider):
    name = SOURCE
    base_url_setting = "USASPENDING_API_URL"
    default_base_url = "https://api.usaspending.gov"
    custom_settings = {
        "ITEM_PIPELINES": {"spiders.usaspending_bulk.spider.BulkLoadPipeline": 300},
        "DOWNLOAD_MAXSIZE": 0,      # agency-year zips run to gigabytes
        "DOWNLOAD_WARNSIZE": 0,
    }

    def __init__(
        self,
        agencies: Any = None,
        toptier: str | None = None,
        since: Any = None,
        until: Any = None,
        award_types: Any = None,
        archive_agency_id: Any = None,
        fiscal_years: Any = None,
        archive_files: Any = None,
        sub_award_types: Any = None,
        api_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(since=since, until=until, api_url=api_url, **kwargs)
        self.archive_agency_id = str(archive_agency_id) if archive_agency_id not in (None, "") else None
        self.fiscal_years = [int(y) for y in as_list(fiscal_years)]
        self.archive_files = as_list(archive_files)
        if self.archive_agency_id and not self.fiscal_years:
            raise ScopeError("--archive-agency-id needs at least one --fiscal-year")
        archive = bool(self.archive_agency_id or self.archive_files)
        defaults = default_scope()
        self.agency_filters = [] if archive else [self.agency_filter(n, toptier) for n in (
            as_list(agencies) or [a["name"] for a in defaults["agencies"]])]
        self.since = self.since or as_date(defaults.get("since"), "since")
        self.until = self.until or date.today()
        if self.until < self.since:
            raise ScopeError(f"until ({self.until}) is before since ({self.since})")
        codes = [c.upper() for c in as_list(award_types)] or [c for g in AWARD_TYPE_GROUPS.values() for c in g]
        known = {c for g in AWARD_TYPE_GROUPS.values() for c in g}
        if any(c not in known for c in codes):
            raise ScopeError(f"award types {codes}: use contract codes A-D and IDV_*")
        self.award_types = codes
        self.sub_award_types = [t.lower() for t in as_list(sub_award_types)]
        if any(t not in SUB_AWARD_TYPES for t in self.sub_award_types):
            raise ScopeError(f"sub-award types {self.sub_award_types}: use {' or '.join(SUB_AWARD_TYPES)}")
        if self.sub_award_types and archive:
            raise ScopeError("sub-awards come from a download job, not from Award Data Archive files")
        self.scope = ({"archive_agency_id": self.archive_agency_id, "fiscal_years": self.fiscal_years,
                       "archive_files": self.archive_files} if archive else
                      {"agencies": [a["name"] for a in self.agency_filters], "since": str(self.since),
                       "until": str(self.until),
                       **({"sub_award_types": self.sub_award_types} if self.sub_award_types else
                          {"award_types": codes})})
        self.bytes_received = 0
        self.started = time.monotonic()
        self.last_report = 0.0

    @staticmethod
    def agency_filter(name: str, toptier: str | None) -> dict[str, str]:
        """The bulk endpoint's agency object: a subtier also names its department (toptier_name).

        A subtier name several departments use ("Office of the Inspector General", the Secret Service under
        DHS and, earlier, Treasury) gets no toptier_name unless one is given: the API then matches the name in
        every department, which can fetch extra rows but cannot miss the one meant."""
        f = resolve_agency(name)
        if f["tier"] == "subtier":
            depts = {r["agency_name"] for r in agency_table() if r["subtier_name"] == f["name"]}
            dept = toptier or (depts.pop() if len(depts) == 1 else None)
            if dept:
                f["toptier_name"] = dept
        return f

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_bytes, signal=signals.bytes_received)
        return spider

    # -- settings ---------------------------------------------------------------------------
    @property
    def api(self) -> str:
        return self.base_url.rstrip("/")

    @property
    def archive_base(self) -> str:
        return (self.settings.get("USASPENDING_ARCHIVE_URL") or ARCHIVE_URL).rstrip("/") + "/"

    def download_dir(self) -> Path:
        """Where verified files are kept (the raw payload of the run: reload without re-downloading)."""
        configured = self.settings.get("BULK_DOWNLOAD_DIR")
        staging = Path(self.settings.get("STAGING_PATH") or paths.staging_path())
        d = Path(configured) if configured else staging.parent / "downloads" / SOURCE
        d.mkdir(parents=True, exist_ok=True)
        return d

    # -- crawl ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        if self.archive_agency_id:
            for fy in self.fiscal_years:
                yield JsonRequest(f"{self.api}/api/v2/bulk_download/list_monthly_files/",
                                  data={"agency": self.archive_agency_id, "fiscal_year": fy, "type": "contracts"},
                                  callback=self.parse_monthly_files, errback=self.page_failed, dont_filter=True,
                                  meta={"kind": "archive listing"})
        for name in self.archive_files:
            yield self.file_request(urljoin(self.archive_base, quote(name)), expected_rows=None)
        if self.archive_agency_id or self.archive_files:
            return
        for start, end in fiscal_year_windows(self.since, self.until):
            # Sub-awards: sub_award_types and no prime_award_types, or the API makes the prime files too.
            types = ({"sub_award_types": self.sub_award_types} if self.sub_award_types else
                     {"prime_award_types": self.award_types})
            body = {"filters": {**types, "date_type": "action_date",
                                "date_range": {"start_date": str(start), "end_date": str(end)},
                                "agencies": self.agency_filters},
                    "file_format": "csv"}
            yield JsonRequest(f"{self.api}/api/v2/bulk_download/awards/", data=body, callback=self.parse_job,
                              errback=self.page_failed, dont_filter=True, meta={"kind": "download request"})

    def parse_job(self, response: Response) -> Iterator[Any]:
        data = self.json_of(response, "download request")
        if isinstance(data, RejectItem):
            yield data
            return
        self.logger.info("download job %s requested", data["file_name"])
        yield self.status_request(data["file_name"], polls=0, requested=time.monotonic())

    def status_request(self, file_name: str, polls: int, requested: float) -> Request:
        return Request(f"{self.api}/api/v2/download/status/?file_name={quote(file_name)}",
                       callback=self.parse_status, errback=self.page_failed, dont_filter=True,
                       cb_kwargs={"file_name": file_name, "polls": polls, "requested": requested},
                       meta={"kind": "download status"})

    async def parse_status(self, response: Response, file_name: str, polls: int,
                           requested: float) -> AsyncIterator[Any]:
        """Finished: fetch the file. Failed: say why. Still going: ask again after a growing pause, until the
        job's deadline (BULK_JOB_DEADLINE seconds after the request): a job the API never finishes must end
        the run with its reason, not hold it for ever."""
        data = self.json_of(response, "download status")
        if isinstance(data, RejectItem):
            yield data
            return
        status = str(data.get("status") or "").lower()
        if status == "finished":
            url = urljoin(self.api + "/", data.get("file_url") or "")
            yield self.file_request(url, expected_rows=data.get("total_rows"))
        elif status in PENDING:
            if polls + 1 >= self.settings.getint("BULK_MAX_POLLS", 200):
                yield self.reject(response.url, "download", f"job {file_name} still {status} after {polls + 1} "
                                  "polls; re-run to try again", data, lost=True)
                return
            deadline = self.settings.getfloat("BULK_JOB_DEADLINE", 7200.0)
            waited = time.monotonic() - requested
            if waited >= deadline:
                yield self.reject(response.url, "download", f"job {file_name} still {status} after {waited:.0f} s "
                                  f"({polls + 1} polls; deadline BULK_JOB_DEADLINE={deadline:g} s); USAspending did "
                                  "not finish it, re-run to try again", data, lost=True)
                return
            first = self.settings.getfloat("BULK_POLL_DELAY", 2.0)
            delay = min(first * 1.5 ** polls, self.settings.getfloat("BULK_POLL_MAX_DELAY", 60.0),
                        max(deadline - waited, 0.0))
            self.logger.info("job %s %s (%ss elapsed); next poll in %.1fs", file_name, status,
                             data.get("seconds_elapsed"), delay)
            await asyncio.sleep(delay)
            yield self.status_request(file_name, polls + 1, requested)
        else:
            yield self.reject(response.url, "download", f"job {file_name} {status or 'without status'}: "
                              f"{data.get('message') or 'no message'}", data, lost=True)

    def parse_monthly_files(self, response: Response) -> Iterator[Any]:
        data = self.json_of(response, "archive listing")
        if isinstance(data, RejectItem):
            yield data
            return
        files = data.get("monthly_files") or []
        if not files:
            yield self.reject(response.url, "download", "archive listing names no file", data, lost=True)
        for f in files:
            yield self.file_request(urljoin(self.archive_base, f.get("url") or f["file_name"]), expected_rows=None)

    def file_request(self, url: str, expected_rows: Any, tries: int = 1) -> Request:
        return Request(url, callback=self.parse_file, errback=self.page_failed, dont_filter=True,
                       cb_kwargs={"expected_rows": expected_rows, "tries": tries},
                       meta={"kind": "download file", "download_maxsize": 0,
                             "download_timeout": self.settings.getfloat("BULK_DOWNLOAD_TIMEOUT", 1800.0)})

    async def parse_file(self, response: Response, expected_rows: Any, tries: int) -> AsyncIterator[Any]:
        """Keep a whole zip and hand it to the loader; fetch a truncated or corrupt one again."""
        headers = {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        problem = verify_zip(response.body, headers)
        if problem:
            if tries < self.settings.getint("BULK_DOWNLOAD_TRIES", 3):
                self.logger.warning("%s: %s; fetching it again (try %d)", response.url, problem, tries + 1)
                self.crawler.stats.inc_value(f"{SOURCE}/files_refetched")
                await asyncio.sleep(self.settings.getfloat("BULK_POLL_DELAY", 2.0))
                yield self.file_request(response.url, expected_rows, tries + 1)
            else:
                yield self.reject(response.url, "download", f"file still broken after {tries} tries: {problem}",
                                  None, lost=True)
            return
        target = self.download_dir() / Path(response.url.split("?")[0]).name
        target.write_bytes(response.body)
        self.logger.info("%s: %s bytes verified -> %s", response.url, f"{len(response.body):,}", target)
        yield BulkFileItem(path=str(target), source_url=response.url, expected_rows=expected_rows,
                           kind="subawards" if self.sub_award_types else "prime")

    # -- progress and failures --------------------------------------------------------------
    def on_bytes(self, data: bytes, request: Request, spider: scrapy.Spider) -> None:
        """Bytes downloaded and the rate, every few seconds on the log (a zip of gigabytes takes a while)."""
        self.bytes_received += len(data)
        now = time.monotonic()
        if now - self.last_report >= self.settings.getfloat("PROGRESS_INTERVAL", 10.0) > 0:
            self.last_report = now
            rate = self.bytes_received / max(now - self.started, 1e-6)
            self.logger.warning("downloaded %.1f MB (%.1f MB/s)", self.bytes_received / 1e6, rate / 1e6)

    def json_of(self, response: Response, what: str) -> dict[str, Any] | RejectItem:
        try:
            data = json.loads(response.body)
        except ValueError as e:
            return self.reject(response.url, "page", f"{what}: not JSON ({e})", response.text[:100_000], lost=True)
        if not isinstance(data, dict) or ("file_name" not in data and "monthly_files" not in data):
            return self.reject(response.url, "page", f"{what}: unexpected answer", data, lost=True)
        return data

    def reject(self, url: str | None, kind: str, reason: str, payload: Any = None, *, lost: bool = False) -> RejectItem:
        """The base reject, logged: a bulk run has few requests and each failure matters."""
        self.logger.warning("%s: %s", url, reason)
        return super().reject(url, kind, reason, payload, lost=lost)


class BulkLoadPipeline:
    """Loads each verified file into staging under the spider's crawl run; records rejects and the run."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.path = Path(crawler.settings.get("STAGING_PATH") or paths.staging_path())
        self.con = None
        self.run_id: str | None = None
        self.fetched = self.loaded = self.rejected = 0
        self.files = 0
        self.expected: int | None = 0  # sum of the jobs' total_rows; None once a file came without one

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        spider = spider or self.crawler.spider
        self.con = store.connect(self.path)
        self.run_id = runs.start_run(self.con, spider.name, dict(spider.scope))
        spider.run_id = self.run_id

    def process_item(self, item, spider=None):
        from registry.loaders import bulk_csv, subawards_csv

        if isinstance(item, BulkFileItem):
            loader = subawards_csv if item.get("kind") == "subawards" else bulk_csv
            try:
                r = loader.load(self.con, Path(item["path"]), item["source_url"], run_id=self.run_id)
            except ValueError as e:
                self._reject(item["source_url"], "file", str(e), item["path"], lost=True)
                return item
            self.files += 1
            self.fetched += r["fetched"]
            self.loaded += r["loaded"]
            self.rejected += r["rejected"]
            expected = item.get("expected_rows")
            self.expected = self.expected + expected if isinstance(expected, int) and self.expected is not None \
                else None
            if isinstance(expected, int) and expected != r["fetched"]:
                self._reject(item["source_url"], "file", f"file holds {r['fetched']:,} rows, the download job "
                             f"said {expected:,}", item["path"], lost=True)
            self.crawler.stats.inc_value(f"{SOURCE}/rows_loaded", r["loaded"])
        elif isinstance(item, RejectItem):
            self._reject(item.get("source_url"), item.get("kind"), item["reason"], item.get("raw_payload"))
        return item

    def _reject(self, url: str | None, kind: str | None, reason: str, payload: Any, lost: bool = False) -> None:
        if lost:
            self.crawler.stats.inc_value(pages_lost_key(SOURCE))
        self.fetched += 1
        self.rejected += store.insert_rejects(self.con, [{"run_id": self.run_id, "source": SOURCE, "kind": kind,
                                                          "source_url": url, "reason": reason,
                                                          "raw_payload": payload}])

    def close_spider(self, spider=None) -> None:
        try:
            stats = self.crawler.stats
            reason = stats.get_value("finish_reason")
            error = None if reason in (None, "finished") else f"crawl ended early: {reason}"
            if not self.fetched and not self.files:
                error = error or "no file was downloaded"
            # A verified file of no rows is 'empty' (not failed) only when its job said 0 rows (e.g. a year
            # without sub-awards); without the job's count, zero rows stays a failure (registry.core.runs).
            runs.finish_run(self.con, self.run_id, requests=int(stats.get_value("downloader/request_count", 0)),
                            fetched=self.fetched, loaded=self.loaded, rejected=self.rejected,
                            pages_lost=pages_lost(stats, SOURCE), error=error,
                            expected=self.expected if self.files else None)
        finally:
            self.con.close()
