"""Sub-awards in `registry crawl all`: one USAspending download job per fiscal year, recorded in the same ledger.

Why a download job: the Award Data Archive holds prime transactions only. Sub-awards (who really delivers under
a prime contract) come from the custom award download with `filters.sub_award_types = ["procurement"]` and no
`prime_award_types` (shared/data/usaspending_api_contracts/contracts/v2/bulk_download/awards.md; the API turns
it into `prime_and_sub_award_types`), filtered by the prime award's awarding subtier, one fiscal year per job
(the API refuses a date range over a year). Each job runs the bulk spider in its own process, like an archive
file (registry/bulk_crawl.py says why): `registry crawl usaspending-bulk --sub-award-type procurement`, which
requests the job, polls `download/status` until `finished` (a `failed` job, or one still pending at its
deadline, ends the run with the reason), downloads `file_url`, verifies the zip and loads it with
registry/loaders/subawards_csv.py. The build links each row to its prime award and vendor (view `subawards`).

Ledger: `stg_archive_files`, kind `subawards`, keyed by the job's scope (endpoint, sub-award type, a hash of the
agencies, fiscal year), so a killed or failed run redoes only the years it did not finish. A loaded year is
fetched again on a later day while sub-award reports for it may still arrive (until a year after it ended:
FSRS reports come late), and never twice on one day.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from registry import bulk_crawl as bc
from registry.core import store

KIND = "subawards"
SUB_AWARD_TYPE = "procurement"   # contracts' sub-awards (the registry holds contracts, not grants)
SETTLED_AFTER = timedelta(days=365)  # a fiscal year's reports fetched this long after it ended are final


@dataclass
class SubawardJob:
    key: str          # the ledger's url: endpoint + what the job asks for (stable across days)
    fiscal_year: int
    start: date
    end: date
    agencies: list[str]
    again: bool = False  # loaded on an earlier day, fetched again because reports may still arrive

    @property
    def label(self) -> str:
        return f"sub-awards FY{self.fiscal_year}"


def job_key(api: str, agencies: list[str], fiscal_year: int) -> str:
    scope = hashlib.sha256(json.dumps(sorted(agencies)).encode()).hexdigest()[:12]
    return (f"{api.rstrip('/')}/api/v2/bulk_download/awards/#sub_award_types={SUB_AWARD_TYPE}"
            f"&agencies={scope}&fiscal_year={fiscal_year}")


def _fetched_on(row: dict[str, Any]) -> date | None:
    at = row.get("fetched_at")
    return at.date() if isinstance(at, datetime) else None


def plan_jobs(api: str, staging: Path, agencies: list[str], fiscal_years: list[int],
              today: date | None = None) -> tuple[list[SubawardJob], list[SubawardJob]]:
    """(jobs to request, jobs skipped as loaded) for the fiscal years asked; nothing is requested here."""
    today = today or date.today()
    rows = bc.ledger(staging)
    todo, skipped = [], []
    for fy in fiscal_years:
        start, fy_end = date(fy - 1, 10, 1), date(fy, 9, 30)
        if start > today:
            continue
        job = SubawardJob(job_key(api, agencies, fy), fy, start, min(fy_end, today), agencies)
        row = rows.get(job.key) or {}
        fetched = _fetched_on(row) if row.get("status") == "loaded" else None
        if fetched and (fetched >= today or fetched >= fy_end + SETTLED_AFTER):
            skipped.append(job)
            continue
        job.again = fetched is not None
        todo.append(job)
    return todo, skipped


def format_jobs(todo: list[SubawardJob], skipped: list[SubawardJob]) -> str:
    """The plan's sub-award lines (their bytes and rows are unknown until USAspending has made each file)."""
    lines = [f"sub-awards: {len(todo)} download job(s) to request, {len(skipped)} fetched earlier and skipped; "
             f"filters.sub_award_types [{SUB_AWARD_TYPE}] by the prime award's awarding agency"
             + (f" ({len(todo[0].agencies)} agencies)" if todo else "")]
    for j in todo:
        why = "fetched again: reports for this year may still arrive" if j.again else "new"
        lines.append(f"  {j.label:<20} {j.start}..{j.end}  {why}")
    if todo:
        lines.append(f"sub-award requests: per job 1 request + status polls until the file is made + 1 download; "
                     f"bytes and rows are known only then; {bc.PER_FILE_SECONDS:.0f} s start-up per job plus "
                     "USAspending's generation time")
    return "\n".join(lines)


def spider_command(job: SubawardJob, staging: Path, api: str, settings: list[str]) -> list[str]:
    cmd = [*bc._cli(), "crawl", "usaspending-bulk", "--api-url", api, "--sub-award-type", SUB_AWARD_TYPE,
           "--since", str(job.start), "--until", str(job.end), "--staging", str(staging)]
    for a in job.agencies:
        cmd += ["--agency", a]
    for s in settings:
        cmd += ["--setting", s]
    return cmd


