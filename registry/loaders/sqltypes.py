"""SQL expressions that parse the text of public-record CSVs inside DuckDB (exact money, every date form).

Kept as macros so the CSV routes parse exactly as the Python validators in `registry.core.parse` do.
"""

from __future__ import annotations

import duckdb

MACROS = r"""
CREATE OR REPLACE TEMP MACRO rg_text(x) AS nullif(trim(CAST(x AS VARCHAR)), '');
-- Money: '$1,234.50', '(12.00)', '-5', '7391976' -> DECIMAL(18,2); NULL when absent; error marker when bad.
CREATE OR REPLACE TEMP MACRO rg_money_text(x) AS
    replace(replace(replace(replace(trim(CAST(x AS VARCHAR)), ',', ''), '$', ''), '(', '-'), ')', '');
CREATE OR REPLACE TEMP MACRO rg_money(x) AS
    TRY_CAST(TRY_CAST(rg_money_text(x) AS DECIMAL(38,6)) AS DECIMAL(18,2));  -- >= 1e16: NULL, and a reject
-- The same shape registry.parse.parse_money accepts: thousands commas in threes, at most cents (zeros beyond
-- them are fine), so '1.000,50' and '1.005' are rejects on this route too, never a rounded amount.
CREATE OR REPLACE TEMP MACRO rg_money_ok(x) AS
    rg_text(x) IS NULL OR (regexp_full_match(trim(CAST(x AS VARCHAR)),
                                             '\(?[-+]?\$?[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d{1,2}0*)?\)?')
                           AND regexp_matches(CAST(x AS VARCHAR), '\d')
                           AND TRY_CAST(rg_money_text(x) AS DECIMAL(38,6)) IS NOT NULL
                           AND abs(TRY_CAST(rg_money_text(x) AS DECIMAL(38,6))) < 1e15);
-- Dates: ISO, ISO with time, M/D/YYYY and M/D/YY (spreadsheet re-saves), optional ' H:MM' time.
CREATE OR REPLACE TEMP MACRO rg_date_text(x) AS regexp_replace(trim(CAST(x AS VARCHAR)), '[T ].*$', '');
CREATE OR REPLACE TEMP MACRO rg_date(x) AS CASE
    WHEN rg_text(x) IS NULL THEN NULL
    WHEN regexp_full_match(rg_date_text(x), '\d{4}-\d{1,2}-\d{1,2}') THEN TRY_CAST(rg_date_text(x) AS DATE)
    WHEN regexp_full_match(rg_date_text(x), '\d{1,2}/\d{1,2}/\d{4}') THEN
        TRY_CAST(try_strptime(rg_date_text(x), '%m/%d/%Y') AS DATE)
    WHEN regexp_full_match(rg_date_text(x), '\d{1,2}/\d{1,2}/\d{2}') THEN TRY_CAST(printf('%04d-%02d-%02d',
            TRY_CAST(split_part(rg_date_text(x), '/', 3) AS INTEGER)
              + CASE WHEN TRY_CAST(split_part(rg_date_text(x), '/', 3) AS INTEGER) >= 70 THEN 1900 ELSE 2000 END,
            TRY_CAST(split_part(rg_date_text(x), '/', 1) AS INTEGER),
            TRY_CAST(split_part(rg_date_text(x), '/', 2) AS INTEGER)) AS DATE)
    ELSE NULL END;
CREATE OR REPLACE TEMP MACRO rg_date_ok(x) AS rg_text(x) IS NULL OR rg_date(x) IS NOT NULL;
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the parsing macros on this connection (temp: never stored in a registry file)."""
    con.execute(MACROS)
