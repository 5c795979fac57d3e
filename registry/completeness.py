"""Whether the crawls a build reads finished: the latest run of every scope, and what it left undone.

Why before a build: a build right after a kill -9 once exited 0 with 1,364 of 2,997 awards and nothing said
so. A scope whose latest run never finished (`running`, `aborted`, `failed`) is refused unless the user
passes --allow-partial; a `partial` one (pages lost, listed in rejects) is built with a warning. Either way
the registry records it in `registry_meta` (key `incomplete_scopes`) so the dashboard can say so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import duckdb

UNFINISHED = ("running", "aborted", "failed")


class IncompleteCrawl(RuntimeError):
    """A scope's latest crawl did not finish; the message is one line naming the run."""


@dataclass
class ScopeState:
    source: str
    run_id: str
    status: str
    started_at: str
    rows_committed: int  # rows of this run in the staging tables (a killed run committed them, uncounted)

    def line(self) -> str:
        return (f"{self.source} run {self.run_id} ({self.started_at[:16]}) is {self.status}, "
                f"{self.rows_committed:,} rows committed")


def incomplete_scopes(con: duckdb.DuckDBPyConnection, schema: str = "main") -> list[ScopeState]:
    """Latest run per (source, scope) whose status is not `ok`, oldest first."""
    catalog = con.execute("SELECT current_database()").fetchone()[0] if schema == "main" else schema
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.columns WHERE table_catalog = ? AND column_name = 'run_id'",
        [catalog]).fetchall()}
    if "crawl_runs" not in tables:
        return []
    rows = con.execute(
        f"SELECT source, run_id, status, started_at FROM {schema}.crawl_runs "  # noqa: S608 - our own schema name
        "QUALIFY row_number() OVER (PARTITION BY source, scope_hash ORDER BY started_at DESC) = 1 "
        "AND status <> 'ok' ORDER BY started_at"
    ).fetchall()
    out = []
    data_tables = sorted(t for t in tables if t.startswith("stg_"))
    for source, run_id, status, started in rows:
        committed = 0
        for t in data_tables:
            committed += con.execute(f"SELECT count(*) FROM {schema}.{t} WHERE run_id = ?",  # noqa: S608
                                     [run_id]).fetchone()[0]
        out.append(ScopeState(source, run_id, status, str(started), committed))
    return out


def check(states: list[ScopeState], allow_partial: bool) -> list[str]:
    """Warnings to print; raises IncompleteCrawl for an unfinished scope unless allow_partial."""
    unfinished = [s for s in states if s.status in UNFINISHED]
    if unfinished and not allow_partial:
        raise IncompleteCrawl(f"{unfinished[0].line()}: re-run that crawl to complete it, or build anyway with "
                              "--allow-partial (the registry will say it is incomplete)")
    return [f"warning: incomplete scope: {s.line()}" for s in states]


def meta_value(states: list[ScopeState]) -> str:
    return json.dumps([asdict(s) for s in states])
