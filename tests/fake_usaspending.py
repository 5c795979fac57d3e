"""A local stand-in for USAspending's API v2 on 127.0.0.1, in the API's own shapes, with faults on demand.

Why: the live API cannot be reached here, and a recording cannot misbehave on cue. This server answers the
four endpoints the spider uses exactly as the recorded responses in ../shared/data look (field names,
page_metadata, the award detail's nesting), from award records a test (or the benchmark) generates, and
injects the faults a real feed has: 429 with Retry-After, 5xx bursts, truncated bodies, HTML error pages,
invalid values. Every loop is bounded; the server only ever binds 127.0.0.1.

The records it serves are synthetic test fixtures built on the shape of the recorded award
03-award-detail-sample.json; they never enter a real registry.
"""

from __future__ import annotations

import copy
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "data" / "usaspending_api_recorded_responses"
CONTRACT_TYPES = {"A": "BPA CALL", "B": "PURCHASE ORDER", "C": "DELIVERY ORDER", "D": "DEFINITIVE CONTRACT"}


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, default=lambda o: float(o) if isinstance(o, Decimal) else str(o)).encode()


def template_award() -> dict[str, Any]:
    """The recorded award detail (real shape) used as the template of generated awards."""
    return json.loads((RECORDED / "03-award-detail-sample.json").read_text())


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout, a kill) is part of the faults under test, not a server error."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


@dataclass
class FakeAward:
    detail: dict[str, Any]
    transactions: list[dict[str, Any]]

    @property
    def gid(self) -> str:
        return self.detail["generated_unique_award_id"]


def make_awards(n: int, subagency: str = "U.S. Immigration and Customs Enforcement", seed: int = 7,
                mods: int = 3, start: date = date(2021, 1, 4)) -> list[FakeAward]:
    """n awards of one subagency, each with `mods` transactions; amounts in cents so sums are exact."""
    base = template_award()
    out = []
    for i in range(n):
        d = copy.deepcopy(base)
        piid = f"70TEST{seed:02d}F{i:07d}"
        gid = f"CONT_AWD_{piid}_7012_-NONE-_-NONE-"
        signed = start + timedelta(days=(i * 37) % 1500)
        d.update(id=100000 + i, generated_unique_award_id=gid, piid=piid, type="C",
                 type_description="DELIVERY ORDER", description=f"TEST ORDER {i} DATA ANALYTICS SUPPORT",
                 date_signed=str(signed), parent_award=None)
        d["awarding_agency"]["toptier_agency"].update(name="Department of Homeland Security", code="070")
        d["awarding_agency"]["subtier_agency"].update(name=subagency, code="7012", abbreviation="ICE")
        d["recipient"].update(recipient_name=f"TEST VENDOR {i % 17} INC", recipient_uei=f"TESTUEI{i % 17:05d}")
        d["period_of_performance"].update(start_date=str(signed), end_date=str(signed + timedelta(days=365)),
                                          last_modified_date=str(signed + timedelta(days=400)))
        txs = []
        total = Decimal(0)
        for m in range(mods):
            amount = Decimal((i * 7919 + m * 104729) % 10_000_000) / 100 + Decimal("0.01")
            total += amount
            mod = "0" if m == 0 else f"P{m:05d}"
            txs.append({"id": f"CONT_TX_7012_-NONE-_{piid}_{mod}_-NONE-_0", "type": "C",
                        "type_description": "DELIVERY ORDER", "action_date": str(signed + timedelta(days=30 * m)),
                        "action_type": None if m == 0 else "C", "action_type_description": None if m == 0
                        else "FUNDING ONLY ACTION", "modification_number": mod,
                        "description": f"TEST ORDER {i} MOD {m}", "federal_action_obligation": amount,
                        "face_value_loan_guarantee": 0.0, "original_loan_subsidy_cost": 0.0})
        d["total_obligation"] = total
        out.append(FakeAward(d, txs))
    return out


