"""Test support for the sources' tests: responses from fixture files, the item -> staging
step exactly as the pipeline does it, and a local HTTP server that plays a source's API on 127.0.0.1.

Why a real local server as well as direct `parse` calls: the key-handling (a downloader middleware adds
SAM.gov's key for the download only) can only be shown to work — the key reaches the server, and never
the staging store or the logs — by running the real crawl against something that answers.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import MagicMock
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import Request, TextResponse, XmlResponse

from registry import build
from registry.core import store
from spiders.items import RegistryItem, RejectItem
from spiders.pipelines import stage_item

FILES = Path(__file__).resolve().parent  # a source's recorded responses: FILES / <source> / "files"


def response(body: bytes | str | Path, url: str, xml: bool = False) -> TextResponse:
    """A response to `url` with the given body (a fixture path, text or bytes)."""
    if isinstance(body, Path):
        body = body.read_bytes()
    if isinstance(body, str):
        body = body.encode("utf-8")
    cls = XmlResponse if xml else TextResponse
    return cls(url=url, body=body, encoding="utf-8", request=Request(url))


def offline(spider: scrapy.Spider, settings: dict | None = None) -> scrapy.Spider:
    """A spider usable without a crawler: plain-dict settings and a stats collector that accepts anything."""
    spider.settings = dict(settings or {})
    spider.crawler = MagicMock()
    return spider


def split(outputs: Iterable) -> tuple[list[RegistryItem], list[RejectItem], list[Request]]:
    """Spider output separated into items, rejects and follow-up requests."""
    items, rejects, requests = [], [], []
    for out in outputs:
        if isinstance(out, Request):
            requests.append(out)
        elif isinstance(out, RejectItem):
            rejects.append(out)
        else:
            items.append(out)
    return items, rejects, requests


def stage(con, outputs: Iterable) -> dict[str, int]:
    """What the staging pipeline does with spider output (its own stage_item): merge by key, reject the rest."""
    by_table: dict[str, list[dict]] = {"rejects": []}
    for out in outputs:
        if not isinstance(out, Request):
            table, row = stage_item(out)
            by_table.setdefault(table, []).append(row)
    reject_rows = by_table.pop("rejects")
    counts = {t: store.merge_records(con, t, recs) for t, recs in by_table.items()}
    counts["rejects"] = store.insert_rejects(con, reject_rows)
    return counts


def sample_plus(sample_registry: Path, dest: Path, *stagers: Callable, **build_options) -> Path:
    """The sample's staging store copied into `dest`, each `stager(con)` adding its records, then built: the
    registry path. Every source test that builds "the sample plus my records" goes through here."""
    staging = dest / "staging.duckdb"
    shutil.copy(sample_registry.parent / "sample-staging.duckdb", staging)
    con = store.connect(staging)
    try:
        for stager in stagers:
            stager(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    out = dest / "registry.duckdb"
    build.build(staging, out, **build_options)
    return out


# The recorded responses every source test reads from one shared registry (conftest.py's sources_registry): the
# stage counts are checked here, once, as each source's test checked them on its own copy before.
FEDERAL_REGISTER_API = "http://127.0.0.1:9/api/v1"
LDA_API = "http://127.0.0.1:9/api/v1/filings/"


def stage_ai_cots(con) -> None:
    """OMB's real 2025 COTS AI list (900 answers)."""
    from spiders.ai_cots.spider import AiCotsSpider
    from tests.ai_cots.replay import COTS_CSV, PATH
    from tests.conftest import SHARED_DATA

    url = "http://127.0.0.1:9" + PATH
    spider = offline(AiCotsSpider(), {"AI_COTS_URL": url})
    assert stage(con, spider.parse(response(SHARED_DATA / COTS_CSV, url))) == {"stg_ai_cots": 900, "rejects": 0}


def stage_federal_register(con) -> None:
    """The constructed page 2: one DHS/ICE SORN naming its system."""
    from spiders.federal_register.spider import FederalRegisterSpider

    page = FILES / "federal_register" / "files" / "page2_dhs_ice_sorn.json"
    spider = offline(FederalRegisterSpider(api_url=FEDERAL_REGISTER_API))
    assert stage(con, spider.parse(response(page, FEDERAL_REGISTER_API + "/documents.json?page=2"))) == {
        "stg_fr_documents": 1, "rejects": 0}


def stage_lda(con) -> None:
    """The real recorded filings page and the constructed Palantir page 2 (one reject), staged twice: idempotent."""
    from spiders.lda.spider import LdaFilingsSpider

    page1, page2 = FILES / "lda" / "files" / "filings_2024_page1.json", FILES / "lda" / "files" / \
        "constructed_page2_palantir.json"
    spider = offline(LdaFilingsSpider(api_url=LDA_API, vendors="Palantir Technologies"))
    query = "client_name=Palantir Technologies"
    assert stage(con, spider.parse(response(page1, LDA_API + "?filing_year=2024"), query)) == {
        "stg_lda_filings": 3, "rejects": 0}
    assert stage(con, spider.parse(response(page2, LDA_API + "?page=2"), query)) == {
        "stg_lda_filings": 1, "rejects": 1}
    stage(con, spider.parse(response(page1, LDA_API + "?filing_year=2024"), query))
    assert con.execute("SELECT count(*) FROM stg_lda_filings").fetchone()[0] == 4  # idempotent re-run
    assert con.execute("SELECT reason FROM rejects WHERE source = 'lda'").fetchall() == [
        ("income: not a number: 'not disclosed'",)]


