"""`registry crawl all` (what `make crawl` runs) against a local Award Data Archive on 127.0.0.1.

The server answers the documented listing endpoints (bulk_download/list_agencies, list_monthly_files), HEAD and
ranged GETs of archive zips made from real USAspending transactions (tests/bulk_fixtures.py): two full files
and two delta files, one of them older than the full files (it must not be applied). What a user checks: the
plan is printed before anything is loaded, every planned file is loaded with the same rows as loading the same
files by hand, a second run fetches nothing, a file half loaded when killed (then killed again while it
downloads) and a file broken on every try each end, once resumed, with the same staging store as an
uninterrupted run, and without a network the crawl stops at once with one clear line.

Cost: `crawl plan` and `crawl all` each run once as a user runs them (the `registry` command started from
nothing: the killed crawl is that `crawl all`, and its spider child is a real one too); the other runs go
through Typer's CliRunner in this process. Each archive file is still loaded by its own spider process, as
`crawl all` always does; in those in-process runs it is forked from the warm server
(bulk_fixtures.warm_spider_children: ~1.1 s of CPU each, not 2.7 s). The cut-short crawls run one after another
on one store (6 spider runs, the killed one cut short in its first), and they are compared with the module's one
uninterrupted crawl table by table in staging (the registry is built from staging alone: two builds would add
nothing the tables do not show).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import duckdb
import pytest

from registry.bulk_crawl import rows_per_byte
from registry.core import store
from registry.loaders import bulk_csv
from tests import bulk_fixtures as bf
from tests.bulk_fixtures import FAST, archive_ledger, copy_store, kill_crawl_when, wait_for_lock_release
from tests.conftest import REGISTRY_BIN, invoke_cli, run_cli
from tests.fake_usaspending import FakeUsaspending, make_awards

DEPARTMENTS = {"070": "Department of Homeland Security", "015": "Department of Justice",
               "020": "Department of the Treasury", "097": "Department of Defense", "019": "Department of State",
               "018": "U.S. Postal Service", "075": "Department of Health and Human Services",
               "028": "Social Security Administration"}
OUT_OF_SCOPE = {"012": "Department of Agriculture"}  # listed by the archive, not in data/crawl_scope.yaml
FULL_25 = "FY2025_070_Contracts_Full_20261108.zip"
FULL_26 = "FY2026_070_Contracts_Full_20261108.zip"
DELTA_NEW = "FY(All)_070_Contracts_Delta_20261109.zip"
DELTA_OLD = "FY(All)_070_Contracts_Delta_20261001.zip"   # older than the full files: already in them
LOAD_ORDER = [FULL_25, FULL_26, DELTA_NEW]
# Sub-award download jobs have their own tests (tests/usaspending_bulk/test_subaward_crawl.py); here the archive.
NO_SUB = "--no-subawards"
RUN_TIME_COLUMNS = re.compile(r"run_id|fetched_at|started_at|finished_at|built_at|loaded_at|rejected_at|"
                              r"reject_id|^requests$|^status$|since_date|^error$|scope_hash|crawl_id|load_run|applied_at")


class FakeArchive:
    """The Award Data Archive's listing endpoints and files in miniature; every request is logged in `hits`."""

    def __init__(self, files: dict[str, bytes], slow: dict[str, float] | None = None, port: int = 0,
                 upstream: str | None = None, broken: set[str] | None = None) -> None:
        self.files, self.slow, self.upstream = files, slow or {}, upstream  # upstream: the fake search API
        self.broken = broken or set()  # files whose every download arrives truncated
        self.hits: list[str] = []
        archive = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length") or 0)
                archive.post(self, json.loads(self.rfile.read(n) or b"{}"))

            def do_GET(self) -> None:  # noqa: N802
                archive.get(self, body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                archive.get(self, body=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeArchive:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str] | None = None,
             write: bool = True) -> None:
        h.send_response(status)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if write:
            h.wfile.write(body)

    def post(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        path = urlsplit(h.path).path
        self.hits.append(f"POST {path}")
        if len(self.hits) > 500:  # bounded: a runaway client is stopped here
            return self.send(h, 503, b"{}")
        if path == "/api/v2/bulk_download/list_agencies/":
            agencies = [{"toptier_code": c, "name": n, "toptier_agency_id": 500 + i}
                        for i, (c, n) in enumerate({**DEPARTMENTS, **OUT_OF_SCOPE}.items())]
            return self.send(h, 200, json.dumps({"agencies": {"cfo_agencies": agencies, "other_agencies": []},
                                                 "sub_agencies": []}).encode())
        if path == "/api/v2/bulk_download/list_monthly_files/":
            names = []
            if body.get("agency") == 500 and body.get("type") == "contracts":  # DHS only holds files here
                names = [n for n in self.files if n.startswith(f"FY{body['fiscal_year']}_")]
                names += [DELTA_NEW, DELTA_OLD] if names else []
            return self.send(h, 200, json.dumps({"monthly_files": [{
                "agency_name": "Department of Homeland Security", "agency_acronym": "DHS", "file_name": n,
                "fiscal_year": body.get("fiscal_year"), "type": "contracts", "updated_date": "2026-11-09",
                "url": f"/award_data_archive/{n}"} for n in names]}).encode())
        return self.forward(h, body)

    def forward(self, h: BaseHTTPRequestHandler, body: dict[str, Any] | None) -> None:
        """Search and award endpoints go to the fake API (tests/fake_usaspending.py), as one host serves both."""
        if not self.upstream:
            return self.send(h, 404, b'{"detail": "not found"}')
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.upstream + h.path, data=data, method=h.command,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - the local fake API
                return self.send(h, r.status, r.read(), {"Content-Type": "application/json"})
        except urllib.error.HTTPError as e:
            return self.send(h, e.code, e.read(), {"Content-Type": "application/json"})

    def get(self, h: BaseHTTPRequestHandler, body: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        self.hits.append(f"{h.command} {path}")
        if not path.startswith("/award_data_archive/"):
            return self.forward(h, None)
        name = path.removeprefix("/award_data_archive/")
        if len(self.hits) > 500 or name not in self.files:
            return self.send(h, 404 if name not in self.files else 503, b"", write=body)
        data = self.files[name]
        etag = '"' + hashlib.md5(data).hexdigest() + '"'  # noqa: S324 - S3's ETag is an MD5
        rng = re.fullmatch(r"bytes=0-(\d+)", h.headers.get("Range") or "")
        if rng and body:
            part = data[: int(rng.group(1)) + 1]
            return self.send(h, 206, part, {"Content-Type": "application/zip",
                                            "Content-Range": f"bytes 0-{len(part) - 1}/{len(data)}"})
        if body and name in self.slow:
            time.sleep(self.slow[name])
        if body and name in self.broken:  # half the zip, with a Content-Length that matches what is sent
            return self.send(h, 200, data[: len(data) // 2], {"Content-Type": "application/zip"})
        return self.send(h, 200, data, {"Content-Type": "application/zip", "ETag": etag}, write=body)


def delta_rows() -> list[dict[str, str]]:
    icm = {r["modification_number"]: r for r in bf.bulk_rows() if r["contract_award_unique_key"] == bf.ICM_KEY}
    return [{"correction_delete_ind": "D",
             "contract_transaction_unique_key": icm["P00010"]["contract_transaction_unique_key"]},
            dict(icm["P00008"], correction_delete_ind="C", federal_action_obligation="0.00",
                 transaction_description="CORRECTED")]


def zip_of(path: Path, rows: list[dict[str, str]], extra_first: list[str] | None = None) -> bytes:
    import zipfile

    csv_path = bf.write_csv(path.with_suffix(".csv"), rows, extra_first=extra_first)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(csv_path, csv_path.name)
    return path.read_bytes()


@pytest.fixture(scope="module")
def archive_files(tmp_path_factory) -> dict[str, Path]:
    """Two fiscal years' full files (real sample transactions, three bad rows in the first) and two deltas."""
    d = tmp_path_factory.mktemp("archive")
    rows = bf.bulk_rows()
    half = len(rows) // 2
    paths = {FULL_25: d / FULL_25, FULL_26: d / FULL_26, DELTA_NEW: d / "delta_new.zip", DELTA_OLD: d / "delta_old.zip"}
    bf.transactions_zip(paths[FULL_25], rows[:half] + bf.BAD_ROWS, split=2)
    bf.transactions_zip(paths[FULL_26], rows[half:], split=2)
    zip_of(paths[DELTA_NEW], delta_rows(), extra_first=["correction_delete_ind"])
    old = [dict(r, transaction_description="OLD DELTA, MUST NOT APPLY") for r in rows[:5]]
    zip_of(paths[DELTA_OLD], [dict(r, correction_delete_ind="C") for r in old], extra_first=["correction_delete_ind"])
    return paths


def served(archive_files: dict[str, Path]) -> dict[str, bytes]:
    return {n: p.read_bytes() for n, p in archive_files.items()}


def crawl_all(api: FakeArchive, staging: Path, *extra: str) -> subprocess.CompletedProcess:
    """`registry crawl all` in this process (its spider children are real processes, forked warm)."""
    with bf.warm_spider_children():
        return invoke_cli("crawl", "all", "--api-url", api.base, "--staging", str(staging), "--no-refresh", NO_SUB,
                          *FAST, *extra)


def staging_numbers(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "transactions": sorted(con.execute(
                "SELECT award_key, modification_number, transaction_number, action_date, federal_action_obligation, "
                "description FROM stg_transactions").fetchall()),
            "awards": sorted(con.execute("SELECT award_key, recipient_name, total_obligation FROM stg_awards"
                                         ).fetchall()),
            "rejects": sorted(con.execute("SELECT kind, reason FROM rejects").fetchall()),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def port() -> int:
    """One port for every server of the module: rejects and the ledger cite the file's URL, so the compared runs
    share it."""
    return bf.free_port()


@pytest.fixture(scope="module")
def uninterrupted(archive_files, port, tmp_path_factory) -> dict[str, Any]:
    staging = tmp_path_factory.mktemp("whole") / "staging.duckdb"
    with FakeArchive(served(archive_files), port=port) as api:
        first = crawl_all(api, staging)
        hits_first = list(api.hits)
        again = crawl_all(api, staging)
        hits_again = list(api.hits[len(hits_first):])
    return {"staging": staging, "first": first, "again": again, "hits": hits_first, "hits_again": hits_again}


def test_plan_prints_files_bytes_requests_and_an_estimate_and_loads_nothing(archive_files, tmp_path):
    staging = tmp_path / "staging.duckdb"
    files = served(archive_files)
    with FakeArchive(files) as api:
        r = run_cli("crawl", "plan", "--api-url", api.base, "--staging", str(staging), NO_SUB, timeout=120)
        hits = list(api.hits)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "files: 3 to fetch (2 full, 1 delta), 0 loaded earlier and skipped" in out
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    assert listed == LOAD_ORDER  # fulls by year, then the newer delta; the older delta is left out
    total = sum(len(files[n]) for n in LOAD_ORDER)
    assert f"bytes: {total / 1000:,.1f} KB (Content-Length from HEAD)" in out
    years = 2027 - 2021 + 1  # the scope's since-date (FY2021) to today's fiscal year
    assert f"requests: {1 + 8 * years + 3 + 1} made for this plan" in out
    assert hits.count("POST /api/v2/bulk_download/list_monthly_files/") == 8 * years
    assert [h for h in hits if h.startswith("HEAD")] == [f"HEAD /award_data_archive/{n}" for n in LOAD_ORDER]
    assert re.search(r"download rate: [\d.,]+ \w+/s \(measured: the first [\d,]+ bytes of " + re.escape(FULL_25), out)
    assert "load rate: 31,296 rows/s (bench/bench_csv.py, bench/results.md), plus 9 s start-up per file" in out
    assert re.search(r"estimated time: download \d+ s \+ load \d+ s = \d+ s", out)
    assert [h for h in hits if h.startswith("GET")] == [f"GET /award_data_archive/{FULL_25}"]  # the rate sample
    assert not staging.exists()  # a plan writes nothing


def test_all_agencies_plans_every_department_the_archive_lists(archive_files, tmp_path):
    with FakeArchive(served(archive_files)) as api:
        scoped = invoke_cli("crawl", "plan", "--api-url", api.base, "--staging", str(tmp_path / "s.duckdb"),
                            "--fiscal-year", "2026")
        every = invoke_cli("crawl", "plan", "--api-url", api.base, "--staging", str(tmp_path / "s.duckdb"),
                           "--fiscal-year", "2026", "--all-agencies")
        listings = [h for h in api.hits if h == "POST /api/v2/bulk_download/list_monthly_files/"]
    assert scoped.returncode == 0 and every.returncode == 0, scoped.stderr + every.stderr
    assert "plan: Award Data Archive, 8 departments" in scoped.stdout and "012" not in scoped.stdout.splitlines()[0]
    assert "plan: Award Data Archive, 9 departments" in every.stdout and "012" in every.stdout.splitlines()[0]
    assert len(listings) == 8 + 9  # one listing per department and fiscal year
    assert "files: 2 to fetch (1 full, 1 delta)" in every.stdout


def test_rows_per_byte_is_read_from_the_first_mebibyte(archive_files):
    data = archive_files[FULL_26].read_bytes()
    import zipfile

    with zipfile.ZipFile(archive_files[FULL_26]) as zf:
        first = zf.infolist()[0]
        lines = zf.read(first).count(b"\n") - 1
    assert rows_per_byte(data) == pytest.approx(lines / first.compress_size, rel=0.01)
    assert rows_per_byte(b"not a zip") is None


def test_crawl_all_loads_every_planned_file_like_loading_them_by_hand(uninterrupted, archive_files, tmp_path):
    r = uninterrupted["first"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.index("estimated time:") < r.stdout.index(f"[1/3] {FULL_25}: fetching")
    for i, name in enumerate(LOAD_ORDER, 1):
        assert re.search(rf"\[{i}/3\] {re.escape(name)}: loaded [\d,]+ rows", r.stdout), r.stdout
    by_hand = tmp_path / "by_hand.duckdb"
    con = store.connect(by_hand)
    for name in LOAD_ORDER:
        bulk_csv.load(con, archive_files[name])
    con.close()
    got = staging_numbers(uninterrupted["staging"])
    assert got == staging_numbers(by_hand)
    assert not any("OLD DELTA" in str(t) for t in got["transactions"])
    ledger = archive_ledger(uninterrupted["staging"])
    assert [(n, k, s) for n, k, s, *_ in ledger] == [(FULL_25, "full", "loaded"), (FULL_26, "full", "loaded"),
                                                      (DELTA_NEW, "delta", "loaded")]
    for name, _, _, size, sha, rows in ledger:
        data = archive_files[name].read_bytes()
        assert size == len(data) and sha == hashlib.sha256(data).hexdigest() and rows > 0


def test_a_second_run_fetches_nothing_and_changes_nothing(uninterrupted):
    r = uninterrupted["again"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "files: 0 to fetch (0 full, 0 delta), 3 loaded earlier and skipped" in r.stdout
    assert not [h for h in uninterrupted["hits_again"] if h.startswith(("GET", "HEAD"))]


def staging_differences(a: Path, b: Path) -> dict[str, tuple[int, int]]:
    """Per staging table: rows of a not in b and of b not in a (EXCEPT ALL), run and fetch-time columns left out.
    The registry is built from these tables alone, so equal tables build the same registry."""
    con = duckdb.connect(str(a), read_only=True)
    try:
        con.execute(f"ATTACH '{b}' AS other (READ_ONLY)")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' ORDER BY table_name").fetchall()]
        diffs = {}
        for t in tables:
            cols = [r[0] for r in con.execute(f'DESCRIBE "{t}"').fetchall() if not RUN_TIME_COLUMNS.search(r[0])]
            sel = ", ".join(f'"{c}"' for c in cols)
            ab = con.execute(f'SELECT count(*) FROM (SELECT {sel} FROM "{t}" EXCEPT ALL '  # noqa: S608
                             f'SELECT {sel} FROM other."{t}")').fetchone()[0]
            ba = con.execute(f'SELECT count(*) FROM (SELECT {sel} FROM other."{t}" EXCEPT ALL '  # noqa: S608
                             f'SELECT {sel} FROM "{t}")').fetchone()[0]
            if ab or ba:
                diffs[t] = (ab, ba)
        assert {"stg_transactions", "stg_awards", "rejects", "stg_archive_files"} <= set(tables)
        return diffs
    finally:
        con.close()


def half_load(staging: Path, archive_files: dict[str, Path], port: int) -> None:
    """The state a SIGKILL during a load leaves: FULL_25's rows and rejects committed under a spider run that
    never finished, its ledger row 'loading'."""
    from urllib.parse import quote

    from registry.core import runs

    url = f"http://127.0.0.1:{port}/award_data_archive/{quote(FULL_25)}"
    con = store.connect(staging)
    run_id = runs.start_run(con, "usaspending_bulk", {"archive_files": [FULL_25]})
    bulk_csv.load(con, archive_files[FULL_25], origin_url=url, run_id=run_id)
    con.execute("INSERT INTO stg_archive_files (url, file_name, toptier_code, fiscal_year, kind, status) "
                "VALUES (?, ?, '070', 2025, 'full', 'loading')", [url, FULL_25])
    con.close()


@pytest.mark.timeout(900)  # three crawls, one killed: past the 300 s default on a busy shared machine
def test_half_loaded_killed_and_broken_files_are_each_resumed_to_the_same_staging(uninterrupted, archive_files,
                                                                                  port, tmp_path):
    """Three ways a crawl is cut short, one after another on one store (each resume is also the next one's
    start): a file half loaded when killed, and then killed again (SIGKILL) while its download runs, is loaded
    again without doubled rejects; a run that ends after its first file (the second broken on every try) fails
    and its re-run resumes from the second. The store ends with the same rows as the module's uninterrupted crawl,
    and no killed run is left `running`."""
    staging = tmp_path / "staging.duckdb"
    half_load(staging, archive_files, port)
    assert len(staging_numbers(staging)["rejects"]) == 3

    # `registry crawl all` as a user runs it, killed once the half-loaded file's spider is waiting on its slow
    # download (the plan's rate sample is the first GET of that file, the spider's the second)
    full_25 = f"GET /award_data_archive/{FULL_25}"
    with FakeArchive(served(archive_files), slow={FULL_25: 3.0}, port=port) as api:
        seen = "".join(kill_crawl_when(
            [REGISTRY_BIN, "crawl", "all", "--api-url", api.base, "--staging", str(staging), "--no-refresh", NO_SUB,
             *FAST], f"[1/3] {FULL_25}: fetching", lambda: api.hits.count(full_25) >= 2))
    wait_for_lock_release(staging)
    assert "files: 3 to fetch (2 full, 1 delta), 0 loaded earlier and skipped" in seen
    assert "resuming: 1 file(s)" in seen
    assert {n: s for n, _, s, *_ in archive_ledger(staging)} == {FULL_25: "loading"}

    # resumed from the killed file, loaded this time; the next file arrives broken on every try: the run fails,
    # the delta still loads
    with FakeArchive(served(archive_files), port=port, broken={FULL_26}) as api:
        r = crawl_all(api, staging, "--setting", "BULK_DOWNLOAD_TRIES=2")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "files: 3 to fetch (2 full, 1 delta), 0 loaded earlier and skipped" in r.stdout
    assert "resuming: 1 file(s)" in r.stdout
    assert f"[1/3] {FULL_25}: loaded" in r.stdout
    assert f"[2/3] {FULL_26}: NOT loaded" in r.stdout and f"[3/3] {DELTA_NEW}: loaded" in r.stdout
    assert "re-run the same command to resume" in r.stderr
    assert {n: st for n, _, st, *_ in archive_ledger(staging)} == {FULL_25: "loaded", FULL_26: "failed",
                                                                 DELTA_NEW: "loaded"}
    # the half-loaded file's three bad rows, once: loaded again, its rejects not doubled
    assert len([k for k, _ in staging_numbers(staging)["rejects"] if k != "download"]) == 3

    with FakeArchive(served(archive_files), port=port) as api:  # the same archive, whole and at full speed
        again = crawl_all(api, staging)
    assert again.returncode == 0, again.stdout + again.stderr
    # the delta (its deletion and correction are FY2026 rows) is applied again after the retried full file
    assert "files: 2 to fetch (1 full, 1 delta), 1 loaded earlier and skipped" in again.stdout
    listed = [line.split()[0] for line in again.stdout.splitlines() if line.startswith("  ")]
    assert listed == [FULL_26, DELTA_NEW]
    # the same rows and rejects as an uninterrupted run (the failed attempt's "still broken" reject is gone, the
    # half-loaded file's are not doubled), and the same staging in every table but the record of spider runs
    assert staging_numbers(staging) == staging_numbers(uninterrupted["staging"])
    assert set(staging_differences(staging, uninterrupted["staging"])) == {"crawl_runs"}
    # every spider run is in that record: the two the kills cut short marked aborted by the next run (never left
    # `running`, nor dropped), the broken file's partial (its one file lost), the four that loaded a file ok
    statuses = sorted(s for (s,) in bf.query(staging, "SELECT status FROM crawl_runs"))
    assert statuses == ["aborted", "aborted"] + ["ok"] * 4 + ["partial"], statuses


def test_without_a_network_the_crawl_stops_at_once_with_one_clear_line(tmp_path):
    with socket.socket() as s:  # a port nothing listens on: the connection is refused, as offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    staging = tmp_path / "staging.duckdb"
    started = time.monotonic()
    r = invoke_cli("crawl", "all", "--api-url", f"http://127.0.0.1:{port}", "--staging", str(staging))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f"error: cannot reach 127.0.0.1:{port}: [Errno 111] Connection refused"]
    assert time.monotonic() - started < 30 and not staging.exists()


def test_make_crawl_path_refreshes_from_the_api_what_changed_after_the_files(uninterrupted, archive_files, port,
                                                                            tmp_path):
    """`registry crawl all` as `make crawl` runs it (with the refresh; in this process, the killed crawl above runs
    the `registry` command itself), on the store the module's uninterrupted crawl left (its three files loaded): the API is asked only for awards modified since
    the day before the newest file (2026-11-09 here), and what it answers lands in staging."""
    awards = make_awards(60, start=date(2025, 10, 5), mods=2)  # award 0 last modified 2026-11-09
    staging = copy_store(uninterrupted["staging"], tmp_path / "staging.duckdb")
    with FakeUsaspending(awards) as fake_api, \
            FakeArchive(served(archive_files), upstream=fake_api.base, port=port) as api:
        with bf.warm_spider_children():
            r = invoke_cli("crawl", "all", "--api-url", api.base, "--staging", str(staging), NO_SUB, *FAST)
        searches = [h for h in api.hits if h == "POST /api/v2/search/spending_by_award/"]
        files = [h for h in api.hits if h.startswith(("GET /award_data_archive/", "HEAD /award_data_archive/"))]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "files: 0 to fetch (0 full, 0 delta), 3 loaded earlier and skipped" in r.stdout and files == []
    assert "refresh: API route, awards modified since 2026-11-08" in r.stdout
    assert searches
    con = duckdb.connect(str(staging), read_only=True)
    try:
        keys = {k for (k,) in con.execute("SELECT award_key FROM stg_awards WHERE source = 'usaspending'").fetchall()}
        runs = con.execute("SELECT source, status FROM crawl_runs ORDER BY started_at").fetchall()
    finally:
        con.close()
    modified = {a.gid for a in awards
                if "2026-11-08" <= a.detail["period_of_performance"]["last_modified_date"] <= str(date.today())}
    assert awards[0].gid in modified and keys == modified
    assert runs == [("usaspending_bulk", "ok")] * 3 + [("usaspending", "ok")]
