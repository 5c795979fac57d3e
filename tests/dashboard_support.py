"""A registry for dashboard tests: the bundled sample plus a few hostile and geographic records.

Why build one: the sample has no place-of-performance states and no hostile text, and the dashboard
must show both correctly (a state map that draws; `<script>` and `javascript:` shown inert). The extra
records go through the real staging store and build, like any crawled record.
"""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from registry import build
from registry.core import store
from tests.conftest import ROOT

SCRIPT_TEXT = "<script>alert(1)</script> SURVEILLANCE CAMERA TEST RECORD"
JS_URL = "javascript:alert(2)"
HOSTILE_PIID = "70TEST00XSS0001"
HOSTILE_KEY = "CONT_AWD_70TEST00XSS0001_7012_-NONE-_-NONE-"
# A record under a vendor's former name (MorphoTrust is now IDEMIA): search must find it by either name.
MORPHOTRUST_PIID = "70TEST00IDM0001"
STATE_AWARDS = {"TX": Decimal("1250000.00"), "CA": Decimal("480000.50"), "AZ": Decimal("75000.00")}


def _award(key: str, piid: str, description: str, state: str | None, url: str) -> dict:
    return {
        "award_key": key, "piid": piid, "category": "contract", "award_type": "C",
        "recipient_name": "TEST VENDOR FOR DASHBOARD LLC", "awarding_agency": "Department of Homeland Security",
        "awarding_agency_code": "070", "awarding_subagency": "U.S. Immigration and Customs Enforcement",
        "awarding_subagency_code": "7012", "description": description, "pop_state": state,
        "date_signed": date(2024, 3, 1), "start_date": date(2024, 3, 1), "total_obligation": None,
        "usaspending_url": url, "source": "test_fixture", "source_url": url,
        "fetched_at": datetime(2026, 1, 1, tzinfo=UTC), "payload_sha256": f"test-{piid}",
    }


def _tx(key: str, piid: str, description: str, amount: Decimal, url: str) -> dict:
    return {
        "award_key": key, "modification_number": "0", "transaction_number": 0, "action_date": date(2024, 3, 1),
        "federal_action_obligation": amount, "description": description, "piid": piid,
        "recipient_name": "TEST VENDOR FOR DASHBOARD LLC",
        "awarding_agency": "Department of Homeland Security",
        "awarding_subagency": "U.S. Immigration and Customs Enforcement",
        "source": "test_fixture", "source_url": url, "fetched_at": datetime(2026, 1, 1, tzinfo=UTC),
        "payload_sha256": f"test-tx-{piid}",
    }


def build_dashboard_registry(sample_registry: Path, out_dir: Path) -> Path:
    """Sample staging + one hostile award + three awards with a place-of-performance state -> registry."""
    staging = out_dir / "dashboard-staging.duckdb"
    shutil.copy(sample_registry.parent / "sample-staging.duckdb", staging)
    con = store.connect(staging)
    try:
        awards = [_award(HOSTILE_KEY, HOSTILE_PIID, SCRIPT_TEXT, None, JS_URL)]
        txs = [_tx(HOSTILE_KEY, HOSTILE_PIID, SCRIPT_TEXT, Decimal("1000.00"), JS_URL)]
        for i, (state, amount) in enumerate(STATE_AWARDS.items()):
            piid = f"70TEST00GEO000{i}"
            key = f"CONT_AWD_{piid}_7012_-NONE-_-NONE-"
            url = f"https://www.usaspending.gov/award/{key}/"
            awards.append(_award(key, piid, f"TEST RECORD WITH A PLACE OF PERFORMANCE IN {state}", state, url))
            txs.append(_tx(key, piid, "TEST RECORD", amount, url))
        key = f"CONT_AWD_{MORPHOTRUST_PIID}_7012_-NONE-_-NONE-"
        url = f"https://www.usaspending.gov/award/{key}/"
        awards.append({**_award(key, MORPHOTRUST_PIID, "TEST RECORD: FINGERPRINT CAPTURE DEVICES", None, url),
                       "recipient_name": "MORPHOTRUST USA, LLC"})
        txs.append({**_tx(key, MORPHOTRUST_PIID, "TEST RECORD", Decimal("5000.00"), url),
                    "recipient_name": "MORPHOTRUST USA, LLC"})
        store.merge_records(con, "stg_awards", awards)
        store.merge_records(con, "stg_transactions", txs)
    finally:
        con.close()
    out = out_dir / "registry.duckdb"
    build.build(staging, out, is_sample=True, meta={"sample_description": "bundled sample plus test records"})
    return out


