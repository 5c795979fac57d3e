"""A faulty network in front of any source's replay: an HTTP proxy on 127.0.0.1 that breaks chosen requests.

Why a proxy and not another fake API: every source's replay (tests/<source>/replay.py) already answers in
that source's real format; putting faults between the spider and it covers every spider the loader lists,
including one added tomorrow, with no per-source fault code. Scrapy sends each request to the proxy (the
`ThroughFaultProxy` downloader middleware sets `meta["proxy"]`), so the spider's own URLs, the retry
middleware, the pipeline and the run record are all the real ones.

A request is known by (method, path and query, body): Scrapy's retry of a request is the same request again. The first
attempt of each distinct request gets the next fault of `first_attempt` in turn (500, 503, a body cut short,
a connection closed without an answer, an answer slower than DOWNLOAD_TIMEOUT); later attempts pass through.
Requests chosen by `lose(key, kind)` are answered 500 on every attempt: the page is lost after the retry budget.
Every wait is bounded (`slow_seconds`) and the proxy binds 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("500", "503", "cut", "reset", "slow")
KIND_HEADER = "X-Request-Kind"  # the request's meta["kind"] (count, award detail, ...), told to the proxy only
HOP_BY_HOP = {KIND_HEADER.lower(), "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade", "content-length"}
Key = tuple[str, str, bytes]


class FaultProxy:
    """`with FaultProxy(first_attempt=FAULTS) as proxy:` ... settings `FAULT_PROXY=proxy.url` ..."""

    def __init__(self, first_attempt: tuple[str, ...] = (), lose: Callable[[Key, str], bool] | None = None,
                 slow_seconds: float = 1.5) -> None:
        self.first_attempt = first_attempt
        self.lose = lose or (lambda key, kind: False)
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()
        self.attempts: dict[Key, int] = {}   # distinct request -> attempts seen, in order of first appearance
        self.fired: list[tuple[Key, str]] = []  # (request, fault) for every fault made
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_HEAD = _any  # noqa: N815 - http.server's names

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # shutdown() waits up to one poll interval

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def keys(self) -> list[Key]:
        """Distinct requests in the order they were first made."""
        with self.lock:
            return list(self.attempts)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- one request ------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        key: Key = (h.command, _path(h.path), body)  # without the host: replays start on a new port each time
        with self.lock:
            n = self.attempts[key] = self.attempts.get(key, 0) + 1
            index = list(self.attempts).index(key)
        fault = None
        if self.lose(key, h.headers.get(KIND_HEADER, "")):
            fault = "500"
        elif n == 1 and self.first_attempt:
            fault = self.first_attempt[index % len(self.first_attempt)]
        if fault:
            with self.lock:
                self.fired.append((key, fault))
        if fault in ("500", "503"):
            return self._send(h, int(fault), {"Content-Type": "text/plain"}, b"fault proxy: server error")
        if fault == "reset":
            h.close_connection = True
            h.connection.close()  # no status line at all
            return None
        status, headers, payload = self._forward(h, body)
        if fault == "slow":
            time.sleep(self.slow_seconds)  # bounded; the client has given up by then (DOWNLOAD_TIMEOUT)
            try:
                self._send(h, status, headers, payload)
            except OSError:  # the client closed the connection, as it should
                pass
            return None
        if fault == "cut":  # the full length announced, half of it sent, then the connection closes
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload[: len(payload) // 2])
            h.wfile.flush()
            h.close_connection = True
            return None
        return self._send(h, status, headers, payload)

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(h.path)
        path = _path(h.path)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        if body:
            headers["Content-Length"] = str(len(body))
        con = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
        try:
            con.request(h.command, path, body=body or None, headers=headers)
            r = con.getresponse()
            payload = r.read()
            out = {k: v for k, v in r.getheaders() if k.lower() not in HOP_BY_HOP
                   or (h.command == "HEAD" and k.lower() == "content-length")}  # HEAD announces the size
            return r.status, out, payload
        finally:
            con.close()

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        if "content-length" not in {k.lower() for k in headers}:
            h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)


def _path(url: str) -> str:
    """Path and query of an absolute URL (what a proxy request line carries) or of a path."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class ThroughFaultProxy:
    """Downloader middleware: every request goes through the proxy named by the FAULT_PROXY setting."""

    def __init__(self, proxy: str | None) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("FAULT_PROXY"))

    def process_request(self, request, spider=None):
        if self.proxy:
            request.meta["proxy"] = self.proxy
            request.headers[KIND_HEADER] = request.meta.get("kind", "")
