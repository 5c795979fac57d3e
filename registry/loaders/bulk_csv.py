"""Loader for USAspending's bulk contract files: custom downloads and Award Data Archive full/delta files.

Two file kinds, told apart by their header names (never by position or file name):
- `Contracts_PrimeTransactions_*.csv` (~297 columns, one row per FPDS action): -> `stg_transactions` with each
  modification's own competition fields, and one `stg_awards` row per award from its latest action.
- `Contracts_PrimeAwardSummaries_*.csv` (~286 columns, one row per award): -> `stg_awards`.

DuckDB's `read_csv` reads every column as text; the `sqltypes` macros parse money exactly and dates in every
form the real files use (ISO, and `M/D/YY` in spreadsheet re-saves such as the ICE download in shared).
A row that fails goes to `rejects` with the reason and the whole row as JSON.

Keys, so the API and the file routes never double-count: a transaction is (award key, modification number,
FPDS transaction number). The files give `transaction_number`; the API spider reads the same number from
the tail of its transaction id (`CONT_TX_..._<n>`), so the two routes land on the same row and merge.
Sources that give no transaction number (the spending_by_transaction export) store 0 and leave
`transaction_key` empty: such a placeholder is dropped when a file row for the same award and modification
arrives under its real number (see `drop_superseded_placeholders`).

Delta files (Award Data Archive monthly deltas) carry `correction_delete_ind`: `D` deletes the transaction,
`C` replaces it whole (a correction may blank a field, so it is not merged field by field).
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from registry.core import runs, store
from registry.core.sqltext import ident, literal
from registry.loaders import search_csv, sqltypes

SOURCE = "usaspending_csv"
AWARD_PAGE = "https://www.usaspending.gov/award/"

TRANSACTIONS = "transactions"
AWARDS = "award_summaries"
SEARCH = "search_csv"

# Money columns checked on every row (a bad value rejects the row, naming the column).
TX_MONEY = ["federal_action_obligation", "total_dollars_obligated", "current_total_value_of_award",
            "potential_total_value_of_award"]
TX_DATES = ["action_date", "period_of_performance_start_date", "period_of_performance_current_end_date",
            "period_of_performance_potential_end_date", "last_modified_date"]
AWARD_MONEY = ["total_obligated_amount", "current_total_value_of_award", "potential_total_value_of_award"]
AWARD_DATES = ["award_base_action_date", "period_of_performance_start_date",
               "period_of_performance_current_end_date", "period_of_performance_potential_end_date",
               "last_modified_date"]

Progress = Callable[[str, int, float], None]  # (file name, rows, seconds)


def read_header(path: Path) -> list[str]:
    """Column names of a CSV's first line (a UTF-8 byte-order mark is dropped)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        return next(csv.reader(f), [])


def file_kind(header: list[str]) -> str | None:
    """Which loader a header belongs to: transactions, award summaries, a search export, or None."""
    names = set(header)
    if "contract_transaction_unique_key" in names and "contract_award_unique_key" in names:
        return TRANSACTIONS
    if "contract_award_unique_key" in names and "total_obligated_amount" in names:
        return AWARDS
    if search_csv.looks_like(header):
        return SEARCH
    return None


MAX_RATIO = 200  # uncompressed : compressed per zip member; USAspending's CSV zips are ~10-20:1, a bomb ~1000:1


def check_zip(zf: zipfile.ZipFile, folder: Path, max_bytes: int | None = None) -> None:
    """Refuse a zip before extracting it when its declared sizes cannot be right or cannot fit.

    zipfile never extracts more than a member's declared size (a longer stream fails its CRC), so the declared
    sizes bound what lands on disk: a member inflating > MAX_RATIO times is a bomb, and the total must fit the
    free space (and REGISTRY_MAX_EXTRACT_BYTES, when set) of the temporary folder.
    """
    members = [i for i in zf.infolist() if not i.is_dir() and i.filename.lower().endswith(".csv")]
    for info in members:
        if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ValueError(f"zip member {info.filename} would inflate {info.compress_size:,} bytes to "
                             f"{info.file_size:,} (over {MAX_RATIO}:1): refused as a zip bomb")
    total = sum(i.file_size for i in members)
    limit = max_bytes or int(os.environ.get("REGISTRY_MAX_EXTRACT_BYTES") or 0) or None
    free = shutil.disk_usage(folder).free
    if limit and total > limit:
        raise ValueError(f"zip declares {total:,} bytes of CSV, over REGISTRY_MAX_EXTRACT_BYTES={limit:,}: refused")
    if total > free:
        raise ValueError(f"zip declares {total:,} bytes of CSV but {folder} has {free:,} bytes free: refused "
                         "(set TMPDIR to a larger disk)")


