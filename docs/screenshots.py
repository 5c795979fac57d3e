"""Re-take the README's screenshots (the three walk-throughs and every page) at 1440x900 from a running dashboard (Playwright + Debian's Chromium).

Why a script and not a test: a screenshot is a picture for people, not an assertion; re-take it after a dashboard
change, look at it, and commit it. Every request that leaves the dashboard's host is blocked, as in the browser
tests, so the pictures show what an offline machine shows.

    .venv/bin/registry build --sample && .venv/bin/registry dashboard --port 8599 &
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8599
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parent / "img"
# file, path and query, text scrolled to the top of the picture, tabs to click first
SHOTS = [
    ("immigrationos.png", "/award?award=70CTD022FR0000170", "Capability evidence", []),  # the tabs, then the chart
    ("facial-recognition.png", "/map?cap=biometrics", "Map: who sells", ["Sankey: agency"]),
    ("analytics-vendors.png", "/compare?v=v:palantir&v=v:relx&v=v:thomson-reuters", "Pick two to four vendors", []),
]
# Every page as it opens, at the top: docs/img/page_<name>_1440x900.png (README "All pages at 1440x900").
PAGES = [
    ("overview", "/"), ("map", "/map"), ("vendor", "/vendor?vendor=v:palantir"),
    ("compare", "/compare?v=v:palantir&v=v:relx&v=v:thomson-reuters"), ("agency", "/agency?agency=sub:7012"),
    ("award", "/award?award=70CTD022FR0000170"), ("search", "/search?q=ImmigrationOS"), ("review", "/review"),
    ("methods", "/methods"),
]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def main(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
        for name, path, anchor, tabs in SHOTS:
            page.goto(base + path, timeout=60_000)
            page.wait_for_selector('[data-testid="stPlotlyChart"], [data-chart], '
                                   '[data-table]', timeout=60_000)
            page.wait_for_timeout(4000)  # the page's remaining elements and charts settle
            for tab in tabs:
                page.get_by_text(tab, exact=False).first.click()
                page.wait_for_timeout(3000)
            page.get_by_text(anchor, exact=False).first.evaluate("e => e.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(IMG / name))
            print(IMG / name)
        for name, path in PAGES:
            page.goto(base + path, timeout=60_000)
            page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
            page.wait_for_timeout(1500)
            page.wait_for_function(IDLE, timeout=60_000)  # Streamlit finished the page's run
            page.wait_for_timeout(2500)  # plotly's last re-layout
            out = IMG / f"page_{name}_1440x900.png"
            page.screenshot(path=str(out))
            print(out)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8501")