def _forget_earlier(staging: Path, job: SubawardJob) -> None:
    """Drop the rejects earlier loads of this fiscal year wrote (killed, failed or a day older): the file about
    to be loaded is the year's whole current answer and writes its rejects afresh, so none is counted twice."""
    con = store.connect(staging)
    try:
        ids = []
        for run_id, scope in con.execute("SELECT run_id, scope FROM crawl_runs WHERE source = ?",
                                         [bc.BULK_SOURCE]).fetchall():
            s = json.loads(scope) if isinstance(scope, str) else (scope or {})
            if s.get("sub_award_types") and s.get("since") == str(job.start) and \
                    sorted(a.lower() for a in s.get("agencies") or []) == sorted(a.lower() for a in job.agencies):
                ids.append(run_id)
        if ids:
            con.execute(f"DELETE FROM rejects WHERE run_id IN ({', '.join('?' * len(ids))})", ids)  # noqa: S608
    finally:
        con.close()


def _why(staging: Path, run_id: str | None, stderr: str, stdout: str, code: int) -> str:
    """The first reason the run recorded (e.g. "job … failed: …"), else the child's last line."""
    if run_id:
        con = duckdb.connect(str(staging), read_only=True)
        try:
            row = con.execute("SELECT reason FROM rejects WHERE run_id = ? ORDER BY reject_id LIMIT 1",
                              [run_id]).fetchone()
        finally:
            con.close()
        if row:
            return str(row[0])[:300]
    lines = (stderr.strip() or stdout.strip() or f"exit {code}").splitlines()
    return lines[-1][:300] if lines else f"exit {code}"


def _newest_download(staging: Path, since: float) -> Path | None:
    d = staging.parent / "downloads" / bc.BULK_SOURCE
    files = [p for p in d.glob("*") if p.is_file() and p.stat().st_mtime >= since] if d.exists() else []
    return max(files, key=lambda p: p.stat().st_mtime) if files else None


@dataclass
class SubawardSummary:
    loaded: list[str]
    failed: list[tuple[str, str]]
    rows: int
    bytes: int
    seconds: float


def run_jobs(jobs: list[SubawardJob], staging: Path, api: str, settings: list[str] | None = None,
             echo: Callable[[str], None] = print, timeout: float = 6 * 3600.0) -> SubawardSummary:
    """Request, wait for, download and load each job's file in its own spider process; ledger as it goes."""
    import subprocess

    staging = Path(staging)
    crawl_id = f"crawl-all-{store.now_utc():%Y%m%dT%H%M%S}-subawards"
    started = time.perf_counter()
    loaded, failed = [], []
    rows = size = 0
    for i, job in enumerate(jobs, 1):
        tag = f"[sub-awards {i}/{len(jobs)}] FY{job.fiscal_year}"
        echo(f"{tag}: requesting the download job ({job.start}..{job.end}), waiting for USAspending to make it")
        entry = bc.ArchiveFile(url=job.key, name=job.label, toptier_code=None, fiscal_year=job.fiscal_year,
                               kind=KIND, file_date=job.end)
        _forget_earlier(staging, job)
        bc._mark(staging, entry, crawl_id, "loading")
        t0, launched, wall = time.perf_counter(), store.now_utc(), time.time() - 1
        r = subprocess.run(spider_command(job, staging, api, settings or []), capture_output=True, text=True,
                           timeout=timeout, check=False)
        run_id, fetched, status = bc._last_bulk_run(staging, launched)
        seconds = time.perf_counter() - t0
        if r.returncode == 0 and status in ("ok", "empty"):  # empty: the job said the year has none
            kept = _newest_download(staging, wall)
            nbytes = kept.stat().st_size if kept else None
            bc._mark(staging, entry, crawl_id, "loaded", sha256=bc._sha256(kept) if kept else None,
                     row_count=fetched, load_run=run_id, fetched_at=store.now_utc(), bytes=nbytes,
                     file_name=kept.name if kept else job.label)
            loaded.append(job.label)
            rows += fetched
            size += nbytes or 0
            echo(f"{tag}: loaded {fetched:,} sub-award rows, {bc.human_bytes(nbytes or 0)} in {seconds:.1f} s "
                 f"({kept.name if kept else 'file'})")
        else:
            why = _why(staging, run_id, r.stderr, r.stdout, r.returncode)
            bc._mark(staging, entry, crawl_id, "failed", load_run=run_id, error=why)
            failed.append((job.label, why))
            echo(f"{tag}: NOT loaded ({why}); re-run to try it again")
    return SubawardSummary(loaded, failed, rows, size, time.perf_counter() - started)
