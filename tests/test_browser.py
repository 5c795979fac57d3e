"""The dashboard in a real browser: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1.

The run's one Streamlit server, one Chromium and one tab (tests/browser_fixtures.py), for the whole module, and each page visited once: one visit checks
everything about a page (what it must show, what no page may show, and the page's own interactions), with a
failure message naming the check. The tab opens /overview as a link opens it (a new Streamlit session: the route
check); every other page is reached inside the app (dashboard_support.navigate_in_app, what a reader's click does),
because a new session costs the browser and the server several seconds a page. Only what is about opening a link
anew (the URL a page writes reopens the same view) opens a second tab. Waits are on Streamlit's own script state (dashboard_support.wait_until_idle),
never a fixed sleep. Every request that is not for 127.0.0.1 is blocked and recorded, so the tests also prove
the pages (the state map included) work offline.
Screenshots go to tests/artifacts/ (git-ignored); with UPDATE_DOC_IMAGES=1 the Map and Compare shots of
docs/dashboard-internals.md are also copied to docs/img/ (the README's page shots are docs/screenshots.py's, on the
sample).
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from tests import browser_fixtures
from tests.conftest import ROOT
from tests.dashboard_support import (
    HOSTILE_PIID,
    MORPHOTRUST_PIID,
    SCRIPT_TEXT,
    enter_until_in_url,
    navigate_in_app,
    rerun_by,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
DOC_IMAGES = ROOT / "docs" / "img"
CHART = '[data-testid="stPlotlyChart"], [data-chart] [data-value]'  # plotly: the Map's network and Sankey
PLOTLY = '[data-testid="stPlotlyChart"]'
GRID = '[data-table] table'  # dashboard/tables.py
EXPANDER = '[data-testid="stExpander"]'
VIEWPORT = browser_fixtures.VIEWPORT
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """The run's dashboard server (`streamlit run dashboard/app.py` on 127.0.0.1) reading a copy of the sample plus
    hostile/geo test records (the run's one dashboard_registry build, conftest)."""
    dashboard = browser_fixtures.serving(request, tmp_path_factory, "dashboard_registry")
    try:
        yield dashboard.base
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "page_timings.json").write_text(json.dumps(TIMINGS, indent=1))


@pytest.fixture(scope="module")
def context(request):
    """The run's one browser context (tests/browser_fixtures.py): requests leaving 127.0.0.1 blocked and recorded,
    dialogs recorded and dismissed."""
    return browser_fixtures.context(request)


@pytest.fixture(scope="module")
def tab(request):
    """The run's one tab (one Streamlit session, reused page after page and module after module)."""
    return browser_fixtures.tab(request)


@pytest.fixture()
def page(context, tab):
    """The module's tab; `page.blocked` and `page.dialogs` list what this test's tabs tried. A tab the test opened
    beside it (a shared link) is closed after the test."""
    context.blocked.clear()
    context.dialogs.clear()
    yield tab
    for p in context.pages:
        if p is not tab:
            p.close()


def open_view(page, base: str, path: str, *, wait_for: str = CHART, name: str | None = None, fresh: bool = False):
    """Show `path`: in the tab's running app, or by opening the URL (a new session) when `fresh` or when the tab has
    no app yet. Wait until the page's content (a chart by default) is drawn and its script has finished (so every
    element it shows is there), time it, screenshot it."""
    started = time.perf_counter()
    if fresh or not page.url.startswith(base):
        page.goto(base + path)
        page.wait_for_selector(wait_for, timeout=30_000)
        wait_until_idle(page)
    else:
        navigate_in_app(page, path)  # returns when the page's script has run and finished
    page.wait_for_selector(wait_for, timeout=30_000)
    page.wait_for_selector('[data-testid="stAlert"]', timeout=30_000)  # the sample banner
    TIMINGS[path if fresh else f"in the app: {path}"] = round(time.perf_counter() - started, 3)
    if name:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return page


