"""`make crawl` bulk first: the Award Data Archive's files for the scope's departments, then the API refresh.

Why bulk first: the API route costs about two requests per award (a day or more for the whole scope), while the
archive holds every contract transaction of a department and fiscal year in one zip. So the plan is:
  1. POST /api/v2/bulk_download/list_agencies/        department codes -> the archive's agency ids
  2. POST /api/v2/bulk_download/list_monthly_files/   per department and fiscal year: full and delta files
  3. HEAD each file                                    bytes (Content-Length) and ETag, for the plan
  4. one ranged GET of the first file's first MiB      the download rate and rows per byte, for the estimate
  5. per file: the bulk spider (`registry crawl usaspending-bulk --archive-file`) in its own process downloads,
     verifies and loads it; the ledger `stg_archive_files` records it, so a killed run resumes where it stopped
  6. sub-awards: one download job per fiscal year (registry/subaward_crawl.py), in the same ledger
  7. the API route's refresh of awards modified since the archive files were made (`registry crawl api-refresh`)

Which files: per department and fiscal year the newest full file, unless a full file of that year is loaded
already; then the department's delta files dated after its oldest loaded-or-planned full file (deltas apply
corrections `C` and deletions `D`; the loader applies them idempotently). Fulls load before deltas, and a
delta loaded earlier is applied again when a full file older than it is loaded now (a retried full file).

Each file runs in a child process because Scrapy's reactor cannot start twice in one process, and because a
kill then loses at most the one file in flight (its ledger row stays 'loading' and is redone next time).
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urljoin, urlsplit
from urllib.request import Request, urlopen

import duckdb

from registry.core import paths, store

# Load rate of the bulk loader, measured by bench/bench_csv.py (bench/results.md: "bulk CSV: loader vs DuckDB
# read_csv (200,000 rows)": 31,296 rows/s on the 2-core benchmark machine). `--load-rate` overrides it.
BENCH_LOAD_RATE = 31_296.0
# Start-up cost of one file's spider process (Python, Scrapy, preflight, opening staging, the run's bookkeeping),
# measured by bench/bulk_crawl.py as the wall time of its 2-row delta file: 9.1 s on the shared 2-core machine.
PER_FILE_SECONDS = 9.0
SAMPLE_BYTES = 1 << 20          # the ranged GET that measures the download rate and rows per byte
HTTP_TIMEOUT = 30.0
BULK_SOURCE = "usaspending_bulk"
USER_AGENT = "surveillance-tech-registry (bulk plan; +https://github.com/)"
FILE_DATE = re.compile(r"_(\d{8})(?:_\d+)?\.zip$", re.I)
FILE_YEAR = re.compile(r"^FY(\d{4})_", re.I)


class PlanError(RuntimeError):
    """The plan cannot be made (the API's listing is unreachable or answers nonsense); one line for the user."""


@dataclass
class ArchiveFile:
    url: str                 # what the spider fetches: the directory joined with the quoted file name
    name: str
    toptier_code: str | None  # None for a sub-award job (registry/subaward_crawl.py)
    fiscal_year: int | None
    kind: str                # full | delta (| subawards: a sub-award download job's ledger row)
    file_date: date | None
    bytes: int | None = None
    etag: str | None = None


@dataclass
class Plan:
    files: list[ArchiveFile]                 # to fetch, in load order
    skipped: list[ArchiveFile]               # loaded by an earlier run (same URL)
    departments: dict[str, str]              # cgac -> name, the departments asked for
    missing: list[str]                       # departments the archive does not list
    fiscal_years: list[int]
    requests_made: int                       # listing, HEAD and the rate sample, made to print this plan
    download_rate: float | None              # bytes per second
    download_rate_source: str
    rows_per_byte: float | None
    load_rate: float                         # rows per second
    load_rate_source: str
    resumed: list[str] = field(default_factory=list)  # files a killed run left 'loading'

    @property
    def bytes(self) -> int:
        return sum(f.bytes or 0 for f in self.files)

    def eta_seconds(self) -> tuple[float | None, float | None]:
        """(download seconds, load seconds incl. each file's process start-up) for the files still to fetch."""
        down = self.bytes / self.download_rate if self.download_rate else None
        load = (self.bytes * self.rows_per_byte / self.load_rate + PER_FILE_SECONDS * len(self.files)
                if self.rows_per_byte else None)
        return down, load


# -- HTTP ---------------------------------------------------------------------------------------------------------
def _open(req: Request, timeout: float):
    try:
        return urlopen(req, timeout=timeout)  # noqa: S310 - http(s) URLs checked by the caller's preflight
    except HTTPError as e:
        raise PlanError(f"{req.get_method()} {req.full_url}: HTTP {e.code}") from e
    except (URLError, OSError) as e:
        raise PlanError(f"{req.get_method()} {req.full_url}: {getattr(e, 'reason', e)}") from e


def post_json(url: str, body: dict[str, Any], timeout: float = HTTP_TIMEOUT) -> dict[str, Any]:
    req = Request(url, data=json.dumps(body).encode(), method="POST",
                  headers={"Content-Type": "application/json", "User-Agent": USER_AGENT})
    with _open(req, timeout) as r:
        try:
            data = json.loads(r.read())
        except ValueError as e:
            raise PlanError(f"POST {url}: not JSON ({e})") from e
    if not isinstance(data, dict):
        raise PlanError(f"POST {url}: unexpected answer")
    return data


def head(url: str, timeout: float = HTTP_TIMEOUT) -> tuple[int | None, str | None]:
    """Content-Length and ETag of a file, without downloading it."""
    with _open(Request(url, method="HEAD", headers={"User-Agent": USER_AGENT}), timeout) as r:
        length = r.headers.get("Content-Length")
        return (int(length) if length and length.isdigit() else None), r.headers.get("ETag")


def sample(url: str, limit: int = SAMPLE_BYTES, timeout: float = HTTP_TIMEOUT) -> tuple[bytes, float]:
    """The first `limit` bytes of a file and the seconds they took (a server ignoring Range is cut off)."""
    req = Request(url, headers={"Range": f"bytes=0-{limit - 1}", "User-Agent": USER_AGENT})
    started = time.perf_counter()
    with _open(req, timeout) as r:
        data = r.read(limit)
    return data, time.perf_counter() - started


def rows_per_byte(prefix: bytes) -> float | None:
    """Rows per compressed byte, from the start of a zip: inflate the first member's stream, count lines.

    Why from the prefix: the plan must say how long loading takes before anything is downloaded whole, and a
    zip's first local header is followed by its deflate stream, which inflates from the start.
    """
    if len(prefix) < 30 or prefix[:4] != b"PK\x03\x04":
        return None
    method = int.from_bytes(prefix[8:10], "little")
    start = 30 + int.from_bytes(prefix[26:28], "little") + int.from_bytes(prefix[28:30], "little")
    body = prefix[start:]
    if method == 8:
        d = zlib.decompressobj(-15)
        try:
            text = d.decompress(body)
        except zlib.error:
            return None
        used = len(body) - len(d.unused_data)
    elif method == 0:
        text, used = body, len(body)
    else:
        return None
    lines = text.count(b"\n") - 1  # the header line is not a row
    return lines / used if lines > 0 and used else None


# -- scope --------------------------------------------------------------------------------------------------------
def fiscal_year(d: date) -> int:
    return d.year + (1 if d.month >= 10 else 0)


def scope_departments(scope: dict[str, Any]) -> dict[str, str]:
    """cgac -> department name for every department holding a subtier of the scope (data/crawl_scope.yaml)."""
    depts = scope.get("departments") or {}
    used = {a["department"] for a in scope["agencies"]}
    return {depts[k]["cgac"]: depts[k]["name"] for k in sorted(used) if k in depts}


def archive_agencies(api: str) -> dict[str, tuple[int, str]]:
    """toptier_code -> (archive agency id, name), from bulk_download/list_agencies."""
    data = post_json(f"{api}/api/v2/bulk_download/list_agencies/", {"type": "award_agencies"})
    groups = data.get("agencies")
    if not isinstance(groups, dict):
        raise PlanError("bulk_download/list_agencies: no `agencies` in the answer")
    out = {}
    for group in ("cfo_agencies", "other_agencies"):
        for a in groups.get(group) or []:
            out[str(a["toptier_code"])] = (int(a["toptier_agency_id"]), str(a["name"]))
    return out


def _file_date(entry: dict[str, Any], name: str) -> date | None:
    m = FILE_DATE.search(name)
    if m:
        return datetime.strptime(m.group(1), "%Y%m%d").date()
    try:
        return date.fromisoformat(str(entry.get("updated_date"))[:10])
    except ValueError:
        return None


def listed_files(api: str, agency_id: int, cgac: str, fy: int) -> list[ArchiveFile]:
    """The archive's current contract files for one department and fiscal year."""
    data = post_json(f"{api}/api/v2/bulk_download/list_monthly_files/",
                     {"agency": agency_id, "fiscal_year": fy, "type": "contracts"})
    out = []
    for e in data.get("monthly_files") or []:
        full_url = urljoin(api + "/", str(e.get("url") or e["file_name"]))
        name = Path(urlsplit(full_url).path).name
        directory = full_url[: full_url.rindex("/") + 1]
        kind = "delta" if "_delta_" in name.lower() else "full"
        m = FILE_YEAR.match(name)
        out.append(ArchiveFile(url=urljoin(directory, quote(name)), name=name, toptier_code=cgac,
                               fiscal_year=int(m.group(1)) if m else (fy if kind == "full" else None),
                               kind=kind, file_date=_file_date(e, name)))
    return out


def choose(listed: list[ArchiveFile], loaded: dict[str, dict[str, Any]]) -> tuple[list[ArchiveFile], list[ArchiveFile]]:
    """(to fetch in load order, skipped as loaded) from everything the archive lists; see the module docstring."""
    by_url = {f.url: f for f in listed}
    loaded_full: dict[tuple[str, int], date | None] = {}
    for row in loaded.values():
        if row["kind"] == "full" and row["status"] == "loaded":
            loaded_full[(row["toptier_code"], row["fiscal_year"])] = row["file_date"]
    fulls: dict[tuple[str, int], ArchiveFile] = {}
    for f in by_url.values():
        if f.kind != "full" or f.fiscal_year is None or (f.toptier_code, f.fiscal_year) in loaded_full:
            continue
        key = (f.toptier_code, f.fiscal_year)
        if key not in fulls or (f.file_date or date.min) > (fulls[key].file_date or date.min):
            fulls[key] = f
    base: dict[str, date] = {}  # per department: deltas after its oldest full (loaded or planned)
    for (cgac, _), d in list(loaded_full.items()) + [(k, f.file_date) for k, f in fulls.items()]:
        if d and (cgac not in base or d < base[cgac]):
            base[cgac] = d
    deltas = [f for f in by_url.values() if f.kind == "delta" and f.toptier_code in base
              and f.file_date and f.file_date > base[f.toptier_code]]
    wanted = sorted(fulls.values(), key=lambda f: (f.toptier_code, f.fiscal_year or 0)) + sorted(
        deltas, key=lambda f: (f.file_date, f.toptier_code, f.name))
    def is_loaded(f: ArchiveFile) -> bool:
        return loaded.get(f.url, {}).get("status") == "loaded"

    # A full file loaded now (e.g. retried after it failed) comes after deltas loaded earlier: those dated after
    # it are applied again, or the full file would put back rows a delta deleted or corrected.
    redo: dict[str, date] = {}
    for f in fulls.values():
        if not is_loaded(f) and f.file_date and (f.toptier_code not in redo or f.file_date < redo[f.toptier_code]):
            redo[f.toptier_code] = f.file_date
    todo = [f for f in wanted if not is_loaded(f) or (
        f.kind == "delta" and f.toptier_code in redo and f.file_date and f.file_date > redo[f.toptier_code])]
    done = [f for f in by_url.values() if is_loaded(f) and f not in todo]
    return todo, done


def ledger(staging: Path) -> dict[str, dict[str, Any]]:
    """url -> row of stg_archive_files (empty when the store does not exist yet)."""
    if not Path(staging).exists():
        return {}
    con = store.connect(staging)
    try:
        cur = con.execute("SELECT * FROM stg_archive_files")
        cols = [d[0] for d in cur.description]
        return {r[0]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}
    finally:
        con.close()


def make_plan(api: str, staging: Path, departments: dict[str, str] | None, fiscal_years: list[int],
              download_rate: float | None = None, load_rate: float | None = None,
              log: Callable[[str], None] = lambda m: None) -> Plan:
    """List, HEAD and sample the archive (about 2 + departments x years + files requests); nothing is loaded.

    departments: cgac -> name, or None for every department the archive lists (`--all-agencies`).
    """
    api = api.rstrip("/")
    requests = 1
    ids = archive_agencies(api)
    if departments is None:  # --all-agencies: every department the archive lists
        departments = {code: name for code, (_, name) in sorted(ids.items())}
    missing = [c for c in departments if c not in ids]
    listed: list[ArchiveFile] = []
    for cgac in departments:
        if cgac not in ids:
            continue
        for fy in fiscal_years:
            listed += listed_files(api, ids[cgac][0], cgac, fy)
            requests += 1
        log(f"listed {departments[cgac]}: {len(listed)} files so far")
    done = ledger(staging)
    todo, skipped = choose(listed, done)
    for f in todo:
        f.bytes, f.etag = head(f.url)
        requests += 1
    rate_source = "given by --download-rate"
    per_byte = None
    if todo:
        prefix, seconds = sample(todo[0].url)
        requests += 1
        per_byte = rows_per_byte(prefix)
        if download_rate is None:
            download_rate = len(prefix) / max(seconds, 1e-6)
            rate_source = f"measured: the first {len(prefix):,} bytes of {todo[0].name} in {seconds:.2f} s"
    if download_rate is None:
        rate_source = "nothing to download"
    return Plan(files=todo, skipped=skipped, departments=departments, missing=missing, fiscal_years=fiscal_years,
                requests_made=requests, download_rate=download_rate, download_rate_source=rate_source,
                rows_per_byte=per_byte, load_rate=load_rate or BENCH_LOAD_RATE,
                load_rate_source="given by --load-rate" if load_rate else
                "bench/bench_csv.py, bench/results.md",
                resumed=[u for u, r in done.items() if r["status"] in ("loading", "failed")
                         and r["kind"] in ("full", "delta")])


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n} B"


