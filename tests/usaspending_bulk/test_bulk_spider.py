"""`registry crawl usaspending-bulk` against a local server that plays USAspending's bulk-download job.

The server (127.0.0.1, port 0) answers the documented endpoints: the job request, status polls that go
ready -> (one 500) -> running -> finished, and a zip that arrives truncated the first time. What a user
checks: the crawl ends with the same rows as loading the same file by hand, bad rows sit in `rejects`,
and the run's counts reconcile. A job USAspending fails is a failed run with its reason in `rejects`: that is
checked where `crawl all` runs the same spider on a sub-award job (tests/usaspending_bulk/test_subaward_crawl.py),
rather than in one more spider process here.

Cost: the job crawl runs `registry crawl usaspending-bulk` as a user does (a process started from nothing); the
delta crawl is the same command forked from the warm server (tests/warm_process.py), without ~2 s of imports.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from registry.core import store
from registry.loaders import bulk_csv
from spiders.usaspending_bulk.spider import verify_zip
from tests import bulk_fixtures as bf
from tests import warm_process
from tests.conftest import run_cli

FAST = bf.FAST  # short clocks: the same polls and refetches, 0.05 s apart


class FakeBulkApi:
    """USAspending's bulk endpoints in miniature; every request is logged in `hits`."""

    def __init__(self, zip_bytes: bytes, total_rows: int | None, delta_bytes: bytes | None = None) -> None:
        self.zip_bytes, self.total_rows, self.delta_bytes = zip_bytes, total_rows, delta_bytes
        self.hits: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.polls = 0
        self.file_gets = 0
        self.statuses = ["ready", 500, "running", "finished"]
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length") or 0)
                api.bodies.append(json.loads(self.rfile.read(n) or b"{}"))
                api.route(self, "POST")

            def do_GET(self) -> None:  # noqa: N802
                api.route(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeBulkApi:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "application/json",
             headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    def route(self, h: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(h.path)
        self.hits.append(f"{method} {url.path}")
        if len(self.hits) > 200:  # bounded: a runaway client is stopped here
            return self.send(h, 503, b"{}")
        name = "All_PrimeTransactions_2026-11-23_H10M00S00000000.zip"
        if url.path == "/api/v2/bulk_download/awards/":
            return self.send(h, 200, json.dumps({
                "status_url": f"{self.base}/api/v2/download/status?file_name={name}", "file_name": name,
                "file_url": f"/files/{name}", "download_request": {"filters": self.bodies[-1]["filters"]}}).encode())
        if url.path == "/api/v2/download/status/":
            assert parse_qs(url.query)["file_name"] == [name]
            step = self.statuses[min(self.polls, len(self.statuses) - 1)]
            self.polls += 1
            if step == 500:
                return self.send(h, 500, b'{"detail": "server error"}')
            done = step == "finished"
            return self.send(h, 200, json.dumps({
                "status": step, "message": None, "file_name": name, "file_url": f"/files/{name}",
                "total_size": len(self.zip_bytes) / 1000 if done else None, "total_columns": 297 if done else None,
                "total_rows": self.total_rows if done else None, "seconds_elapsed": "1.5"}).encode())
        if url.path == f"/files/{name}":
            self.file_gets += 1
            if self.file_gets == 1:  # truncated, with a Content-Length that matches what is sent
                return self.send(h, 200, self.zip_bytes[: len(self.zip_bytes) // 2], "application/zip")
            etag = hashlib.md5(self.zip_bytes).hexdigest()  # noqa: S324 - S3's ETag is an MD5
            return self.send(h, 200, self.zip_bytes, "application/zip", {"ETag": f'"{etag}"'})
        if url.path == "/api/v2/bulk_download/list_monthly_files/":
            return self.send(h, 200, json.dumps({"monthly_files": [{
                "agency_name": "Department of Homeland Security", "agency_acronym": "DHS",
                "file_name": "FY(All)_070_Contracts_Delta_20261108.zip", "fiscal_year": 2026, "type": "contracts",
                "updated_date": "2026-11-08", "url": "/archive/FY(All)_070_Contracts_Delta_20261108.zip"}]}).encode())
        if url.path.startswith("/archive/") and self.delta_bytes is not None:
            return self.send(h, 200, self.delta_bytes, "application/zip")
        return self.send(h, 404, b'{"detail": "not found"}')


def stg_numbers(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "transactions": con.execute("SELECT count(*), sum(federal_action_obligation) FROM stg_transactions"
                                        ).fetchone(),
            "keys": sorted(con.execute("SELECT award_key, modification_number, transaction_number, action_date, "
                                       "federal_action_obligation FROM stg_transactions").fetchall()),
            "awards": con.execute("SELECT count(*) FROM stg_awards").fetchone()[0],
            "row_rejects": sorted(con.execute("SELECT reason FROM rejects WHERE kind = 'transaction'").fetchall()),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def bulk_zip(tmp_path_factory) -> tuple[Path, bytes]:
    d = tmp_path_factory.mktemp("bulkzip")
    path = d / "All_PrimeTransactions_2026-11-23_H10M00S00000000.zip"
    return path, bf.transactions_zip(path, bf.bulk_rows() + bf.BAD_ROWS, split=2)


@pytest.fixture(scope="module")
def direct(bulk_zip, tmp_path_factory) -> Path:
    """The same zip loaded by hand (the loader alone, no crawl): what the crawl must equal, and the delta's start."""
    path = tmp_path_factory.mktemp("direct") / "direct.duckdb"
    con = store.connect(path)
    try:
        bulk_csv.load(con, bulk_zip[0])
    finally:
        con.close()
    return path


def test_crawl_plays_the_job_and_ends_with_the_same_rows_as_a_direct_load(tmp_path, bulk_zip, direct):
    _, data = bulk_zip
    staging = tmp_path / "crawl.duckdb"
    with FakeBulkApi(data, total_rows=2145) as api:
        r = run_cli("crawl", "usaspending-bulk", "--api-url", api.base, "--agency",
                    "U.S. Immigration and Customs Enforcement", "--since", "2024-10-01", "--until", "2025-09-30",
                    "--staging", str(staging), *FAST, timeout=180)
        hits = list(api.hits)
        bodies = list(api.bodies)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok:" in r.stdout and "fetched 2,145 = loaded 2,142 + rejected 3" in r.stdout
    # the documented request, and the job played out: queued, a failed poll retried, running, finished
    assert bodies[0]["filters"]["agencies"] == [{"type": "awarding", "tier": "subtier",
                                                 "name": "U.S. Immigration and Customs Enforcement",
                                                 "toptier_name": "Department of Homeland Security"}]
    assert bodies[0]["filters"]["date_range"] == {"start_date": "2024-10-01", "end_date": "2025-09-30"}
    assert bodies[0]["filters"]["prime_award_types"][:4] == ["A", "B", "C", "D"]
    assert hits.count("GET /api/v2/download/status/") == 4
    name = "All_PrimeTransactions_2026-11-23_H10M00S00000000.zip"
    assert hits.count(f"GET /files/{name}") == 2  # truncated once, fetched again

    got, want = stg_numbers(staging), stg_numbers(direct)
    assert got == want
    assert got["transactions"][0] == 2142 and got["awards"] == 970
    assert [r[0] for r in got["row_rejects"]] == sorted(["action_date: not a date",
                                                          "federal_action_obligation: not a number",
                                                          "contract_award_unique_key: missing"])
    con = duckdb.connect(str(staging), read_only=True)
    run = con.execute("SELECT source, status, items_fetched, items_loaded, items_rejected, pages_lost "
                      "FROM crawl_runs").fetchall()
    urls = con.execute("SELECT DISTINCT source_url FROM rejects").fetchall()
    con.close()
    assert run == [("usaspending_bulk", "ok", 2145, 2142, 3, 0)]
    assert urls == [(f"{api.base}/files/{name}",)]  # rejects say which download they came from
    assert (staging.parent / "downloads" / "usaspending_bulk" / name).read_bytes() == data  # kept, whole


def test_archive_delta_file_applies_deletions_and_corrections(tmp_path, direct):
    staging = bf.copy_store(direct, tmp_path / "crawl.duckdb")  # the full file loaded, as the archive's delta needs
    icm = {r["modification_number"]: r for r in bf.bulk_rows() if r["contract_award_unique_key"] == bf.ICM_KEY}
    delta_csv = bf.write_csv(tmp_path / "FY(All)_070_Contracts_Delta_20261108_1.csv", [
        {"correction_delete_ind": "D", "contract_transaction_unique_key": icm["P00010"]["contract_transaction_unique_key"]},
        dict(icm["P00008"], correction_delete_ind="C", federal_action_obligation="0.00",
             transaction_description="CORRECTED")], extra_first=["correction_delete_ind"])
    import zipfile
    delta_zip = tmp_path / "delta.zip"
    with zipfile.ZipFile(delta_zip, "w") as zf:
        zf.write(delta_csv, delta_csv.name)
    with FakeBulkApi(b"", None, delta_bytes=delta_zip.read_bytes()) as api:
        # forked from the warm server (tests/warm_process.py): the test above runs the command from nothing
        r = warm_process.run("crawl", "usaspending-bulk", "--api-url", api.base, "--archive-agency-id", "86",
                             "--fiscal-year", "2026", "--staging", str(staging), *FAST,
                             "--setting", f"USASPENDING_ARCHIVE_URL={api.base}/archive/", timeout=120)
        bodies = list(api.bodies)
    assert r.returncode == 0, r.stdout + r.stderr
    assert bodies == [{"agency": "86", "fiscal_year": 2026, "type": "contracts"}]
    con = duckdb.connect(str(staging), read_only=True)
    mods = dict(con.execute("SELECT modification_number, description FROM stg_transactions WHERE award_key = ?",
                            [bf.ICM_KEY]).fetchall())
    con.close()
    assert "P00010" not in mods and mods["P00008"] == "CORRECTED"


def test_verify_zip_names_what_is_wrong(bulk_zip):
    _, data = bulk_zip
    md5 = hashlib.md5(data).hexdigest()  # noqa: S324
    assert verify_zip(data, {"etag": f'"{md5}"', "content-length": str(len(data))}) is None
    assert "Content-Length" in verify_zip(data[:-10], {"content-length": str(len(data))})
    assert "not a whole zip" in verify_zip(data[: len(data) // 2], {})
    assert "ETag" in verify_zip(data, {"etag": '"' + "0" * 32 + '"'})
    assert verify_zip(data, {"etag": '"abc-3"'}) is None  # a multipart ETag is not an MD5: not checked
