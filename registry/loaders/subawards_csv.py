"""Loader for USAspending's contract sub-award files (`Contracts_Subawards_*.csv`, or a download zip of them).

One row per reported sub-award, keyed by (prime award key, report id, subaward number), merged into
`stg_subawards` so loading a file twice changes nothing. Columns are mapped by header name: the report id is
`subaward_sam_report_id` in current files and `subaward_fsrs_report_id` in older ones (the shared ICE Minnesota
download of 2025-03-21). A row without a prime award key, or with an amount or date that does not parse, goes
to `rejects` with the reason and the row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from registry.core import runs, store
from registry.core.sqltext import ident, literal
from registry.loaders import bulk_csv, sqltypes

SOURCE = "usaspending_subawards"
store.register_primary_key("stg_subawards", ("prime_award_key", "report_id", "subaward_number"))


def looks_like(header: list[str]) -> bool:
    """A sub-award file: it names the prime award key and the sub-award's amount."""
    return {"prime_award_unique_key", "subaward_amount"} <= set(header)


def _typed(cols: set[str], run_id: str) -> str:
    def c(name: str) -> str:
        return f"rg_text({ident(name)})" if name in cols else "NULL"

    report = "coalesce(" + ", ".join([c("subaward_sam_report_id"), c("subaward_fsrs_report_id"), "''"]) + ")"
    modified = f"coalesce({c('subaward_sam_report_last_modified_date')}, {c('subaward_fsrs_report_last_modified_date')})"
    amount = ident("subaward_amount") if "subaward_amount" in cols else "NULL"
    action = ident("subaward_action_date") if "subaward_action_date" in cols else "NULL"
    return f"""
        SELECT
            {c('prime_award_unique_key')}                 AS prime_award_key,
            {report}                                      AS report_id,
            coalesce({c('subaward_number')}, '')          AS subaward_number,
            {c('subaward_type')}                          AS subaward_type,
            rg_money({amount})                            AS subaward_amount,
            rg_date({action})                             AS subaward_action_date,
            {c('subawardee_uei')}                         AS subawardee_uei,
            {c('subawardee_name')}                        AS subawardee_name,
            {c('subawardee_dba_name')}                    AS subawardee_dba_name,
            {c('subawardee_parent_uei')}                  AS subawardee_parent_uei,
            {c('subawardee_parent_name')}                 AS subawardee_parent_name,
            {c('subawardee_city_name')}                   AS subawardee_city,
            {c('subawardee_state_code')}                  AS subawardee_state,
            {c('subawardee_country_code')}                AS subawardee_country,
            {c('subaward_description')}                   AS subaward_description,
            {c('prime_award_piid')}                       AS prime_award_piid,
            {c('prime_awardee_uei')}                      AS prime_awardee_uei,
            {c('prime_awardee_name')}                     AS prime_awardee_name,
            {c('prime_award_awarding_sub_agency_name')}   AS prime_awarding_subagency,
            rg_date({modified})                           AS report_last_modified,
            {literal(SOURCE)}                             AS source,
            CASE WHEN regexp_matches(coalesce({c('usaspending_permalink')}, ''), '^https?://')
                 THEN {c('usaspending_permalink')}
                 ELSE 'https://www.usaspending.gov/award/' || {c('prime_award_unique_key')} || '/' END AS source_url,
            now()                                         AS fetched_at,
            sha256(_raw::VARCHAR)                         AS payload_sha256,
            _raw::VARCHAR                                 AS raw_payload,
            {literal(run_id)}                             AS run_id,
            CASE
                WHEN {c('prime_award_unique_key')} IS NULL THEN 'prime_award_unique_key: missing'
                WHEN NOT rg_money_ok({amount}) THEN 'subaward_amount: not a number'
                WHEN NOT rg_date_ok({action}) THEN 'subaward_action_date: not a date'
            END                                           AS _reject_reason
        FROM _sub_src"""  # noqa: S608 - names come from the header, quoted by ident()


def load(con: duckdb.DuckDBPyConnection, path: Path, origin_url: str | None = None,
         run_id: str | None = None) -> dict[str, int]:
    """Load a sub-award CSV (or a zip holding some); returns files/fetched/loaded/rejected.

    With `run_id` the rows count toward that open run (the bulk spider's, when `registry crawl all` fetched the
    file); without, the load is its own run in `crawl_runs` (source `usaspending_subawards`).
    """
    path = Path(path)
    own_run = run_id is None
    if own_run:
        run_id = runs.start_run(con, SOURCE, {"file": path.name, "origin": origin_url})
    totals = {"files": 0, "fetched": 0, "loaded": 0, "rejected": 0}
    error = None
    try:
        sqltypes.install(con)
        with bulk_csv.csv_files(path) as files:
            for f in files:
                header = bulk_csv.read_header(f)
                if not looks_like(header):
                    continue
                reader = "read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"
                names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(f)]).fetchall()]  # noqa: S608
                entries = ", ".join(f"{{'k': {literal(n)}, 'v': {ident(n)}}}" for n in names)
                raw = f"to_json(map_from_entries(list_filter([{entries}], lambda e: e.v IS NOT NULL AND e.v <> '')))"
                con.execute(f"CREATE OR REPLACE TEMP TABLE _sub_src AS SELECT *, {raw} AS _raw FROM {reader}",  # noqa: S608
                            [str(f)])
                con.execute(f"CREATE OR REPLACE TEMP TABLE _sub_typed AS {_typed(set(names), run_id)}")
                con.execute("BEGIN TRANSACTION")
                try:
                    fetched = con.execute("SELECT count(*) FROM _sub_typed").fetchone()[0]
                    rejected = con.execute(
                        "INSERT INTO rejects (run_id, source, kind, source_url, reason, raw_payload, payload_sha256, "
                        "rejected_at) SELECT run_id, source, 'subaward', ?, _reject_reason, raw_payload, "
                        "payload_sha256, now() FROM _sub_typed WHERE _reject_reason IS NOT NULL",
                        [str(origin_url or path)]).fetchone()[0]
                    con.execute("CREATE OR REPLACE TEMP VIEW _sub_good AS SELECT * EXCLUDE (_reject_reason) "
                                "FROM _sub_typed WHERE _reject_reason IS NULL")
                    store.merge_relation(con, "stg_subawards", "_sub_good")
                    con.execute("COMMIT")
                except Exception:
                    con.execute("ROLLBACK")
                    raise
                totals["files"] += 1
                totals["fetched"] += fetched
                totals["rejected"] += rejected
                totals["loaded"] += fetched - rejected
        if not totals["files"]:
            error = f"{path.name}: no USAspending sub-award CSV found (by header)"
    except duckdb.Error as e:
        error = f"{path.name}: {str(e).splitlines()[0]}"
    finally:
        for t in ("_sub_src", "_sub_typed"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute("DROP VIEW IF EXISTS _sub_good")
        if own_run:
            runs.finish_run(con, run_id, requests=0, fetched=totals["fetched"], loaded=totals["loaded"],
                            rejected=totals["rejected"], error=error)
    if error:
        raise ValueError(error)
    return totals
