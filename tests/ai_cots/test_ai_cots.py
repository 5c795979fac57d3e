"""OMB's 2025 COTS AI list: the spider on the real published CSV, its rejects, a crawl through the CLI against a
local server, a crawl that cannot reach the source, and the links the build makes (agency, watchlisted vendor)."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest

from registry.core import store
from spiders.ai_cots.items import HEADERS, split_products
from spiders.ai_cots.spider import AiCotsSpider
from tests.ai_cots.replay import COTS_CSV, PATH
from tests.conftest import invoke_cli, run_cli
from tests.source_fixtures import FixtureServer, offline, response, split, stage

URL = "http://127.0.0.1:9" + PATH


@pytest.fixture()
def spider() -> AiCotsSpider:
    return offline(AiCotsSpider(), {"AI_COTS_URL": URL})


def _rows(shared_data) -> list[list[str]]:
    """The published file's rows (header first), read independently of the spider."""
    text = (shared_data / COTS_CSV).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def test_base_url_is_the_setting(spider):
    assert spider.base_url == URL
    assert AiCotsSpider.preflight_url({"AI_COTS_URL": URL}) == URL
    assert AiCotsSpider.default_base_url.startswith("https://raw.githubusercontent.com/ombegov/")


def test_published_file_every_row_an_item_with_its_answer(spider, shared_data):
    items, rejects, requests = split(spider.parse(response(shared_data / COTS_CSV, URL)))
    assert not rejects and not requests
    assert len(items) == len(_rows(shared_data)) - 1 == 900
    spider.crawler.stats.inc_value.assert_any_call("ai_cots/expected", 900)  # the file's own count
    recs = {(r["agency"], r["use_case"]): r for r in (i.to_record() for i in items)}
    code = recs[("Department of Homeland Security", "Generating code using AI.")]
    assert code["agency_use"] is True and code["licenses"] == "1001-5000"
    assert code["products"].startswith("Poolside, Copilot, Ask Hamilton, Github Copilot")
    assert code["product_names"][:3] == ["Poolside", "Copilot", "Ask Hamilton"]
    assert code["source_url"] == URL and code["source_line"] > 1
    assert json.loads(code["raw_payload"])["Estimated # of Licenses/Users"] == "1001-5000"
    unlock = recs[("Department of Homeland Security", "Unlocking smartphones or other devices without the need for "
                   "passwords or PINs using AI-based facial recognition technology.")]
    assert unlock["agency_use"] is False and unlock["products"] is None and unlock["product_names"] == []
    # Blank answers stay unknown, never 'N'.
    assert sum(r["agency_use"] is None for r in recs.values()) == 16


def test_split_products_drops_empty_parts():
    assert split_products("RelativityOne, ServiceNow, Einstein, Vertex AI, Copilot, ") == [
        "RelativityOne", "ServiceNow", "Einstein", "Vertex AI", "Copilot"]
    assert split_products(None) == []


def test_malformed_files_and_rows_are_rejects_with_reason_and_payload(spider, shared_data, tmp_path):
    rows = _rows(shared_data)
    header, first, second = rows[0], rows[1], rows[2]
    _, rejects, _ = split(spider.parse(response(_csv([["Agency", "Use Case"], first]), URL)))
    assert len(rejects) == 1 and rejects[0]["reason"].startswith("file: not the COTS AI inventory")
    assert rejects[0]["kind"] == "file" and "Use Case" in rejects[0]["raw_payload"]
    short = first[:4]
    repeated = list(first)
    bad_answer = [second[0], "A task no agency reported", "Maybe", "", ""]
    no_agency = ["", *second[1:]]
    page = _csv([header, first, short, repeated, bad_answer, no_agency])
    con = store.connect(tmp_path / "s.duckdb")
    assert stage(con, spider.parse(response(page, URL))) == {"stg_ai_cots": 1, "rejects": 4}
    got = con.execute("SELECT reason, raw_payload FROM rejects ORDER BY reject_id").fetchall()
    con.close()
    assert [r for r, _ in got] == ["line 3: 4 cells, not 5", "line 4: agency and use case repeat line 2",
                                   "agency_use: not Y or N: 'MAYBE'", "agency: missing"]
    assert json.loads(got[1][1])["AI Use Case"] == first[1]  # the row as received is kept with its reason
    assert header == HEADERS