# Awards the rebuilt registry of the rebuild tests lacks, so the swap is visible in the headline numbers.
REMOVED = 70

APP = ROOT / "dashboard" / "app.py"


def app_test(timeout: float = 60):
    """A new AppTest of the dashboard (dashboard/app.py): a new session, as a new browser tab opens one.

    Why not AppTest.from_file alone: each new AppTest's first run scans the metadata of every installed
    distribution (about 470 here) for Streamlit components, 0.2 to 1 s a time on this machine, more than many
    page runs cost. The installed packages do not change during a test run, so the scan's answer is kept for the
    process (the dashboard declares no components, and a new one would be found on the next run of pytest)."""
    from streamlit.components.v2 import manifest_scanner
    from streamlit.testing.v1 import AppTest

    scan = manifest_scanner.scan_component_manifests
    if not hasattr(scan, "cache_info"):  # once per process
        manifest_scanner.scan_component_manifests = functools.cache(scan)
    return AppTest.from_file(str(APP), default_timeout=timeout)


def staging_with_fewer_awards(sample_registry: Path, dest: Path, removed: int = REMOVED, keep: tuple[str, ...] = ()
                              ) -> Path:
    """The sample's staging store less every record of `removed` awards (never those in `keep`): what a rebuild of
    it yields is registry B, told apart from the sample (registry A) by its award count on the Overview."""
    import duckdb

    shutil.copy(sample_registry.parent / "sample-staging.duckdb", dest)
    con = duckdb.connect(str(dest))
    try:
        # the sample's awards come from its transactions (search CSV rows): drop every action of `removed` awards
        gone = [k for (k,) in con.execute("SELECT DISTINCT award_key FROM stg_transactions WHERE award_key NOT IN "
                                          "(SELECT unnest(?::VARCHAR[])) ORDER BY award_key LIMIT ?",
                                          [list(keep), removed]).fetchall()]
        con.execute("DELETE FROM stg_transactions WHERE award_key IN (SELECT unnest(?))", [gone])
        con.execute("DELETE FROM stg_awards WHERE award_key IN (SELECT unnest(?))", [gone])
    finally:
        con.close()
    return dest


def free_port() -> int:
    """A port on 127.0.0.1 the OS says is free (tests never use fixed ports: xdist workers run side by side)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_dashboard(cmd: list[str], env: dict, log_path: Path, port: int,
                      prepare: Callable[[], object] | None = None) -> Iterator[str]:
    """Start a dashboard command on 127.0.0.1:port, wait for Streamlit's health check (60 s), yield its base URL,
    and stop it afterwards: one start-up for every browser test module.

    `prepare` (e.g. building the registry the server will read) runs while the server starts up: Streamlit opens
    the registry only when a page is first run, so the two need not wait for each other."""
    log = open(log_path, "w+")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if prepare is not None:
            prepare()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the dashboard did not start: {log.read()[-2000:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# Installed in every tab of the browser context before the page's own scripts (browser_fixtures.context). It counts
# the runs of the page's script that have finished, from Streamlit's own messages: each run ends with a ForwardMsg
# whose `script_finished` (field 6) says how; "finished early for a rerun" (2) is the middle of a chain of runs
# (st.rerun, st.switch_page) and is not counted. It also notes when the page's DOM last changed.
# Why the websocket and not the app root's `data-test-script-state`: a short run's "running" and "notRunning" can
# reach the page together, and React then draws only the second; the count of a DOM attribute missed that run.
RUN_WATCH_JS = """
(() => {
  window.__runs = 0;
  window.__finishedAt = 0;
  window.__changedAt = performance.now();
  const varint = (b, i) => {
    let v = 0, s = 0, x;
    do { x = b[i++]; v += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
    return [v, i];
  };
  const finishStatus = buf => {  // a ForwardMsg's script_finished status, or -1 (the top-level fields only)
    const b = new Uint8Array(buf);
    let i = 0, key, v;
    while (i < b.length) {
      [key, i] = varint(b, i);
      const field = Math.floor(key / 8), type = key & 7;
      if (type === 0) { [v, i] = varint(b, i); if (field === 6) return v; }
      else if (type === 2) { [v, i] = varint(b, i); i += v; }
      else if (type === 1) i += 8;
      else if (type === 5) i += 4;
      else return -1;
    }
    return -1;
  };
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', e => {
        if (!(e.data instanceof ArrayBuffer)) return;
        const status = finishStatus(e.data);
        if (status === 0 || status === 1 || status === 3) {
          window.__runs += 1;
          window.__finishedAt = performance.now();
        }
      });
    }
  };
  new MutationObserver(() => { window.__changedAt = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})();
