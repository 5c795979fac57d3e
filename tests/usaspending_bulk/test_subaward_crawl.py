"""`registry crawl all` fetches sub-awards itself: USAspending's download job against a local server on 127.0.0.1.

The server answers like the real API (shared/data/usaspending_api_contracts/contracts/v2/bulk_download/awards.md
and download/status.md): POST bulk_download/awards/ checks the request body (sub_award_types, no prime award
types, agencies, a date range within a year, file_format) and refuses a wrong one with 400; download/status goes
ready -> running -> finished; file_url serves a zip whose CSV has the real sub-award header and the real rows of
the ICE Minnesota download (../shared) whose sub-award action date falls in the job's date range. The prime
awards are the same real file's prime_award_* columns written as an award-summary file (as tests/test_subawards.py
does), loaded by hand first, so every value is from the public record.

What a user checks: the plan names the jobs; every sub-award is loaded under its prime award (the same staging
rows tests/test_subawards.py loads from the file and builds: there the built registry links each to its prime,
so no build here repeats it); a second run requests nothing; a run killed (SIGKILL) while it waits for a job
redoes only that year; a failed job and a job that never finishes each end the
run with a clear line, leave the staging store's sub-awards and the built registry as they were, and a re-run
fetches only the year that did not finish.

Cost: every `crawl all` here but the killed one (a kill needs its own process: forked from the warm server of
tests/warm_process.py, its spider forked from it, tests/usaspending_bulk/forked_spiders.py) runs through
Typer's CliRunner in this process (tests/test_bulk_crawl.py runs the command as a user does, from nothing); each
job is still its own spider process, as always, forked warm (bulk_fixtures.warm_spider_children: about 1.1 s of
CPU each instead of 2.7 s). So the healthy crawl is one of FY2019, then one of the
three years (its FY2019 skipped), and the killed, failed and stalled runs go one after another on a copy of the
store that FY2019 crawl left, each re-run the next one's start (8 spider runs in the module, not 13), and a
stalled job is given up after BULK_JOB_DEADLINE=1 s: the same polling and the same end, on a shorter clock.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from registry.core import store
from registry.loaders import bulk_csv
from tests.bulk_fixtures import (
    FAST,
    copy_store,
    free_port,
    kill_crawl_when,
    query,
    subaward_ledger,
    wait_for_lock_release,
    warm_spider_children,
)
from tests.conftest import SHARED_DATA, invoke_cli
from tests.test_bulk_crawl import FakeArchive
from tests.test_subawards import PRIME_COLUMNS, write

ICE_MN = SHARED_DATA / "usaspending_download_ice_mn"
SUBAWARDS = ICE_MN / "Contracts_Subawards_ICE_recipients_in_MN_2025-03-21.csv"
YEARS = ["--fiscal-year", "2019", "--fiscal-year", "2023", "--fiscal-year", "2024"]  # 2, 0 and 1 real rows
AGENCY_KEYS = {"type", "tier", "name", "toptier_name"}


def real_subawards() -> tuple[list[str], list[dict[str, str]]]:
    with open(SUBAWARDS, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def contract_problem(body: dict[str, Any]) -> str | None:
    """Why a request body breaks the documented contract for a sub-award download (None when it keeps it)."""
    f = body.get("filters")
    if not isinstance(f, dict):
        return "filters: missing"
    if f.get("sub_award_types") != ["procurement"]:
        return f"filters.sub_award_types must be ['procurement'], got {f.get('sub_award_types')!r}"
    if f.get("prime_award_types"):
        return "filters.prime_award_types given: the API would make prime award files too"
    if f.get("date_type") != "action_date":
        return "filters.date_type must be action_date"
    rng = f.get("date_range") or {}
    try:
        start, end = date.fromisoformat(rng["start_date"]), date.fromisoformat(rng["end_date"])
    except (KeyError, TypeError, ValueError):
        return "filters.date_range needs start_date and end_date"
    if not start <= end or (end - start).days > 366:
        return "Invalid Parameter: date_range total days must be within a year"
    agencies = f.get("agencies")
    if not agencies or any(not isinstance(a, dict) or set(a) - AGENCY_KEYS or a.get("type") != "awarding"
                           or a.get("tier") not in ("toptier", "subtier") or not a.get("name") for a in agencies):
        return f"filters.agencies malformed: {agencies!r}"
    if body.get("file_format", "csv") != "csv":
        return "file_format must be csv"
    return None


class FakeSubawardApi(FakeArchive):
    """The archive listing (no archive files here) plus the sub-award download job, as the real API plays it."""

    def __init__(self, port: int = 0, outcome: dict[int, str] | None = None) -> None:
        super().__init__({}, port=port)
        self.outcome = outcome or {}  # fiscal year -> finished | failed | stalled
        self.header, self.rows = real_subawards()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.bodies: list[dict[str, Any]] = []
        self.refused: list[str] = []

    def forward(self, h: BaseHTTPRequestHandler, body: dict[str, Any] | None) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        if h.command == "POST" and path == "/api/v2/bulk_download/awards/":
            return self.request_job(h, body or {})
        if h.command == "GET" and path == "/api/v2/download/status/":
            return self.status(h, parse_qs(parts.query).get("file_name", [""])[0])
        if path.startswith("/generated_downloads/") and path.removeprefix("/generated_downloads/") in self.jobs:
            job = self.jobs[path.removeprefix("/generated_downloads/")]
            etag = '"' + hashlib.md5(job["zip"]).hexdigest() + '"'  # noqa: S324 - S3's ETag is an MD5
            return self.send(h, 200, job["zip"], {"Content-Type": "application/zip", "ETag": etag},
                             write=h.command == "GET")
        return self.send(h, 404, b'{"detail": "not found"}')

    def request_job(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        self.bodies.append(body)
        problem = contract_problem(body)
        if problem:
            self.refused.append(problem)
            return self.send(h, 400, json.dumps({"detail": problem}).encode())
        rng = body["filters"]["date_range"]
        start, end = date.fromisoformat(rng["start_date"]), date.fromisoformat(rng["end_date"])
        fy = end.year + (1 if end.month >= 10 else 0)
        rows = [r for r in self.rows if start <= date.fromisoformat(r["subaward_action_date"]) <= end]
        name = f"All_Subawards_{date.today()}_H07M00S{fy:08d}.zip"
        s = io.StringIO()
        w = csv.DictWriter(s, fieldnames=self.header)
        w.writeheader()
        w.writerows(rows)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"Contracts_Subawards_{date.today()}_H07M00S00_1.csv", s.getvalue())
        self.jobs[name] = {"fy": fy, "polls": 0, "rows": len(rows), "zip": buf.getvalue(),
                           "outcome": self.outcome.get(fy, "finished")}
        self.send(h, 200, json.dumps({
            "status_url": f"{self.base}/api/v2/download/status?file_name={name}", "file_name": name,
            "file_url": f"{self.base}/generated_downloads/{name}",
            "download_request": {"download_types": ["elasticsearch_sub_awards"], "file_format": "csv",
                                 "request_type": "award", "filters": {
                                     "agencies": body["filters"]["agencies"],
                                     "prime_and_sub_award_types": {"elasticsearch_sub_awards": ["procurement"]},
                                     "time_period": [{**rng, "date_type": "action_date"}]}}}).encode())

    def status(self, h: BaseHTTPRequestHandler, name: str) -> None:
        job = self.jobs.get(name)
        if job is None:
            return self.send(h, 400, b'{"detail": "Download not found"}')
        job["polls"] += 1
        steps = ["ready", "running", "running"]
        state = steps[job["polls"] - 1] if job["polls"] <= len(steps) else job["outcome"]
        state = "running" if state == "stalled" else state
        done = state in ("finished", "failed")
        self.send(h, 200, json.dumps({
            "status": state, "file_name": name, "file_url": f"{self.base}/generated_downloads/{name}",
            "message": "Download failed: the query timed out on our side" if state == "failed" else None,
            "total_size": round(len(job["zip"]) / 1000, 3) if state == "finished" else None,
            "total_columns": len(self.header) if state == "finished" else None,
            "total_rows": job["rows"] if state == "finished" else None,
            "seconds_elapsed": f"{job['polls'] * 0.05:.3f}" if done or state == "running" else None}).encode(),
            {"Content-Type": "application/json"})


def with_primes(path: Path) -> Path:
    """A staging store holding the sub-awards' prime awards (from the real file's prime_award_* columns)."""
    _, rows = real_subawards()
    primes = write(path.parent / "Contracts_PrimeAwardSummaries_primes.csv",
                   [{k: r[v] for k, v in PRIME_COLUMNS.items()} for r in rows], list(PRIME_COLUMNS))
    con = store.connect(path)
    try:
        bulk_csv.load(con, primes)
    finally:
        con.close()
    return path


def crawl_args(api: FakeSubawardApi, staging: Path, years: list[str] = YEARS) -> list[str]:
    return ["crawl", "all", "--api-url", api.base, "--staging", str(staging), "--no-refresh", *years, *FAST]


def crawl(api: FakeSubawardApi, staging: Path, *extra: str, env: dict | None = None) -> Any:
    """`registry crawl all` in this process (its spider children are real processes, forked warm)."""
    with warm_spider_children():
        return invoke_cli(*crawl_args(api, staging), *extra, env=env)


def subaward_rows(staging: Path) -> list[tuple]:
    return query(staging, "SELECT prime_award_key, report_id, subaward_number, subaward_amount, subawardee_name, "
                          "source_url FROM stg_subawards ORDER BY ALL")


@pytest.fixture(scope="module")
def port() -> int:
    """One port for the servers a test compares: a job's ledger key names the API it was asked of."""
    return free_port()