def doc_screenshot(page, name: str, height: int = 2300) -> None:
    """A tall screenshot for docs/dashboard-internals.md (Streamlit scrolls inside its own container, so grow the viewport).

    Only when refreshing the docs (UPDATE_DOC_IMAGES=1): every test run already keeps the page's 1440x900 shot."""
    if not os.environ.get("UPDATE_DOC_IMAGES"):
        return
    page.set_viewport_size({"width": 1400, "height": height})
    page.wait_for_timeout(1200)  # charts re-layout to the new size (plotly's own resize, no script state to wait on)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"doc_{name}"))
    DOC_IMAGES.mkdir(parents=True, exist_ok=True)
    shutil.copy(ARTIFACTS / f"doc_{name}", DOC_IMAGES / name)
    page.set_viewport_size(VIEWPORT)


def h1_includes(page, text: str) -> None:
    page.wait_for_function("t => [...document.querySelectorAll('h1')].some(h => h.textContent.includes(t))",
                           arg=text, timeout=30_000)


def check_map(page, base: str) -> None:
    """The Map opens on markup only (no plotly chart, so no plotly.js): the flows as bars and the state tile map,
    which draws offline a tile for every state, shaded for the states with awards, each with its dollars. The Network tab (kept in the URL)
    draws the plotly network: with the most vendors drawn its labels do not overlap, and clicking a vendor node opens
    that vendor's profile."""
    from dashboard import geo
    from tests.dashboard_support import STATE_AWARDS

    page.wait_for_selector('[data-chart="map-states"] svg rect', timeout=30_000)
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0, "the Map's first view draws no plotly chart"
    bars = page.locator('[data-chart="map-bars"] [data-value]')
    assert bars.count() > 0 and bars.first.bounding_box()["width"] > 0, "the flows are drawn as bars"
    states = page.locator('[data-chart="map-states"]')
    states.scroll_into_view_if_needed()
    labels = states.locator("svg text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert sorted(labels) == sorted(geo.TILES), "the state tile map labels every state's tile"
    assert states.locator("svg rect").count() == len(geo.TILES), "one tile per state"
    # Shaded, with its dollars, exactly the states with awards (tests/dashboard_support.py); the rest grey.
    shaded = states.locator("g[data-value]").evaluate_all(
        "gs => gs.map(g => [g.dataset.label, Number(g.dataset.value)])")
    assert dict(shaded) == {s: float(v) for s, v in STATE_AWARDS.items()}, shaded
    assert not page.blocked, f"the map tried to fetch from the internet: {page.blocked}"
    doc_screenshot(page, "map.png")
    with rerun_by(page):
        page.get_by_role("tab", name="Network", exact=False).click()
    page.wait_for_function("location.search.includes('view=Network')", timeout=15_000)
    map_network_labels_do_not_overlap(page)
    # Clicking a vendor node opens that vendor's profile (the network's last trace holds the vendors).
    traces = page.locator(PLOTLY).first.locator(".scatterlayer .trace")
    traces.nth(traces.count() - 1).locator("path.point").first.click(force=True)
    page.wait_for_function("location.pathname.endsWith('/vendor') && location.search.includes('vendor=')",
                           timeout=30_000)
    page.wait_for_selector(GRID, timeout=30_000)


def map_network_labels_do_not_overlap(page) -> None:
    """At 1440x900 with the most vendors drawn (the Vendors box set to 60, which the page writes to the URL), the
    network's printed labels do not overlap, there are at most network.MAX_LABELS of them, and the unlabelled nodes
    still name themselves on hover."""
    from dashboard import network

    enter_until_in_url(page, page.get_by_label("Vendors", exact=True), "60", "top")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map_labels_top60.png"), full_page=True)
    chart = page.locator(PLOTLY).first
    chart.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{PLOTLY}').querySelectorAll('.textpoint text').length > 0",
                           timeout=30_000)
    boxes = chart.evaluate("""c => [...c.querySelectorAll('.scatterlayer .textpoint text')]
        .filter(t => t.textContent.trim()).map(t => { const r = t.getBoundingClientRect();
            return [t.textContent, r.left, r.top, r.right, r.bottom]; })""")
    points = chart.locator(".scatterlayer path.point").count()
    assert 0 < len(boxes) <= network.MAX_LABELS < points, ("labels, nodes at ?top=60", len(boxes), points)
    for n, (ta, l1, t1, r1, b1) in enumerate(boxes):
        for tb, l2, t2, r2, b2 in boxes[n + 1:]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"network labels overlap: {ta!r} and {tb!r}"