@contextmanager
def csv_files(path: Path, max_bytes: int | None = None) -> Iterator[list[Path]]:
    """The CSVs of a path: the file itself, or a zip's CSV members extracted to a temporary folder.

    Members are written under their base names only (a hostile `../` member name cannot escape the folder),
    each in a folder of its own: two members with one name in different zip folders are both loaded (one
    once overwrote the other). The zip's declared sizes are checked before anything is extracted.
    """
    path = Path(path)
    if not zipfile.is_zipfile(path):
        yield [path]
        return
    tmp = Path(tempfile.mkdtemp(prefix="bulk_csv_"))
    try:
        out = []
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, tmp, max_bytes)
            for n, info in enumerate(zf.infolist()):
                name = Path(info.filename).name
                if info.is_dir() or not name.lower().endswith(".csv"):
                    continue
                target = tmp / f"{n:05d}" / name
                target.parent.mkdir()
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                out.append(target)
        yield sorted(out, key=lambda p: (p.name, p.parent.name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _col(cols: set[str]) -> Callable[[str], str]:
    def col(name: str) -> str:
        return f'"{name}"' if name in cols else "NULL"
    return col


def _checks(col: Callable[[str], str], money: list[str], dates: list[str]) -> str:
    """CASE branches naming the first column whose money or date text does not parse."""
    parts = [f"WHEN NOT rg_money_ok({col(c)}) THEN '{c}: not a number'" for c in money]
    parts += [f"WHEN NOT rg_date_ok({col(c)}) THEN '{c}: not a date'" for c in dates]
    return "\n".join(parts)


def _source_url(col: Callable[[str], str], key_expr: str) -> str:
    """The row's usaspending_permalink when it is an http(s) link, else the public award page."""
    return (f"CASE WHEN regexp_matches(coalesce(rg_text({col('usaspending_permalink')}), ''), '^https?://') "
            f"THEN rg_text({col('usaspending_permalink')}) ELSE '{AWARD_PAGE}' || {key_expr} || '/' END")


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """Read a CSV as text into `_bulk_src`, each row with its raw payload as JSON of its non-empty cells.

    The file's row order is the table's rowid (insertion order is preserved), which later steps use to pick
    the latest row of an award; a row_number() window for it cost as much as reading the file (bench_csv).

    Why only the non-empty cells: a 297-column row as full JSON is ~11 kB of mostly nulls, and DuckDB's
    string compression at checkpoint then costs more than the whole load; the non-empty cells are the row.
    """
    # strict (the default): a structurally broken file fails loudly as a whole rather than loading shifted cells
    reader = "read_csv(?, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"
    names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}", [str(path)]).fetchall()]  # noqa: S608
    if "contract_award_unique_key" not in names:  # the header said so: DuckDB did not read it as that CSV
        raise ValueError(f"{Path(path).name}: could not be read as a CSV with the header's columns")
    # header names are escaped as identifiers and string literals: a hostile header stays a name
    entries = ", ".join(f"{{'k': {literal(n)}, 'v': {ident(n)}}}" for n in names)
    raw = f"to_json(map_from_entries(list_filter([{entries}], lambda e: e.v IS NOT NULL AND e.v <> '')))"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _bulk_src AS SELECT *, {raw} AS _raw "  # noqa: S608
        f"FROM {reader} s",
        [str(path)],
    )
    return set(names)