def human_seconds(s: float | None) -> str:
    if s is None:
        return "unknown"
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min" if s < 7200 else f"{s / 3600:.1f} h"


def format_plan(plan: Plan, refresh: bool = True) -> str:
    """The plan a user reads before anything is downloaded: files, bytes, requests and the time they take."""
    down, load = plan.eta_seconds()
    per_file = [f"  {f.name:<48} {f.kind:<5} {human_bytes(f.bytes or 0):>10}" for f in plan.files]
    rows = plan.bytes * plan.rows_per_byte if plan.rows_per_byte else None
    lines = [
        f"plan: Award Data Archive, {len(plan.departments)} departments "
        f"({', '.join(plan.departments)}), fiscal years {plan.fiscal_years[0]}-{plan.fiscal_years[-1]}",
        f"files: {len(plan.files)} to fetch ({sum(f.kind == 'full' for f in plan.files)} full, "
        f"{sum(f.kind == 'delta' for f in plan.files)} delta), {len(plan.skipped)} loaded earlier and skipped",
        *per_file,
        f"bytes: {human_bytes(plan.bytes)} (Content-Length from HEAD)",
        f"requests: {plan.requests_made} made for this plan (listing, HEAD, rate sample); {len(plan.files)} file "
        "downloads (plus retries of a broken file)"
        + ("; then the API refresh: 4 searches + 2 per award modified since the files were made" if refresh else ""),
        f"rows: ~{rows:,.0f} (rows per byte measured on the first file's first MiB)" if rows else
        "rows: unknown (the first file could not be sampled)",
        f"download rate: {human_bytes(plan.download_rate or 0)}/s ({plan.download_rate_source})",
        f"load rate: {plan.load_rate:,.0f} rows/s ({plan.load_rate_source}), plus {PER_FILE_SECONDS:.0f} s "
        "start-up per file (bench/bulk_crawl.py)",
        f"estimated time: download {human_seconds(down)} + load {human_seconds(load)} = "
        f"{human_seconds((down or 0) + (load or 0)) if down is not None and load is not None else 'unknown'}",
    ]
    if plan.missing:
        lines.append(f"not in the archive's agency list (skipped): {', '.join(plan.missing)}")
    if plan.resumed:
        lines.append(f"resuming: {len(plan.resumed)} file(s) an earlier run left unfinished are fetched again")
    return "\n".join(lines)