@dataclass
class Faults:
    """Which faults to inject; each keyed by a request description, consumed as they fire."""

    rate_limit_first: int = 0            # the first N requests get 429 with Retry-After: 1
    rate_limit_no_header: int = 0        # then N more 429s without Retry-After
    server_errors: int = 0               # then N x 500
    truncated_awards: set[str] = field(default_factory=set)       # gids whose detail is always cut short
    html_awards: set[str] = field(default_factory=set)            # gids answered by a 200 HTML error page
    bad_date_transactions: set[str] = field(default_factory=set)  # tx ids with an impossible action_date
    empty_page_with_next: bool = False   # search page 2 is empty but says hasNext
    repeat_page: bool = False            # search page 2 repeats page 1
    latency: float = 0.0                 # seconds added to every response
    # transport and paging faults (issue 9); counts are consumed as they fire, sets fire every time
    bad_gateway: int = 0                 # then N x 502 (a proxy in front of the API failing)
    unavailable: int = 0                 # then N x 503 with Retry-After: 0
    resets: int = 0                      # then N requests whose connection is reset without any response
    slow_first: int = 0                  # the first N award details answer after `slow_seconds` (past the timeout)
    slow_awards: set[str] = field(default_factory=set)            # gids whose detail is always that slow
    slow_seconds: float = 3.0
    cut_first: int = 0                   # the first N award details close the connection mid-body
    cut_awards: set[str] = field(default_factory=set)             # gids whose detail is always cut mid-body
    end_early_page: int = 0              # search page N says hasNext: false although more rows exist
    duplicate_search_rows: bool = False  # every search page > 1 starts with the previous page's last row
    duplicate_transactions: bool = False  # every transactions page > 1 starts with the previous page's last row
    fired: Counter[str] = field(default_factory=Counter)          # what actually fired, by fault name