def stage_sam_justification(con) -> None:
    """SAM.gov's constructed J&A notice (names order 70CTD022FR0000170 and its modification P00009)."""
    _stage_sam(con, award_notices=False)


def stage_sam(con) -> None:
    """The J&A notice and the documented GSA award-notice page (matches no sample award)."""
    _stage_sam(con, award_notices=True)


def _stage_sam(con, award_notices: bool) -> None:
    from spiders.sam.spider import DEFAULT_ORGANIZATIONS, SamOpportunitiesSpider

    spider = offline(SamOpportunitiesSpider(since="2025-01-01", until="2025-12-31"))
    window, org = spider.windows[0], DEFAULT_ORGANIZATIONS[0]
    files = FILES / "sam" / "files"

    def page(name: str, ptype: str) -> list:
        return list(spider.parse(response(files / name, spider.search_url(ptype, org, window, 0)), ptype, org,
                                 window, 0))

    _, _, requests = split(page("ja_notices_page1.json", "u"))
    assert stage(con, spider.parse_description(response(files / "ja_description.json", requests[0].url),
                                               **requests[0].cb_kwargs)) == {"stg_sam_notices": 1, "rejects": 0}
    if award_notices:
        items, _, _ = split(page("award_notices_page1.json", "a"))
        assert stage(con, items) == {"stg_sam_notices": 1, "rejects": 0}


def stage_fpds(con) -> None:
    """The constructed ICE order page (two actions, one reject) for 70CTD022FR0000170, staged twice: idempotent.
    First P00009's extent competed is set to 'B', as if USAspending had said it: FPDS must not overwrite it."""
    from spiders.fpds.spider import FpdsAtomSpider

    page, feed = FILES / "fpds" / "files" / "constructed_ice_order_page.xml", "http://127.0.0.1:9/ezsearch/FEEDS/ATOM"
    con.execute("UPDATE stg_transactions SET extent_competed = 'B' WHERE award_key = ? AND modification_number = "
                "'P00009'", ["CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"])
    spider = offline(FpdsAtomSpider(atom_url=feed, piids="70CTD022FR0000170"))
    assert stage(con, spider.parse(response(page, feed + "?q=ice", xml=True))) == {"stg_fpds_actions": 2,
                                                                                   "rejects": 1}
    assert con.execute("SELECT reason, source FROM rejects WHERE source = 'fpds'").fetchall() == [
        ("obligated_amount: not a number: '12,3x'", "fpds")]
    stage(con, spider.parse(response(page, feed + "?q=ice", xml=True)))
    assert con.execute("SELECT count(*) FROM stg_fpds_actions").fetchone()[0] == 2


ICE_ORDER_KEY = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"


def stage_lda_amendment(con) -> None:
    """CONSTRUCTED: the Palantir filing of page 2 and an amendment of it (same registrant, client and quarter,
    posted later, a different amount): the build must count only the amendment."""
    import json

    from spiders.lda.spider import LdaFilingsSpider

    original = json.loads((FILES / "lda" / "files" / "constructed_page2_palantir.json").read_text())["results"][0]
    amendment = dict(original, filing_uuid="00000000-0000-4000-8000-000000000003", filing_type="3A",
                     expenses="1200000.00", dt_posted="2025-11-02T09:00:00-05:00")
    body = json.dumps({"count": 2, "next": None, "results": [original, amendment]})
    stage(con, offline(LdaFilingsSpider(api_url=LDA_API, vendors="x")).parse(response(body, LDA_API), "q"))


def stage_award_level_competed(con) -> None:
    """CONSTRUCTED, not a public record: an award-level record saying order 70CTD022FR0000170 was competed
    (extent competed 'A'), to check that the registry flags it against its modification's J&A."""
    from datetime import UTC, datetime

    con.execute("INSERT INTO stg_awards (award_key, piid, recipient_name, description, extent_competed, "
                "source, source_url, fetched_at, payload_sha256) VALUES (?, '70CTD022FR0000170', "
                "'PALANTIR TECHNOLOGIES INC.', 'TEST FIXTURE', 'A', 'test', 'https://example.invalid/', ?, 'x')",
                [ICE_ORDER_KEY, datetime.now(UTC)])


def stage_contradictions(con) -> None:
    """Records that contradict others (what conftest.py's contradictions_registry builds once): an LDA amendment of
    a filing, and an award-level "competed" beside SAM's J&A for one of the order's modifications."""
    for stager in (stage_lda_amendment, stage_sam_justification, stage_award_level_competed):
        stager(con)


def stage_recorded(con) -> None:
    """Every source's recorded responses into one staging store (what sources_registry builds)."""
    for stager in (stage_ai_cots, stage_federal_register, stage_lda, stage_sam, stage_fpds):
        stager(con)


class FixtureServer:
    """A tiny HTTP API on 127.0.0.1 (port chosen by the OS): `route(path, query) -> (status, type, body)`.

    Every request's path and query are recorded, so a test can check what the spider really sent.
    """

    def __init__(self, route: Callable[[str, dict[str, str], dict[str, str]], tuple[int, str, bytes]]) -> None:
        self.route = route
        self.requests: list[tuple[str, dict[str, str], dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.requests.append((parts.path, query, headers))
                status, ctype, body = server.route(parts.path, query, headers)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # shutdown() waits up to one poll interval

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