# -- run ----------------------------------------------------------------------------------------------------------
def _cli() -> list[str]:
    return [sys.executable, "-c", "from registry.cli import main; main()"]


def _mark(staging: Path, f: ArchiveFile, crawl_id: str, status: str, **extra: Any) -> None:
    """Write one ledger row (the store is opened only between child processes, which hold its lock)."""
    con = store.connect(staging)
    try:
        if status == "loading":
            _forget_unfinished(con, f.url)
        values = {"url": f.url, "file_name": f.name, "toptier_code": f.toptier_code, "fiscal_year": f.fiscal_year,
                  "kind": f.kind, "file_date": f.file_date, "bytes": f.bytes, "etag": f.etag, "status": status,
                  "crawl_id": crawl_id, "started_at": store.now_utc() if status == "loading" else None, **extra}
        cols = list(values)
        updates = ", ".join(f"{c} = coalesce(EXCLUDED.{c}, stg_archive_files.{c})" for c in cols if c != "url")
        con.execute(f"INSERT INTO stg_archive_files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "  # noqa: S608
                    f"ON CONFLICT (url) DO UPDATE SET {updates}", list(values.values()))
    finally:
        con.close()


def _forget_unfinished(con: duckdb.DuckDBPyConnection, url: str) -> None:
    """Before a file is loaded (again): drop the rejects earlier attempts on it wrote, killed, failed, or (for a
    delta applied again after a full file) ok. Rows are upserted but rejects appended, so without this a
    resumed crawl would hold them twice; the load about to run writes the file's rejects afresh."""
    con.execute("DELETE FROM rejects WHERE source_url = ? AND run_id IN (SELECT run_id FROM crawl_runs WHERE "
                "source = ?)", [url, BULK_SOURCE])


