"""AI use-case inventories: offline loading into staging, and the build step (`ai_use_cases` + t_links_ai).

Why links by three different keys: the inventories share no identifier with contracts except the PIID the
2024 form asked for; the 2025 form names a vendor in free text ("Palantir", "Penlink, Fivecast", "NEC is
the third-party vendor CBP uses"), which goes through the vendor resolver's name normalisation and, failing
an equal name, the watchlist's own pattern for the company; and each entry names its department and
bureau, which map onto the registry's agencies by abbreviation.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from registry.core import runs, store
from registry.core.parse import ParseError
from registry.core.steps import describe_from_schema, staging_table, table_exists

# What this build step reads, writes and updates: registry/build_order.py sorts the steps by them.
READS = (
    "t_awards", "t_agencies", "t_vendors", "t_watchlist", "vendors", "vendor_matches",
    "stg.stg_ai_use_cases",
)
WRITES = ("t_ai_use_cases", "t_links_ai", "ai_use_cases")

# The published file each year's rows come from (used as source_url when a downloaded copy is loaded).
PUBLISHED = {
    2025: "https://github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/blob/"
          "62329235dc3847672bc4fdc7bf64d850a2d6d0fe/Data/2025_individually_reported_AI_use_cases.csv",
    2024: "https://github.com/triphora/2025-Federal-Agency-AI-Use-Case-Inventory/blob/"
          "79cefbb9034a7a86b00195b8d0e654ea582a6c1b/data/clean/2024_consolidated_ai_inventory_raw_v2.csv",
    2023: "https://github.com/triphora/2025-Federal-Agency-AI-Use-Case-Inventory/blob/"
          "79cefbb9034a7a86b00195b8d0e654ea582a6c1b/data/clean/2023_consolidated_ai_inventory_raw.csv",
}
DEPARTMENT_CODES = {"DHS": "070", "DOJ": "015"}  # inventory abbreviation -> CGAC code of t_agencies
COLUMNS: dict[str, str] = {  # staging column -> type; the build reads what is there, NULL for the rest
    "inventory_year": "INTEGER", "use_case_id": "VARCHAR", "use_case_id_derived": "BOOLEAN",
    "source_row": "INTEGER", "use_case_name": "VARCHAR", "agency": "VARCHAR", "agency_name": "VARCHAR",
    "bureau": "VARCHAR", "office": "VARCHAR", "stage": "VARCHAR", "impact": "VARCHAR", "high_impact": "BOOLEAN",
    "topic_area": "VARCHAR", "vendor_name": "VARCHAR", "system_name": "VARCHAR", "has_pii": "VARCHAR",
    "pia_url": "VARCHAR", "contracting_usage": "VARCHAR", "techniques": "VARCHAR", "description": "VARCHAR",
    "piid_text": "VARCHAR", "piids": "VARCHAR[]", "date_initiated": "DATE", "date_implemented": "DATE",
    "date_retired": "DATE", "source": "VARCHAR", "source_url": "VARCHAR", "fetched_at": "TIMESTAMPTZ",
    "payload_sha256": "VARCHAR",
}


# -- offline loading ------------------------------------------------------------------------------------

def load_file(con, path: Path, origin: str | None = None, agencies: set[str] | None = None) -> dict[str, int]:
    """Load one inventory CSV (any year; recognised by its headers) into stg_ai_use_cases; rejects kept.

    `origin` is the published file's URL for every row's source_url; by default the pinned public file of
    the year the headers say.
    """
    from spiders.ai_inventory.items import detect_year
    from spiders.ai_inventory.spider import rows_to_items
    from spiders.items import RejectItem

    run_id = runs.start_run(con, "ai_inventory_csv", {"file": Path(path).name, "origin": origin})
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:  # Latin-1 or binary: the run is finished (failed), one line for the user
        reason = f"{Path(path).name}: not UTF-8 text (byte {e.start}); binary, or re-save the file as UTF-8"
        runs.finish_run(con, run_id, requests=0, fetched=0, loaded=0, rejected=0, error=reason)
        raise ValueError(reason) from None
    first = text.splitlines()[0] if text else ""
    year = detect_year([h.strip() for h in next(iter(csv.reader([first])), [])])
    url = origin if origin and re.match(r"^https?://", origin) else PUBLISHED.get(year or 0, Path(path).resolve().as_uri())
    records, rejects = [], []
    for out in rows_to_items(text, url, datetime.now(UTC), agencies):
        if isinstance(out, RejectItem):
            rejects.append(dict(out))
            continue
        try:
            records.append(out.to_record())
        except ParseError as e:
            rejects.append({"source": out["source"], "kind": out.kind, "source_url": url, "reason": str(e),
                            "raw_payload": out.get("raw_payload")})
    for r in records:
        r["run_id"] = run_id
    for r in rejects:
        r["run_id"] = run_id
    loaded = store.merge_records(con, "stg_ai_use_cases", records)
    rejected = store.insert_rejects(con, rejects)
    whole_file = [r["reason"] for r in rejects if r.get("kind") == "ai_inventory_file"]
    runs.finish_run(con, run_id, requests=0, fetched=len(records) + len(rejects), loaded=loaded, rejected=rejected,
                    error=whole_file[0] if whole_file else None, status="failed" if whole_file else None)
    return {"year": year, "loaded": loaded, "rejected": rejected}


def load_sample(con, path: Path, origin: str | None = None) -> dict[str, int]:
    """Sample-manifest loader `ai_inventory_csv`: the row's source_url is the published full file."""
    return load_file(con, path, None)


