"""The dashboard in a real browser: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1.

One Streamlit server and one browser for the whole module. Every request that is not for 127.0.0.1 is
blocked and recorded, so the tests also prove the pages (the state map included) work offline.
Screenshots go to tests/artifacts/ (git-ignored); the map and compare shots are also saved to docs/img/.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.dashboard_support import (
    HOSTILE_PIID,
    MORPHOTRUST_PIID,
    SCRIPT_TEXT,
    build_dashboard_registry,
    free_port,
    running_dashboard,
)

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
DOC_IMAGES = ROOT / "docs" / "img"
CHART = '[data-testid="stPlotlyChart"]'
GRID = '[data-testid="stDataFrame"]'
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def server(sample_registry, tmp_path_factory):
    """`streamlit run dashboard/app.py` on 127.0.0.1 over the sample plus hostile/geo test records."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)")
    registry = build_dashboard_registry(sample_registry, tmp_path_factory.mktemp("browser_registry"))
    port = free_port()
    env = dict(os.environ, REGISTRY_PATH=str(registry))
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    try:
        with running_dashboard(cmd, env, tmp_path_factory.mktemp("streamlit_log") / "streamlit.log", port) as base:
            yield base
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "page_timings.json").write_text(json.dumps(TIMINGS, indent=1))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module (its HTTP cache keeps Streamlit's JavaScript between pages).

    Every request that leaves 127.0.0.1 is blocked and recorded; every dialog is recorded and dismissed.
    """
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.blocked, ctx.dialogs = [], []

    def route(r):
        if urlsplit(r.request.url).hostname in ("127.0.0.1", None) or r.request.url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            ctx.blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    ctx.on("page", lambda p: p.on("dialog", lambda d: (ctx.dialogs.append(d.message), d.dismiss())))
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    """A fresh tab; `page.blocked` and `page.dialogs` list what this test's tabs tried."""
    context.blocked.clear()
    context.dialogs.clear()
    pg = context.new_page()
    pg.blocked, pg.dialogs = context.blocked, context.dialogs
    yield pg
    for p in context.pages:
        p.close()


def open_view(page, base: str, path: str, *, wait_for: str = CHART, name: str | None = None):
    """Open a URL, wait until the page's content (a chart by default) is drawn, time it, screenshot it."""
    started = time.perf_counter()
    page.goto(base + path)
    page.wait_for_selector(wait_for, timeout=30_000)
    page.wait_for_selector('[data-testid="stAlert"]', timeout=30_000)  # the sample banner
    TIMINGS[path] = round(time.perf_counter() - started, 3)
    page.wait_for_timeout(600)  # let plotly finish its transitions before the screenshot
    if name:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return page


def doc_screenshot(page, name: str, height: int = 2300) -> None:
    """A tall screenshot for docs/dashboard-internals.md (Streamlit scrolls inside its own container, so grow the viewport)."""
    page.set_viewport_size({"width": 1400, "height": height})
    page.wait_for_timeout(1200)  # charts re-layout to the new size
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"doc_{name}"))
    if os.environ.get("UPDATE_DOC_IMAGES"):  # refresh the docs screenshots on purpose, never as a side effect
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(ARTIFACTS / f"doc_{name}", DOC_IMAGES / name)
    page.set_viewport_size({"width": 1400, "height": 1000})


PAGES = [
    ("overview", "/", "Top vendors"),
    ("vendor", "/vendor?vendor=v:palantir", "Palantir Technologies"),
    ("agency", "/agency?agency=sub:7012", "U.S. Immigration and Customs Enforcement"),
    ("award", "/award?award=70CTD022FR0000170", "Award 70CTD022FR0000170"),
]


@pytest.mark.parametrize(("name", "path", "text"), PAGES)
def test_page_draws_its_chart(server, page, name, path, text):
    open_view(page, server, path, name=name, wait_for=GRID if name == "vendor" else CHART)
    assert page.get_by_text(text, exact=False).first.is_visible()
    assert page.get_by_text("Sample data", exact=False).first.is_visible()
    assert not page.blocked, f"requests left 127.0.0.1: {page.blocked}"


def test_search_and_methods_pages(server, page):
    open_view(page, server, "/search?q=license%20plate", wait_for='[data-testid="stDataFrame"]', name="search")
    assert page.locator('input[aria-label^="Search awards"]').input_value() == "license plate"
    assert page.get_by_text("awards match", exact=False).first.is_visible()
    open_view(page, server, "/methods", wait_for='[data-testid="stExpander"]', name="methods")
    assert page.get_by_text("Capability taxonomy").is_visible()
    assert not page.blocked