def _award_columns(col: Callable[[str], str]) -> str:
    """stg_awards columns from the award-level fields both file kinds share."""
    key = f"rg_text({col('contract_award_unique_key')})"
    return f"""
            {key}                                                        AS award_key,
            rg_text({col('award_id_piid')})                              AS piid,
            rg_text({col('parent_award_id_piid')})                       AS parent_piid,
            CASE WHEN rg_text({col('parent_award_id_piid')}) IS NOT NULL
                  AND rg_text({col('parent_award_agency_id')}) IS NOT NULL
                 THEN 'CONT_IDV_' || rg_text({col('parent_award_id_piid')}) || '_'
                      || rg_text({col('parent_award_agency_id')}) END   AS parent_award_key,
            CASE WHEN upper(rg_text({col('award_or_idv_flag')})) = 'IDV' OR {key} LIKE 'CONT_IDV_%'
                 THEN 'idv' ELSE 'contract' END                          AS category,
            coalesce(rg_text({col('award_type_code')}),
                     'IDV_' || rg_text({col('idv_type_code')}))          AS award_type,
            coalesce(rg_text({col('award_type')}), rg_text({col('idv_type')})) AS award_type_description,
            rg_text({col('recipient_name')})                             AS recipient_name,
            rg_text({col('recipient_uei')})                              AS recipient_uei,
            rg_text({col('recipient_parent_name')})                      AS recipient_parent_name,
            rg_text({col('recipient_parent_uei')})                       AS recipient_parent_uei,
            rg_text({col('recipient_city_name')})                        AS recipient_city,
            rg_text({col('recipient_state_code')})                       AS recipient_state,
            rg_text({col('recipient_country_code')})                     AS recipient_country,
            rg_text({col('awarding_agency_name')})                       AS awarding_agency,
            rg_text({col('awarding_agency_code')})                       AS awarding_agency_code,
            rg_text({col('awarding_sub_agency_name')})                   AS awarding_subagency,
            rg_text({col('awarding_sub_agency_code')})                   AS awarding_subagency_code,
            rg_text({col('awarding_office_name')})                       AS awarding_office,
            rg_text({col('awarding_office_code')})                       AS awarding_office_code,
            rg_text({col('funding_agency_name')})                        AS funding_agency,
            rg_text({col('funding_sub_agency_name')})                    AS funding_subagency,
            rg_text({col('funding_office_name')})                        AS funding_office,
            rg_text({col('prime_award_base_transaction_description')})   AS description,
            rg_text({col('product_or_service_code')})                    AS psc_code,
            rg_text({col('product_or_service_code_description')})        AS psc_description,
            rg_text({col('naics_code')})                                 AS naics_code,
            rg_text({col('naics_description')})                          AS naics_description,
            rg_date({col('period_of_performance_start_date')})           AS start_date,
            rg_date({col('period_of_performance_current_end_date')})     AS end_date,
            rg_date({col('period_of_performance_potential_end_date')})   AS potential_end_date,
            rg_date({col('last_modified_date')})                         AS last_modified_date,
            rg_money({col('current_total_value_of_award')})              AS base_exercised_options,
            rg_money({col('potential_total_value_of_award')})            AS base_and_all_options,
            {_competition_columns(col)},
            rg_text({col('type_of_contract_pricing_code')})              AS type_of_contract_pricing,
            rg_text({col('type_of_set_aside_code')})                     AS type_set_aside,
            rg_text({col('primary_place_of_performance_city_name')})     AS pop_city,
            rg_text({col('primary_place_of_performance_state_code')})    AS pop_state,
            rg_text({col('primary_place_of_performance_country_code')})  AS pop_country,
            left(rg_text({col('primary_place_of_performance_zip_4')}), 5) AS pop_zip,
            '{AWARD_PAGE}' || {key} || '/'                                AS usaspending_url"""


def _competition_columns(col: Callable[[str], str]) -> str:
    """FPDS codes (as the API gives them), falling back to the description when a file has no code column."""
    return f"""
            coalesce(rg_text({col('extent_competed_code')}), rg_text({col('extent_competed')}))
                                                                         AS extent_competed,
            coalesce(rg_text({col('other_than_full_and_open_competition_code')}),
                     rg_text({col('other_than_full_and_open_competition')})) AS other_than_full_and_open,
            coalesce(rg_text({col('fair_opportunity_limited_sources_code')}),
                     rg_text({col('fair_opportunity_limited_sources')}))  AS fair_opportunity_limited_sources,
            coalesce(rg_text({col('solicitation_procedures_code')}), rg_text({col('solicitation_procedures')}))
                                                                         AS solicitation_procedures,
            TRY_CAST(TRY_CAST(rg_text({col('number_of_offers_received')}) AS DECIMAL(18,2)) AS INTEGER)
                                                                         AS number_of_offers"""


