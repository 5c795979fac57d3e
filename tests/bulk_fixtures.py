"""Bulk-route test files made from real records: the sample's spending_by_transaction rows, written in the
real `Contracts_PrimeTransactions_*.csv` layout (all 297 column names, from shared/data/usaspending_reference).

Why built, not bundled: shared/data has the transaction file's column list but no transaction file. Each row
here is a real USAspending transaction (from the bundled sample); only the fields that export gives are
filled, the rest stay empty as in a file with blanks. Columns are written in reverse order on purpose: the
loader must map by header name, never by position.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests import warm_process
from tests.conftest import ROOT, SHARED_DATA, query

SAMPLE_CSV = ROOT / "data" / "sample" / "cbp_ice_contract_transactions_slice_FY2021_FY2026.csv"
COLUMNS_CSV = SHARED_DATA / "usaspending_reference" / "download_columns_contracts_prime_transactions.csv"
ICM_KEY = "CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730"
# Short clocks for `registry crawl all`: the first job-status poll and a refetch wait 0.05 s instead of 2 s, a
# retry 0.05 s instead of 1 s, and no AutoThrottle delay; what is polled, retried and refetched is the same.
FAST = ["--setting", "BULK_POLL_DELAY=0.05", "--setting", "RETRY_BACKOFF_BASE=0.05",
        "--setting", "AUTOTHROTTLE_ENABLED=False"]


def transaction_columns() -> list[str]:
    with open(COLUMNS_CSV, encoding="utf-8") as f:
        return [r["column_name"] for r in csv.DictReader(f)]


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE_CSV, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def unique_key(award_key: str, mod: str, tn: int) -> str:
    """contract_transaction_unique_key: agency_referencedAgency_piid_mod_parentPiid_transactionNumber."""
    _, _, piid, agency, parent, parent_agency = award_key.split("_", 5)
    return f"{agency}_{parent_agency}_{piid}_{mod}_{parent}_{tn}"


def mdy(iso: str) -> str:
    """2025-04-11 -> 4/11/25, as a spreadsheet re-save writes it."""
    y, m, d = iso.split("-")
    return f"{int(m)}/{int(d)}/{y[2:]}"


def to_bulk(row: dict[str, str], tn: int = 0, us_dates: bool = False) -> dict[str, str]:
    """One sample row in the transaction file's columns."""
    key, mod = row["Generated Award ID"], row["Modification"] or "0"
    return {
        "contract_transaction_unique_key": unique_key(key, mod, tn),
        "contract_award_unique_key": key,
        "award_id_piid": row["Award ID"],
        "modification_number": mod,
        "transaction_number": str(tn),
        "federal_action_obligation": row["Federal Action Obligation"],
        "action_date": mdy(row["Action Date"]) if us_dates else row["Action Date"],
        "recipient_name": row["Recipient Name"],
        "product_or_service_code_description": row["Product/Service Description"],
        "naics_description": row["NAICS Description"],
        "transaction_description": row["Transaction Description"],
        "usaspending_permalink": f"https://www.usaspending.gov/award/{key}/",
    }


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None,
              extra_first: list[str] | None = None) -> Path:
    """Write rows under the full header (reversed), with any extra leading columns (e.g. correction_delete_ind)."""
    cols = (extra_first or []) + list(reversed(columns or transaction_columns()))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return path


def bulk_rows(tn_one_every: int = 7) -> list[dict[str, str]]:
    """Every sample transaction; every n-th carries FPDS transaction number 1 (as some agencies' actions do),
    and every 3rd has its dates in M/D/YY."""
    return [to_bulk(r, tn=1 if i % tn_one_every == 3 else 0, us_dates=i % 3 == 0)
            for i, r in enumerate(sample_rows())]


BAD_ROWS = [
    {"contract_award_unique_key": ICM_KEY, "modification_number": "BAD1", "transaction_number": "0",
     "action_date": "13/45/25", "federal_action_obligation": "100.00"},
    {"contract_award_unique_key": ICM_KEY, "modification_number": "BAD2", "transaction_number": "0",
     "action_date": "2025-01-01", "federal_action_obligation": "12,3x4"},
    {"contract_award_unique_key": "", "modification_number": "BAD3", "transaction_number": "0",
     "action_date": "2025-01-01", "federal_action_obligation": "1"},
]


