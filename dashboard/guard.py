"""What a visitor sees when the URL or the registry file is bad: a plain sentence, never a traceback or a path.

Why one helper around every page (dashboard/app.py calls `run(page)`):
- typed URL parameters (`?year=abc`) are checked before a page reads them; a bad value is dropped with a
  notice instead of reaching `int()` inside a query;
- a registry that is corrupt or truncated shows one sentence saying so and how to fix it;
- a registry copied over in place (not renamed, as `registry build` does) while a page loads reads as
  corrupt for a moment: the connection is dropped, the file is left to settle, the page is run again once,
  and the visitor is told the registry changed.
Uncaught errors of any other kind are hidden by Streamlit itself (`client.showErrorDetails = none`, set by
`registry dashboard`), so no server path reaches a browser.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

import duckdb
import streamlit as st

from dashboard import db

log = logging.getLogger(__name__)

# URL parameters with a type: name -> (pattern a value must match, what it should be, for the notice)
TYPED: dict[str, tuple[re.Pattern[str], str]] = {
    "year": (re.compile(r"^\d{4}$"), "a four-digit year"),
    "from": (re.compile(r"^\d{4}$"), "a four-digit year"),
    "to": (re.compile(r"^\d{4}$"), "a four-digit year"),
    "top": (re.compile(r"^\d{1,4}$"), "a whole number"),
}
DAMAGED = ("The registry file could not be read: it is damaged or incomplete. Rebuild it with `registry build` "
           "(or `make registry` for the bundled sample), then reload this page.")
SETTLE_SECONDS = 5.0  # how long to wait for a registry being copied in place to stop changing


def clean_params() -> list[str]:
    """Drop malformed values of typed URL parameters; one notice per parameter dropped from."""
    notices = []
    for name, (pattern, want) in TYPED.items():
        values = st.query_params.get_all(name)
        if not values:
            continue
        good = [v for v in values if pattern.match(v.strip())]
        if len(good) == len(values):
            continue
        bad = [v for v in values if v not in good]
        shown = ", ".join(repr(v[:20]) for v in bad[:3])
        notices.append(f"Ignored `{name}` = {shown}: not {want}.")
        if good:
            st.query_params[name] = good
        else:
            del st.query_params[name]
    return notices


def settle(seconds: float = SETTLE_SECONDS) -> None:
    """Wait (bounded) until the registry's identity stays the same for a moment: a copy has finished."""
    deadline = time.monotonic() + seconds
    last = db.signature()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = db.signature()
        if now == last:
            return
        last = now


def incomplete_notice() -> None:
    """Say so when the registry was built on crawls that did not finish (`registry build --allow-partial`)."""
    from dashboard import queries as q

    meta = dict(q.registry_meta().itertuples(index=False, name=None))
    try:
        scopes = json.loads(meta.get("incomplete_scopes") or "[]")
    except ValueError:
        scopes = []
    if scopes:
        names = ", ".join(sorted({f"{s.get('source')} ({s.get('status')})" for s in scopes}))
        st.warning(f"Incomplete: this registry was built while {len(scopes)} crawl scope(s) had not finished "
                   f"({names}); totals may be short until they are re-run.")


def run(page: Any) -> None:
    """Run one page with the notices, the damaged-registry sentence and one reopen after a file change."""
    for notice in clean_params():
        st.info(notice)
    reopened = st.session_state.pop("_registry_reopened", None)
    if reopened:
        st.info(reopened)
    started = db.signature()
    try:
        incomplete_notice()
        page.run()
    except duckdb.Error as e:
        log.warning("registry read failed: %s", str(e).splitlines()[0] if str(e) else type(e).__name__)
        if not reopened:  # once per page load: drop the connection, let the file settle, run the page again
            db.reset()
            settle()
            changed = db.signature() != started
            st.session_state["_registry_reopened"] = (
                "The registry file changed while this page was loading; it was reopened." if changed else
                "The registry file could not be read; it was reopened.")
            st.rerun()
        st.error(DAMAGED)