def _last_bulk_run(staging: Path, since: datetime) -> tuple[str | None, int, str | None]:
    """The bulk spider run the child started (none when it stopped before opening one, e.g. at the preflight)."""
    con = duckdb.connect(str(staging), read_only=True)
    try:
        row = con.execute("SELECT run_id, items_fetched, status FROM crawl_runs WHERE source = ? AND started_at >= ? "
                          "ORDER BY started_at DESC LIMIT 1", [BULK_SOURCE, since]).fetchone()
    finally:
        con.close()
    return (row[0], int(row[1] or 0), row[2]) if row else (None, 0, None)


def _sha256(path: Path) -> str | None:
    if not path.exists():
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_file(f: ArchiveFile, staging: Path, api: str, settings: list[str], timeout: float) -> subprocess.CompletedProcess:
    """The bulk spider on one archive file, in its own process (see the module docstring for why)."""
    directory = f.url[: f.url.rindex("/") + 1]
    cmd = [*_cli(), "crawl", "usaspending-bulk", "--api-url", api, "--archive-file", f.name,
           "--staging", str(staging), "--setting", f"USASPENDING_ARCHIVE_URL={directory}"]
    for s in settings:
        cmd += ["--setting", s]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


@dataclass
class RunSummary:
    loaded: list[str]
    failed: list[tuple[str, str]]
    rows: int
    bytes: int
    seconds: float
    newest_file: date | None