@pytest.fixture(scope="module")
def fetched(port, tmp_path_factory) -> dict[str, Any]:
    """A healthy crawl of FY2019, then of three fiscal years (FY2019 skipped as fetched), and a third run."""
    d = tmp_path_factory.mktemp("subaward_crawl")
    staging = with_primes(d / "staging.duckdb")
    with FakeSubawardApi(port=port) as api:
        with warm_spider_children():
            earlier = invoke_cli(*crawl_args(api, staging, ["--fiscal-year", "2019"]))
        fy2019 = copy_store(staging, d / "fy2019" / "staging.duckdb")
        first = crawl(api, staging)
        bodies, jobs = list(api.bodies), {n: dict(j) for n, j in api.jobs.items()}
        refused = list(api.refused)
        again = crawl(api, staging)
        bodies_again = api.bodies[len(bodies):]
    return {"dir": d, "staging": staging, "earlier": earlier, "first": first, "again": again,
            "bodies": bodies, "jobs": jobs, "refused": refused, "bodies_again": bodies_again,
            "fy2019": fy2019, "fy2019_rows": subaward_rows(fy2019)}


def test_the_plan_names_one_sub_award_job_per_fiscal_year(tmp_path):
    with FakeSubawardApi() as api:
        r = invoke_cli("crawl", "plan", "--api-url", api.base, "--staging", str(tmp_path / "s.duckdb"), *YEARS)
        asked = list(api.bodies)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("sub-awards: 3 download job(s) to request, 0 fetched earlier and skipped; filters.sub_award_types "
            "[procurement] by the prime award's awarding agency (35 agencies)") in r.stdout
    for fy in (2019, 2023, 2024):
        assert f"  sub-awards FY{fy}" in r.stdout and f"{fy - 1}-10-01..{fy}-09-30  new" in r.stdout
    assert asked == []  # a plan requests no download job


