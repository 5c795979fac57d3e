"""Synthetic awards at scale, written straight into a staging DuckDB with SQL (never through Python rows).

Why SQL over range(): 1M awards and 5M transactions built as Python dicts would need gigabytes of memory
and minutes of interpreter time; DuckDB generates them column-wise from hash functions in seconds, with
the same skew every run (deterministic per seed). The shapes are the staging tables the spiders and loaders
write, so `registry build` runs on them unchanged.

Realism where it costs the build work: ~50k vendors with a heavy-tailed size distribution (a few vendors
hold most awards, as in the real data), ~200 subagencies under 10 departments, descriptions of a few hundred
characters that sometimes name surveillance capabilities (so the capability rules really match), 1-9
modifications per award (5 on average), competition codes, PSC/NAICS codes.

Every row says source = 'synthetic-bench' and carries a source_url on 127.0.0.1 under /synthetic-bench/: it
is never a public record and never goes into the registry at the repository root (bench/work/ only).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from registry.core import store
from registry.core.sqltext import literal

SOURCE = "synthetic-bench"
VENDORS = 50_000
SUBAGENCIES = 200
DEPARTMENTS = [
    "Department of Homeland Security", "Department of Justice", "Department of Defense", "Department of State",
    "Department of the Treasury", "Department of the Interior", "Department of Health and Human Services",
    "Department of Transportation", "Department of Commerce", "Department of Energy",
]
SYLLABLES = ["al", "ber", "cor", "dan", "el", "fal", "gar", "hel", "ist", "jor", "kel", "lum", "mar", "nor",
             "ost", "pra", "quin", "ras", "sol", "tor", "ul", "ver", "wex", "xan", "yor", "zed", "bri", "cla",
             "dro", "fen", "gri", "hax", "iva", "jun", "kro", "lyn", "mox", "nex", "orb", "pex"]
SUFFIXES = ["INC", "LLC", "CORP", "CORPORATION", "GROUP LLC", "TECHNOLOGIES INC", "SOLUTIONS LLC", "LTD"]
# Most federal awards buy ordinary things; about 1 in 20 synthetic awards names a surveillance capability
# (roughly the share the capability rules tag in the bundled real sample), so tagged subsets stay realistic.
SURVEILLANCE = [
    "FACIAL RECOGNITION SOFTWARE LICENSES", "LICENSE PLATE READER DATA ACCESS", "BIOMETRIC IDENTIFICATION SERVICES",
    "CELL SITE SIMULATOR EQUIPMENT", "SOCIAL MEDIA MONITORING SUBSCRIPTION", "DRONE SURVEILLANCE SYSTEMS",
    "MOBILE DEVICE FORENSICS TOOLS", "DATA ANALYTICS PLATFORM SUPPORT",
]
PLAIN = [
    "CASE MANAGEMENT SYSTEM OPERATIONS AND MAINTENANCE", "JANITORIAL SERVICES", "OFFICE FURNITURE",
    "VEHICLE FLEET MAINTENANCE", "CLOUD HOSTING AND IT MODERNIZATION", "TRAINING AND TECHNICAL ASSISTANCE",
    "ENTERPRISE SOFTWARE MAINTENANCE", "TELECOMMUNICATIONS SERVICES", "PROFESSIONAL SUPPORT SERVICES",
    "MEDICAL SUPPLIES", "FACILITY SECURITY GUARD SERVICES", "PRINTING AND REPRODUCTION", "FUEL DELIVERY",
    "CONSTRUCTION OF PERIMETER FENCING", "TRANSLATION AND INTERPRETATION SERVICES", "DETENTION BED SPACE",
]
SURVEILLANCE_SHARE = 20  # one award in this many names a surveillance capability
PSC = ["D302", "D307", "D310", "DA01", "R408", "R425", "5820", "6350", "7030", "S201", "J099", "AJ11"]
NAICS = ["541511", "541512", "541519", "518210", "334511", "561210", "541330", "423430", "561612", "541715"]
COMPETED = ["A", "A", "A", "D", "D", "B", "C", "G", "F", "CDO", "NDO"]
OTHER_THAN_FULL = ["ONE", "URG", "UNQ", "FOC", "MES"]


def _list(values: list[str]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _pick(values: list[str], h: str) -> str:
    """list_element of a constant list by a hash expression (1-based)."""
    return f"list_element({_list(values)}, (({h}) % {len(values)})::INT + 1)"


def _u(i: str, salt: int) -> str:
    """A uniform number in [0, 1) from the row number and a salt."""
    return f"((hash({i}, {salt}) % 1000000007)::DOUBLE / 1000000007)"


def vendor_name(v: str) -> str:
    """A pronounceable, mostly unique company name per vendor number (first words vary, as real ones do)."""
    s = len(SYLLABLES)
    w1 = (f"upper({_pick(SYLLABLES, v)} || list_element({_list(SYLLABLES)}, (({v}) // {s} % {s})::INT + 1) "
          f"|| list_element({_list(SYLLABLES)}, (({v}) // {s * s} % {s})::INT + 1))")
    w2 = f"upper({_pick(SYLLABLES, f'hash({v}, 3)')} || {_pick(SYLLABLES, f'hash({v}, 4)')})"
    return f"({w1} || ' ' || {w2} || ' ' || {_pick(SUFFIXES, f'hash({v}, 5)')})"


def generate_staging(path: Path, n_awards: int, seed: int = 8) -> dict[str, int]:
    """Create (or replace) a staging store at `path` with n_awards awards and ~5 transactions each."""
    path = store.remove(path)
    con = store.connect(path)
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"""
            CREATE TEMP TABLE _aw AS
            SELECT i,
                   'SYN' || lpad(CAST(i AS VARCHAR), 9, '0') || 'B{seed:02d}' AS piid,
                   -- heavy tail: u^3 puts most awards on the first few thousand vendors
                   CAST(floor({VENDORS} * pow({_u('i', seed * 10 + 1)}, 3)) AS BIGINT) AS v,
                   CAST(floor({SUBAGENCIES} * pow({_u('i', seed * 10 + 2)}, 2)) AS BIGINT) AS s,
                   DATE '2008-01-01' + CAST(floor(6400 * {_u('i', seed * 10 + 3)}) AS INT) AS signed,
                   1 + CAST(hash(i, {seed * 10 + 4}) % 9 AS INT) AS mods
            FROM range({int(n_awards)}) r(i)
        """)
        con.execute(f"""
            INSERT INTO stg_transactions BY NAME
            SELECT a.piid AS piid,
                   'CONT_AWD_' || a.piid || '_' || lpad(CAST(7000 + a.s AS VARCHAR), 4, '0') || '_-NONE-_-NONE-'
                       AS award_key,
                   CASE WHEN m = 0 THEN '0' ELSE 'P' || lpad(CAST(m AS VARCHAR), 5, '0') END AS modification_number,
                   0 AS transaction_number,
                   'CONT_TX_SYN_' || a.piid || '_' || m AS transaction_key,
                   a.signed + CAST(m * (30 + hash(a.i, m) % 120) AS INT) AS action_date,
                   CASE WHEN m = 0 THEN NULL ELSE {_pick(['B', 'C', 'M', 'G'], 'hash(a.i, m, 1)')} END AS action_type,
                   CAST(round(CASE WHEN hash(a.i, m, 2) % 10 = 0 THEN -1 ELSE 1 END
                        * pow(10, 2 + 5 * {_u('a.i * 16 + m', 77)}), 2) AS DECIMAL(18, 2))
                       AS federal_action_obligation,
                   CASE WHEN hash(a.i, 40) % {SURVEILLANCE_SHARE} = 0 THEN {_pick(SURVEILLANCE, 'hash(a.i, 11)')}
                        ELSE {_pick(PLAIN, 'hash(a.i, 11)')} END || ' MOD ' || m AS description,
                   {vendor_name('a.v')} AS recipient_name,
                   'SYN' || lpad(CAST(a.v AS VARCHAR), 9, '0') AS recipient_uei,
                   list_element({_list(DEPARTMENTS)}, CAST(a.s % {len(DEPARTMENTS)} AS INT) + 1) AS awarding_agency,
                   'Synthetic Subagency ' || lpad(CAST(a.s AS VARCHAR), 3, '0') AS awarding_subagency,
                   'SYNTHETIC OFFICE ' || (a.s * 7 + hash(a.i, 12) % 7) AS awarding_office,
                   {_pick(PSC, 'hash(a.i, 13)')} AS psc_code,
                   {_pick(NAICS, 'hash(a.i, 14)')} AS naics_code,
                   {_pick(COMPETED, 'hash(a.i, m, 15)')} AS extent_competed,
                   CASE WHEN hash(a.i, m, 16) % 4 = 0 THEN {_pick(OTHER_THAN_FULL, 'hash(a.i, m, 17)')} END
                       AS other_than_full_and_open,
                   CAST(1 + hash(a.i, m, 18) % 6 AS INT) AS number_of_offers,
                   a.signed + CAST(mods * 150 AS INT) AS last_modified_date,
                   '{SOURCE}' AS source,
                   'http://127.0.0.1/{SOURCE}/awards/' || a.piid || '/' AS source_url,
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' AS fetched_at,
                   md5(a.piid || '/' || m) AS payload_sha256,
                   '{{"synthetic": "{SOURCE}", "piid": "' || a.piid || '", "mod": ' || m || '}}' AS raw_payload
            FROM _aw a, range(9) t(m)
            WHERE m < a.mods
        """)
        desc = " || ' ' || ".join(_pick(PLAIN, f"hash(a.i, {20 + k})") for k in range(5))
        desc += f" || CASE WHEN hash(a.i, 40) % {SURVEILLANCE_SHARE} = 0 THEN ' ' || {_pick(SURVEILLANCE, 'hash(a.i, 26)')}" \
                " ELSE '' END"
        con.execute(f"""
            INSERT INTO stg_awards BY NAME
            WITH tx AS (SELECT award_key, sum(federal_action_obligation) AS total, max(action_date) AS last
                        FROM stg_transactions GROUP BY award_key)
            SELECT t.award_key, a.piid, 'contract' AS category, {_pick(['A', 'B', 'C', 'D'], 'hash(a.i, 30)')}
                       AS award_type,
                   {vendor_name('a.v')} AS recipient_name,
                   'SYN' || lpad(CAST(a.v AS VARCHAR), 9, '0') AS recipient_uei,
                   CASE WHEN a.v % 50 = 0 THEN 'SYNP' || lpad(CAST(a.v // 50 AS VARCHAR), 8, '0') END
                       AS recipient_parent_uei,
                   {_pick(['VA', 'MD', 'DC', 'CA', 'TX', 'NY', 'FL', 'CO'], 'hash(a.v, 31)')} AS recipient_state,
                   'USA' AS recipient_country,
                   list_element({_list(DEPARTMENTS)}, CAST(a.s % {len(DEPARTMENTS)} AS INT) + 1) AS awarding_agency,
                   lpad(CAST(70 + a.s % {len(DEPARTMENTS)} AS VARCHAR), 3, '0') AS awarding_agency_code,
                   'Synthetic Subagency ' || lpad(CAST(a.s AS VARCHAR), 3, '0') AS awarding_subagency,
                   lpad(CAST(7000 + a.s AS VARCHAR), 4, '0') AS awarding_subagency_code,
                   'SYNTHETIC OFFICE ' || (a.s * 7 + hash(a.i, 12) % 7) AS awarding_office,
                   'SYNTHETIC ORDER ' || a.i || ': ' || {desc} || ' FOR THE '
                       || 'SYNTHETIC SUBAGENCY ' || a.s || ' UNDER THE BENCHMARK CONTRACT VEHICLE' AS description,
                   {_pick(PSC, 'hash(a.i, 13)')} AS psc_code,
                   {_pick(NAICS, 'hash(a.i, 14)')} AS naics_code,
                   a.signed AS date_signed, a.signed AS start_date, t.last + 365 AS end_date,
                   t.last + 730 AS potential_end_date, a.signed + CAST(a.mods * 150 AS INT) AS last_modified_date,
                   t.total AS total_obligation, t.total AS base_exercised_options,
                   CAST(t.total * 2 AS DECIMAL(18, 2)) AS base_and_all_options,
                   {_pick(COMPETED, 'hash(a.i, 0, 15)')} AS extent_competed,
                   CAST(1 + hash(a.i, 18) % 6 AS INT) AS number_of_offers,
                   {_pick(['FFP', 'T&M', 'CPFF', 'LH'], 'hash(a.i, 32)')} AS type_of_contract_pricing,
                   {_pick(['VA', 'MD', 'DC', 'CA', 'TX', 'AZ', 'NM'], 'hash(a.i, 33)')} AS pop_state,
                   'USA' AS pop_country,
                   'http://127.0.0.1/{SOURCE}/award/' || t.award_key || '/' AS usaspending_url,
                   '{SOURCE}' AS source,
                   'http://127.0.0.1/{SOURCE}/awards/' || a.piid || '/' AS source_url,
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' AS fetched_at,
                   md5(a.piid) AS payload_sha256,
                   '{{"synthetic": "{SOURCE}", "piid": "' || a.piid || '"}}' AS raw_payload
            FROM _aw a JOIN tx t ON t.award_key = 'CONT_AWD_' || a.piid || '_'
                 || lpad(CAST(7000 + a.s AS VARCHAR), 4, '0') || '_-NONE-_-NONE-'
        """)
        con.execute("""
            INSERT INTO crawl_runs (run_id, source, scope, scope_hash, started_at, finished_at, status,
                                    items_fetched, items_loaded)
            SELECT 'synthetic-bench', 'synthetic-bench', '{"synthetic": true}', 'synthetic',
                   TIMESTAMPTZ '2026-01-01 00:00:00+00', TIMESTAMPTZ '2026-01-01 00:00:00+00', 'ok',
                   (SELECT count(*) FROM stg_awards) + (SELECT count(*) FROM stg_transactions),
                   (SELECT count(*) FROM stg_awards) + (SELECT count(*) FROM stg_transactions)
        """)
        con.execute("DROP TABLE _aw")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("stg_awards", "stg_transactions")}
        con.execute("CHECKPOINT")
        return counts
    finally:
        con.close()


def sample_rows(path: Path, table: str, limit: int) -> list[dict]:
    """Rows of a generated staging table as the dicts a spider's items carry (for the ingest benchmark)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(f"SELECT * FROM {table} ORDER BY ALL LIMIT {int(limit)}")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