def test_map_draws_offline(server, page):
    open_view(page, server, "/map", name="map")
    page.wait_for_function(f"document.querySelectorAll('{CHART}').length >= 2", timeout=30_000)
    states = page.locator(CHART).last
    states.scroll_into_view_if_needed()
    # The state tile map: a plotly scatter whose tiles are labelled with state codes, TX among those with data.
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot text')]"
                           ".some(t => t.textContent === 'TX')", timeout=30_000)
    assert states.locator("path.point").count() >= 51
    assert not page.blocked, f"the map tried to fetch from the internet: {page.blocked}"
    doc_screenshot(page, "map.png")
    # Clicking a vendor node opens that vendor's profile (the network's last trace holds the vendors).
    traces = page.locator(CHART).first.locator(".scatterlayer .trace")
    traces.nth(traces.count() - 1).locator("path.point").first.click(force=True)
    page.wait_for_function("location.pathname.endsWith('/vendor') && location.search.includes('vendor=')",
                           timeout=30_000)
    page.wait_for_selector(GRID, timeout=30_000)


def test_map_network_labels_do_not_overlap(server, page):
    """At 1440x900 with the most vendors drawn (?top=60), the network's printed labels do not overlap, there are
    at most network.MAX_LABELS of them, and the unlabelled nodes still name themselves on hover."""
    from dashboard import network

    page.set_viewport_size({"width": 1440, "height": 900})
    open_view(page, server, "/map?top=60", name="map_labels_top60")
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector('{CHART}').querySelectorAll('.textpoint text').length > 0",
                           timeout=30_000)
    boxes = chart.evaluate("""c => [...c.querySelectorAll('.scatterlayer .textpoint text')]
        .filter(t => t.textContent.trim()).map(t => { const r = t.getBoundingClientRect();
            return [t.textContent, r.left, r.top, r.right, r.bottom]; })""")
    points = chart.locator(".scatterlayer path.point").count()
    assert 0 < len(boxes) <= network.MAX_LABELS < points, (len(boxes), points)
    for n, (ta, l1, t1, r1, b1) in enumerate(boxes):
        for tb, l2, t2, r2, b2 in boxes[n + 1:]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"labels overlap: {ta!r} and {tb!r}"
    assert not page.blocked


def test_compare_url_round_trip(server, page):
    open_view(page, server, "/compare?v=v:palantir&v=v:babel-street&v=v:clearview-ai", name="compare")
    for name in ("Palantir Technologies", "BABEL STREET, INC.", "CLEARVIEW AI, INC."):
        assert page.get_by_text(name, exact=True).first.is_visible()
    doc_screenshot(page, "compare.png")
    # The URL the page wrote is the URL a reader copies: reopening it gives the same vendors.
    shared = page.url
    assert "v=v%3Apalantir" in shared or "v=v:palantir" in shared
    again = page.context.new_page()
    again.goto(shared)
    again.wait_for_selector(CHART, timeout=30_000)
    for name in ("Palantir Technologies", "BABEL STREET, INC.", "CLEARVIEW AI, INC."):
        assert again.get_by_text(name, exact=True).first.is_visible()


def test_widget_change_is_written_to_the_url(server, page):
    open_view(page, server, "/vendor?vendor=v:palantir", wait_for=GRID)
    page.get_by_label("Vendor", exact=True).click()
    page.keyboard.type("CLEARVIEW")
    started = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function("location.search.includes('clearview') && [...document.querySelectorAll('h1')]"
                           ".some(h => h.textContent.includes('CLEARVIEW'))", timeout=30_000)
    TIMINGS["widget change: vendor select -> new profile drawn"] = round(time.perf_counter() - started, 3)
    url = page.url
    fresh = page.context.new_page()
    fresh.goto(url)
    fresh.wait_for_selector("h1", timeout=30_000)
    fresh.wait_for_function("[...document.querySelectorAll('h1')].some(h => h.textContent.includes('CLEARVIEW'))",
                            timeout=30_000)