def transactions_zip(path: Path, rows: list[dict[str, str]], split: int = 2) -> bytes:
    """A download zip as USAspending names it, the rows split over numbered CSVs; returns the bytes."""
    cols = transaction_columns()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        size = -(-len(rows) // split)
        for i in range(split):
            part = rows[i * size:(i + 1) * size]
            s = io.StringIO()
            w = csv.DictWriter(s, fieldnames=list(reversed(cols)))
            w.writeheader()
            for r in part:
                w.writerow({c: r.get(c, "") for c in reversed(cols)})
            zf.writestr(f"Contracts_PrimeTransactions_2026-11-23_H10M00S00_{i + 1}.csv", s.getvalue())
        zf.writestr("Data_Dictionary_Crosswalk.txt", "see https://www.usaspending.gov/data-dictionary\n")
    data = buf.getvalue()
    path.write_bytes(data)
    return data


# -- the crawl's own record, read as a user would (read-only, so a live crawl's lock is never taken) ---------------
def archive_ledger(path: Path) -> list[tuple]:
    """(file_name, kind, status, bytes, sha256, row_count) of each archive file, in the order they were started."""
    return query(path, "SELECT file_name, kind, status, bytes, sha256, row_count FROM stg_archive_files "
                       "WHERE kind <> 'subawards' ORDER BY started_at")


def subaward_ledger(path: Path) -> dict[int, tuple]:
    """fiscal year -> (status, row_count, file_name, error) of each sub-award download job."""
    return {r[0]: r[1:] for r in query(path, "SELECT fiscal_year, status, row_count, file_name, error "
                                             "FROM stg_archive_files WHERE kind = 'subawards'")}


def free_port() -> int:
    """A port on 127.0.0.1 that is free now. The bulk modules keep one per module: a ledger row names the URL it
    was fetched from (archive file URL, job key), so the runs a test compares must see the same host and port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def copy_store(src: Path, dst: Path) -> Path:
    """A staging store (and its write-ahead log, if one is left) copied, so a test starts from a shared state."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes())
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        dst.with_name(dst.name + ".wal").write_bytes(wal.read_bytes())
    return dst


# (command, CPU seconds) of each spider process a `crawl all` in this process forked warm: the module's cost, counted
WARM_CHILDREN: list[tuple[list[str], float | None]] = []


@contextmanager
def warm_spider_children() -> Iterator[None]:
    """While held, the processes `registry crawl all` (run in this process by invoke_cli) starts for each archive
    file, sub-award job and the API refresh (`python -c "from registry.cli import main; main()" crawl ...`, see
    registry.bulk_crawl._cli) are forked from the warm server (tests/warm_process.py) instead of a fresh interpreter:
    the same command line, environment, exit code and output, each still a process of its own (a crawl's Twisted
    reactor cannot run twice in one), without ~2 s of imports each. Every other subprocess.run is left alone. The
    `registry crawl all` the kill test of tests/test_bulk_crawl.py runs from nothing keeps real children."""
    from registry import bulk_crawl

    prefix = bulk_crawl._cli()
    real_run = subprocess.run

    def run(cmd: Any, *args: Any, capture_output: bool = False, text: bool = False, timeout: float | None = None,
            check: bool = False, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.CompletedProcess:
        if args or kwargs or not isinstance(cmd, list) or cmd[:len(prefix)] != prefix:
            return real_run(cmd, *args, capture_output=capture_output, text=text, timeout=timeout, check=check,
                            env=env, **kwargs)
        out = warm_process.PIPE if capture_output else 1  # not captured: the parent's own stdout and stderr
        proc = warm_process.popen(*cmd[1:], prog="python", env=env, stdout=out,
                                  stderr=warm_process.PIPE if capture_output else 2, text=text)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        WARM_CHILDREN.append((cmd[len(prefix):], proc.cpu_seconds))
        done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        if check:
            done.check_returncode()
        return done

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(subprocess, "run", run)
        yield


def kill_crawl_when(cmd: list[str], line_starts: str, then: Callable[[], bool], seconds: float = 240,
                    warm: bool = False) -> list[str]:
    """Run `cmd` (a `registry crawl all`) in its own session, read its progress lines until one starts with
    `line_starts`, wait until `then()` holds (polled every 0.05 s), and SIGKILL the command and its spider child
    together, as `kill -9` of the job does. Returns the lines seen. Waiting on what the crawl did (a line, a
    request the server saw), never on a fixed sleep, puts the kill at the same point on a slow or fast machine.
    warm: `cmd` is the `registry` command's arguments, run as a process forked from the warm server
    (tests/warm_process.py: its own pid and session, the same entry point) rather than started from nothing, and
    its spider processes forked from it in turn (tests/usaspending_bulk/forked_spiders.py)."""
    if warm:
        from tests.usaspending_bulk import forked_spiders

        proc = warm_process.popen("-c", forked_spiders.CODE, *cmd, prog="python", stdout=warm_process.PIPE,
                                  stderr=warm_process.DEVNULL, text=True, start_new_session=True)
    else:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                start_new_session=True)
    seen: list[str] = []
    deadline = time.monotonic() + seconds
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith(line_starts) or time.monotonic() > deadline:
                break
        while not then():
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert any(line.startswith(line_starts) for line in seen), "".join(seen)
    return seen


def wait_for_lock_release(staging: Path, seconds: float = 30) -> None:
    """The killed spider child dies a moment after its parent (same process group); then its lock is gone."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            duckdb.connect(str(staging), read_only=True).close()
            return
        except duckdb.IOException:
            assert time.monotonic() < deadline, "the killed crawl's lock on staging was never released"
            time.sleep(0.05)