def _provenance(col: Callable[[str], str], key_expr: str, run_id: str) -> str:
    return f"""
            '{SOURCE}'                                 AS source,
            {_source_url(col, key_expr)}               AS source_url,
            now()                                      AS fetched_at,
            sha256(_raw::VARCHAR)                      AS payload_sha256,
            _raw::VARCHAR                              AS raw_payload,
            '{run_id}'                                 AS run_id"""


def _key_checks(col: Callable[[str], str]) -> str:
    key = f"rg_text({col('contract_award_unique_key')})"
    return f"""WHEN {key} IS NULL THEN 'contract_award_unique_key: missing'
                WHEN NOT regexp_full_match({key}, 'CONT_(AWD|IDV)_.+')
                    THEN 'contract_award_unique_key: not a contract award key'"""


def _reject(con: duckdb.DuckDBPyConnection, table: str, kind: str, origin: str) -> int:
    return con.execute(
        "INSERT INTO rejects (run_id, source, kind, source_url, reason, raw_payload, payload_sha256, rejected_at) "  # noqa: S608
        f"SELECT run_id, source, '{kind}', ?, _reject_reason, raw_payload, payload_sha256, now() "
        f"FROM {table} WHERE _reject_reason IS NOT NULL",
        [origin],
    ).fetchone()[0]


def _merge(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> int:
    """store.merge_relation, faster for the many rows a file brings that staging does not hold yet.

    Why: DuckDB's INSERT ... ON CONFLICT DO UPDATE costs several times a plain INSERT. New keys go in with a
    plain INSERT; only keys already stored take the COALESCE upsert (so a thinner source never blanks a field).
    """
    key = store.PRIMARY_KEYS[table]
    on = " AND ".join(f'm."{k}" = t."{k}"' for k in key)
    part = ", ".join(f'"{k}"' for k in key)
    present = {r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()}  # noqa: S608
    cols = ", ".join(f'"{c}"' for c, _ in store.table_columns(con, table) if c in present)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bulk_merge AS SELECT {cols} FROM {relation} "  # noqa: S608
                f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY fetched_at DESC) = 1")
    n = con.execute("SELECT count(*) FROM _bulk_merge").fetchone()[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bulk_old AS SELECT m.* FROM _bulk_merge m "  # noqa: S608
                f"SEMI JOIN {table} t ON {on}")
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _bulk_merge m "  # noqa: S608
                f"ANTI JOIN {table} t ON {on}")
    store.merge_relation(con, table, "_bulk_old")
    con.execute("DROP TABLE IF EXISTS _bulk_merge")
    con.execute("DROP TABLE IF EXISTS _bulk_old")
    return int(n)