def test_crawl_all_requests_each_job_as_documented_waits_and_loads_the_real_sub_awards(fetched):
    earlier, r = fetched["earlier"], fetched["first"]
    assert earlier.returncode == 0 and r.returncode == 0, earlier.stdout + earlier.stderr + r.stdout + r.stderr
    assert fetched["refused"] == []  # every body kept the contract
    bodies = fetched["bodies"]
    assert [b["filters"]["date_range"] for b in bodies] == [
        {"start_date": f"{fy - 1}-10-01", "end_date": f"{fy}-09-30"} for fy in (2019, 2023, 2024)]
    agencies = bodies[0]["filters"]["agencies"]
    assert {"type": "awarding", "tier": "subtier", "name": "U.S. Immigration and Customs Enforcement",
            "toptier_name": "Department of Homeland Security"} in agencies
    # the scope's 38 subtiers hold 35 names ("Office of the Inspector General" of 4 departments: one filter, no
    # toptier_name, matched in every department)
    assert len(agencies) == 35 and {"type": "awarding", "tier": "subtier",
                                    "name": "Office of the Inspector General"} in agencies
    assert all(j["polls"] == 4 for j in fetched["jobs"].values())  # ready, running, running, finished
    assert "[sub-awards 1/1] FY2019: loaded 2 sub-award rows" in earlier.stdout
    out = r.stdout
    assert out.index("sub-awards: 2 download job(s) to request, 1 fetched earlier and skipped") < out.index(
        "[sub-awards 1/2] FY2023: requesting")
    assert "[sub-awards 1/2] FY2023: loaded 0 sub-award rows" in out
    assert "[sub-awards 2/2] FY2024: loaded 1 sub-award rows" in out
    assert "sub-awards: 2 job(s) loaded (1 rows" in out
    _, rows = real_subawards()
    assert subaward_rows(fetched["staging"]) == sorted(
        (x["prime_award_unique_key"], x["subaward_fsrs_report_id"], x["subaward_number"],
         Decimal(x["subaward_amount"]), x["subawardee_name"], x["usaspending_permalink"]) for x in rows)
    led = subaward_ledger(fetched["staging"])
    assert {fy: (st, n) for fy, (st, n, *_) in led.items()} == {2019: ("loaded", 2), 2023: ("loaded", 0),
                                                                2024: ("loaded", 1)}
    assert led[2024][2].startswith("All_Subawards_")  # the file USAspending made, kept under downloads/


