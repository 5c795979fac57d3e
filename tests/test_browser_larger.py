"""Acceptance on a larger real registry: the bundled sample plus the real ICE Minnesota award download
(about 2,300 awards) and the real AI use-case inventories (conftest.py's model_registry, built once per run for the
model tests too), in Chromium. Every total a page shows equals the SQL total over the same filters, and the
search export holds every match, not the rows one page shows. The run's one tab (tests/browser_fixtures.py): the pages are
reached inside the app (as in tests/test_browser.py) after the server's registry is swapped for this one.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from dashboard import format as fmt
from registry.core.readonly import connect_readonly
from tests import browser_fixtures
from tests.test_browser import GRID, context, open_view, page, tab  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(request, tmp_path_factory):
    """The run's dashboard server (tests/browser_fixtures.py) reading a copy of the run's larger registry."""
    dashboard = browser_fixtures.serving(request, tmp_path_factory, "model_registry")
    return {"base": dashboard.base, "registry": dashboard.registry}


@pytest.fixture(scope="module")
def server(served):
    return served["base"]


@pytest.fixture(scope="module")
def larger(served):
    return served["registry"]


def sql(registry, statement: str, params=()) -> tuple:
    con = connect_readonly(registry)
    try:
        return con.execute(statement, list(params)).fetchone()
    finally:
        con.close()


TAGGED = "SELECT DISTINCT award_key FROM counted_capabilities"


# The Overview and Map first: the tab may still be on the previous module's Search, whose box keeps its text
# when the tab moves to Search again (the same page in the same session).
def test_overview_and_map_agree_with_sql(server, page, larger):  # noqa: F811
    n, total = sql(larger, f"SELECT count(*), sum(obligated_amount) FROM awards WHERE award_key IN ({TAGGED})")
    everything = sql(larger, "SELECT sum(obligated_amount) FROM awards")[0]
    open_view(page, server, "/", name="larger_overview")
    body = page.locator("body").inner_text()
    assert f"Surveillance-tagged: {n:,} awards" in body
    metrics = page.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any(m.startswith("Surveillance-tagged") and fmt.money(total) in m for m in metrics), metrics
    assert any(m.startswith("Obligated (all awards)") and fmt.money(everything) in m for m in metrics), metrics
    # the Map over all years counts the same awards once (by their actions dated in the registry's years)
    dated, in_years = sql(larger, f"SELECT count(DISTINCT award_key), sum(obligated) FROM award_years "
                                  f"WHERE award_key IN ({TAGGED})")
    undated, undated_total = sql(larger, f"SELECT count(*), sum(obligated_amount) FROM awards WHERE award_key IN "
                                         f"({TAGGED}) AND award_key NOT IN (SELECT award_key FROM award_years)")
    assert undated > 0, "the award-summary download has awards with no dated action"
    gap = sql(larger, f"""SELECT sum(a.obligated_amount - y.s) FROM awards a JOIN (SELECT award_key, sum(obligated)
                          AS s FROM award_years GROUP BY 1) y USING (award_key) WHERE a.award_key IN ({TAGGED})""")[0]
    assert dated + undated == n and in_years + undated_total + gap == total, "the Map and the rest reconcile"
    open_view(page, server, "/map", name="larger_map")
    line = page.get_by_text("surveillance-tagged awards from", exact=False).first.inner_text()
    assert f"{dated:,} surveillance-tagged awards" in line and fmt.money(in_years) in line, line
    note = page.get_by_text("Not on the map", exact=False).first.inner_text()
    assert f"{undated:,} surveillance-tagged awards ({fmt.money(undated_total)})" in note, note
    assert f"and {fmt.money(gap)} of reported award totals" in note, note
    assert not page.blocked


def test_search_total_and_export_cover_every_match(server, page, larger):  # noqa: F811
    n, total = sql(larger, "SELECT count(*), sum(obligated_amount) FROM awards")
    assert n > 2000
    open_view(page, server, "/search", wait_for=GRID)
    line = page.get_by_text("awards match", exact=False).first.inner_text()
    assert f"{n:,} awards match" in line and fmt.money(total) in line, line
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name=re.compile(r"^CSV \(")).first.click()
    rows = list(csv.DictReader(io.StringIO(open(dl.value.path(), encoding="utf-8").read())))
    assert len(rows) == n, "the export holds every match"
    assert sum(Decimal(r["obligated_amount"] or "0") for r in rows).quantize(Decimal("0.01")) == total
