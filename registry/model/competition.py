"""Competition and terms in plain words: FPDS codes decoded, and a sole-source flag with its basis.

Why here and not in the loaders: sources disagree on form. The bulk award summary gives the code
("URG") in one column and the description in another, the API gives descriptions, re-saved files give
"NAN" or descriptions without the FAR reference ("URGENCY" vs "URGENCY (FAR 6.302-2)"). Decoding maps
every form onto the code in data/code_tables/fpds_competition_and_type_codes.csv, then into words a
reader understands. An unknown or missing value stays unknown: it is shown as "not reported" and never
counted as competed.

Decoding runs in Python over the DISTINCT raw values (a few hundred even for millions of awards) and
is joined back in SQL, so the same function is used by the build and by the tests.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from registry.core import paths

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = ("t_awards", "t_transactions")
WRITES = ("t_award_competition", "t_competition_decodes", "t_transaction_competition")

NOT_REPORTED = "not reported"
FIELDS = {
    # staging column -> code-table field
    "extent_competed": "extent_competed",
    "other_than_full_and_open": "other_than_full_and_open_competition",
    "fair_opportunity_limited_sources": "fair_opportunity_limited_sources",
    "solicitation_procedures": "solicitation_procedures",
}

# Plain words per (code-table field, code). Codes without an entry read as the table's description.
PLAIN: dict[tuple[str, str], str] = {
    ("extent_competed", "A"): "Competed: full and open competition",
    ("extent_competed", "B"): "Not competed: not available for competition",
    ("extent_competed", "C"): "Not competed",
    ("extent_competed", "D"): "Competed: full and open after exclusion of sources (e.g. set-aside)",
    ("extent_competed", "E"): "Not competed: follow-on to a competed action",
    ("extent_competed", "F"): "Competed under simplified acquisition procedures",
    ("extent_competed", "G"): "Not competed under simplified acquisition procedures",
    ("extent_competed", "CDO"): "Competed among contract holders (competitive delivery order)",
    ("extent_competed", "NDO"): "Not competed: non-competitive delivery order",
    ("other_than_full_and_open_competition", "ONE"): "Not competed: only one source (FAR 6.302-1)",
    ("other_than_full_and_open_competition", "MPT"): "Not competed: at or below the micro-purchase threshold",
    ("other_than_full_and_open_competition", "SP2"): "Not competed: simplified acquisition, one source (FAR 13)",
    ("fair_opportunity_limited_sources", "URG"): "Fair opportunity not given: urgency (FAR 16.505(b)(2)(i)(A))",
    ("fair_opportunity_limited_sources", "ONE"):
        "Fair opportunity not given: only one source (FAR 16.505(b)(2)(i)(B))",
    ("fair_opportunity_limited_sources", "FOO"):
        "Fair opportunity not given: follow-on to a competed order (FAR 16.505(b)(2)(i)(C))",
    ("fair_opportunity_limited_sources", "MG"):
        "Fair opportunity not given: minimum guarantee (FAR 16.505(b)(2)(i)(D))",
    ("fair_opportunity_limited_sources", "OSA"):
        "Fair opportunity not given: other statutory authority (FAR 16.505(b)(2)(i)(E))",
    ("fair_opportunity_limited_sources", "SS"): "Fair opportunity not given: sole source",
    ("fair_opportunity_limited_sources", "FAIR"): "Competed among contract holders: fair opportunity given",
    ("fair_opportunity_limited_sources", "CSA"): "Competed among contract holders: competitive set-aside",
    ("solicitation_procedures", "SSS"): "Solicited from only one source",
    ("solicitation_procedures", "MAFO"): "Subject to multiple-award fair opportunity",
    ("solicitation_procedures", "SP1"): "Simplified acquisition",
    ("solicitation_procedures", "NP"): "Negotiated proposal/quote",
}

# Spellings seen in real files that differ from the table beyond case, punctuation and the FAR note.
ALIASES: dict[tuple[str, str], str] = {
    ("other_than_full_and_open_competition", "MICROPURCHASETHRESHOLD"): "MPT",
    ("other_than_full_and_open_competition", "PATENTDATARIGHTS"): "PDR",
    ("other_than_full_and_open_competition", "ONLYONESOURCE"): "ONE",
    ("fair_opportunity_limited_sources", "ONLYONESOURCE"): "ONE",
}

NOT_COMPETED = {
    "extent_competed": {"B", "C", "E", "G", "NDO"},
    "fair_opportunity_limited_sources": {"URG", "ONE", "FOO", "MG", "OSA", "SS"},
    "solicitation_procedures": {"SSS"},
}
COMPETED = {
    "extent_competed": {"A", "D", "F", "CDO"},
    "fair_opportunity_limited_sources": {"FAIR", "CSA"},
}


def _key(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _sentence(desc: str) -> str:
    """'URGENCY (FAR 6.302-2)' -> 'Urgency (FAR 6.302-2)'."""
    s = desc.strip().lower()
    s = re.sub(r"\bfar\b", "FAR", s)
    s = re.sub(r"\b(sap|sdb|sdvosb|hbcu|mi|idv|gwac|idc|fss|boa|bpa|8a)\b", lambda m: m.group(1).upper(), s)
    return s[:1].upper() + s[1:]


@dataclass(frozen=True)
class Decoded:
    code: str | None
    description: str | None
    plain: str


@cache
def code_table(path: Path | None = None) -> dict[str, dict[str, str]]:
    """field -> {code: description} from the real FPDS code table."""
    path = path or paths.DATA_DIR / "code_tables" / "fpds_competition_and_type_codes.csv"
    table: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            table.setdefault(row["field"], {})[row["code"].strip().upper()] = row["description"].strip()
    return table


def plain_words(field: str, code: str) -> str:
    """Plain words for a known code; other-than-full-and-open reasons all read 'Not competed: ...'."""
    if (field, code) in PLAIN:
        return PLAIN[(field, code)]
    desc = code_table()[field][code]
    if field == "other_than_full_and_open_competition":
        return "Not competed: " + _sentence(desc)[:1].lower() + _sentence(desc)[1:]
    return _sentence(desc)


def decode(field: str, raw: str | None) -> Decoded:
    """Decode a raw value (code, description, or 'CODE - description') of a code-table field."""
    codes = code_table().get(field)
    if codes is None:
        raise KeyError(f"no code table field {field!r}")
    if raw is None or not str(raw).strip() or str(raw).strip().upper() in {"NAN", "NONE", "NULL", "N/A"}:
        return Decoded(None, None, NOT_REPORTED)
    s = str(raw).strip().upper()
    candidates = [s, re.split(r"\s*[-:]\s+", s, maxsplit=1)[0]]
    for c in candidates:
        if c in codes:
            return Decoded(c, codes[c], plain_words(field, c))
    k = _key(re.sub(r"\([^)]*\)", "", s))
    full = _key(s)
    for code, desc in codes.items():
        if k and (k == _key(re.sub(r"\([^)]*\)", "", desc)) or full == _key(desc)):
            return Decoded(code, desc, plain_words(field, code))
    code = ALIASES.get((field, k))
    if code:
        return Decoded(code, codes[code], plain_words(field, code))
    return Decoded(None, None, NOT_REPORTED)


def sole_source(extent: str | None, other_than: str | None, fair_opportunity: str | None,
                solicitation: str | None) -> tuple[bool | None, str]:
    """(sole_source, basis in plain words) from decoded codes; (None, 'not reported') when nothing says.

    Any signal of no competition makes it sole source; the most specific reason is given as the basis
    (other-than-full-and-open reason, then fair-opportunity exception, then extent competed, then
    solicitation procedure). Competed only when something says competed and nothing says otherwise.
    """
    if other_than and other_than in code_table()["other_than_full_and_open_competition"]:
        return True, plain_words("other_than_full_and_open_competition", other_than)
    if fair_opportunity in NOT_COMPETED["fair_opportunity_limited_sources"]:
        return True, plain_words("fair_opportunity_limited_sources", fair_opportunity)
    if extent in NOT_COMPETED["extent_competed"]:
        return True, plain_words("extent_competed", extent)
    if solicitation in NOT_COMPETED["solicitation_procedures"]:
        return True, plain_words("solicitation_procedures", solicitation)
    if fair_opportunity in COMPETED["fair_opportunity_limited_sources"]:
        return False, plain_words("fair_opportunity_limited_sources", fair_opportunity)
    if extent in COMPETED["extent_competed"]:
        return False, plain_words("extent_competed", extent)
    return None, NOT_REPORTED


def _decode_table(con, sources: list[str]) -> pd.DataFrame:
    rows = []
    for col, field in FIELDS.items():
        union = " UNION ".join(f"SELECT DISTINCT {col}::VARCHAR AS v FROM {t}" for t in sources)  # noqa: S608
        for (v,) in con.execute(f"SELECT v FROM ({union}) WHERE v IS NOT NULL").fetchall():  # noqa: S608
            d = decode(field, v)
            rows.append({"column_name": col, "raw_value": v, "code": d.code, "description": d.description,
                         "plain": d.plain})
    return pd.DataFrame(rows, columns=["column_name", "raw_value", "code", "description", "plain"])


def build(ctx) -> None:
    """Create `t_award_competition` and `t_transaction_competition` (codes, plain words, sole source)."""
    con = ctx.con
    dec = _decode_table(con, ["t_awards", "t_transactions"])
    con.register("_cdec_df", dec)
    # typed explicitly: with no competition data at all (e.g. the sample) pandas hands over empty object
    # columns, which DuckDB would type "NULL" all the way to the public views
    con.execute("CREATE TEMP TABLE _cdec AS SELECT column_name::VARCHAR AS column_name, raw_value::VARCHAR AS "
                "raw_value, code::VARCHAR AS code, description::VARCHAR AS description, plain::VARCHAR AS plain "
                "FROM _cdec_df")
    con.unregister("_cdec_df")

    def decoded(table: str, keys: str) -> None:
        joins = "\n".join(
            f"LEFT JOIN _cdec d_{col} ON d_{col}.column_name = '{col}' AND d_{col}.raw_value = s.{col}::VARCHAR"
            for col in FIELDS
        )
        cols = ",\n".join(
            f"d_{col}.code AS {col}_code, coalesce(d_{col}.plain, '{NOT_REPORTED}') AS {col}_plain, "
            f"s.{col} AS {col}_raw"
            for col in FIELDS
        )
        con.execute(f"CREATE TEMP TABLE _dec_{table} AS SELECT {keys}, s.number_of_offers, {cols} "  # noqa: S608
                    f"FROM {table} s {joins}")

    decoded("t_awards", "s.award_key, s.source_url")
    decoded("t_transactions", "s.rowid AS tx_id, s.award_key, s.modification_number, s.transaction_number, "
                              "s.action_date, s.source_url")

    # Sole-source decision over the distinct code combinations, in Python, joined back.
    combos = con.execute(
        "SELECT DISTINCT extent_competed_code, other_than_full_and_open_code, fair_opportunity_limited_sources_code, "
        "solicitation_procedures_code FROM (SELECT * FROM _dec_t_awards UNION ALL BY NAME "
        "SELECT * FROM _dec_t_transactions)"
    ).fetchall()
    decided = []
    for e, o, f, s in combos:
        flag, basis = sole_source(e, o, f, s)
        decided.append({"e": e, "o": o, "f": f, "s": s, "sole_source": flag, "basis": basis})
    con.register("_ss_df", pd.DataFrame(decided, columns=["e", "o", "f", "s", "sole_source", "basis"]))
    con.execute("CREATE TEMP TABLE _ss AS SELECT e::VARCHAR AS e, o::VARCHAR AS o, f::VARCHAR AS f, s::VARCHAR AS s, "
                "sole_source::BOOLEAN AS sole_source, basis::VARCHAR AS basis FROM _ss_df")
    con.unregister("_ss_df")
    join_ss = ("LEFT JOIN _ss ON _ss.e IS NOT DISTINCT FROM x.extent_competed_code "
               "AND _ss.o IS NOT DISTINCT FROM x.other_than_full_and_open_code "
               "AND _ss.f IS NOT DISTINCT FROM x.fair_opportunity_limited_sources_code "
               "AND _ss.s IS NOT DISTINCT FROM x.solicitation_procedures_code")
    status = ("CASE WHEN _ss.sole_source THEN 'not competed' WHEN NOT _ss.sole_source THEN 'competed' "
              f"ELSE '{NOT_REPORTED}' END")
    con.execute(
        f"""
        CREATE TABLE t_transaction_competition AS
        SELECT x.*, _ss.sole_source, _ss.basis AS sole_source_basis, {status} AS competition_status
        FROM _dec_t_transactions x {join_ss}
        """  # noqa: S608
    )
    con.execute(
        f"""
        CREATE TABLE t_award_competition AS
        WITH mods AS (
            SELECT award_key,
                   count(*) FILTER (sole_source)                        AS sole_source_modifications,
                   -- one total order for both, so a tie on the date (two modifications the same day) picks the
                   -- same row on every build and the basis is that modification's own
                   arg_min(modification_number, (action_date, modification_number, sole_source_basis))
                       FILTER (sole_source)                             AS first_sole_source_modification,
                   arg_min(sole_source_basis, (action_date, modification_number, sole_source_basis))
                       FILTER (sole_source)                             AS first_sole_source_basis,
                   count(*) FILTER (sole_source IS NOT NULL)            AS modifications_reporting_competition
            FROM t_transaction_competition GROUP BY award_key
        )
        SELECT x.*, _ss.sole_source, _ss.basis AS sole_source_basis, {status} AS competition_status,
               (x.number_of_offers = 1) AS single_offer,
               coalesce(m.sole_source_modifications, 0) AS sole_source_modifications,
               m.first_sole_source_modification, m.first_sole_source_basis,
               coalesce(m.modifications_reporting_competition, 0) AS modifications_reporting_competition
        FROM _dec_t_awards x {join_ss}
        LEFT JOIN mods m USING (award_key)
        """  # noqa: S608
    )
    con.execute("CREATE TABLE t_competition_decodes AS SELECT * FROM _cdec ORDER BY column_name, raw_value")
    for t in ("_cdec", "_ss", "_dec_t_awards", "_dec_t_transactions"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    n = con.execute("SELECT count(*) FILTER (sole_source), count(*) FILTER (sole_source IS NULL), count(*) "
                    "FROM t_award_competition").fetchone()
    ctx.log(f"competition: {n[0]:,} sole-source awards, {n[1]:,} not reported, of {n[2]:,}")