def run_plan(plan: Plan, staging: Path, api: str, settings: list[str] | None = None,
             echo: Callable[[str], None] = print, timeout: float = 6 * 3600.0) -> RunSummary:
    """Fetch and load every planned file in order, one child process each, recording each in the ledger."""
    staging = Path(staging)
    crawl_id = f"crawl-all-{store.now_utc():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    downloads = staging.parent / "downloads" / BULK_SOURCE
    started = time.perf_counter()
    done_bytes = rows = 0
    loaded, failed = [], []
    total = len(plan.files)
    for i, f in enumerate(plan.files, 1):
        echo(f"[{i}/{total}] {f.name}: fetching {human_bytes(f.bytes or 0)} and loading")
        _mark(staging, f, crawl_id, "loading")
        t0, launched = time.perf_counter(), store.now_utc()
        r = load_file(f, staging, api, settings or [], timeout)
        run_id, fetched, status = _last_bulk_run(staging, launched)
        seconds = time.perf_counter() - t0
        if r.returncode == 0 and status == "ok":
            sha = _sha256(downloads / Path(urlsplit(f.url).path).name)
            _mark(staging, f, crawl_id, "loaded", sha256=sha, row_count=fetched, load_run=run_id,
                  fetched_at=store.now_utc())
            done_bytes += f.bytes or 0
            rows += fetched
            loaded.append(f.name)
            elapsed = time.perf_counter() - started
            left = plan.bytes - done_bytes
            eta = left / (done_bytes / elapsed) if done_bytes else None
            echo(f"[{i}/{total}] {f.name}: loaded {fetched:,} rows, {human_bytes(f.bytes or 0)} in {seconds:.1f} s; "
                 f"{human_bytes(done_bytes)} of {human_bytes(plan.bytes)} done, about {human_seconds(eta)} left")
        else:
            lines = (r.stderr.strip() or r.stdout.strip() or f"exit {r.returncode}").splitlines()
            why = lines[-1][:300] if lines else f"exit {r.returncode}"
            _mark(staging, f, crawl_id, "failed", load_run=run_id, error=why)
            failed.append((f.name, why))
            echo(f"[{i}/{total}] {f.name}: NOT loaded ({why}); re-run to try it again")
    dates = [f.file_date for f in plan.files + plan.skipped if f.file_date]
    return RunSummary(loaded, failed, rows, done_bytes, time.perf_counter() - started, max(dates) if dates else None)