def load_paths(con, paths: list[Path]) -> dict[str, dict[str, int]]:
    """`registry load ai-inventory-csv PATH…`: files, or folders whose *.csv files are inventories."""
    from spiders.ai_inventory.items import detect_year

    results = {}
    for p in paths:
        files = sorted(Path(p).glob("*.csv")) if Path(p).is_dir() else [Path(p)]
        for f in files:
            with open(f, encoding="utf-8-sig", errors="replace") as fh:  # load_file says if it is not UTF-8
                header = next(csv.reader([fh.readline()]), [])
            if Path(p).is_dir() and detect_year([h.strip() for h in header]) is None:
                continue  # a folder may hold other files (the COTS list, dictionaries)
            results[f.name] = load_file(con, f)
    if not results:
        raise FileNotFoundError(f"no AI use-case inventory CSV in {', '.join(map(str, paths))}")
    return results


# -- build ----------------------------------------------------------------------------------------------

def _select_list(con, src: str) -> str:
    """Every column of COLUMNS, NULL where the staging table lacks it (an older or narrower table)."""
    present = {r[0] for r in con.execute(f"DESCRIBE {src}").fetchall()}  # noqa: S608 - our own table name
    return ", ".join(f'"{c}"::{t} AS "{c}"' if c in present else f'NULL::{t} AS "{c}"' for c, t in COLUMNS.items())


def build(ctx) -> None:
    """t_ai_use_cases, the `ai_use_cases` view and t_links_ai (use case -> vendor, award, agency)."""
    con = ctx.con
    src = staging_table(con, "stg_ai_use_cases", "ai_inventory")
    con.execute(f"CREATE TABLE t_ai_use_cases AS SELECT {_select_list(con, src)} FROM {src}")  # noqa: S608
    con.execute("UPDATE t_ai_use_cases SET piids = []::VARCHAR[] WHERE piids IS NULL")
    rows = _vendor_links(con) + _award_links(con) + _agency_links(con)
    frame = pd.DataFrame(rows, columns=["from_kind", "from_id", "to_kind", "to_id", "method", "evidence",
                                        "confidence"])
    con.register("_ai_links", frame)
    try:
        con.execute("CREATE TABLE t_links_ai (from_kind VARCHAR, from_id VARCHAR, to_kind VARCHAR, to_id VARCHAR, "
                    "method VARCHAR, evidence VARCHAR, confidence DOUBLE)")
        con.execute("INSERT INTO t_links_ai SELECT * FROM _ai_links")
    finally:
        con.unregister("_ai_links")
    _view(con)


def use_case_key(year: int, use_case_id: str) -> str:
    """The id a use case has in `links`: '<inventory year>:<use case id>' (ids repeat across years)."""
    return f"{year}:{use_case_id}"