COMPARED = ("Palantir Technologies", "BABEL STREET, INC.", "CLEARVIEW AI, INC.")


def check_compare(page, base: str) -> None:
    """The three analytics vendors side by side, and the URL the page writes reopens the same comparison."""
    for name in COMPARED:
        assert page.get_by_text(name, exact=True).first.is_visible(), f"{name} is compared"
    doc_screenshot(page, "compare.png")
    # The URL the page wrote is the URL a reader copies: reopening it gives the same vendors.
    page.wait_for_function("location.search.includes('v=')", timeout=15_000)
    shared = page.url
    assert "v=v%3Apalantir" in shared or "v=v:palantir" in shared, shared
    again = page.context.new_page()
    again.goto(shared)
    again.wait_for_selector(CHART, timeout=30_000)
    wait_until_idle(again)
    for name in COMPARED:
        assert again.get_by_text(name, exact=True).first.is_visible(), f"the shared link {shared} compares {name}"


def check_vendor(page, base: str) -> None:
    """The profile's tab and its vendor choice are both written to the URL, and a copied link reopens them both."""
    with rerun_by(page):  # the tab's rerun finishes before the keystrokes below (a rerun drawing would swallow them)
        page.get_by_role("tab", name="Agencies").click()
    page.wait_for_function("location.search.includes('tab=')", timeout=15_000)
    # Choosing another vendor in the widget rewrites the URL (the tab stays where the reader put it).
    page.get_by_label("Vendor", exact=True).click()
    page.keyboard.type("CLEARVIEW")
    started = time.perf_counter()
    with rerun_by(page):
        page.keyboard.press("Enter")
    page.wait_for_function("location.search.includes('clearview')", timeout=30_000)
    h1_includes(page, "CLEARVIEW")
    TIMINGS["widget change: vendor select -> new profile drawn"] = round(time.perf_counter() - started, 3)
    url = page.url
    assert "tab=" in url, f"the vendor change dropped the tab from the URL: {url}"
    shared = page.context.new_page()  # a shared link reopens the same vendor on the same tab
    shared.goto(url)
    shared.wait_for_selector("h1", timeout=30_000)
    h1_includes(shared, "CLEARVIEW")
    shared.get_by_role("tab", name="Agencies").wait_for(timeout=30_000)
    shared.wait_for_function("[...document.querySelectorAll('[role=tab]')].some("
                             "t => t.innerText.trim() === 'Agencies' && t.getAttribute('aria-selected') === 'true')",
                             timeout=15_000)
    assert shared.get_by_role("tab", name="Awards").get_attribute("aria-selected") == "false", url


def check_search(page, base: str) -> None:
    """A search in the URL fills the search box."""
    assert page.locator('input[aria-label^="Search awards"]').input_value() == "ImmigrationOS"


PAGE_CHECKS = {"map": check_map, "compare": check_compare, "vendor": check_vendor, "search": check_search}

# Every page, its URL, what shows it is drawn, and a text it must show, in the order the tab visits them.
PAGES = [
    ("overview", "/overview", CHART, "Top vendors"),  # the /overview route, not only "/", opens the overview
    ("vendor", "/vendor?vendor=v:palantir", GRID, "Palantir Technologies"),
    ("map", "/map", CHART, "surveillance-tagged awards from"),  # its check ends on another vendor's profile
    ("compare", "/compare", CHART, "Compare vendors"),
    ("agency", "/agency?agency=sub:7012", GRID, "U.S. Immigration and Customs Enforcement"),  # charts: in tabs
    ("award", "/award?award=70CTD022FR0000170", CHART, "Award 70CTD022FR0000170"),
    ("search", "/search?q=ImmigrationOS", GRID, "obligated in all"),  # the total of every match
    ("methods", "/methods", EXPANDER, "Capability taxonomy"),
]


