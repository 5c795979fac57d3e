"""A hostile USAspending on 127.0.0.1: the fake API of tests/fake_usaspending.py, plus the attacks of issue 19.

Why a subclass: the fake answers in the API's real shapes; a hostile server is the same API that, for chosen
awards or pages, redirects back to itself or to another host, stalls after the headers, sends a gzip bomb,
pages forever, or serves records without keys. Every loop is bounded (a stall sleeps at most `stall_seconds` and ends when the server does,
a bomb is written from one compressed buffer) and the server binds 127.0.0.1 only.

"Another host" is `localhost` on the same port: a different host name to the client, the same server here.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fake_usaspending import FakeAward, FakeUsaspending, _dumps, make_awards

EVIL = {"generated_unique_award_id": "CONT_AWD_EVIL_0001", "piid": "EVIL0001", "total_obligation": 999999999.99,
        "recipient": {"recipient_name": "EVIL CORP"}, "type": "C", "category": "contract"}


@dataclass
class Hostile:
    """Which attacks to make; sets name award ids (gids), flags apply to every request of their kind."""

    redirect_self_once: set[str] = field(default_factory=set)    # detail: 302 to its own URL, then the answer
    redirect_self_always: set[str] = field(default_factory=set)  # detail: 302 to its own URL, every time
    redirect_foreign: set[str] = field(default_factory=set)      # detail: 301 to the same path on `localhost`
    stall_after_headers: set[str] = field(default_factory=set)   # detail: headers, half the body, then silence
    stall_every_detail: bool = False
    stall_seconds: float = 4.0
    gzip_bomb: set[str] = field(default_factory=set)             # detail: gzip that inflates to `bomb_mb`
    bomb_mb: int = 64
    tx_has_next_forever: bool = False    # transactions: hasNext true on every page, the same rows again
    tx_new_rows_forever: bool = False    # transactions: hasNext true, new ids on every page
    search_alternate: bool = False       # search pages alternate A, B, A, B ... with hasNext true
    search_new_ids_forever: bool = False  # search: hasNext true, fresh (unknown) ids on every page
    null_tx_keys: set[str] = field(default_factory=set)         # transactions of these awards: id and mod null
    hits: dict[str, int] = field(default_factory=dict)


class HostileUsaspending(FakeUsaspending):
    """`with HostileUsaspending(awards, hostile=Hostile(...)) as api:` ... `api.base` for the spider."""

    def __init__(self, awards: list[FakeAward], hostile: Hostile | None = None, **kw: Any) -> None:
        super().__init__(awards, **kw)
        self.hostile = hostile or Hostile()
        self.foreign_hits: list[str] = []  # full request lines that reached the "other host"
        self.closing = threading.Event()  # set on exit: a stall still sleeping ends, and the server joins at once

    @cached_property
    def bomb(self) -> bytes:
        """The gzip bomb's body, compressed once, and only by a server that sends it (~1 s of CPU for 64 MB)."""
        return gzip.compress(b"{" + b" " * (self.hostile.bomb_mb * 2**20) + b"}", compresslevel=9)

    def __exit__(self, *exc: Any) -> None:
        self.closing.set()
        super().__exit__(*exc)

    @property
    def foreign_base(self) -> str:
        return f"http://localhost:{self.httpd.server_address[1]}"

    def _count(self, name: str) -> int:
        with self.lock:
            self.hostile.hits[name] = self.hostile.hits.get(name, 0) + 1
            return self.hostile.hits[name]

    def handle(self, h: BaseHTTPRequestHandler, method: str, body: dict[str, Any]) -> None:
        host = (h.headers.get("Host") or "").split(":")[0]
        if host == "localhost":  # the "other host": whatever it is asked, it serves a foreign award
            self.foreign_hits.append(h.path)
            return self.send(h, 200, _dumps(EVIL))
        path = h.path.split("?")[0]
        x = self.hostile
        if method == "GET" and path.startswith("/api/v2/awards/"):
            gid = path.rstrip("/").rsplit("/", 1)[1]
            if gid in x.redirect_self_always or (gid in x.redirect_self_once and self._count(f"self {gid}") == 1):
                return self.send(h, 302, b"", headers={"Location": f"{self.base}{h.path}"})
            if gid in x.redirect_foreign:
                return self.send(h, 301, b"", headers={"Location": f"{self.foreign_base}{h.path}"})
            if gid in x.stall_after_headers or x.stall_every_detail:
                return self.stall(h, _dumps(self.awards[gid].detail))
            if gid in x.gzip_bomb:
                return self.send(h, 200, self.bomb, headers={"Content-Encoding": "gzip"})
        if method == "POST" and path == "/api/v2/transactions/":
            if x.tx_has_next_forever or x.tx_new_rows_forever:
                return self.endless_transactions(h, body)
            if body.get("award_id") in x.null_tx_keys:
                return self.keyless_transactions(h, body)
        if method == "POST" and path == "/api/v2/search/spending_by_award/" and (
                x.search_alternate or x.search_new_ids_forever):
            return self.endless_search(h, body)
        return super().handle(h, method, body)

    # -- attacks ------------------------------------------------------------------------------
    def stall(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        """Headers and half the body, then nothing for `stall_seconds` (bounded), then the connection closes."""
        self._count("stall")
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            self.closing.wait(self.hostile.stall_seconds)
        except OSError:
            pass
        h.close_connection = True

    def endless_transactions(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        a = self.awards.get(body.get("award_id"))
        page = int(body.get("page") or 1)
        self._count("transactions page")
        rows = [dict(t) for t in a.transactions] if a else []
        if self.hostile.tx_new_rows_forever:
            for i, t in enumerate(rows):
                t["id"] = f"{t['id']}_{page}_{i}"
                t["modification_number"] = f"P{page:05d}{i}"
        meta = {"page": page, "next": page + 1, "previous": page - 1 if page > 1 else None, "hasNext": True,
                "hasPrevious": page > 1}
        self.send(h, 200, _dumps({"page_metadata": meta, "results": rows}))

    def keyless_transactions(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        a = self.awards[body["award_id"]]
        rows = [dict(t, id=None, modification_number=None) for t in a.transactions]
        meta = {"page": 1, "next": None, "previous": None, "hasNext": False, "hasPrevious": False}
        self.send(h, 200, _dumps({"page_metadata": meta, "results": rows}))

    def endless_search(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        page = int(body.get("page") or 1)
        n = self._count("search page")
        rows = self.matching(body.get("filters") or {})
        limit = int(body.get("limit") or 10)
        if self.hostile.search_alternate:
            chunk = rows[:limit] if page % 2 else rows[limit: 2 * limit]
            results = [search_row(a) for a in chunk]
        else:  # new ids each page: awards nobody counted (their details answer 404)
            results = [search_row(a, gid=f"CONT_AWD_GHOST_{n:05d}_{i:03d}") for i, a in enumerate(rows[:limit])]
        meta = {"page": page, "hasNext": True, "last_record_unique_id": page, "last_record_sort_value": "1"}
        self.send(h, 200, _dumps({"spending_level": "awards", "limit": limit, "results": results,
                                  "page_metadata": meta, "messages": []}))


def search_row(a: FakeAward, gid: str | None = None) -> dict[str, Any]:
    d = a.detail
    return {"internal_id": d["id"], "Award ID": d["piid"], "Recipient Name": d["recipient"]["recipient_name"],
            "Award Amount": d["total_obligation"], "generated_internal_id": gid or d["generated_unique_award_id"]}


def awards_with(n: int, seed: int, mods: int = 2, change: Callable[[list[FakeAward]], None] | None = None
                ) -> list[FakeAward]:
    """n fake awards, optionally edited in place by `change` (a bad description, a sub-cent amount ...)."""
    awards = make_awards(n, mods=mods, seed=seed)
    if change:
        change(awards)
    return awards


class RedirectElsewhere:
    """Every request to 127.0.0.1 is answered `301 Location: http://localhost:<port><same path and query>`;
    `localhost` answers an empty SAM.gov-shaped page. Each request's host, path and query are recorded, so a
    test sees whether anything (a key) followed the redirect to the other host."""

    def __init__(self) -> None:
        from http.server import ThreadingHTTPServer
        from urllib.parse import parse_qsl, urlsplit

        self.requests: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                host = (self.headers.get("Host") or "").split(":")[0]
                parts = urlsplit(self.path)
                outer.requests.append((host, parts.path, dict(parse_qsl(parts.query))))
                if host == "localhost":
                    body = b'{"totalRecords": 0, "limit": 1000, "offset": 0, "opportunitiesData": []}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                else:
                    body = b""
                    self.send_response(301)
                    self.send_header("Location", f"http://localhost:{outer.port}{self.path}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # shutdown() waits up to one poll interval

    def __enter__(self) -> RedirectElsewhere:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