"""

# Idle: a run later than `since` has finished, the app's script state is "notRunning" with no "Running..." badge,
# and neither that message nor the page's DOM has changed for `quiet` ms (the page has drawn what the run sent).
IDLE_JS = """([since, quiet]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const now = performance.now();
  return !!app && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && (window.__runs || 0) > since && now - (window.__finishedAt || 0) >= quiet
    && now - (window.__changedAt || 0) >= quiet;
}"""
QUIET_MS = 200


def runs(page) -> int:
    """How many runs of the page's script have finished in the tab so far (RUN_WATCH_JS)."""
    return page.evaluate("() => window.__runs || 0")


def wait_until_idle(page, timeout_ms: int = 60_000, since: int | None = None) -> None:
    """Wait until Streamlit has finished running the page's script (its own script state, RUN_WATCH_JS and IDLE_JS)
    and the page has drawn it (QUIET_MS without a change). With `since` (a runs() count taken before an action),
    until a run that finished after it.

    Why: a form filled or submitted while the script is still drawing the page (or while a rerun it asked for
    is starting) can lose what was typed: the rerun remounts the form. A person sees the "Running..." badge and
    waits. Why `since`: right after a click the page still shows the previous run's idle state until the server
    answers; waiting for the count to move is waiting for the click's own run, not for a fixed quiet period.
    """
    page.wait_for_function(IDLE_JS, arg=[-1 if since is None else since, QUIET_MS], timeout=timeout_ms, polling=50)


@contextmanager
def rerun_by(page, timeout_ms: int = 60_000) -> Iterator[None]:
    """Wrap an action that makes the page's script run again (a click on a widget that reruns, Enter in a text
    box): returns once that run has finished (wait_until_idle with `since`). Start it on an idle page."""
    before = runs(page)
    yield
    wait_until_idle(page, timeout_ms, since=before)


# Move the tab to `path` as the browser's Back and Forward do (history entry + popstate): Streamlit's frontend finds
# the page by the URL's path and reruns it with the URL's query parameters in the same session, as a click on a link
# inside the app does.
NAVIGATE_JS = """path => {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}"""


def navigate_in_app(page, path: str, timeout_ms: int = 30_000) -> None:
    """Open `path` (e.g. "/vendor?vendor=v:palantir") inside the tab's running app, without a new session, and wait
    until that page's script has run and finished.

    Why: a new tab or a reload is a new Streamlit session (the frontend loads and compiles its JavaScript again and the
    server starts a session): several seconds a page, where the page's own run takes under one. A check that is
    about what a page shows, not about opening a link in a fresh session, reaches the page this way. Call it on an
    idle page: the wait is for the run the navigation starts."""
    with rerun_by(page, timeout_ms):
        page.evaluate(NAVIGATE_JS, path)


def fill_until_kept(page, label: str, text: str, attempts: int = 5) -> None:
    """Type into a form's text input, commit it (Tab), and check the page kept it after the app went idle.

    Why retry: on a loaded machine a rerun that was already on its way can remount the form after the text was
    typed; the test then types it again, as a person would, and fails with a clear message if it never stays.
    """
    for _ in range(attempts):
        wait_until_idle(page)
        box = page.get_by_label(label).first
        box.fill(text)
        box.press("Tab")  # a form's text input commits its value on blur
        wait_until_idle(page)
        if page.get_by_label(label).first.input_value() == text:
            return
    raise AssertionError(f"the text typed into {label!r} was wiped {attempts} times by reruns")