def _vendor_links(con) -> list[tuple]:
    """Use case -> vendor: each vendor named in vendor_name, by normalised name, else the watchlist pattern."""
    from registry.core.names import normalise_name
    from spiders.lda.build import _vendor_names, match_name

    if not table_exists(con, "vendors"):
        return []
    names = _vendor_names(con)
    index = {r.norm: (r.vendor_id, r.name, r.via) for r in names.itertuples(index=False)}
    choices = list(index)
    patterns = []
    if table_exists(con, "t_watchlist"):
        for wid, wname, pattern in con.execute("SELECT watchlist_id, name, match_pattern FROM t_watchlist "
                                               "WHERE match_pattern IS NOT NULL").fetchall():
            vids = [v for (v,) in con.execute(
                "SELECT vendor_id FROM t_vendors WHERE watchlist_id = ? ORDER BY (vendor_name = ?) DESC, "
                "vendor_id LIMIT 1", [wid, wname]).fetchall()]
            if vids:
                patterns.append((re.compile(pattern, re.I), wname, vids[0]))
    out = []
    for year, uid, vendor in con.execute("SELECT inventory_year, use_case_id, vendor_name FROM t_ai_use_cases "
                                         "WHERE vendor_name IS NOT NULL").fetchall():
        key, found = use_case_key(year, uid), {}
        for part in re.split(r"\s*(?:[,;/]|\band\b|&)\s*", vendor):
            norm = normalise_name(part)
            hit = match_name(norm, index, choices) if len(norm) >= 3 else None
            if hit:
                vid, matched, via, kind, score = hit
                conf = 0.9 if kind == "exact" else round(0.8 * score / 100, 2)
                found.setdefault(vid, (f"vendor_name_{kind}", f"inventory vendor '{part}' ~ {via} '{matched}' "
                                       f"(normalised '{norm}')", conf))
        for pattern, wname, vid in patterns:
            if vid not in found and pattern.search(vendor):
                found[vid] = ("vendor_name_watchlist_pattern",
                              f"inventory vendor '{vendor[:120]}' matches the watchlist pattern of {wname} "
                              f"({pattern.pattern})", 0.8)
        out += [("ai_use_case", key, "vendor", vid, m, ev, c) for vid, (m, ev, c) in found.items()]
    return out


def _award_links(con) -> list[tuple]:
    """Use case -> award where a PIID the inventory names is the award's PIID (2024 form)."""
    return [("ai_use_case", use_case_key(y, u), "award", k, "piid",
             f"inventory names PIID {p}; award PIID {ap}", 1.0)
            for y, u, k, p, ap in con.execute(
                "SELECT u.inventory_year, u.use_case_id, a.award_key, u.piid, a.piid FROM "
                "(SELECT inventory_year, use_case_id, unnest(piids) AS piid FROM t_ai_use_cases) u "
                "JOIN t_awards a ON upper(regexp_replace(a.piid, '[\\s-]', '', 'g')) = u.piid "
                "ORDER BY 1, 2, 3").fetchall()]


def _agency_links(con) -> list[tuple]:
    """Use case -> its department (by CGAC code) and, where the bureau is a subtier abbreviation, the subtier."""
    if not table_exists(con, "t_agencies"):
        return []
    agencies = con.execute("SELECT agency_id, level, code, upper(abbreviation) FROM t_agencies").fetchall()
    depts = {code: aid for aid, level, code, _ in agencies if level == "department"}
    subs = {abbr: aid for aid, level, _, abbr in agencies if level == "subtier" and abbr}
    out = []
    for year, uid, agency, bureau in con.execute(
            "SELECT inventory_year, use_case_id, agency, bureau FROM t_ai_use_cases").fetchall():
        key = use_case_key(year, uid)
        dept = depts.get(DEPARTMENT_CODES.get((agency or "").upper(), ""))
        if dept:
            out.append(("ai_use_case", key, "agency", dept, "department_abbreviation",
                        f"inventory agency '{agency}'", 1.0))
        words = set(re.findall(r"[A-Z]{2,6}", (bureau or "").upper()))
        for abbr, aid in subs.items():
            if abbr in words:
                out.append(("ai_use_case", key, "agency", aid, "bureau_abbreviation",
                            f"inventory bureau '{bureau}' names {abbr}", 0.9))
    return out


def _view(con) -> None:
    con.execute(
        """
        CREATE VIEW ai_use_cases AS
        SELECT inventory_year || ':' || use_case_id AS use_case_key, inventory_year, use_case_id,
               use_case_id_derived, use_case_name, agency, agency_name, bureau, office, stage, impact, high_impact,
               topic_area, vendor_name, system_name, has_pii, pia_url, contracting_usage, techniques, description,
               piid_text, piids, date_initiated, date_implemented, date_retired, source_row, source, source_url,
               fetched_at, payload_sha256
        FROM t_ai_use_cases
        """
    )
    describe_from_schema(con, "ai_inventory", "ai_use_cases")