def test_hostile_record_is_inert(server, page):
    open_view(page, server, f"/award?award={HOSTILE_PIID}", wait_for=CHART, name="hostile_award")
    page.wait_for_timeout(1000)
    assert page.dialogs == [], f"a dialog fired: {page.dialogs}"
    assert page.get_by_text("<script>alert(1)</script>", exact=False).first.is_visible(), \
        "the description is shown as text"
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], hrefs
    assert page.locator("script", has_text="alert(1)").count() == 0
    # The same text through search: still inert.
    open_view(page, server, "/search?q=%3Cscript%3E", wait_for='[data-testid="stDataFrame"]')
    page.wait_for_timeout(800)
    assert page.dialogs == []
    assert SCRIPT_TEXT.startswith("<script>")


def test_sql_injection_search_changes_nothing(server, page):
    open_view(page, server, "/search?q=%27%3B%20DROP%20TABLE%20awards%3B%20--", wait_for='[data-testid="stAlert"]')
    page.get_by_text("No award matches", exact=False).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # (That the awards table is unchanged afterwards is checked through the registry in test_dashboard_pages.py.)


# What a reporter types, and the award it must find first (facts of the records: the order that funds
# ImmigrationOS, the test record under IDEMIA's former name MorphoTrust, awards whose text holds the words).
SEARCHES = [
    ("ImmigrationOS", "70CTD022FR0000170"),
    ("IDEMIA", MORPHOTRUST_PIID),
    ("OSINT", None),
    ("social-media", None),
    ('"license plate reader"', None),
    ("Lexis", None),
]
SEARCH_TEXT_EXPECTED = {"OSINT": "OPEN SOURCE", "social-media": "SOCIAL", '"license plate reader"': "LICENSE PLATE",
                        "Lexis": "RELX"}


@pytest.mark.parametrize(("typed", "piid"), SEARCHES)
def test_search_finds_the_right_award(server, page, typed, piid):
    """Typed into the search box (not the URL), Enter, then the best match line names the right award."""
    open_view(page, server, "/search", wait_for='[data-testid="stTextInput"]')
    box = page.locator('input[aria-label^="Search awards"]')
    box.fill(typed)
    box.press("Enter")
    best = page.get_by_text("Best match:", exact=False).first
    best.wait_for(timeout=30_000)
    line = best.inner_text()
    if piid:
        assert piid in line, line
    else:
        assert SEARCH_TEXT_EXPECTED[typed] in line.upper(), line
    assert page.get_by_text("obligated in all", exact=False).first.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search_{typed.strip(chr(34)).replace(' ', '_')}.png"))
    assert not page.blocked


def test_overview_route_opens_the_overview_without_developer_leftovers(server, page):
    open_view(page, server, "/overview")
    assert page.get_by_text("Top vendors").first.is_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0, "no Deploy button (toolbarMode)"


def test_vendor_tab_is_kept_in_the_url(server, page):
    open_view(page, server, "/vendor?vendor=v:palantir", wait_for=GRID)
    page.get_by_role("tab", name="Agencies").click()
    page.wait_for_function("location.search.includes('tab=')", timeout=15_000)
    url = page.url
    page.goto(url)  # a shared link reopens the same tab
    selected = page.get_by_role("tab", name="Agencies")
    selected.wait_for(timeout=30_000)
    page.wait_for_function("[...document.querySelectorAll('[role=tab]')].some("
                           "t => t.innerText.trim() === 'Agencies' && t.getAttribute('aria-selected') === 'true')",
                           timeout=15_000)
    assert page.get_by_role("tab", name="Awards").get_attribute("aria-selected") == "false", url


SCREENS = [("overview", "/", CHART), ("map", "/map", CHART), ("vendor", "/vendor?vendor=v:palantir", GRID),
           ("compare", "/compare", CHART), ("agency", "/agency?agency=sub:7012", CHART),
           ("award", "/award?award=70CTD022FR0000170", CHART), ("search", "/search?q=ImmigrationOS", GRID),
           ("methods", "/methods", '[data-testid="stExpander"]')]


@pytest.mark.parametrize(("name", "path", "wait_for"), SCREENS)
def test_page_at_1440x900_has_no_midnight_times(server, page, name, path, wait_for):
    """Each page on a 1440x900 screen: screenshot (docs/img with UPDATE_DOC_IMAGES=1), no "00:00:00" anywhere."""
    page.set_viewport_size({"width": 1440, "height": 900})
    open_view(page, server, path, wait_for=wait_for)
    page.wait_for_timeout(800)
    assert "00:00:00" not in page.locator("body").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"page_{name}_1440x900.png"
    page.screenshot(path=str(shot))
    if os.environ.get("UPDATE_DOC_IMAGES"):
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOC_IMAGES / f"page_{name}_1440x900.png")
