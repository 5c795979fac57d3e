"""Per-run bookkeeping (`crawl_runs`): what was asked, what came back, and whether it reconciles."""

from __future__ import annotations

import json
import uuid
from datetime import date

import duckdb

from registry.core.store import now_utc, sha256_of


def scope_hash(source: str, scope: dict) -> str:
    """Same source + same scope (ignoring the since-date) = same hash, for `--since-last`."""
    stable = {k: v for k, v in scope.items() if k not in {"since_last", "since_date"}}
    return sha256_of({"source": source, "scope": stable})[:16]


def start_run(con: duckdb.DuckDBPyConnection, source: str, scope: dict, since_date: date | None = None) -> str:
    """Record a new run; earlier runs of this source left 'running' by a kill become 'aborted'."""
    con.execute(
        "UPDATE crawl_runs SET status = 'aborted', finished_at = coalesce(finished_at, ?) "
        "WHERE status = 'running' AND source = ?",
        [now_utc(), source],
    )
    run_id = f"{source}-{now_utc():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    con.execute(
        "INSERT INTO crawl_runs (run_id, source, scope, scope_hash, started_at, status, since_date) "
        "VALUES (?, ?, ?, ?, ?, 'running', ?)",
        [run_id, source, json.dumps(scope, default=str), scope_hash(source, scope), now_utc(), since_date],
    )
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    requests: int,
    fetched: int,
    loaded: int,
    rejected: int,
    pages_lost: int = 0,
    error: str | None = None,
    expected: int | None = None,
    status: str | None = None,
) -> str:
    """Close a run. It is 'ok' only if it reconciles (fetched = loaded + rejected) and lost no page.

    A run that fetched nothing is the most common silent failure of a scraper (a changed page, a dead
    endpoint, a filter that no longer matches), so it is 'failed', with the reason in `error`, unless the
    source's own count (`expected`, e.g. a search's total) said the scope holds nothing: then it is 'empty'.
    status: given by a caller that knows the run failed (its store refused a write), whatever the counts say.
    """
    if status is not None:
        pass
    elif not fetched and not error:
        if expected == 0:
            status = "empty"
        else:
            status = "failed"
            error = ("no items: the crawl fetched nothing and the source's own count "
                     + ("was not given" if expected is None else f"said {expected:,}")
                     + " (a zero-item run is a success only when the source says the scope is empty)")
    elif error and not fetched:
        status = "failed"
    elif pages_lost or error or fetched != loaded + rejected:
        status = "partial"
    else:
        status = "ok"
    con.execute(
        "UPDATE crawl_runs SET finished_at = ?, status = ?, requests = ?, items_fetched = ?, "
        "items_loaded = ?, items_rejected = ?, pages_lost = ?, error = ? WHERE run_id = ?",
        [now_utc(), status, requests, fetched, loaded, rejected, pages_lost, error, run_id],
    )
    return status


def last_successful_start(con: duckdb.DuckDBPyConnection, source: str, scope: dict):
    """Start time of the last 'ok' (or provably 'empty') run of the same scope, or None (then a full run)."""
    row = con.execute(
        "SELECT max(started_at) FROM crawl_runs WHERE source = ? AND scope_hash = ? AND status IN ('ok', 'empty')",
        [source, scope_hash(source, scope)],
    ).fetchone()
    return row[0] if row else None