def _load_award_summaries(con: duckdb.DuckDBPyConnection, cols: set[str], run_id: str, origin: str) -> dict:
    col = _col(cols)
    key = f"rg_text({col('contract_award_unique_key')})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _bulk_typed AS
        SELECT
            {_award_columns(col)},
            rg_date({col('award_base_action_date')})      AS date_signed,
            rg_money({col('total_obligated_amount')})     AS total_obligation,
            {_provenance(col, key, run_id)},
            CASE
                {_key_checks(col)}
                {_checks(col, AWARD_MONEY, AWARD_DATES)}
                WHEN rg_text({col('number_of_offers_received')}) IS NOT NULL
                 AND TRY_CAST(rg_text({col('number_of_offers_received')}) AS DECIMAL(18,2)) IS NULL
                    THEN 'number_of_offers_received: not a number'
            END AS _reject_reason
        FROM _bulk_src
        """  # noqa: S608 - column names come from the file's header checked against our lists
    )
    fetched = con.execute("SELECT count(*) FROM _bulk_typed").fetchone()[0]
    rejected = _reject(con, "_bulk_typed", "award", origin)
    con.execute("CREATE OR REPLACE TEMP VIEW _bulk_good AS SELECT * EXCLUDE (_reject_reason) FROM _bulk_typed "
                "WHERE _reject_reason IS NULL")
    distinct = _merge(con, "stg_awards", "_bulk_good")
    return {"kind": AWARDS, "fetched": fetched, "loaded": fetched - rejected, "rejected": rejected,
            "awards": distinct, "transactions": 0, "deleted": 0}


def _load_transactions(con: duckdb.DuckDBPyConnection, cols: set[str], run_id: str, origin: str) -> dict:
    col = _col(cols)
    key = f"rg_text({col('contract_award_unique_key')})"
    tx_key = f"rg_text({col('contract_transaction_unique_key')})"
    indicator = f"upper(coalesce(rg_text({col('correction_delete_ind')}), ''))"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _bulk_typed AS
        SELECT
            {key}                                                        AS award_key,
            coalesce(rg_text({col('modification_number')}), '0')         AS modification_number,
            coalesce(TRY_CAST(rg_text({col('transaction_number')}) AS INTEGER),
                     CASE WHEN rg_text({col('transaction_number')}) IS NULL
                          THEN TRY_CAST(regexp_extract({tx_key}, '_(\\d+)$', 1) AS INTEGER) END,
                     0)                                                  AS transaction_number,
            {tx_key}                                                     AS transaction_key,
            rg_date({col('action_date')})                                AS action_date,
            rg_text({col('action_type_code')})                           AS action_type,
            rg_text({col('action_type')})                                AS action_type_description,
            rg_money({col('federal_action_obligation')})                 AS federal_action_obligation,
            rg_text({col('transaction_description')})                    AS description,
            rg_text({col('award_id_piid')})                              AS piid,
            rg_text({col('recipient_name')})                             AS recipient_name,
            rg_text({col('recipient_uei')})                              AS recipient_uei,
            rg_text({col('awarding_agency_name')})                       AS awarding_agency,
            rg_text({col('awarding_sub_agency_name')})                   AS awarding_subagency,
            rg_text({col('awarding_office_name')})                       AS awarding_office,
            rg_text({col('product_or_service_code')})                    AS psc_code,
            rg_text({col('product_or_service_code_description')})        AS psc_description,
            rg_text({col('naics_code')})                                 AS naics_code,
            rg_text({col('naics_description')})                          AS naics_description,
            {_competition_columns(col)},
            rg_date({col('last_modified_date')})                         AS last_modified_date,
            {_provenance(col, key, run_id)},
            {indicator}                                                  AS _indicator,
            rg_money({col('total_dollars_obligated')})                   AS _award_total,
            CASE
                WHEN {indicator} = 'D' THEN
                    CASE WHEN {tx_key} IS NULL AND {key} IS NULL
                         THEN 'correction_delete_ind D: no transaction key to delete' END
                WHEN {indicator} NOT IN ('', 'C', 'I') THEN 'correction_delete_ind: unknown value'
                {_key_checks(col)}
                WHEN rg_text({col('action_date')}) IS NULL THEN 'action_date: missing'
                WHEN rg_text({col('federal_action_obligation')}) IS NULL THEN 'federal_action_obligation: missing'
                WHEN rg_text({col('transaction_number')}) IS NOT NULL
                 AND TRY_CAST(rg_text({col('transaction_number')}) AS INTEGER) IS NULL
                    THEN 'transaction_number: not an integer'
                {_checks(col, TX_MONEY, TX_DATES)}
                WHEN rg_text({col('number_of_offers_received')}) IS NOT NULL
                 AND TRY_CAST(rg_text({col('number_of_offers_received')}) AS DECIMAL(18,2)) IS NULL
                    THEN 'number_of_offers_received: not a number'
            END                                                          AS _reject_reason,
            rowid                                                        AS _row
        FROM _bulk_src
        """  # noqa: S608 - column names come from the file's header checked against our lists
    )
    fetched = con.execute("SELECT count(*) FROM _bulk_typed").fetchone()[0]
    rejected = _reject(con, "_bulk_typed", "transaction", origin)
    deleted = _apply_deletes(con)
    tx_cols = [c for c, _ in store.table_columns(con, "stg_transactions")]
    select = ", ".join(f'"{c}"' for c in tx_cols)
    # A correction replaces the stored transaction whole: remove it first, then merge as usual.
    corrections = con.execute("SELECT count(*) FROM _bulk_typed WHERE _indicator = 'C' "
                              "AND _reject_reason IS NULL").fetchone()[0]
    if corrections:
        con.execute(
            "DELETE FROM stg_transactions USING _bulk_typed b "
            "WHERE b._indicator = 'C' AND b._reject_reason IS NULL AND stg_transactions.award_key = b.award_key "
            "AND stg_transactions.modification_number = b.modification_number "
            "AND stg_transactions.transaction_number = b.transaction_number"
        )
    con.execute(f"CREATE OR REPLACE TEMP VIEW _bulk_good AS SELECT {select} FROM _bulk_typed "  # noqa: S608
                "WHERE _reject_reason IS NULL AND _indicator <> 'D'")
    good = con.execute("SELECT count(*) FROM _bulk_good").fetchone()[0]
    distinct = _merge(con, "stg_transactions", "_bulk_good")
    drop_superseded_placeholders(con, "_bulk_good")
    awards = _awards_from_transactions(con, col, run_id)
    return {"kind": TRANSACTIONS, "fetched": fetched, "loaded": good + deleted, "rejected": rejected,
            "transactions": distinct, "awards": awards, "deleted": deleted}


