"""Page settle time in headless Chromium on a registry of about 23,000 awards (issue 17, item 13).

Run: `python -m bench.page_settle` (part of `make bench`). Why these pieces:

- The registry: the bundled real sample's rows (970 awards, 2,142 actions), replicated with new keys until it
  holds about 23,000 awards, the size of the CBP/ICE registry the issue was tested on. Each copy gets new
  award keys, PIIDs and transaction keys, `source = 'synthetic-bench'` and a source_url on 127.0.0.1: these are
  not public records, they live in bench/work/ only, and the banner says so. The shape (vendors, agencies,
  capability tags, descriptions) is the sample's, so pages do the work they do on real data.
- Settle: from navigation start to the last change of the page a reader can see before its DOM stays unchanged
  for QUIET_MS with Streamlit idle (no status widget, no stale element) and every chart drawn. A
  MutationObserver installed before the page's own scripts records the time of each change. Changes inside a
  canvas's own DOM (glide-data-grid, behind st.dataframe, rewrites an accessibility table inside its <canvas>
  after drawing) are never drawn by the browser: they are recorded apart (`*_dom_s`, the last DOM change of any
  kind), and the page must be quiet of them too before it counts as settled.
- Ceiling: the same page on the sample itself (970 awards), measured in the same run, interleaved: a ratio near 1
  says the registry's size costs nothing and the seconds are the browser's and the machine's.
- New tab, warm: the same page opened again in a new tab of the same browser, after a first visit. The browser
  is a Chromium with a persistent profile on disk, as a reader's is: Streamlit's JavaScript comes from its HTTP
  cache and the page's queries from st.cache_data, but every open
  starts a new Streamlit session (websocket, script run, every element sent, JavaScript parsed again). Cold (the
  first visit) is reported beside it. Where a new tab's time goes, from Chromium's own clock (median of the warm
  opens): the HTML parsed with its scripts (DOMContentLoaded), the websocket open, the page's title drawn. And the
  work, which a busy machine stretches far less than the seconds: the CPU seconds of Chromium's processes and of
  the Streamlit server over the open (/proc).
- Nothing off 127.0.0.1 is reached: Chromium's host resolver fails every other name. Not Playwright's request
  routing, which turns the browser's HTTP cache off: every "warm" tab then fetched all of Streamlit's JavaScript
  again (7 MB on a charted page), which no reader's browser does (Streamlit serves it `immutable`).
- In the app: what a reader moving between pages does. One tab per registry stays open; each page is reached by
  clicking its link in the sidebar (st.navigation), and "search: text" by typing the words into the search box and
  pressing Enter. Settle runs from the click (or the Enter) to the page's last DOM change before it stays quiet,
  once the new page's title (or the search's ranking caption) is on screen, so a page that has not started yet
  cannot pass for settled. Three passes over every page after the new-tab passes: median, min-max.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TARGET_AWARDS = 23_000
WARM_TARGET_S = 1.5
QUIET_MS = 700
SOURCE = "synthetic-bench"

PAGES = [
    ("overview", "/"),
    ("map", "/map"),
    ("vendor", "/vendor?vendor=v:palantir"),
    ("compare", "/compare?v=v:palantir&v=v:relx&v=v:thomson-reuters"),
    ("agency", "/agency"),
    ("award", "/award?award=70CTD022FR0000170"),
    ("search", "/search"),
    ("search: text", "/search?q=license%20plate"),
    ("review", "/review"),
    ("methods", "/methods"),
]

# Installed before the page's scripts: the time (ms since navigation start) of the last DOM change.
# Also the moments a new tab's time is split at: the websocket open and the first page title on screen.
_OBSERVER = """
window.__lastChange = performance.now();
window.__lastDomChange = window.__lastChange;
window.__marks = {};
// A change a reader can see, or one inside a canvas's own DOM (glide-data-grid, behind st.dataframe, keeps an
// accessibility table inside its <canvas>, rewritten after each draw): the browser never renders a canvas's
// children, so those are recorded apart (__lastDomChange counts every change).
const _inCanvas = n => { for (; n; n = n.parentNode) { if (n.nodeName === 'CANVAS') return true; } return false; };
new MutationObserver(records => {
    const now = performance.now();
    window.__lastDomChange = now;
    if (records.every(r => _inCanvas(r.target))) return;
    window.__lastChange = now;
    if (!window.__marks.title && document.querySelector('[data-testid="stMain"] h1')) {
        window.__marks.title = now;
    }
}).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
const _WebSocket = window.WebSocket;
window.WebSocket = class extends _WebSocket {
    constructor(...args) {
        super(...args);
        this.addEventListener('open', () => { window.__marks.ws = window.__marks.ws || performance.now(); });
    }
};
"""
_PHASES = """() => ({dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
                      ws: window.__marks.ws, title: window.__marks.title})"""
# Chromium flags: no request interception (it disables the HTTP cache), every host but 127.0.0.1 unresolvable.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
_SETTLED = """quiet => {
    const busy = document.querySelector('[data-testid="stStatusWidget"]')
        || document.querySelector('[data-stale="true"]')
        || !document.querySelector('[data-testid="stMain"] h1, [data-testid="stMain"] [data-testid="stAlert"]')
        || document.querySelector('[data-testid="stSkeleton"]')
        || [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].some(c => !c.querySelector('.main-svg'));
    return !busy && performance.now() - window.__lastDomChange >= quiet;
}"""


def replicated_staging(out: Path, target_awards: int = TARGET_AWARDS) -> dict[str, int]:
    """A staging store holding the sample's rows, then copies of them with new keys up to ~target_awards awards."""
    from registry import sample
    from registry.core import store

    base = sample.load_sample(staging=out.with_name("sample-staging.duckdb"))
    out = store.remove(out)
    con = store.connect(out)
    try:
        con.execute(f"ATTACH '{base}' AS s (READ_ONLY)")
        awards = con.execute("SELECT count(DISTINCT award_key) FROM s.stg_transactions").fetchone()[0]
        copies = max(1, -(-target_awards // awards))  # the original plus copies - 1 replicas
        con.execute("INSERT INTO stg_transactions BY NAME SELECT * FROM s.stg_transactions")
        con.execute(f"""
            INSERT INTO stg_transactions BY NAME
            SELECT t.* REPLACE (
                       t.award_key || '_BENCH' || k AS award_key,
                       t.piid || 'B' || lpad(CAST(k AS VARCHAR), 2, '0') AS piid,
                       t.transaction_key || '_BENCH' || k AS transaction_key,
                       '{SOURCE}' AS source,
                       'http://127.0.0.1/{SOURCE}/' || t.award_key || '/' || k AS source_url,
                       md5(t.payload_sha256 || k) AS payload_sha256,
                       '{{"synthetic": "{SOURCE}", "copy": ' || k || '}}' AS raw_payload)
            FROM s.stg_transactions t, range(1, {copies}) r(k)
        """)  # noqa: S608 (constants only)
        for table in ("crawl_runs", "stg_ai_use_cases"):
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM s.{table}")  # noqa: S608
        con.execute("DETACH s")
        con.execute("CHECKPOINT")
        return {"copies": copies, "awards": con.execute("SELECT count(DISTINCT award_key) FROM stg_transactions")
                .fetchone()[0], "transactions": con.execute("SELECT count(*) FROM stg_transactions").fetchone()[0]}
    finally:
        con.close()


def build_registry(work: Path = WORK, log=print) -> tuple[Path, dict[str, int]]:
    """bench/work/reg-pages.duckdb: the replicated sample, built by `registry build` (its full-text index too)."""
    from registry import build

    work.mkdir(parents=True, exist_ok=True)
    staging = work / "stg-pages.duckdb"
    counts = replicated_staging(staging)
    log(f"page-settle registry: sample x{counts['copies']} = {counts['awards']:,} awards, "
        f"{counts['transactions']:,} actions")
    out = work / "reg-pages.duckdb"
    t0 = time.perf_counter()
    build.build(staging, out, is_sample=True, meta={
        "sample_description": f"benchmark only: the bundled sample replicated x{counts['copies']} with new keys "
                              f"(source = '{SOURCE}'); not public records"})
    counts["build_seconds"] = round(time.perf_counter() - t0, 1)
    return out, counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(registry: Path, port: int, log_path: Path, root: Path = ROOT) -> subprocess.Popen:
    """A Streamlit server for `registry` running the dashboard under `root` (this tree, or a baseline revision's
    copy: dashboard/app.py puts its own root first on sys.path, so that copy's modules are the ones imported)."""
    env = dict(os.environ, REGISTRY_PATH=str(registry))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(root / "dashboard" / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        env=env, cwd=root, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    proc.terminate()
    raise RuntimeError(f"streamlit did not start: {log_path.read_text()[-1500:]}")


# Pages reached inside the app: (name as in PAGES, the sidebar link's path). "search: text" is typed instead.
IN_APP = [("overview", ""), ("map", "map"), ("vendor", "vendor"), ("compare", "compare"), ("agency", "agency"),
          ("award", "award"), ("search", "search"), ("search: text", None), ("review", "review"),
          ("methods", "methods")]
SEARCH_TEXT = "license plate"
# True once the page the click asked for is the one on screen: its path, and a title other than the last page's
# (every page's title differs from the one before it in IN_APP). The typed search: the ranking caption.
_ARRIVED = """([path, before]) => {
    if (path === null) {
        return [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
            .some(c => /Most relevant first|close spellings|no full-text index/.test(c.innerText));
    }
    const h1 = document.querySelector('[data-testid="stMain"] h1');
    return location.pathname.replace(/\\/+$/, '') === (path ? '/' + path : '') && !!h1 && h1.innerText !== before;
}"""


def selected_pages() -> list[str] | None:
    """The pages BENCH_PAGES names (comma-separated names as in PAGES), or None for every page."""
    names = [n.strip() for n in os.environ.get("BENCH_PAGES", "").split(",") if n.strip()]
    if not names:
        return None
    unknown = set(names) - {name for name, _ in PAGES}
    if unknown:
        raise SystemExit(f"BENCH_PAGES: no such page {sorted(unknown)}; pages: {[name for name, _ in PAGES]}")
    return names + (["search"] if "search: text" in names and "search" not in names else [])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc); 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _browser_cpu(exclude: set[int]) -> dict[int, float]:
    """CPU seconds used so far by each of this process's descendants other than `exclude` (the Streamlit servers):
    the Playwright driver and Chromium's processes (browser, renderers, GPU, network), which only the tabs keep
    busy. Per process, so that a renderer exiting (a closed tab) takes nothing away from the next open's delta."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    me, out = os.getpid(), {}
    for pid in parent:
        ancestor, seen = parent.get(pid), 0
        while ancestor not in (None, 0, 1, me) and seen < 64:
            ancestor, seen = parent.get(ancestor), seen + 1
        if ancestor == me and pid not in exclude:
            out[pid] = _cpu_seconds(pid)
    return out


def _cpu_since(before: dict[int, float], exclude: set[int]) -> float:
    """CPU seconds the browser's processes used since `before` (a new process counts from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in _browser_cpu(exclude).items())


def _settle(context, url: str, phases: dict[str, list[float]] | None = None, server_pid: int | None = None,
            servers: set[int] = frozenset()) -> float:
    """Seconds from navigation start to the page's last DOM change before it stays quiet (see module doc).

    With `phases`, also the work the open cost, which a busy machine does not inflate as it does the seconds: the
    CPU seconds of the browser's processes and of the page's Streamlit server from the open to the settle (its
    session start, script run and messages); and the new tab's phases (see _PHASES). All appended to `phases`, in
    seconds. (Chromium's own task durations are wall time: on a busy machine they stretch like the seconds.)"""
    page = context.new_page()
    try:
        if phases is not None:
            server_cpu, browser_cpu = _cpu_seconds(server_pid), _browser_cpu(set(servers))
        page.goto(url)
        page.wait_for_function(_SETTLED, arg=QUIET_MS, timeout=120_000, polling=100)
        if phases is not None:
            phases.setdefault("server_cpu", []).append(_cpu_seconds(server_pid) - server_cpu)
            phases.setdefault("browser_cpu", []).append(_cpu_since(browser_cpu, set(servers)))
            for key, ms in page.evaluate(_PHASES).items():
                if ms is not None:
                    phases.setdefault(key, []).append(ms / 1000)
            phases.setdefault("dom", []).append(round(page.evaluate("window.__lastDomChange") / 1000, 3))
        return round(page.evaluate("window.__lastChange") / 1000, 3)
    finally:
        page.close()


def _title(page) -> str:
    return page.evaluate("(document.querySelector('[data-testid=\"stMain\"] h1') || {}).innerText || ''")


def _settle_in_app(page, base: str, path: str | None) -> tuple[float, float]:
    """Seconds from clicking the sidebar link to `path` (or pressing Enter in the search box when None) in an open
    tab to the page's last visible DOM change before it stays quiet (see module doc), and to its last DOM change
    of any kind (inside a canvas too)."""
    before = _title(page)
    if path is None:
        box = page.locator('input[aria-label^="Search awards"]')
        box.fill(SEARCH_TEXT)
        page.evaluate("window.__clickAt = performance.now()")
        box.press("Enter")
    else:
        page.evaluate("""href => { window.__clickAt = performance.now();
            document.querySelector(`[data-testid="stSidebarNav"] a[href="${href}"]`).click(); }""",
                      f"{base}/{path}")
    page.wait_for_function(_ARRIVED, arg=[path, before], timeout=120_000, polling=50)
    page.wait_for_function(_SETTLED, arg=QUIET_MS, timeout=120_000, polling=100)
    return (round(page.evaluate("window.__lastChange - window.__clickAt") / 1000, 3),
            round(page.evaluate("window.__lastDomChange - window.__clickAt") / 1000, 3))


def measure_in_app(context, servers: dict[str, tuple], reps: int = 3, log=print,
                   pages: list[str] | None = None) -> dict[str, dict[str, dict]]:
    """{registry label: {page: {in_app_s (median), in_app_min_s, in_app_max_s}}}: one open tab per registry, each
    page reached from the one before it by its sidebar link, interleaved across registries, the registry that goes
    first alternating over an even number of passes (reps rounded up). Each tab is brought to the front before its
    step, as a reader's tab is: without it, the tab opened first (the 23k registry's) was the slower on every page,
    by 0.2-0.5 s, with the SAME registry served to both tabs (an A/A run, 4 passes, load 5-10), which is most of what
    the 23k-against-sample ratios in the app had shown; with it, neither tab is slower.

    `pages` (BENCH_PAGES): only those pages are timed; a page reached from itself (one page only) is first left
    for another by an untimed click, so that its arrival can be seen."""
    steps = [(name, path) for name, path in IN_APP if pages is None or name in pages]
    if len(steps) == 1:  # the same page twice in a row: leave it untimed first
        steps.insert(0, ("", "review" if steps[0][0] != "review" else "methods"))
    tabs = {}
    for label, (_p, base) in servers.items():
        tab = context.new_page()
        tab.goto(base + ("/review" if steps[0][1] == "methods" else "/methods"))  # not the first page timed
        tab.wait_for_function(_SETTLED, arg=QUIET_MS, timeout=120_000, polling=100)
        tabs[label] = tab
    times: dict[str, dict[str, list[float]]] = {label: {name: [] for name, _ in steps} for label in servers}
    dom: dict[str, dict[str, list[float]]] = {label: {name: [] for name, _ in steps} for label in servers}
    try:
        for rep in range(reps + reps % 2):  # an even count: each registry goes first equally often
            order = list(servers.items())[::-1 if rep % 2 else 1]  # who goes first alternates: no order bias
            for name, path in steps:
                for label, (_p, base) in order:
                    tabs[label].bring_to_front()  # a reader's tab is the one in front (see the docstring)
                    seen, any_change = _settle_in_app(tabs[label], base, path)
                    times[label][name].append(seen)
                    dom[label][name].append(any_change)
    finally:
        for tab in tabs.values():
            tab.close()
    out = {label: {name: {"in_app_s": round(statistics.median(t), 3), "in_app_min_s": min(t),
                          "in_app_max_s": max(t), "in_app_dom_s": round(statistics.median(dom[label][name]), 3)}
                   for name, t in by.items() if name} for label, by in times.items()}
    for name, _ in steps:
        if not name:
            continue
        log(f"in the app  {name:<13} " + "  ".join(
            f"{label}: {out[label][name]['in_app_s']:5.2f} s ({out[label][name]['in_app_min_s']:.2f}-"
            f"{out[label][name]['in_app_max_s']:.2f})" for label in servers))
    return out


def measure(registries: dict[str, Path | tuple[Path, Path]], reps: int = 3,
            log=print) -> dict[str, dict[str, dict[str, float]]]:
    """{registry label: {page: {cold_s, warm_s (median of reps), warm_min_s, warm_max_s, in_app_s, in_app_min_s,
    in_app_max_s}}} in headless Chromium at 1440x900. One server per registry; each page is measured on every
    registry in turn (interleaved), so a busy moment of the shared machine falls on all of them rather than on
    one. The new-tab passes come first, then the in-app passes (measure_in_app). A value may be (registry, the
    dashboard's root) to serve another revision's dashboard (BENCH_BASELINE, see run).

    The browser is a Chromium with a persistent profile on disk (bench/work/chromium-profile, emptied at the start
    of each run), as a reader's browser is: its HTTP cache keeps Streamlit's hashed bundles (served `immutable`)
    from one tab to the next, and a "warm new tab" is a new tab of that browser. BENCH_PAGES=map,agency: only
    those pages (names as in PAGES; "search: text" brings "search", the page its box is typed into)."""
    import shutil

    from playwright.sync_api import sync_playwright

    pages = selected_pages()
    profile = WORK / "chromium-profile"

    servers = {}
    try:
        for label, registry in registries.items():
            registry, root = registry if isinstance(registry, tuple) else (registry, ROOT)
            port = _free_port()
            servers[label] = (_serve(registry, port, WORK / f"page-settle-{port}.log", root),
                              f"http://127.0.0.1:{port}")
        out: dict[str, dict[str, dict[str, float]]] = {label: {} for label in registries}
        shutil.rmtree(profile, ignore_errors=True)
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                           viewport={"width": 1440, "height": 900})
            context.add_init_script(_OBSERVER)
            for _proc, base in servers.values():
                _settle(context, base + "/methods")  # Streamlit's JavaScript into the browser cache
            for name, path in PAGES:
                if pages is not None and name not in pages:
                    continue
                cold = {label: _settle(context, base + path) for label, (_p, base) in servers.items()}
                warm: dict[str, list[float]] = {label: [] for label in servers}
                phases: dict[str, dict[str, list[float]]] = {label: {} for label in servers}
                for _ in range(reps):
                    for label, (_p, base) in servers.items():
                        warm[label].append(_settle(context, base + path, phases[label], _p.pid,
                                                   {proc.pid for proc, _b in servers.values()}))
                for label, w in warm.items():
                    out[label][name] = {"cold_s": cold[label], "warm_s": round(statistics.median(w), 3),
                                        "warm_min_s": min(w), "warm_max_s": max(w),
                                        **{f"warm_{k}_s": round(statistics.median(v), 3)
                                           for k, v in phases[label].items()}}
                log(f"page settle {name:<13} " + "  ".join(
                    f"{label}: cold {cold[label]:5.2f} s warm {out[label][name]['warm_s']:5.2f} s "
                    f"({min(warm[label]):.2f}-{max(warm[label]):.2f}; scripts "
                    f"{out[label][name].get('warm_dcl_s', float('nan')):.2f}, websocket "
                    f"{out[label][name].get('warm_ws_s', float('nan')):.2f}, title "
                    f"{out[label][name].get('warm_title_s', float('nan')):.2f}; CPU: browser "
                    f"{out[label][name].get('warm_browser_cpu_s', float('nan')):.2f}, server "
                    f"{out[label][name].get('warm_server_cpu_s', float('nan')):.2f})" for label in servers))
            in_app = measure_in_app(context, servers, reps=reps, log=log, pages=pages)
            for label, by in in_app.items():
                for name, v in by.items():
                    out[label].setdefault(name, {}).update(v)
            context.close()
    finally:
        for proc, _base in servers.values():
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return out


def baseline_root(rev: str, work: Path = WORK) -> tuple[str, Path]:
    """A copy of revision `rev`'s files (git archive) under bench/work/, to serve its dashboard beside this tree's:
    (the revision's short hash, the copy's root)."""
    sha = subprocess.run(["git", "rev-parse", "--short=10", rev], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    root = work / f"rev-{sha}"
    if not (root / "dashboard" / "app.py").exists():
        root.mkdir(parents=True, exist_ok=True)
        # .streamlit: the revision's own server settings (read from the directory Streamlit starts in)
        archive = subprocess.run(["git", "archive", sha, "dashboard", "registry", "data", ".streamlit"], cwd=ROOT,
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
    return sha, root


def baseline_lines(result: dict) -> list[str]:
    """The BENCH_BASELINE table: each page on the ~23k registry, this tree against the baseline revision."""
    rev, now, then = result["baseline"], result["pages"], result["baseline_pages"]

    def cell(v: dict, field: str) -> str:
        return f"{v[field]:.2f}" if field in v else ""

    lines = [f"## Page settle, this tree against {rev}, {result['registry']['awards']:,} awards (s; load average "
             f"{result['load_start']} / {result['load_end']})", "",
             f"| page | in the app: now | {rev} | new tab warm: now | {rev} | new tab, any DOM change: now | {rev} | "
             f"new tab CPU browser: now | {rev} | new tab CPU server: now | {rev} |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, v in now.items():
        b = then.get(name, {})
        lines.append(f"| {name} | " + " | ".join(
            cell(x, field) for field in ("in_app_s", "warm_s", "warm_dom_s", "warm_browser_cpu_s",
                                         "warm_server_cpu_s") for x in (v, b)) + " |")
    lines += ["", "Settle: to the last change a reader can see; \"any DOM change\" also counts changes inside a "
              "canvas's own DOM (the grids' accessibility tables), which the browser never draws. In the app: "
              "median of the passes; new tab warm: a new tab of a browser with a persistent profile (Streamlit's "
              "bundles in its HTTP cache), median of 3."]
    return lines


def run(work: Path = WORK, log=print, reps: int = 3) -> dict:
    """Build the ~23k-award registry and measure every page on it and, as the same-run ceiling, on the sample it
    was replicated from; the dict bench/report.py renders.

    BENCH_BASELINE=<git revision>: instead of the sample, the same ~23k registry served by that revision's
    dashboard, interleaved with this tree's in the same run (a before/after on a shared, noisy machine); the
    result then holds `baseline` and `baseline_pages`, rendered by baseline_lines."""
    from registry import build, sample

    registry, base = work / "reg-pages.duckdb", work / "reg-pages-sample.duckdb"
    if os.environ.get("BENCH_REUSE") == "1" and registry.exists() and base.exists():
        from registry.core.readonly import connect_readonly

        con = connect_readonly(registry)
        counts = dict(zip(("awards", "transactions"), con.execute(
            "SELECT (SELECT count(*) FROM awards), (SELECT count(*) FROM transactions)").fetchone(), strict=True))
        con.close()
        log(f"reusing {registry.name} and {base.name} (BENCH_REUSE=1)")
    else:
        registry, counts = build_registry(work, log=log)
        build.build(work / "sample-staging.duckdb", base, is_sample=True,
                    meta={"sample_description": sample.describe()})
    load_start = " ".join(f"{x:.1f}" for x in os.getloadavg())
    if os.environ.get("BENCH_BASELINE"):
        rev, root = baseline_root(os.environ["BENCH_BASELINE"], work)
        pages = measure({"now": registry, rev: (registry, root)}, reps=reps, log=log)
        return {"registry": counts, "pages": pages["now"], "baseline": rev, "baseline_pages": pages[rev],
                "target_s": WARM_TARGET_S, "load_start": load_start,
                "load_end": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    pages = measure({"23k": registry, "sample": base}, reps=reps, log=log)
    return {"registry": counts, "pages": pages["23k"], "sample_pages": pages["sample"], "target_s": WARM_TARGET_S,
            "load_start": load_start, "load_end": " ".join(f"{x:.1f}" for x in os.getloadavg())}


if __name__ == "__main__":
    result = run()
    WORK.mkdir(parents=True, exist_ok=True)
    if "baseline" in result:
        (WORK / "page-settle-baseline.json").write_text(json.dumps(result, indent=1))
        print("\n".join(baseline_lines(result)))
    else:
        (WORK / "page-settle.json").write_text(json.dumps(result, indent=1))
        from bench.report import page_settle_lines

        print("\n".join(page_settle_lines(result)))
