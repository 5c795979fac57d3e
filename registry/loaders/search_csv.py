"""Loader for CSV exports of USAspending's `/api/v2/search/spending_by_transaction/` results.

The format (one row per transaction: Award ID, Recipient Name, Federal Action Obligation, Action Date,
Modification, Product/Service Description, NAICS Description, Transaction Description, Generated Award ID,
and an Agency abbreviation) is what public dashboards save from that endpoint; the bundled sample's
CBP/ICE slice is one. It has no transaction number, UEI or competition fields: those stay NULL.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from registry.core import runs, store
from registry.loaders import sqltypes

SOURCE = "usaspending_search_csv"
REQUIRED = ["Award ID", "Recipient Name", "Federal Action Obligation", "Action Date", "Generated Award ID"]
AWARD_PAGE = "https://www.usaspending.gov/award/"


def looks_like(header: list[str]) -> bool:
    """True for a spending_by_transaction export (by header names, never by position)."""
    return all(c in header for c in REQUIRED) and "contract_transaction_unique_key" not in header


def unreadable(path: Path, error: Exception) -> str:
    """Why a file could not be read as CSV, in words: empty, not UTF-8 text, or DuckDB's first line."""
    data = Path(path).read_bytes()[:65536]
    if not data.strip():
        return "empty file"
    if b"\0" in data:
        return "binary content, not a CSV text file"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"not UTF-8 text (byte {e.start}: {data[e.start:e.start + 1]!r}); re-save the file as UTF-8"
    return f"not a readable CSV: {str(error).strip().splitlines()[0][:200]}"


def load(con: duckdb.DuckDBPyConnection, path: Path, origin_url: str | None = None) -> dict[str, int]:
    """Merge one export into staging; malformed rows go to `rejects` with their reason and row."""
    sqltypes.install(con)
    scope = {"file": Path(path).name, "origin": origin_url}
    run_id = runs.start_run(con, SOURCE, scope)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _src AS SELECT *, to_json(s) AS _raw "
            "FROM read_csv(?, header = true, all_varchar = true, quote = '\"', escape = '\"') s",
            [str(path)],
        )
    except duckdb.Error as e:  # empty, binary or not UTF-8: the run is finished (failed) and says why
        reason = unreadable(path, e)
        runs.finish_run(con, run_id, requests=0, fetched=0, loaded=0, rejected=0, error=reason)
        raise ValueError(f"{path}: {reason}") from None
    cols = {r[0] for r in con.execute("DESCRIBE _src").fetchall()}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        runs.finish_run(con, run_id, requests=0, fetched=0, loaded=0, rejected=0, error=f"missing columns {missing}")
        raise ValueError(f"{path}: not a spending_by_transaction export (missing columns {missing})")

    def col(name: str) -> str:
        return f'"{name}"' if name in cols else "NULL"

    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _typed AS
        SELECT
            rg_text({col('Generated Award ID')})                  AS award_key,
            coalesce(rg_text({col('Modification')}), '0')         AS modification_number,
            0                                                     AS transaction_number,
            rg_date({col('Action Date')})                         AS action_date,
            rg_money({col('Federal Action Obligation')})          AS federal_action_obligation,
            rg_text({col('Transaction Description')})             AS description,
            rg_text({col('Award ID')})                            AS piid,
            rg_text({col('Recipient Name')})                      AS recipient_name,
            ag.agency_name                                        AS awarding_agency,
            coalesce(ag.subtier_name, rg_text({col('Agency')}))   AS awarding_subagency,
            rg_text({col('Product/Service Description')})         AS psc_description,
            rg_text({col('NAICS Description')})                   AS naics_description,
            '{SOURCE}'                                            AS source,
            '{AWARD_PAGE}' || rg_text({col('Generated Award ID')}) || '/' AS source_url,
            now()                                                 AS fetched_at,
            sha256(_raw::VARCHAR)                                 AS payload_sha256,
            _raw::VARCHAR                                         AS raw_payload,
            '{run_id}'                                            AS run_id,
            CASE
                WHEN rg_text({col('Generated Award ID')}) IS NULL THEN 'Generated Award ID: missing'
                WHEN NOT regexp_full_match(rg_text({col('Generated Award ID')}), 'CONT_(AWD|IDV)_.+')
                    THEN 'Generated Award ID: not a contract award key'
                WHEN rg_text({col('Action Date')}) IS NULL THEN 'Action Date: missing'
                WHEN rg_date({col('Action Date')}) IS NULL THEN 'Action Date: not a date'
                WHEN rg_text({col('Federal Action Obligation')}) IS NULL THEN 'Federal Action Obligation: missing'
                WHEN NOT rg_money_ok({col('Federal Action Obligation')}) THEN 'Federal Action Obligation: not a number'
            END                                                   AS _reject_reason
        FROM _src
        LEFT JOIN (SELECT * FROM read_csv(?, all_varchar = true)) ag
          ON ag.subtier_abbreviation = rg_text({col('Agency')})
         AND ag.subtier_code = split_part(rg_text({col('Generated Award ID')}), '_', 4)
        """,  # noqa: S608 - column names are from our own list; values are bound
        [str(Path(__file__).resolve().parents[2] / "data" / "code_tables" / "agency_codes.csv")],
    )
    fetched = con.execute("SELECT count(*) FROM _typed").fetchone()[0]
    rejected = con.execute(
        "INSERT INTO rejects (run_id, source, kind, source_url, reason, raw_payload, payload_sha256, rejected_at) "
        "SELECT run_id, source, 'transaction', ?, _reject_reason, raw_payload, payload_sha256, now() "
        "FROM _typed WHERE _reject_reason IS NOT NULL",
        [str(origin_url or path)],
    ).fetchone()[0]
    con.execute("CREATE OR REPLACE TEMP VIEW _good AS SELECT * EXCLUDE (_reject_reason) FROM _typed "
                "WHERE _reject_reason IS NULL")
    loaded = store.merge_relation(con, "stg_transactions", "_good")
    duplicates = fetched - rejected - loaded
    runs.finish_run(con, run_id, requests=0, fetched=fetched - duplicates, loaded=loaded, rejected=rejected)
    for t in ("_src", "_typed"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.execute("DROP VIEW IF EXISTS _good")
    return {"fetched": fetched, "loaded": loaded, "rejected": rejected, "duplicates_in_file": duplicates}