def enter_until_in_url(page, box, text: str, param: str, attempts: int = 3) -> None:
    """Type `text` into an input (a Playwright locator) and press Enter, then wait until the page has run with it: the
    URL's `param` is the text (the page writes its state there) and the script is idle. Call it on an idle page.

    Why retry: on a loaded machine a rerun already on its way can remount the input and wipe what was typed before
    Enter; a person types it again, and so does the test, failing with a clear message if it never takes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    in_url = "([p, t]) => new URLSearchParams(location.search).get(p) === t"
    for attempt in range(attempts):
        if attempt:
            wait_until_idle(page)
        # the same text again starts no run (the box's value does not change): then there is no run to wait for
        before = None if page.evaluate(in_url, [param, text]) else runs(page)
        box.fill(text)
        box.press("Enter")
        try:
            page.wait_for_function(in_url, arg=[param, text], timeout=30_000)
        except PlaywrightTimeout:
            continue
        wait_until_idle(page, since=before)
        return
    raise AssertionError(f"typing {text!r} never reached the URL's {param!r}: it was wiped {attempts} times")


def charts(at) -> dict[str, str]:
    """The charts an AppTest run drew (dashboard/svg.py markup, put on the page with st.markdown), by their key."""
    import re

    found = {}
    for m in at.markdown:
        key = re.match(r'<div data-chart="([^"]+)"', m.value)
        if key:
            found[key[1]] = m.value
    return found


def marks(markup: str):
    """Every mark a chart draws, one row each: its label, series and x (where it has them) and its value (the
    unrounded number drawn), read from the marks' data-* attributes with an HTML parser."""
    from html.parser import HTMLParser

    import pandas as pd

    rows: list[dict] = []

    class Marks(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if "data-value" in a:
                rows.append({"tag": tag, "label": a.get("data-label"), "series": a.get("data-series"),
                             "x": a.get("data-x"), "value": float(a["data-value"])})

    Marks().feed(markup)
    return pd.DataFrame(rows, columns=["tag", "label", "series", "x", "value"])


class TableMarkup:
    """One table as dashboard/tables.py writes it, parsed: its key, its columns (name, kind, the header as shown)
    and its rows of cells (attributes, the text as shown)."""

    def __init__(self, body: str) -> None:
        import re
        from html.parser import HTMLParser

        self.body = body
        self.key = re.match(r'<div data-table="([^"]+)"', body)[1]
        self.columns: list[dict] = []
        self.rows: list[list[dict]] = []
        into: list[dict | None] = [None]  # the header or cell whose text comes next
        columns, rows = self.columns, self.rows

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "th":
                    columns.append({"name": a["data-column"], "kind": a["data-kind"], "text": ""})
                    into[0] = columns[-1]
                elif tag == "tr" and columns:
                    rows.append([])
                elif tag == "td":
                    rows[-1].append({"attrs": a, "text": ""})
                    into[0] = rows[-1][-1]

            def handle_endtag(self, tag):
                if tag in ("th", "td"):
                    into[0] = None

            def handle_data(self, data):
                if into[0] is not None:
                    into[0]["text"] += data

        Parser().feed(body)


def table_markup(at) -> dict[str, TableMarkup]:
    """The tables an AppTest run listed (dashboard/tables.py HTML, put on the page with st.html), in page order,
    by their key."""
    return {t.key: t for t in (TableMarkup(m.proto.body) for m in at.get("html")
                               if m.proto.body.startswith("<div data-table="))}


def tables(at) -> dict:
    """The tables an AppTest run listed, in page order, by their key: each a DataFrame of the cells' exact values
    (data-v, else the text shown; data-n: empty) under the columns' own names, typed by the header's data-kind.
    What a reader sees is the same rows; the exact values are what a test compares with SQL."""
    from decimal import Decimal

    import pandas as pd

    read = {"int": int, "float": float, "decimal": Decimal, "bool": lambda v: v == "true",
            "datetime": pd.Timestamp, "text": str}
    found = {}
    for key, t in table_markup(at).items():
        rows = [[None if "data-n" in cell["attrs"] else read[col["kind"]](cell["attrs"].get("data-v", cell["text"]))
                 for col, cell in zip(t.columns, row, strict=True)] for row in t.rows]
        frame = pd.DataFrame(rows, columns=[c["name"] for c in t.columns])
        for col in t.columns:
            if col["kind"] == "datetime":
                frame[col["name"]] = pd.to_datetime(frame[col["name"]])
            elif col["kind"] == "int" and frame[col["name"]].notna().all():
                frame[col["name"]] = frame[col["name"]].astype("int64")
        found[key] = frame
    return found


def every_row(at, key: str):
    """All rows of table `key`, its pages walked with its page picker (ui.table shows a page at a time) in the
    same AppTest run, concatenated in order; the run is left on the last page."""
    import pandas as pd

    pages = [tables(at)[key]]
    picker = [n for n in at.number_input if n.key == f"{key}-rows-page"]
    if picker:
        for page in range(2, int(picker[0].max) + 1):
            at.number_input(key=f"{key}-rows-page").set_value(page).run()
            pages.append(tables(at)[key])
    return pd.concat(pages, ignore_index=True)
