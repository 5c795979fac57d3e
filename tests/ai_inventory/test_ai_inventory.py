"""The federal AI use-case inventories: the spider on the real published files, rejects, and the links it makes."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from registry.core import store
from spiders.ai_inventory.items import detect_year, parse_piids
from spiders.ai_inventory.spider import AiInventorySpider
from tests.conftest import invoke_cli, run_cli
from tests.source_fixtures import offline, response, split, stage

INVENTORY = "federal_ai_use_case_inventory"
URL = "http://127.0.0.1:9/inventory.csv"


def _items(shared_data, name: str):
    spider = offline(AiInventorySpider())
    items, rejects, requests = split(spider.parse(response(shared_data / INVENTORY / name, URL), year="x"))
    return items, rejects, requests


def test_2025_inventory_field_by_field(shared_data):
    items, rejects, requests = _items(shared_data, "2025_individually_reported_AI_use_cases.csv")
    # 3,611 rows: two are identical copies of earlier rows, one use case each (issue 19): rejects naming the first
    assert len(items) == 3609 and not requests
    assert len(rejects) == 2 and all("identical to row" in r["reason"] for r in rejects)
    rec = next(i for i in items if i["use_case_id"] == "DHS-2578").to_record()
    assert rec["inventory_year"] == 2025 and rec["use_case_id_derived"] is False
    assert rec["use_case_name"] == "Enhanced Lead Identification and Targeting"
    assert (rec["agency"], rec["agency_name"], rec["bureau"]) == ("DHS", "Department of Homeland Security", "ICE")
    assert rec["vendor_name"] == "Palantir" and rec["stage"] == "Deployed"
    assert rec["impact"] == "Presumed High-Impact, but Not High-impact" and rec["high_impact"] is False
    assert rec["system_name"] == "Palantir Federal Cloud Service"
    assert rec["pia_url"] == "https://www.dhs.gov/sites/default/files/publications/privacy-pia-ice-eid-may2019.pdf"
    assert "ELITE" in rec["description"] and rec["piids"] == []
    assert rec["source_url"] == URL and rec["source"] == "ai_inventory" and len(rec["payload_sha256"]) == 64
    fortify = next(i for i in items if i["use_case_id"] == "DHS-2731").to_record()
    assert (fortify["use_case_name"], fortify["bureau"], fortify["vendor_name"], fortify["high_impact"]) == (
        "Mobile Fortify", "CBP", "NEC", True)


def test_2024_inventory_has_pids_and_derived_ids(shared_data):
    items, rejects, _ = _items(shared_data, "2024_consolidated_ai_inventory.csv")
    assert len(items) == 2130 and len(rejects) == 3 and all("identical to row" in r["reason"] for r in rejects)
    recs = [i.to_record() for i in items]
    assert len({r["use_case_id"] for r in recs}) == 2130  # repeated names in one bureau get ~2, ~3
    babel = next(r for r in recs if r["use_case_name"] == "Babel" and r["bureau"] == "CBP")
    assert babel["piids"] == ["70B03C23F00001059"] and babel["piid_text"] == "70B03C23F00001059"
    assert babel["use_case_id_derived"] is True and babel["use_case_id"].startswith("DHS-2024-")
    assert babel["date_initiated"] == date(2023, 8, 29) and babel["high_impact"] is True
    assert babel["stage"] == "Implementation and Assessment" and babel["has_pii"] == "Yes"


def test_2023_inventory_field_by_field(shared_data):
    items, rejects, _ = _items(shared_data, "2023_consolidated_ai_inventory.csv")
    assert len(items) == 710 and not rejects
    rec = next(i for i in items if i["use_case_id"] == "DHS-0000-2023").to_record()
    assert (rec["inventory_year"], rec["agency"], rec["bureau"], rec["use_case_name"], rec["stage"],
            rec["techniques"]) == (2023, "DHS", "Customs and Border Protection", "AI Curated Synthetic Data",
                                   "Initiation", "Synthetic Image Generation")


def test_headers_decide_the_year_not_the_file_name():
    assert detect_year(["Use_Case_ID", "Department_Code", "Title", "Summary"]) == 2023
    assert detect_year(["id", "use_case_name", "agency", "agency_bureau", "vendor_name", "x"]) == 2025
    assert detect_year(["name", "agency"]) is None
    assert parse_piids("503102-20-F-0059; SOAR, PO 6997377") == ["50310220F0059"]


def test_malformed_files_and_rows_are_rejects(tmp_path):
    spider = offline(AiInventorySpider())
    _, rejects, _ = split(spider.parse(response("<html>Rate limit exceeded</html>", URL), year="2025"))
    assert len(rejects) == 1 and "headers match no known inventory year" in rejects[0]["reason"]
    bad = ("id,use_case_name,agency,agency_bureau,vendor_name\n"
           "DHS-1,Good one,DHS,ICE,Acme\n"
           "DHS-2,,DHS,ICE,Acme\n"                      # no name: a reject with its reason
           "DHS-3,Too many cells,DHS,ICE,Acme,extra\n"  # more cells than headers
           "DHS-1,Same id again,DHS,CBP,\n")             # a repeated id is kept, renamed DHS-1~2
    con = store.connect(tmp_path / "s.duckdb")
    counts = stage(con, spider.parse(response(bad, URL), year="2025"))
    assert counts == {"stg_ai_use_cases": 2, "rejects": 2}
    reasons = sorted(r for (r,) in con.execute("SELECT reason FROM rejects").fetchall())
    assert reasons[0] == "row 3: 1 cells more than headers" and reasons[1] == "use_case_name: missing"
    ids = [r for (r,) in con.execute("SELECT use_case_id FROM stg_ai_use_cases ORDER BY 1").fetchall()]
    assert ids == ["DHS-1", "DHS-1~2"]
    # Crawling the same file again changes nothing (merge by inventory year + id).
    stage(con, spider.parse(response(bad, URL), year="2025"))
    assert con.execute("SELECT count(*) FROM stg_ai_use_cases").fetchone()[0] == 2
    con.close()


def test_load_command_reads_a_folder_of_inventories(tmp_path, shared_data):
    """`registry load ai-inventory-csv` as a user runs it, on the real 2023-2025 inventories (this test also
    holds what tests/test_model_ai_inventory.py checked of the same load: vendors and PIIDs the model reads)."""
    staging = tmp_path / "staging.duckdb"
    proc = run_cli("load", "ai-inventory-csv", str(shared_data / INVENTORY), "--staging", str(staging))
    assert proc.returncode == 0, proc.stderr
    con = duckdb.connect(str(staging), read_only=True)
    years = dict(con.execute("SELECT inventory_year, count(*) FROM stg_ai_use_cases GROUP BY 1").fetchall())
    url = con.execute("SELECT source_url FROM stg_ai_use_cases WHERE use_case_id = 'DHS-2578'").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM rejects").fetchone()[0]
    palantir = con.execute("SELECT count(*) FROM stg_ai_use_cases WHERE vendor_name ILIKE '%palantir%'").fetchone()[0]
    babel = con.execute("SELECT count(*) FROM stg_ai_use_cases WHERE list_contains(piids, '70B03C23F00001059')"
                        ).fetchone()[0]
    con.close()
    # one 2025 row has no name: a reject; identical copies of a row (3 in 2024, 2 in 2025) are rejects too
    assert years == {2023: 710, 2024: 2130, 2025: 3608}
    # every row of the 2024 and 2025 files is a use case or a reject
    assert years[2024] + years[2025] + rejected == 2133 + 3611
    assert url.startswith("https://github.com/ombegov/2025-Federal-Agency-AI-Use-Case-Inventory/blob/")
    assert palantir >= 1
    assert babel >= 1  # CBP "Babel" names its order in the 2024 inventory
    for bad_path in (tmp_path / "nowhere", tmp_path):  # a missing path, and a folder without inventories
        bad = invoke_cli("load", "ai-inventory-csv", str(bad_path), "--staging", str(staging))
        assert bad.returncode != 0 and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def reg(sample_readonly):
    return sample_readonly


def test_sample_holds_the_dhs_doj_extract(reg):
    counts = dict(reg.execute("SELECT inventory_year, count(*) FROM ai_use_cases GROUP BY 1").fetchall())
    assert counts == {2023: 45, 2024: 423, 2025: 551}  # the 2025 extract repeats one row identically
    assert reg.execute("SELECT count(*) FROM ai_use_cases WHERE agency NOT IN ('DHS', 'DOJ') "
                       "OR source_url NOT LIKE 'https://github.com/%'").fetchone()[0] == 0


def test_ice_use_case_naming_palantir_links_to_the_palantir_vendor(reg):
    rows = reg.execute("SELECT to_id, method, confidence, evidence FROM links WHERE from_kind = 'ai_use_case' "
                       "AND from_id = '2025:DHS-2578' AND to_kind = 'vendor'").fetchall()
    assert len(rows) == 1
    vendor_id, method, confidence, evidence = rows[0]
    assert reg.execute("SELECT vendor_name FROM vendors WHERE vendor_id = ?", [vendor_id]).fetchone()[0] == (
        "Palantir Technologies")
    assert method == "vendor_name_watchlist_pattern" and 0 < confidence < 1 and "Palantir" in evidence


def test_2024_use_case_with_a_piid_links_to_that_award(reg):
    rows = reg.execute(
        "SELECT l.from_id, l.method, l.confidence, a.piid FROM links l JOIN awards a ON a.award_key = l.to_id "
        "WHERE l.from_kind = 'ai_use_case' AND l.to_kind = 'award' AND a.piid = '70CTD021FR0000248'").fetchall()
    assert rows and all(m == "piid" and c == 1.0 for _, m, c, _ in rows)
    uc = reg.execute("SELECT use_case_name, bureau, piid_text FROM ai_use_cases WHERE use_case_key = ?",
                     [rows[0][0]]).fetchone()
    assert uc[1] == "ICE" and "70CTD021FR0000248" in uc[2]
    # A PIID that is not in the registry links nowhere.
    assert reg.execute("SELECT count(*) FROM links WHERE from_kind = 'ai_use_case' AND to_kind = 'award' "
                       "AND to_id LIKE '%70B03C23F00001059%'").fetchone()[0] == 0


def test_use_cases_link_to_their_agencies_and_the_view_is_described(reg):
    to = {r[0] for r in reg.execute("SELECT to_id FROM links WHERE from_id = '2025:DHS-2578' "
                                    "AND to_kind = 'agency'").fetchall()}
    assert to == {"dept:070", "sub:7012"}
    comments = dict(reg.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'ai_use_cases'").fetchall())
    assert comments and all(comments.values())


def test_crawl_command_downloads_each_year_from_a_local_mirror(tmp_path):
    """`registry crawl ai-inventory --url YEAR=URL` through Scrapy's engine and the project's pipeline."""
    from registry.core import paths
    from tests.source_fixtures import FixtureServer

    files = {f"/{y}.csv": paths.SAMPLE_DIR / f"ai_use_cases_{y}_dhs_doj.csv" for y in (2023, 2024, 2025)}

    def route(path, query, headers):
        if path in files:
            return 200, "text/csv", files[path].read_bytes()
        return 404, "text/plain", b"not found"

    staging = tmp_path / "staging.duckdb"
    with FixtureServer(route) as server:
        args = [a for y in (2023, 2024, 2025) for a in ("--url", f"{y}={server.base}/{y}.csv")]
        proc = run_cli("crawl", "ai-inventory", *args, "--agency", "DHS", "--staging", str(staging), timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    con = duckdb.connect(str(staging), read_only=True)
    counts = dict(con.execute("SELECT inventory_year, count(*) FROM stg_ai_use_cases GROUP BY 1").fetchall())
    agencies = {a for (a,) in con.execute("SELECT DISTINCT agency FROM stg_ai_use_cases").fetchall()}
    run = con.execute("SELECT status, items_fetched, items_loaded, items_rejected FROM crawl_runs").fetchall()
    con.close()
    assert counts == {2023: 41, 2024: 183, 2025: 238} and agencies == {"DHS"}
    assert run == [("ok", 463, 462, 1)]  # one DHS row of the 2025 extract is an identical copy: a reject
