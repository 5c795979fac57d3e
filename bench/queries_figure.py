"""Dashboard query figure: p50/p95 of every public function in dashboard/queries.py on a read-only registry.

Why through the functions themselves: they are what a page runs (SQL + parameters + the DataFrame the page
gets). Streamlit's result cache is bypassed (`_df` is pointed at a plain read-only connection), so every call
really runs; a cache hit would measure nothing. The ceiling is the same SQL and parameters, captured from the
function, run straight on DuckDB with fetchall() (the DuckDB CLI is not installed here; this is the same
engine without the DataFrame step). Arguments are picked from the data: the largest vendor, agency and award.
The search functions run twice: with a text that matches ~2.5% of awards, and with none, as the search page
opens (every award is a hit).
"""

from __future__ import annotations

import inspect
import statistics
import time
from pathlib import Path
from typing import Any

from registry.core.readonly import connect_readonly

REPS = 15
MIN_REPS = 3  # a slow query is still run this often (its p95 is then its slowest of 3)
BUDGET_MS = 4000  # per function: stop repeating after this much time (keeps the full run ~20 min)


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _arguments(con) -> dict[str, Any]:
    """Realistic arguments: the biggest vendor, agency and award of this registry."""
    vendor_ids = [r[0] for r in con.execute(
        "SELECT vendor_id FROM vendor_summary ORDER BY obligated_amount DESC NULLS LAST LIMIT 3").fetchall()]
    agency = con.execute("SELECT agency_id FROM agency_summary WHERE level = 'subtier' "
                         "ORDER BY award_count DESC NULLS LAST LIMIT 1").fetchone()
    award_key, piid = con.execute("SELECT award_key, piid FROM awards ORDER BY transaction_count DESC, "
                                  "obligated_in_registry DESC NULLS LAST LIMIT 1").fetchone()
    return {"vendor_id": vendor_ids[0] if vendor_ids else "", "vendor_ids": vendor_ids,
            "agency_id": agency[0] if agency else "", "agencies": None, "award_key": award_key, "piid": piid,
            "ident": piid, "text": "data analytics", "facets": {}, "year_from": 2015, "year_to": 2025,
            "name": "awards", "names": ["awards", "transactions", "vendors"], "view": "awards",
            "column": "piid", "value": piid, "columns": ["description"]}


def run(registry: Path, log=print, reps: int = REPS) -> dict:
    """{function: {p50_ms, p95_ms, sql_p50_ms, sql_p95_ms, statements, error}} for one registry file."""
    import dashboard.queries as q

    con = connect_readonly(registry)
    args = _arguments(con)
    captured: list[tuple[str, list]] = []

    def _df(sql: str, params=()):  # uncached, on our read-only connection; records what it ran
        frozen = [list(p) if isinstance(p, tuple) else p for p in params]
        captured.append((sql, frozen))
        cur = con.cursor()
        try:
            return cur.execute(sql, frozen).df()
        finally:
            cur.close()

    def measure(f, kwargs: dict) -> dict:
        """p50/p95 of one call (after a warm-up), and of its captured SQL run bare with fetchall()."""
        captured.clear()
        f(**kwargs)  # warm-up (first read of the columns from disk)
        stmts = list(captured)
        times: list[float] = []
        while len(times) < reps and (len(times) < MIN_REPS or sum(times) < BUDGET_MS):
            t0 = time.perf_counter()
            f(**kwargs)
            times.append((time.perf_counter() - t0) * 1000)
        sql_times: list[float] = []
        while len(sql_times) < len(times):
            t0 = time.perf_counter()
            for sql, params in stmts:
                con.execute(sql, params).fetchall()
            sql_times.append((time.perf_counter() - t0) * 1000)
        return {"p50_ms": statistics.median(times), "p95_ms": _pct(times, 0.95), "runs": len(times),
                "sql_p50_ms": statistics.median(sql_times), "sql_p95_ms": _pct(sql_times, 0.95),
                "statements": len(stmts)}

    original = q._df
    q._df = _df
    results: dict[str, dict] = {}
    try:
        funcs = [(n, f) for n, f in inspect.getmembers(q, inspect.isfunction)
                 if not n.startswith("_") and f.__module__ == q.__name__ and n != "like_pattern"]
        calls = []
        for name, f in funcs:
            kwargs = {}
            missing = []
            for p in inspect.signature(f).parameters.values():
                if p.name in args:
                    kwargs[p.name] = args[p.name]
                elif p.default is inspect.Parameter.empty:
                    missing.append(p.name)
            if missing:
                results[name] = {"error": f"no benchmark argument for {', '.join(missing)}"}
                continue
            calls.append((name, f, kwargs))
            if "text" in kwargs:  # the search page opens with no text: every award is a hit
                calls.append((f"{name} (no text)", f, {**kwargs, "text": ""}))
        for name, f, kwargs in calls:
            try:
                results[name] = measure(f, kwargs)
            except Exception as e:  # a query that fails at scale is a finding, reported as such
                results[name] = {"error": f"{e.__class__.__name__}: {str(e).splitlines()[0][:200]}"}
    finally:
        q._df = original
        con.close()
    log(f"queries: {len(results)} functions on {registry.name}")
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(Path(sys.argv[1]), reps=3), indent=1))
