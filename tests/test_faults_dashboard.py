"""The dashboard stays up while the registry is rebuilt underneath it (issue 9).

`registry build` replaces registry.duckdb with an atomic rename; dashboard/db.py keys its read-only
connection on the file's identity, so a rerun after a rebuild reads the new registry and never a mix.
Headless (AppTest): reruns interleaved with rebuilds never raise and show the new figures. In a real
browser (Chromium driving `streamlit run`): the health endpoint answers throughout a rebuild, and the
same browser session, without a reload, shows the rebuilt registry's numbers on its next rerun.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, invoke_cli, run_cli
from tests.dashboard_support import free_port

APP = ROOT / "dashboard" / "app.py"
REMOVED = 70  # awards the second build lacks, so the swap is visible in the headline numbers
ARTIFACTS = ROOT / "tests" / "artifacts" / "reliability"


@pytest.fixture(scope="module")
def builds(sample_registry, tmp_path_factory):
    """Registry A (the sample, 970 awards) live, and the staging of registry B (70 awards fewer)."""
    d = tmp_path_factory.mktemp("dashboard_swap")
    staging_b = d / "staging-b.duckdb"
    shutil.copy(sample_registry.parent / "sample-staging.duckdb", staging_b)
    con = duckdb.connect(str(staging_b))
    # the sample's awards come from its transactions (search CSV rows): drop every action of 70 awards
    gone = [k for (k,) in con.execute("SELECT DISTINCT award_key FROM stg_transactions ORDER BY award_key "
                                      f"LIMIT {REMOVED}").fetchall()]
    con.execute("DELETE FROM stg_transactions WHERE award_key IN (SELECT unnest(?))", [gone])
    con.execute("DELETE FROM stg_awards WHERE award_key IN (SELECT unnest(?))", [gone])
    con.close()
    b = d / "b.duckdb"
    r = invoke_cli("build", "--staging", str(staging_b), "--out", str(b))
    assert r.returncode == 0, r.stderr
    return {"dir": d, "a": sample_registry, "b": b, "staging_b": staging_b}


def live_copy(builds, name: str) -> Path:
    live = builds["dir"] / name / "registry.duckdb"
    live.parent.mkdir(exist_ok=True)
    shutil.copy(builds["a"], live)
    return live


def swap_in(src: Path, live: Path) -> None:
    """What `registry build` does at its end: write beside the target, then one atomic rename."""
    tmp = live.with_name(f".{live.name}.tmp")
    shutil.copy(src, tmp)
    tmp.replace(live)


def awards_metric(at) -> str:
    return next(m.value for m in at.metric if m.label == "Awards")


def test_reruns_across_rebuilds_never_fail_and_show_the_new_registry(builds, monkeypatch):
    from streamlit.testing.v1 import AppTest

    live = live_copy(builds, "apptest")
    monkeypatch.setenv("REGISTRY_PATH", str(live))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and awards_metric(at) == "970"

    # a real rebuild into the file the dashboard has open
    r = run_cli("build", "--staging", str(builds["staging_b"]), "--out", str(live))
    assert r.returncode == 0, r.stderr
    at.run()
    assert not at.exception and awards_metric(at) == f"{970 - REMOVED:,}"

    # rebuilds landing while reruns happen: every rerun shows one whole registry, never an error
    stop = threading.Event()
    swaps = {"n": 0}

    def churn() -> None:
        while not stop.is_set() and swaps["n"] < 200:
            swap_in(builds["a"] if swaps["n"] % 2 else builds["b"], live)
            swaps["n"] += 1
            time.sleep(0.02)

    t = threading.Thread(target=churn, daemon=True)
    t.start()
    seen = set()
    try:
        for _ in range(8):
            at.run()
            assert not at.exception, at.exception
            seen.add(awards_metric(at))
    finally:
        stop.set()
        t.join(10)
    assert swaps["n"] >= 8
    assert seen <= {"970", f"{970 - REMOVED:,}"}  # one build's numbers or the other's, never a mix


def test_concurrent_sessions_keep_reading_while_the_registry_is_swapped(builds, monkeypatch):
    """Streamlit runs each session's script in its own thread: while one session's rerun reopens the
    registry after a rebuild, the other sessions' queries in flight must not fail."""
    from dashboard import db

    live = live_copy(builds, "threads")
    monkeypatch.setenv("REGISTRY_PATH", str(live))
    errors: list[str] = []
    answers: set[int] = set()
    done = {"n": 0}
    stop = threading.Event()

    def session() -> None:
        while not stop.is_set() and done["n"] < 5000:
            try:
                cur = db.connection(db.signature())
                try:
                    answers.add(cur.execute("SELECT count(*) FROM awards a JOIN transactions t USING (award_key)"
                                            ).fetchone()[0])
                finally:
                    cur.close()
                done["n"] += 1
            except Exception as e:  # what a user would see as an error box on the page
                errors.append(f"{type(e).__name__}: {str(e)[:120]}")

    sessions = [threading.Thread(target=session, daemon=True) for _ in range(3)]
    for t in sessions:
        t.start()
    try:
        for i in range(30):
            swap_in(builds["b"] if i % 2 == 0 else builds["a"], live)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in sessions:
            t.join(30)
    assert done["n"] >= 30
    assert not errors, f"{len(errors)} of {len(errors) + done['n']} queries failed during rebuilds: {errors[0]}"
    assert len(answers) == 2  # each query saw one whole build: A's or B's


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:  # noqa: S310
            return r.status
    except OSError:
        return 0


@pytest.fixture()
def served(builds):
    live = live_copy(builds, "browser")
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
        yield {"port": port, "live": live}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.browser
def test_a_browser_session_keeps_working_across_a_rebuild(builds, served):
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
            assert first.inner_text() == "970"
            page.screenshot(path=str(ARTIFACTS / "dashboard-before-rebuild.png"))

            # rebuild underneath the open session; the server answers its health check all along
            build = subprocess.Popen([str(Path(sys.executable).with_name("registry")), "build", "--staging",
                                      str(builds["staging_b"]), "--out", str(live)],
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
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "dashboard-after-rebuild.png"))
            assert page.locator('[data-testid="stException"]').count() == 0
            shown = page.locator('[data-testid="stMetricValue"]').first.inner_text()
            assert shown == f"{970 - REMOVED:,}", f"after the rebuild the session still shows {shown} awards"
        finally:
            browser.close()
    print(f"\n[reliability] screenshots in {ARTIFACTS}")
