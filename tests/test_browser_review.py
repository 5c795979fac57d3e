"""The review loop in a real browser: `registry dashboard --review` in Chromium, a reviewer confirms a possible
award, the annotation lands in the annotations file, and after a rebuild the award is tagged with it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from registry.core import paths
from tests.conftest import REGISTRY_BIN, ROOT
from tests.dashboard_support import fill_until_kept, free_port, running_dashboard

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture()
def review_server(sample_registry, tmp_path):
    """The CLI's own `registry dashboard --review`, writing a copy of data/ (never the repository's file)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)")
    data = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("sample"))
    port = free_port()
    cmd = [REGISTRY_BIN, "dashboard", "--review", "--annotations", str(data / "annotations.yaml"),
           "--db", str(sample_registry), "--port", str(port)]
    with running_dashboard(cmd, dict(os.environ, REGISTRY_REVIEWER="Test Reviewer"), tmp_path / "dashboard.log",
                           port) as base:
        yield base, data


def test_confirming_a_possible_award_tags_it_after_a_rebuild(review_server, sample_registry, tmp_path):
    from playwright.sync_api import sync_playwright

    base, data = review_server
    con = duckdb.connect(str(sample_registry), read_only=True)
    first = con.execute("SELECT award_key, piid, capability_id FROM review_queue "
                        "ORDER BY priority DESC NULLS LAST, award_key, capability_id LIMIT 1").fetchone()
    staging = con.execute("SELECT value FROM registry_meta WHERE key = 'staging'").fetchone()[0]
    assert con.execute("SELECT count(*) FROM award_capabilities WHERE award_key = ? AND capability_id = ? "
                       "AND tier = 'tagged'", first[::2]).fetchone()[0] == 0, "the queue must list possible pairs"
    con.close()
    assert first, "the sample's review queue is empty"
    award_key, piid, capability = first
    before = (data / "annotations.yaml").read_text()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/review")
        page.wait_for_selector("text=possible tags", timeout=30_000)
        # the page lists the queue in the view's order: the first card is the first pair
        page.wait_for_selector(f"text={piid}", timeout=30_000)
        fill_until_kept(page, "Reason (what in the record shows it)", "Browser test: the record names it")
        page.get_by_role("button", name="Confirm").first.click()
        try:
            # the page answers with the confirmation or with an error saying why not; either ends the wait
            page.wait_for_function(
                "() => document.body.innerText.includes('it takes effect at the next')"
                " || document.querySelector('[data-testid=\"stAlertContentError\"]')",
                timeout=90_000)
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "review_after_click.png"), full_page=True)
        errors = page.locator('[data-testid="stAlertContentError"]')
        assert errors.count() == 0, f"the review page refused the decision: {errors.first.inner_text()}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review_confirmed.png"), full_page=True)
        browser.close()

    after = (data / "annotations.yaml").read_text()
    assert after.startswith(before)
    entry = yaml.safe_load(after)["annotations"][-1]
    assert (entry["award_key"], entry["capability"], entry["action"], entry["reviewer"]) == (
        award_key, capability, "add", "Test Reviewer")

    from registry import build as build_mod

    out = tmp_path / "rebuilt.duckdb"
    build_mod.build(staging, out, is_sample=True, data_dir=data)
    con = duckdb.connect(str(out), read_only=True)
    rows = con.execute("SELECT tier, method, matched_text FROM award_capabilities WHERE award_key = ? "
                       "AND capability_id = ?", [award_key, capability]).fetchall()
    queued = con.execute("SELECT count(*) FROM review_queue WHERE award_key = ? AND capability_id = ?",
                         [award_key, capability]).fetchone()[0]
    con.close()
    assert ("tagged", "annotation", "Browser test: the record names it") in rows
    assert queued == 0, "a decided pair leaves the queue"
