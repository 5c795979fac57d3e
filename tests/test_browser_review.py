"""The review loop and a rebuild under an open session, in a real browser: the dashboard in review mode in Chromium.

A reviewer confirms a possible award and the annotation lands in the annotations file. Then the registry the
dashboard serves is rebuilt underneath the open session (issue 9: the build replaces registry.duckdb with an atomic
rename, and dashboard/db.py keys its read-only connection on the file's identity): the server answers its health
check all along, the same session without a reload shows the rebuilt registry's numbers on its next rerun, and the
rebuilt registry tags the confirmed award. The same build shows how the full-text index folder beside the registry
is swapped: a new folder, the replaced file's kept for the readers that hold it, every older one removed. The run's
one server (in review mode, as `registry dashboard --review` starts it) and one browser (tests/browser_fixtures.py),
and one build, serve these stories (reruns across many rebuilds and concurrent sessions are checked headless in
tests/test_faults_dashboard.py; the CLI's --review flag in tests/test_dashboard_cli.py).
"""

from __future__ import annotations

import shutil
import threading
import time
import urllib.request

import duckdb
import pytest
import yaml

from registry import fulltext
from tests import browser_fixtures
from tests.conftest import ROOT
from tests.dashboard_support import (
    REMOVED,
    fill_until_kept,
    navigate_in_app,
    rerun_by,
    staging_with_fewer_awards,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
RELIABILITY = ARTIFACTS / "reliability"  # docs/reliability.md points here
METRIC = '[data-testid="stMetricValue"]'
IMMIGRATIONOS_ORDER = "70CTD022FR0000170"  # the order that funds ImmigrationOS: the search below must find it


@pytest.fixture()
def review_server(request, tmp_path_factory):
    """The run's dashboard server in review mode (tests/browser_fixtures.py) reading a copy of the sample registry
    (rebuilt by the test); its review page writes a copy of data/ (never the repository's file)."""
    dashboard = browser_fixtures.serving(request, tmp_path_factory, "sample_registry")
    return {"base": dashboard.base, "port": dashboard.port, "data": dashboard.data, "live": dashboard.registry}


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:  # noqa: S310
            return r.status
    except OSError:
        return 0


def test_confirming_a_possible_award_tags_it_after_a_rebuild_under_the_open_session(request, review_server,
                                                                                    sample_registry, tmp_path):
    from registry import build as build_mod

    base, data, live, port = (review_server[k] for k in ("base", "data", "live", "port"))
    con = duckdb.connect(str(live), read_only=True)
    first = con.execute("SELECT award_key, piid, capability_id FROM review_queue "
                        "ORDER BY priority DESC NULLS LAST, award_key, capability_id LIMIT 1").fetchone()
    awards = con.execute("SELECT count(*) FROM awards").fetchone()[0]
    (immigrationos_key,) = con.execute("SELECT award_key FROM awards WHERE piid = ?", [IMMIGRATIONOS_ORDER]).fetchone()
    assert first, "the sample's review queue is empty"
    assert con.execute("SELECT count(*) FROM award_capabilities WHERE award_key = ? AND capability_id = ? "
                       "AND tier = 'tagged'", first[::2]).fetchone()[0] == 0, "the queue must list possible pairs"
    con.close()
    award_key, piid, capability = first
    before = (data / "annotations.yaml").read_text()
    # registry B: the sample less REMOVED awards (never the one reviewed, nor the order that funds ImmigrationOS,
    # searched for below), so the rebuild shows in the award count
    staging_b = staging_with_fewer_awards(sample_registry, tmp_path / "staging-b.duckdb",
                                          keep=(award_key, immigrationos_key))
    # The full-text index folders beside the served file: the one it names, and one an older build left (a copy
    # under an older build's name; the folders of registries served before this one may be there too).
    index_before = fulltext.previous_index(live)
    older = f"{live.name}.fts-20000101T000000-1"
    shutil.copytree(live.parent / index_before, live.parent / older)
    RELIABILITY.mkdir(parents=True, exist_ok=True)

    page = browser_fixtures.tab(request)  # the run's one tab: a new session if it has none yet
    if page.url.startswith(base):
        navigate_in_app(page, "/review")
    else:
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
        page.screenshot(path=str(ARTIFACTS / "review_after_click.png"), full_page=True)
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, f"the review page refused the decision: {errors.first.inner_text()}"
    page.screenshot(path=str(ARTIFACTS / "review_confirmed.png"), full_page=True)

    # the same session (no reload) opens the Overview from the sidebar: registry A's award count
    wait_until_idle(page)
    with rerun_by(page):  # the page's script is done: the radio clicked below is the one it keeps
        page.locator('[data-testid="stSidebarNav"] a', has_text="Overview").first.click()
    page.wait_for_selector(METRIC, timeout=30_000)
    assert page.locator(METRIC).first.inner_text() == f"{awards:,}", "the Overview before the rebuild"
    page.screenshot(path=str(RELIABILITY / "dashboard-before-rebuild.png"))

    # rebuild underneath the open session (registry B, with the new annotation); the server answers its
    # health check all along
    outcome: dict = {}

    def rebuild() -> None:
        try:
            build_mod.build(staging_b, live, is_sample=True, data_dir=data)
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            outcome["error"] = e

    builder = threading.Thread(target=rebuild, daemon=True)
    builder.start()
    checks = []
    while builder.is_alive():
        checks.append(health(port))
        time.sleep(0.1)
    builder.join()
    assert "error" not in outcome, f"the rebuild failed: {outcome.get('error')!r}"
    assert checks and set(checks) == {200}, f"the health check failed during the rebuild: {set(checks)}"
    # A build into a path where a registry already is: the new file names its own new index folder, the folder the
    # replaced file named is kept (this server's sessions may still hold it), and every older folder is removed.
    index_after = fulltext.previous_index(live)
    assert index_after not in (index_before, older)
    folders = sorted(p.name for p in live.parent.glob(f"{live.name}.fts-*"))
    assert folders == sorted([index_before, index_after]), "the newest and the one a running reader may hold"
    hits, _ = fulltext.Searcher(live.parent / index_after).search(IMMIGRATIONOS_ORDER)
    assert hits and IMMIGRATIONOS_ORDER in hits[0][0]

    # the same session (no reload): a widget interaction reruns the page on the new registry
    with rerun_by(page):  # the rerun ran and finished drawing
        page.get_by_text("All awards", exact=True).first.click()
    page.wait_for_url("**scope=all**", timeout=30_000)  # ...and the page wrote its state
    page.screenshot(path=str(RELIABILITY / "dashboard-after-rebuild.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    shown = page.locator(METRIC).first.inner_text()
    assert shown == f"{awards - REMOVED:,}", f"after the rebuild the session still shows {shown} awards"

    after = (data / "annotations.yaml").read_text()
    assert after.startswith(before)
    entry = yaml.safe_load(after)["annotations"][-1]
    assert (entry["award_key"], entry["capability"], entry["action"], entry["reviewer"]) == (
        award_key, capability, "add", browser_fixtures.REVIEWER)
    con = duckdb.connect(str(live), read_only=True)
    rows = con.execute("SELECT tier, method, matched_text FROM award_capabilities WHERE award_key = ? "
                       "AND capability_id = ?", [award_key, capability]).fetchall()
    queued = con.execute("SELECT count(*) FROM review_queue WHERE award_key = ? AND capability_id = ?",
                         [award_key, capability]).fetchone()[0]
    con.close()
    assert ("tagged", "annotation", "Browser test: the record names it") in rows
    assert queued == 0, "a decided pair leaves the queue"
