"""What every hostile test runs and reads: the crawl as a user runs it, and the staging store's own answers.

A crawl is `registry crawl usaspending ...` in a process of its own: forked from a warm interpreter
(tests/hostile/forkserver.py: the same entry point, exit code and streams, without ~2 s of imports each), or, with
`e2e=True`, the `registry` console script started as a user starts it (kept for the test whose point is the one
line a user reads)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import query, run_cli
from tests.hostile import forkserver

FAST = {  # small waits and pages so each fault test takes seconds; the logic is the same at production values
    "DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1", "RETRY_BACKOFF_BASE": "0.05", "RETRY_BACKOFF_MAX": "0.1",
    "USASPENDING_PAGE_SIZE": "10", "USASPENDING_TRANSACTIONS_PAGE_SIZE": "2", "AUTOTHROTTLE_ENABLED": "False",
    "PROGRESS_INTERVAL": "0",
}


def crawl_args(base: str, staging: Path, **extra: str) -> list[str]:
    """The `registry` arguments of a hostile test's crawl: its API, store and FAST settings (`extra` on top)."""
    settings = [a for k, v in {**FAST, **extra}.items() for a in ("--setting", f"{k}={v}")]
    return ["crawl", "usaspending", "--api-url", base, "--agency", "7012", "--since", "2021-01-01",
            "--until", "2025-12-31", "--award-type", "contracts", "--staging", str(staging), *settings]


def crawl(base: str, staging: Path, timeout: float = 120, e2e: bool = False, **extra: str
          ) -> subprocess.CompletedProcess:
    return (run_cli if e2e else forkserver.run)(*crawl_args(base, staging, **extra), timeout=timeout)


def runs_of(staging: Path) -> list[tuple]:
    """(status, fetched, loaded, rejected, pages_lost) of each run, oldest first."""
    return query(staging, "SELECT status, items_fetched, items_loaded, items_rejected, pages_lost FROM crawl_runs "
                          "ORDER BY started_at")


def rejects_of(staging: Path) -> list[tuple]:
    return query(staging, "SELECT kind, reason, source_url, raw_payload FROM rejects ORDER BY rejected_at")


def stored_awards(staging: Path) -> set[str]:
    return {r[0] for r in query(staging, "SELECT award_key FROM stg_awards")}


def award_outcomes(staging: Path, gids: list[str]) -> dict[str, str]:
    """Per listed award: 'loaded', 'rejected' (a reject names it) or 'missing' (neither: data lost)."""
    loaded = stored_awards(staging)
    rejected = " ".join(f"{u or ''} {p or ''}" for _, _, u, p in rejects_of(staging))
    return {g: "loaded" if g in loaded else "rejected" if g in rejected else "missing" for g in gids}