def _apply_deletes(con: duckdb.DuckDBPyConnection) -> int:
    """Delete the transactions a delta file marks `D`, whichever route stored them (API ids carry CONT_TX_)."""
    n = con.execute("SELECT count(*) FROM _bulk_typed WHERE _indicator = 'D' AND _reject_reason IS NULL").fetchone()[0]
    if not n:
        return 0
    con.execute(
        """
        DELETE FROM stg_transactions USING (
            SELECT * FROM _bulk_typed WHERE _indicator = 'D' AND _reject_reason IS NULL) d
        WHERE (d.transaction_key IS NOT NULL
               AND stg_transactions.transaction_key IN (d.transaction_key, 'CONT_TX_' || d.transaction_key))
           OR (d.award_key IS NOT NULL AND stg_transactions.award_key = d.award_key
               AND stg_transactions.modification_number = d.modification_number
               AND stg_transactions.transaction_number = d.transaction_number)
        """
    )
    return int(n)


def drop_superseded_placeholders(con: duckdb.DuckDBPyConnection, relation: str = "stg_transactions") -> int:
    """Remove rows stored without a transaction number (0, no transaction_key) once the same award and
    modification is known under its real FPDS transaction number (from `relation`).

    Why: the spending_by_transaction export gives no transaction number, so it stores 0; the files and the
    API give the real one (0 for most civilian actions, 1+ for some). Without this, an action with number 1
    would count twice. Everything the placeholder said is in the richer row (same action, more columns).
    """
    if not con.execute("SELECT count(*) FROM stg_transactions WHERE transaction_number = 0 "
                       "AND transaction_key IS NULL").fetchone()[0]:
        return 0  # nothing number-less stored: the common case, checked in milliseconds
    return con.execute(
        f"""
        DELETE FROM stg_transactions USING (
            SELECT DISTINCT award_key, modification_number FROM {relation}
            WHERE transaction_key IS NOT NULL AND transaction_number <> 0) k
        WHERE stg_transactions.transaction_number = 0 AND stg_transactions.transaction_key IS NULL
          AND stg_transactions.award_key = k.award_key
          AND stg_transactions.modification_number = k.modification_number
        """  # noqa: S608 - relation is one of our own temp views or tables
    ).fetchone()[0]