def refresh_since(staging: Path) -> date | None:
    """The API refresh's last-modified date: the day before the oldest department's newest loaded file.

    Why the oldest: each department's files were generated on their own date; records modified after the
    earliest of those may be missing from some department's files. A day's margin covers same-day updates.
    """
    rows = ledger(staging).values()
    newest: dict[str, date] = {}
    for r in rows:
        if r["status"] == "loaded" and r["file_date"] and r["kind"] in ("full", "delta"):
            newest[r["toptier_code"]] = max(newest.get(r["toptier_code"], date.min), r["file_date"])
    return (min(newest.values()) - timedelta(days=1)) if newest else None


def refresh_command(staging: Path, api: str | None, agencies: list[str], since: date, settings: list[str]) -> list[str]:
    """The API refresh as a `registry` command line (hidden `crawl api-refresh`)."""
    cmd = [*_cli(), "crawl", "api-refresh", "--modified-since", str(since), "--staging", str(staging)]
    if api:
        cmd += ["--api-url", api]
    for a in agencies:
        cmd += ["--agency", a]
    for s in settings:
        cmd += ["--setting", s]
    return cmd


def default_fiscal_years(scope: dict[str, Any], today: date | None = None) -> list[int]:
    since = date.fromisoformat(str(scope.get("since") or "2020-10-01"))
    until = scope.get("until")
    end = date.fromisoformat(str(until)) if until else (today or date.today())
    return list(range(fiscal_year(since), fiscal_year(end) + 1))


def staging_default() -> Path:
    return paths.staging_path()