class FakeUsaspending:
    """`with FakeUsaspending(awards) as api:` ... `api.base` is the base URL to give the spider."""

    def __init__(self, awards: list[FakeAward], faults: Faults | None = None) -> None:
        self.awards = {a.gid: a for a in awards}
        self.order = sorted(awards, key=lambda a: (-a.detail["total_obligation"], a.gid))
        self.faults = faults or Faults()
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._served = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> dict[str, Any]:
                n = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(n) or b"{}") if n else {}

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                api.handle(self, "GET", {})

            def do_POST(self) -> None:  # noqa: N802
                api.handle(self, "POST", self._body())

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)  # shutdown() waits up to one poll interval

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeUsaspending:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- responses ---------------------------------------------------------------------------
    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json",
             headers: dict[str, str] | None = None, declared_length: int | None = None) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(declared_length if declared_length is not None else len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:  # the client gave up (a timeout fault): nothing more to say
            h.close_connection = True
            return
        if declared_length is not None and declared_length > len(body):
            h.close_connection = True

    def reset(self, h: BaseHTTPRequestHandler) -> None:
        """Close the socket with an RST and no response at all (a load balancer dropping the connection)."""
        h.close_connection = True
        try:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
        except OSError:
            pass

    def handle(self, h: BaseHTTPRequestHandler, method: str, body: dict[str, Any]) -> None:
        path = h.path.split("?")[0]
        with self.lock:
            self.hits[f"{method} {path}"] += 1
            self._served += 1
            f = self.faults
            if f.rate_limit_first > 0:
                f.rate_limit_first -= 1
                f.fired["429"] += 1
                return self.send(h, 429, b'{"detail":"Request was throttled."}', headers={"Retry-After": "1"})
            if f.rate_limit_no_header > 0:
                f.rate_limit_no_header -= 1
                f.fired["429 without Retry-After"] += 1
                return self.send(h, 429, b'{"detail":"Request was throttled."}')
            if f.server_errors > 0:
                f.server_errors -= 1
                f.fired["500"] += 1
                return self.send(h, 500, b'{"detail":"Internal Server Error"}')
            if f.bad_gateway > 0:
                f.bad_gateway -= 1
                f.fired["502"] += 1
                return self.send(h, 502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            if f.unavailable > 0:
                f.unavailable -= 1
                f.fired["503"] += 1
                return self.send(h, 503, b"<html><body>503 Service Unavailable</body></html>", "text/html",
                                 headers={"Retry-After": "0"})
            if f.resets > 0:
                f.resets -= 1
                f.fired["reset"] += 1
                return self.reset(h)
        if self.faults.latency:
            time.sleep(self.faults.latency)
        route: dict[str, Callable[..., None]] = {
            "/api/v2/search/spending_by_award_count/": self.count,
            "/api/v2/search/spending_by_award/": self.search,
            "/api/v2/transactions/": self.transactions,
        }
        if path in route and method == "POST":
            return route[path](h, body)
        m = re.fullmatch(r"/api/v2/awards/([^/]+)/", path)
        if m and method == "GET":
            return self.detail(h, m.group(1))
        self.send(h, 404, b'{"detail":"Not found."}')

    def matching(self, filters: dict[str, Any]) -> list[FakeAward]:
        codes = set(filters.get("award_type_codes") or [])
        names = {a["name"] for a in filters.get("agencies") or []}
        period = (filters.get("time_period") or [{}])[0]
        lo, hi = period.get("start_date", "0000"), period.get("end_date", "9999")
        key = "last_modified_date" if period.get("date_type") == "last_modified_date" else "date_signed"
        out = []
        for a in self.order:
            d = a.detail
            value = d["period_of_performance"]["last_modified_date"] if key == "last_modified_date" else d[key]
            if codes and d["type"] not in codes:
                continue
            if names and d["awarding_agency"]["subtier_agency"]["name"] not in names:
                continue
            if lo <= value <= hi:
                out.append(a)
        return out

    def count(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        rows = self.matching(body.get("filters") or {})
        self.send(h, 200, _dumps({"results": {"contracts": len(rows), "idvs": 0, "grants": 0, "direct_payments": 0,
                                              "loans": 0, "other": 0}, "spending_level": "awards",
                                  "messages": []}))

    def search(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        rows = self.matching(body.get("filters") or {})
        limit, page = int(body.get("limit") or 10), int(body.get("page") or 1)
        if page == 2 and self.faults.repeat_page:
            page = 1
        chunk = rows[(page - 1) * limit: page * limit]
        has_next = page * limit < len(rows)
        if self.faults.duplicate_search_rows and page > 1:
            chunk = rows[(page - 1) * limit - 1: page * limit]
        if page == self.faults.end_early_page:
            has_next = False
        if int(body.get("page") or 1) == 2 and self.faults.empty_page_with_next:
            chunk, has_next = [], True
        results = []
        for a in chunk:
            d = a.detail
            results.append({
                "internal_id": d["id"], "Award ID": d["piid"], "Recipient Name": d["recipient"]["recipient_name"],
                "Award Amount": d["total_obligation"], "Total Outlays": None, "Description": d["description"],
                "Start Date": d["period_of_performance"]["start_date"],
                "End Date": d["period_of_performance"]["end_date"],
                "Awarding Agency": d["awarding_agency"]["toptier_agency"]["name"],
                "Awarding Sub Agency": d["awarding_agency"]["subtier_agency"]["name"],
                "Contract Award Type": d["type_description"], "recipient_id": None,
                "Recipient UEI": d["recipient"]["recipient_uei"], "awarding_agency_id": 1,
                "agency_slug": "department-of-homeland-security", "generated_internal_id": d["generated_unique_award_id"],
            })
        last = chunk[-1].detail if chunk else None
        meta = {"page": page, "hasNext": has_next,
                "last_record_unique_id": last["id"] if last else None,
                "last_record_sort_value": str(last["total_obligation"]) if last else None}
        self.send(h, 200, _dumps({"spending_level": "awards", "limit": limit, "results": results,
                                  "page_metadata": meta, "messages": []}))

    def detail(self, h: BaseHTTPRequestHandler, gid: str) -> None:
        a = self.awards.get(gid)
        if a is None:
            return self.send(h, 404, b'{"detail":"No award found with this id"}')
        if gid in self.faults.html_awards:
            return self.send(h, 200, b"<html><body><h1>Service Unavailable</h1></body></html>", "text/html")
        body = _dumps(a.detail)
        f = self.faults
        with self.lock:
            slow = gid in f.slow_awards or f.slow_first > 0
            if slow and gid not in f.slow_awards:
                f.slow_first -= 1
            cut = not slow and (gid in f.cut_awards or f.cut_first > 0)
            if cut and gid not in f.cut_awards:
                f.cut_first -= 1
            f.fired["slow"] += slow
            f.fired["cut"] += cut
        if slow:
            time.sleep(f.slow_seconds)  # the client timed out meanwhile; answering then hits a closed socket
        if cut:  # headers promise the whole body, half of it arrives, then the connection closes
            return self.send(h, 200, body[: len(body) // 2], declared_length=len(body))
        if gid in self.faults.truncated_awards:
            return self.send(h, 200, body[: len(body) // 2])  # JSON cut mid-way, complete per Content-Length
        self.send(h, 200, body)

    def transactions(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        a = self.awards.get(body.get("award_id"))
        if a is None:
            return self.send(h, 400, b'{"detail":"award_id not found"}')
        limit, page = int(body.get("limit") or 10), int(body.get("page") or 1)
        txs = sorted(a.transactions, key=lambda t: t["action_date"])
        lo = (page - 1) * limit - (1 if self.faults.duplicate_transactions and page > 1 else 0)
        chunk = [dict(t) for t in txs[lo: page * limit]]
        for t in chunk:
            if t["id"] in self.faults.bad_date_transactions:
                t["action_date"] = "2025-13-45"
        meta = {"page": page, "next": page + 1 if page * limit < len(txs) else None,
                "previous": page - 1 if page > 1 else None, "hasNext": page * limit < len(txs),
                "hasPrevious": page > 1}
        self.send(h, 200, _dumps({"page_metadata": meta, "results": chunk}))