def test_a_second_run_requests_no_job_again(fetched):
    r = fetched["again"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sub-awards: 0 download job(s) to request, 3 fetched earlier and skipped" in r.stdout
    assert fetched["bodies_again"] == []


def download_rejects(staging: Path) -> list[str]:
    return [r for (r,) in query(staging, "SELECT reason FROM rejects WHERE kind = 'download' ORDER BY ALL")]


@pytest.mark.timeout(900)  # four crawls, one killed: past the 300 s default on a busy shared machine
def test_a_killed_a_failed_and_a_stalled_job_each_end_clearly_and_a_rerun_fetches_only_that_year(
        fetched, sample_registry, tmp_path, port):
    """Three ways a sub-award job is cut short, one after another on one store (each re-run is also the next
    one's start): a run killed (SIGKILL) while it waits for a job resumes without redoing the finished years; a
    failed job and a job that never finishes each end the run with a clear line and leave the staging store's
    sub-awards and the built registry as they were; the re-run after them fetches only the year that did not
    finish, and ends with the sub-awards of an uninterrupted crawl."""
    staging = copy_store(fetched["fy2019"], tmp_path / "staging.duckdb")  # FY2019 fetched by an earlier run
    # a built registry (a copy of the run's sample build), where the crawl is told the registry is (REGISTRY_PATH)
    db = tmp_path / "registry.duckdb"
    db.write_bytes(sample_registry.read_bytes())
    before_db = db.read_bytes()
    name = f"All_Subawards_{date.today()}_H07M00S00002024.zip"

    with FakeSubawardApi(port=port, outcome={2024: "stalled"}) as api:  # FY2024's job never finishes: killed there
        # `registry crawl all` in a process of its own (forked warm; tests/test_bulk_crawl.py kills one started
        # from nothing), killed while its spider polls a job that stays `running` (its third poll answered)
        seen = kill_crawl_when(crawl_args(api, staging), "[sub-awards 2/2] FY2024: requesting",
                               lambda: any(j["fy"] == 2024 and j["polls"] >= 3 for j in list(api.jobs.values())),
                               warm=True)
    wait_for_lock_release(staging)
    assert "sub-awards: 2 download job(s) to request, 1 fetched earlier and skipped" in "".join(seen)
    assert "[sub-awards 1/2] FY2023: loaded 0 sub-award rows" in "".join(seen)  # finished before the kill: kept
    assert {fy: st for fy, (st, *_) in subaward_ledger(staging).items()} == {2019: "loaded", 2023: "loaded",
                                                                             2024: "loading"}, "".join(seen)

    # resumed: only the killed year is asked for again, and USAspending fails that job
    with FakeSubawardApi(port=port, outcome={2024: "failed"}) as api:
        failed = crawl(api, staging, env={"REGISTRY_PATH": str(db)})
        years = [b["filters"]["date_range"]["end_date"] for b in api.bodies]
    assert failed.returncode == 3, failed.stdout + failed.stderr
    assert "sub-awards: 1 download job(s) to request, 2 fetched earlier and skipped" in failed.stdout
    assert years == ["2024-09-30"]
    why = f"job {name} failed: Download failed: the query timed out on our side"
    assert f"[sub-awards 1/1] FY2024: NOT loaded ({why}" in failed.stdout
    assert failed.stderr.strip().splitlines()[-1].startswith(
        f"error: 0 file(s) and 1 sub-award job(s) not loaded, first sub-awards FY2024: {why}")
    assert why in download_rejects(staging)  # the run's reject says why, as the spider recorded it
    # FY2019 and FY2023 were fetched earlier; FY2024 failed: nothing of it reached staging
    assert {fy: st for fy, (st, *_) in subaward_ledger(staging).items()} == {2019: "loaded", 2023: "loaded",
                                                                             2024: "failed"}
    assert subaward_rows(staging) == fetched["fy2019_rows"]
    assert db.read_bytes() == before_db  # the crawl never touches the built registry

    # again, and the job stays `running`: polled past its first states until the deadline, then given up
    with FakeSubawardApi(port=port, outcome={2024: "stalled"}) as api:
        stalled = crawl(api, staging, "--setting", "BULK_JOB_DEADLINE=1", env={"REGISTRY_PATH": str(db)})
        polls = {j["fy"]: j["polls"] for j in api.jobs.values()}
        years = [b["filters"]["date_range"]["end_date"] for b in api.bodies]
    assert stalled.returncode == 3, stalled.stdout + stalled.stderr
    assert years == ["2024-09-30"]  # a failed year is asked for again, the fetched ones are not
    why = f"job {name} still running after "
    assert f"[sub-awards 1/1] FY2024: NOT loaded ({why}" in stalled.stdout
    assert "deadline BULK_JOB_DEADLINE=1 s" in stalled.stdout and 3 < polls[2024] < 60
    assert stalled.stderr.strip().splitlines()[-1].startswith(
        f"error: 0 file(s) and 1 sub-award job(s) not loaded, first sub-awards FY2024: {why}")
    assert subaward_ledger(staging)[2024][0] == "failed"
    assert subaward_rows(staging) == fetched["fy2019_rows"]
    assert db.read_bytes() == before_db

    with FakeSubawardApi(port=port) as api:  # the re-run requests only the year that did not finish
        again = crawl(api, staging)
        years = [b["filters"]["date_range"]["end_date"] for b in api.bodies]
    assert again.returncode == 0, again.stdout + again.stderr
    assert "sub-awards: 1 download job(s) to request, 2 fetched earlier and skipped" in again.stdout
    assert years == ["2024-09-30"]
    assert subaward_rows(staging) == subaward_rows(fetched["staging"])
