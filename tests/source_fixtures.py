"""Test support for the sources' tests: responses from fixture files, the item -> staging
step exactly as the pipeline does it, and a local HTTP server that plays a source's API on 127.0.0.1.

Why a real local server as well as direct `parse` calls: the key-handling (a downloader middleware adds
SAM.gov's key for the download only) can only be shown to work — the key reaches the server, and never
the staging store or the logs — by running the real crawl against something that answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest.mock import MagicMock
from urllib.parse import parse_qsl, urlsplit

import scrapy
from scrapy.http import Request, TextResponse, XmlResponse

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
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FixtureServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
