"""The dashboard stays up while the registry is rebuilt underneath it (issue 9), in a real browser.

`registry build` replaces registry.duckdb with an atomic rename; dashboard/db.py keys its read-only
connection on the file's identity, so a rerun after a rebuild reads the new registry and never a mix.
Chromium driving `streamlit run`: the health endpoint answers throughout a real `registry build`, and the same
browser session, without a reload, shows the rebuilt registry's numbers on its next rerun. (Reruns interleaved with
many rebuilds, and concurrent sessions, are checked headless in tests/test_faults_dashboard_headless.py, outside
the serial browser group.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.dashboard_support import REMOVED, free_port, staging_with_fewer_awards, wait_until_idle

APP = ROOT / "dashboard" / "app.py"
ARTIFACTS = ROOT / "tests" / "artifacts" / "reliability"


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:  # noqa: S310
            return r.status
    except OSError:
        return 0


@pytest.fixture()
def served(sample_registry, tmp_path):
    """`streamlit run` over a copy of the sample (registry A), and the staging store that rebuilds it into B."""
    live = tmp_path / "live" / "registry.duckdb"
    live.parent.mkdir()
    shutil.copy(sample_registry, live)
    staging_b = staging_with_fewer_awards(sample_registry, tmp_path / "staging-b.duckdb")
    port = free_port()
    env = {"REGISTRY_PATH": str(live), "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true", "--server.address",
         "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while health(port) != 200:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "streamlit did not become healthy in 60 s"
            time.sleep(0.3)
        yield {"port": port, "live": live, "staging_b": staging_b}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.browser
def test_a_browser_session_keeps_working_across_a_rebuild(served):
    from playwright.sync_api import sync_playwright

    port, live = served["port"], served["live"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
            first = page.locator('[data-testid="stMetricValue"]').first
            first.wait_for(timeout=60_000)
            wait_until_idle(page)  # the page's script is done: the radio clicked below is the one it keeps
            assert first.inner_text() == "970"
            page.screenshot(path=str(ARTIFACTS / "dashboard-before-rebuild.png"))

            # rebuild underneath the open session; the server answers its health check all along
            build = subprocess.Popen([str(Path(sys.executable).with_name("registry")), "build", "--staging",
                                      str(served["staging_b"]), "--out", str(live)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            checks = []
            while build.poll() is None:
                checks.append(health(port))
                time.sleep(0.1)
            assert build.returncode == 0, build.stderr.read().decode()[-2000:]
            assert checks and set(checks) == {200}

            # the same session (no reload): a widget interaction reruns the page on the new registry
            page.get_by_text("All awards", exact=True).first.click()
            page.wait_for_url("**scope=all**", timeout=30_000)  # the rerun ran: the page wrote its state
            wait_until_idle(page)  # ...and finished drawing it
            page.screenshot(path=str(ARTIFACTS / "dashboard-after-rebuild.png"))
            assert page.locator('[data-testid="stException"]').count() == 0
            shown = page.locator('[data-testid="stMetricValue"]').first.inner_text()
            assert shown == f"{970 - REMOVED:,}", f"after the rebuild the session still shows {shown} awards"
        finally:
            browser.close()
    print(f"\n[reliability] screenshots in {ARTIFACTS}")
