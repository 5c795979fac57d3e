"""The SAM.gov key comes only from the environment and is never printed, logged or stored (issue 9).

A real `registry crawl sam` (and Scrapy's own `scrapy crawl sam` with DEBUG logging to a file) runs
against a local server on 127.0.0.1 that plays SAM.gov and, worst case, echoes the key back: in record
links, in a description, in an error body and in a refused page. Then every output is searched for the
key: stdout, stderr, the log file, every column of every table of the staging store (records, rejects
with their raw payloads, crawl_runs with its scope), the registry built from it, and the bytes of every
file the run wrote. The server checks the key did arrive, so the test cannot pass by never using it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from spiders.sam.spider import DEFAULT_ORGANIZATIONS
from tests import warm_process
from tests.conftest import ROOT, invoke_cli, run_cli
from tests.source_fixtures import FILES, FixtureServer

KEY = "sam-SECRET-7f3c9e1d4b2a-unique-to-this-test"
DHS, DOJ = DEFAULT_ORGANIZATIONS


def route_for(base: list[str]):
    """SAM.gov's shapes from tests/sam/files, with the key echoed wherever a careless server might."""

    def route(path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, str, bytes]:
        echoed = f"{base[0]}{path}?api_key={query.get('api_key', '')}"
        if path.endswith("/noticedesc"):
            body = json.loads((FILES / "sam" / "files" / "ja_description.json").read_text())
            body["description"] += f"<p>requested as {echoed}</p>"
            return 200, "application/json", json.dumps(body).encode()
        org, ptype, offset = query.get("organizationName"), query.get("ptype"), int(query.get("offset") or 0)
        if org == DOJ and ptype == "u":  # a refused request whose error body names the key
            return 400, "application/json", json.dumps({"error": {"message": f"bad request {echoed}"}}).encode()
        if org == DOJ:  # a 200 that is an error message quoting the key: a reject with its raw body
            return 200, "application/json", json.dumps({"error": {"code": "API_KEY_INVALID",
                                                                   "message": f"invalid api_key {echoed}"}}).encode()
        name = "ja_notices_page1.json" if ptype == "u" else f"award_notices_page{1 + (offset > 0)}.json"
        text = (FILES / "sam" / "files" / name).read_text().replace("https://api.sam.gov", base[0])
        page = json.loads(text)
        for record in page.get("opportunitiesData") or []:
            record["links"] = [{"rel": "self", "href": echoed}]
            record["additionalInfoLink"] = echoed
        return 200, "application/json", json.dumps(page).encode()

    return route


def all_text_in(db: Path) -> str:
    """Every value of every column of every table, as text (views included in the registry)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        parts = []
        tables = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                             "UNION SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
        for (t,) in tables:
            cols = [c[0] for c in con.execute(f'DESCRIBE "{t}"').fetchall()]
            if not cols:
                continue
            concat = " || '|' || ".join(f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in cols)
            parts += [r[0] for r in con.execute(f'SELECT {concat} FROM "{t}"').fetchall()]
        return "\n".join(parts)
    finally:
        con.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, sample_registry):
    d = tmp_path_factory.mktemp("secrets")
    # the sample's records first, so the registry built at the end is a whole one (awards and notices)
    shutil.copy(sample_registry.parent / "sample-staging.duckdb", d / "staging.duckdb")
    base: list[str] = []
    with FixtureServer(route_for(base)) as server:
        base.append(server.base)
        api = f"{server.base}/prod/opportunities/v2/search"
        env = {"SAM_API_KEY": KEY}
        log = d / "scrapy.log"
        # Scrapy's own crawl runs beside `registry crawl sam` (its own process, store and log; the server serves
        # both at once); its stdout and stderr go to files outside `d`, read back below. It is Scrapy's command
        # line forked from the suite's warm server (tests/warm_process.py: the same entry point, streams and
        # environment, without ~2 s of imports); tests/test_crawl_local.py runs the `scrapy` script itself.
        outs = tmp_path_factory.mktemp("secrets_scrapy_output")
        args = ["crawl", "sam", "-a", "since=2025-01-01",
                "-a", "until=2025-12-31", "-s", f"SAM_API_URL={api}", "-s", f"STAGING_PATH={d / 'staging2.duckdb'}",
                "-s", "LOG_LEVEL=DEBUG", "-s", f"LOG_FILE={log}", "-s", "RETRY_TIMES=1"]
        with open(outs / "stdout", "w") as out, open(outs / "stderr", "w") as err:
            proc = warm_process.popen(*args, prog="scrapy", cwd=ROOT, stdout=out, stderr=err,
                                      env=dict(os.environ, **env))
        try:
            cli = run_cli("crawl", "sam", "--api-url", api, "--since", "2025-01-01", "--until", "2025-12-31",
                          "--staging", str(d / "staging.duckdb"), env=env, timeout=120)
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        scrapy = subprocess.CompletedProcess(proc.args, proc.returncode, (outs / "stdout").read_text(),
                                             (outs / "stderr").read_text())
        requests = list(server.requests)
    build = invoke_cli("build", "--staging", str(d / "staging.duckdb"), "--out", str(d / "registry.duckdb"))
    return {"dir": d, "cli": cli, "scrapy": scrapy, "log": log, "requests": requests, "build": build}


def test_the_key_reached_the_server(crawled):
    keyed = [q for _, q, _ in crawled["requests"] if q.get("api_key") == KEY]
    assert len(keyed) >= 8  # searches and descriptions of both crawls carried it
    assert crawled["build"].returncode == 0, crawled["build"].stderr


def test_crawls_stored_notices_and_rejects(crawled):
    con = duckdb.connect(str(crawled["dir"] / "staging.duckdb"), read_only=True)
    notices = con.execute("SELECT count(*) FROM stg_sam_notices").fetchone()[0]
    rejects = con.execute("SELECT count(*) FROM rejects WHERE raw_payload IS NOT NULL").fetchone()[0]
    scope = con.execute("SELECT scope FROM crawl_runs WHERE source = 'sam'").fetchone()[0]
    con.close()
    assert notices >= 2 and rejects >= 1 and "organizations" in scope


def test_the_key_is_in_no_output(crawled):
    outputs = {
        "registry crawl sam stdout": crawled["cli"].stdout, "registry crawl sam stderr": crawled["cli"].stderr,
        "scrapy crawl stdout": crawled["scrapy"].stdout, "scrapy crawl stderr": crawled["scrapy"].stderr,
        "scrapy DEBUG log": crawled["log"].read_text(),
    }
    assert len(outputs["scrapy DEBUG log"]) > 1000  # the log is real and detailed
    for name, text in outputs.items():
        assert KEY not in text, f"the key leaked into {name}"


@pytest.mark.parametrize("db", ["staging.duckdb", "staging2.duckdb", "registry.duckdb"])
def test_the_key_is_in_no_table(crawled, db):
    text = all_text_in(crawled["dir"] / db)
    assert "sam_notices" in db or len(text) > 100
    assert KEY not in text


def test_the_key_is_in_no_file_the_runs_wrote(crawled):
    files = [p for p in crawled["dir"].rglob("*") if p.is_file()]
    assert len(files) >= 4
    for p in files:
        assert KEY.encode() not in p.read_bytes(), p