def test_crawl_command_downloads_the_file_through_scrapy(tmp_path, shared_data):
    """`registry crawl ai-cots --url …` through Scrapy's engine and the pipeline, against 127.0.0.1."""
    body = (shared_data / COTS_CSV).read_bytes()
    with FixtureServer(lambda path, q, h: (200, "text/csv", body) if path == PATH else (404, "text/plain", b"")
                       ) as server:
        staging = tmp_path / "staging.duckdb"
        proc = run_cli("crawl", "ai-cots", "--url", server.base + PATH, "--staging", str(staging), timeout=120)
        paths = [p for p, _, _ in server.requests]
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert paths.count(PATH) == 1
    con = duckdb.connect(str(staging), read_only=True)
    n, urls = con.execute("SELECT count(*), count(DISTINCT source_url) FROM stg_ai_cots").fetchone()
    run = con.execute("SELECT source, status, items_fetched, items_loaded FROM crawl_runs").fetchall()
    con.close()
    assert (n, urls) == (900, 1) and run == [("ai_cots", "ok", 900, 900)]


def test_crawl_that_cannot_reach_the_source_fails_fast_and_says_so(tmp_path):
    with FixtureServer(lambda *a: (200, "text/plain", b"")) as server:
        dead = server.base  # a port that answered once and is closed now: nothing listens there
    proc = invoke_cli("crawl", "ai-cots", "--url", dead + PATH, "--staging", str(tmp_path / "s.duckdb"))
    assert proc.returncode != 0
    message = (proc.stderr + proc.stdout).strip()
    assert "cannot reach 127.0.0.1" in message and len(message.splitlines()) <= 3 and "Traceback" not in message


@pytest.fixture(scope="module")
def reg(sources_registry):
    """The sample plus the real published list (source_fixtures.stage_ai_cots), built once per run."""
    c = duckdb.connect(str(sources_registry), read_only=True)
    yield c
    c.close()


def test_build_links_answers_to_their_agency_and_watchlisted_vendors(reg):
    dhs = reg.execute("SELECT count(*), count(agency_id), min(agency_id) FROM ai_cots "
                      "WHERE agency = 'Department of Homeland Security'").fetchone()
    assert dhs == (20, 20, "dept:070")
    # Agencies the sample registry does not hold stay unlinked rather than guessed.
    assert reg.execute("SELECT count(agency_id) FROM ai_cots WHERE agency <> 'Department of Homeland Security'"
                       ).fetchone()[0] == 0
    vendor_links = reg.execute(
        "SELECT from_id, to_id, evidence FROM links WHERE link_source = 'ai_cots' AND to_kind = 'vendor' "
        "ORDER BY from_id").fetchall()
    assert [(f.split(" | ")[0], t) for f, t, _ in vendor_links] == [
        ("Department of Commerce", "v:palantir"), ("Department of Health and Human Services", "v:palantir"),
        ("Department of the Interior", "v:axon-enterprise")]
    assert "Palantir Foundry" in vendor_links[1][2] and "EVIDENCE" in vendor_links[2][2].upper()
    assert reg.execute("SELECT watchlist_vendor_ids FROM ai_cots WHERE agency = 'Department of Commerce' "
                       "AND watchlist_vendor_ids <> []").fetchall() == [(["v:palantir"],)]
    # Every link points at a row that exists on both ends.
    dangling = reg.execute(
        "SELECT count(*) FROM links l WHERE l.link_source = 'ai_cots' AND (l.from_id NOT IN (SELECT cots_key FROM "
        "ai_cots) OR (l.to_kind = 'vendor' AND l.to_id NOT IN (SELECT vendor_id FROM vendors)) OR (l.to_kind = "
        "'agency' AND l.to_id NOT IN (SELECT agency_id FROM agencies)))").fetchone()[0]
    assert dangling == 0
    comments = dict(reg.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'ai_cots'").fetchall())
    assert len(comments) == 14 and all(comments.values())