def _awards_from_transactions(con: duckdb.DuckDBPyConnection, col: Callable[[str], str], run_id: str) -> int:
    """One stg_awards row per award in a transactions file, from its latest action (award-level columns)."""
    key = f"rg_text({col('contract_award_unique_key')})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _bulk_awards AS
        WITH good AS (SELECT _row, award_key, action_date, modification_number, transaction_number
                      FROM _bulk_typed WHERE _reject_reason IS NULL AND _indicator <> 'D'),
        latest AS (SELECT * FROM good QUALIFY row_number() OVER (
                       PARTITION BY award_key
                       ORDER BY action_date DESC, modification_number DESC, transaction_number DESC) = 1),
        base AS (SELECT award_key, min(action_date) AS date_signed FROM good GROUP BY award_key)
        SELECT
            {_award_columns(col)},
            base.date_signed                                   AS date_signed,
            rg_money({col('total_dollars_obligated')})         AS total_obligation,
            {_provenance(col, key, run_id)}
        FROM _bulk_src s
        JOIN latest ON latest._row = s.rowid
        JOIN base ON base.award_key = latest.award_key
        """  # noqa: S608 - column names come from the file's header checked against our lists
    )
    n = _merge(con, "stg_awards", "_bulk_awards")
    con.execute("DROP TABLE IF EXISTS _bulk_awards")
    return n


def load_csv(con: duckdb.DuckDBPyConnection, path: Path, run_id: str, origin: str, kind: str | None = None) -> dict:
    """Merge one CSV of a known kind into staging under an open run; returns its counts."""
    sqltypes.install(con)
    kind = kind or file_kind(read_header(path))
    if kind not in (TRANSACTIONS, AWARDS):
        raise ValueError(f"{path}: not a USAspending contracts transactions or award-summary file")
    cols = _read(con, path)
    con.execute("BEGIN TRANSACTION")
    try:
        result = (_load_transactions if kind == TRANSACTIONS else _load_award_summaries)(con, cols, run_id, origin)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        for t in ("_bulk_src", "_bulk_typed"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute("DROP VIEW IF EXISTS _bulk_good")
    result["file"] = Path(path).name
    return result


def load(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    origin_url: str | None = None,
    run_id: str | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Load a bulk CSV or zip of them (kinds detected from headers) into staging.

    With `run_id` the rows count toward that open run (the bulk spider's); without, the load is its own run
    in `crawl_runs` (source `usaspending_csv`), closed with its reconciliation. A search-export CSV found
    inside is passed to that loader.
    """
    path = Path(path)
    own_run = run_id is None
    if own_run:
        run_id = runs.start_run(con, SOURCE, {"file": path.name, "origin": origin_url})
    totals = {"files": 0, "fetched": 0, "loaded": 0, "rejected": 0, "transactions": 0, "awards": 0, "deleted": 0}
    error = None
    try:
        with csv_files(path) as files:
            for f in files:
                kind = file_kind(read_header(f))
                started = time.perf_counter()
                if kind == SEARCH:
                    r = search_csv.load(con, f, origin_url)
                    r = {"fetched": r["fetched"], "loaded": r["fetched"] - r["rejected"], "rejected": r["rejected"],
                         "transactions": r["loaded"]}
                elif kind in (TRANSACTIONS, AWARDS):
                    r = load_csv(con, f, run_id, str(origin_url or path), kind)
                else:
                    continue  # subawards, assistance, readme files in a download zip: not contracts
                totals["files"] += 1
                for k in ("fetched", "loaded", "rejected", "transactions", "awards", "deleted"):
                    totals[k] += int(r.get(k, 0))
                if progress:
                    progress(f.name, int(r["fetched"]), time.perf_counter() - started)
        if not totals["files"]:
            error = f"{path.name}: no USAspending contracts CSV found (by header)"
    except UnicodeDecodeError as e:  # Latin-1 or binary content where UTF-8 text was expected
        error = f"{path.name}: not UTF-8 text (byte {e.start}); binary, or re-save the file as UTF-8"
        raise ValueError(error) from None
    except ValueError as e:
        error = str(e)
        raise
    except (zipfile.BadZipFile, duckdb.Error) as e:  # a broken file: one line for the user, a failed run
        error = f"{path.name}: {str(e).splitlines()[0]}"
        raise ValueError(error) from e
    finally:
        if own_run:
            runs.finish_run(con, run_id, requests=0, fetched=totals["fetched"], loaded=totals["loaded"],
                            rejected=totals["rejected"], error=error)
    if error:
        raise ValueError(error)
    totals["run_id"] = run_id
    return totals