@pytest.mark.parametrize(("name", "path", "wait_for", "text"), PAGES, ids=[p[0] for p in PAGES])
def test_page(server, page, name, path, wait_for, text):
    """Each page visited once on a 1440x900 screen (the overview by opening /overview, the rest inside the app): it
    draws its content and shows its text and the sample banner; it shows no "00:00:00", no "Page not found", no
    Deploy button and no exception; nothing leaves 127.0.0.1. Then the page's own checks (PAGE_CHECKS) on the same
    visit. Screenshot: tests/artifacts/ (the README's are docs/screenshots.py's, on the sample itself)."""
    open_view(page, server, path, wait_for=wait_for, fresh=name == "overview")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"page_{name}_1440x900.png"
    page.screenshot(path=str(shot))
    body = page.locator("body").inner_text()
    checks = {
        f"shows {text!r}": page.get_by_text(text, exact=False).first.is_visible(),
        "shows the sample banner": page.get_by_text("Sample data", exact=False).first.is_visible(),
        'no date shows a midnight time ("00:00:00")': "00:00:00" not in body,
        'the route opens its page, not "Page not found"': "Page not found" not in body,
        "no Deploy button (client.toolbarMode)": page.locator('[data-testid="stAppDeployButton"]').count() == 0,
        "no exception box": page.locator('[data-testid="stException"]').count() == 0,
        f"no request leaves 127.0.0.1 {page.blocked}": not page.blocked,
    }
    failed = [check for check, ok in checks.items() if not ok]
    assert not failed, f"{path}: " + "; ".join(failed)
    if name in PAGE_CHECKS:
        PAGE_CHECKS[name](page, server)


def test_hostile_record_is_inert(server, page):
    """The record whose description is a <script> and whose link is javascript: shows both as text."""
    open_view(page, server, f"/award?award={HOSTILE_PIID}", wait_for=CHART, name="hostile_award")
    page.wait_for_timeout(500)  # a dialog the page let through would have fired by now (the script is done)
    assert page.dialogs == [], f"a dialog fired: {page.dialogs}"
    assert page.get_by_text("<script>alert(1)</script>", exact=False).first.is_visible(), \
        "the description is shown as text"
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], hrefs
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert SCRIPT_TEXT.startswith("<script>")
    # (The same text found through search stays inert too: the "<script>" search in SEARCHES.)


NO_MATCH = "No award matches"
# What a reporter types, and what the best match line must name (facts of the records: the order that funds
# ImmigrationOS, the test record under IDEMIA's former name MorphoTrust, awards whose text holds the words), or
# NO_MATCH. The SQL injection finds nothing and changes nothing (that the awards table is unchanged afterwards is
# checked through the registry in test_dashboard_pages.py); the hostile record's text stays inert when found.
SEARCHES = [
    ("ImmigrationOS", "70CTD022FR0000170"),
    ("IDEMIA", MORPHOTRUST_PIID),
    ("OSINT", "OPEN SOURCE"),
    ("social-media", "SOCIAL"),
    ('"license plate reader"', "LICENSE PLATE"),
    ("Lexis", "RELX"),
    ("'; DROP TABLE awards; --", NO_MATCH),
    ("<script>", HOSTILE_PIID),
]


def test_search_finds_the_right_award(server, page):
    """Each search typed in turn into one search page; every failing search is named, not only the first."""
    open_view(page, server, "/search", wait_for='[data-testid="stTextInput"]')
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    failures = []
    for typed, expected in SEARCHES:
        # typed into the search box (not the URL); the page writes what it searched to the URL's q
        enter_until_in_url(page, page.locator('input[aria-label^="Search awards"]'), typed, "q")
        known = len(failures)
        if page.locator('[data-testid="stException"]').count():
            failures.append(f"{typed!r}: an exception box")
        elif expected == NO_MATCH:
            if not page.get_by_text(NO_MATCH, exact=False).first.is_visible():
                failures.append(f"{typed!r}: no {NO_MATCH!r} message")
        else:
            best = page.get_by_text("Best match:", exact=False)
            line = best.first.inner_text() if best.count() else "(no best match line)"
            if expected not in line.upper():
                failures.append(f"{typed!r}: the best match is not {expected!r}: {line}")
            if not page.get_by_text("obligated in all", exact=False).first.is_visible():
                failures.append(f"{typed!r}: no total of every match")
        if page.dialogs:
            failures.append(f"{typed!r}: a dialog fired: {page.dialogs}")
        if len(failures) > known or typed == "ImmigrationOS":  # the README's walkthrough search, and every failure
            page.screenshot(path=str(ARTIFACTS / f"search_{''.join(c if c.isalnum() else '_' for c in typed)}.png"))
    assert not failures, "\n".join(failures)
    assert not page.blocked
