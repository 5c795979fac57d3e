"""One dashboard server and one Chromium for every browser test module of a run.

The browser modules (tests/conftest.py SERIAL_GROUPS) run one after another in one process. Each used to start its
own `streamlit run` and its own Chromium: a server's first page costs several seconds more than any later one (the
server imports the dashboard, pandas and plotly on its first run), and a browser launch costs about one more. Here
the first module to ask starts both, and they stop when the run ends (config cleanup).

Each module has the server read the registry it tests (a copy), the way `registry build` lands one (its full-text
index folder beside it, then the file by one atomic rename; dashboard/db.py reopens on the file's identity), and
opens its own browser context, so no module sees another's tabs or sessions.

The server runs in review mode (what `registry dashboard --review` sets: REGISTRY_REVIEW=1 and an annotations file,
here a copy of data/): that changes only the Review queue page, which then writes decisions, and only
tests/test_browser_review.py writes any. How the CLI turns --review into that environment is checked in
tests/test_dashboard_cli.py.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.dashboard_support import RUN_WATCH_JS, free_port, running_dashboard

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REVIEWER = "Test Reviewer"
# `streamlit run`, with the libraries every page imports (pandas, plotly, DuckDB) imported before the server starts.
# Why: Streamlit imports a page's modules on its first run, and that run is the first test's fresh page load, after
# the registry the server reads is built; imported first, they load while the registry builds (or while this worker
# waits for another's build). The dashboard's own modules are left to the server (their caches need its runtime).
STREAMLIT_RUN = ("import runpy, sys\n"
                 "import duckdb, pandas, plotly.express, plotly.graph_objects  # noqa: F401\n"
                 "sys.argv = ['streamlit', *sys.argv[1:]]\n"
                 "runpy.run_module('streamlit', run_name='__main__')\n")
VIEWPORT = {"width": 1440, "height": 900}  # the screen issue 17 asks every page to read well on


@dataclass
class Dashboard:
    """The run's dashboard server: its base URL and port, the folder of the registry it reads, and the data/ copy
    whose annotations file its review page writes."""

    base: str
    port: int
    folder: Path
    data: Path

    @property
    def registry(self) -> Path:
        return self.folder / "registry.duckdb"

    def serve(self, registry: Path) -> Path:
        """Make the server read a copy of `registry` (built under the name registry.duckdb), as a build lands one:
        the index folders it may name first, then the file by one atomic rename. Returns the served file, which
        the caller may rebuild in place."""
        assert registry.name == self.registry.name, registry
        for index in registry.parent.glob(f"{registry.name}.fts-*"):
            shutil.rmtree(self.folder / index.name, ignore_errors=True)
            shutil.copytree(index, self.folder / index.name)
        tmp = self.folder / f".{registry.name}.tmp"
        shutil.copy(registry, tmp)
        tmp.replace(self.registry)
        return self.registry


def _once(request, key: str, start):
    """`start(config)` the first time `key` is asked for in this run; the same object afterwards."""
    config = request.config
    cache = config.__dict__.setdefault("_browser_fixtures", {})
    if key not in cache:
        cache[key] = start(config)
    return cache[key]


def serving(request, tmp_path_factory, fixture: str) -> Dashboard:
    """The run's dashboard server (started on first use, stopped by its own process id when the run ends), reading a
    copy of the registry the session fixture named `fixture` gives (e.g. "dashboard_registry").

    On first use the server starts up while that fixture builds its registry (or waits for another xdist worker's
    build): Streamlit opens the registry only when a page first runs, so neither waits for the other."""
    from registry.core import paths

    got: dict[str, Path] = {}

    def prepare() -> None:
        got["registry"] = request.getfixturevalue(fixture)

    def start(config) -> Dashboard:
        folder = tmp_path_factory.mktemp("served_registry")
        data = tmp_path_factory.mktemp("served_data") / "data"
        shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("sample"))
        port = free_port()
        env = dict(os.environ, REGISTRY_PATH=str(folder / "registry.duckdb"), REGISTRY_REVIEW="1",
                   REGISTRY_ANNOTATIONS=str(data / "annotations.yaml"), REGISTRY_REVIEWER=REVIEWER)
        cmd = [sys.executable, "-c", STREAMLIT_RUN, "run", str(ROOT / "dashboard" / "app.py"), "--server.headless",
               "true", "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats",
               "false"]
        running = running_dashboard(cmd, env, tmp_path_factory.mktemp("streamlit_log") / "streamlit.log", port,
                                    prepare=prepare)
        base = running.__enter__()
        config.add_cleanup(lambda: running.__exit__(None, None, None))
        return Dashboard(base=base, port=port, folder=folder, data=data)

    dashboard = _once(request, "dashboard", start)
    if "registry" not in got:
        prepare()
    dashboard.serve(got["registry"])
    return dashboard


def chromium(request):
    """The run's headless Chromium (Debian's, through Playwright), closed when the run ends."""

    def start(config):
        if not Path(CHROMIUM).exists():
            pytest.fail(f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)")
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        config.add_cleanup(playwright.stop)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        config.add_cleanup(browser.close)
        return browser

    return _once(request, "chromium", start)


def context(request):
    """The run's one browser context (its HTTP cache keeps Streamlit's JavaScript between pages and modules).

    Every request that leaves 127.0.0.1 is blocked and recorded in `context.blocked`; every dialog is recorded in
    `context.dialogs` and dismissed (a test clears both before it looks). Why a dead proxy and a request listener,
    not `route()`: Playwright turns the HTTP cache off for a routed context, and every page then downloaded and
    compiled Streamlit's JavaScript again (most of a page load). Chromium sends everything but 127.0.0.1 to a port
    nobody listens on, so it fails; the listener records it."""

    def start(config):
        ctx = chromium(request).new_context(viewport=VIEWPORT, proxy={
            "server": f"http://127.0.0.1:{free_port()}", "bypass": "127.0.0.1"})
        config.add_cleanup(ctx.close)
        ctx.add_init_script(RUN_WATCH_JS)  # every tab counts its script runs (dashboard_support.wait_until_idle)
        ctx.blocked, ctx.dialogs = [], []

        def record(req):
            if urlsplit(req.url).hostname not in ("127.0.0.1", None) and not req.url.startswith(("data:", "blob:")):
                ctx.blocked.append(req.url)

        ctx.on("request", record)
        probe = ctx.new_page()  # the guard itself: a request to the internet fails and is recorded
        outcome = probe.evaluate("() => fetch('http://example.com/offline-probe', {mode: 'no-cors'})"
                                 ".then(() => 'loaded', () => 'failed')")
        assert (outcome, ctx.blocked) == ("failed", ["http://example.com/offline-probe"]), (outcome, ctx.blocked)
        probe.close()
        ctx.blocked.clear()
        ctx.on("page", lambda p: p.on("dialog", lambda d: (ctx.dialogs.append(d.message), d.dismiss())))
        return ctx

    return _once(request, "context", start)


def tab(request):
    """The run's one tab: one Streamlit session that the browser modules move through page after page (a test that
    needs a new session, e.g. to reopen a shared link, opens a second tab and closes it)."""

    def start(config):
        ctx = context(request)
        pg = ctx.new_page()
        pg.blocked, pg.dialogs = ctx.blocked, ctx.dialogs
        return pg

    return _once(request, "tab", start)
