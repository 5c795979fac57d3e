"""Dashboard entry point: `streamlit run dashboard/app.py` (or `registry dashboard`).

Why a router file: st.navigation registers one module per page (dashboard/views/), every page gets the
same sample banner, and each page keeps its own state in the URL (Streamlit clears query parameters on
page change, so pages write theirs back).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import db, guard, ui  # noqa: E402

st.set_page_config(page_title="Surveillance Tech Registry", layout="wide")

# No page icons: Streamlit turns a page icon into the favicon and fetches it from fonts.gstatic.com,
# which an offline newsroom machine cannot reach (the browser test blocks anything off 127.0.0.1).
PAGES = [
    st.Page("views/overview.py", title="Overview", url_path="home", default=True),
    st.Page("views/map.py", title="Map", url_path="map"),
    st.Page("views/vendor.py", title="Vendor profile", url_path="vendor"),
    st.Page("views/compare.py", title="Compare vendors", url_path="compare"),
    st.Page("views/agency.py", title="Agency profile", url_path="agency"),
    st.Page("views/award.py", title="Award", url_path="award"),
    st.Page("views/search.py", title="Search", url_path="search"),
    st.Page("views/review.py", title="Review queue", url_path="review"),
    st.Page("views/methods.py", title="Methods & sources", url_path="methods"),
    # The default page lives at "/", so a shared /overview link would say "Page not found": the same page again,
    # hidden from the menu, answers at /overview.
    st.Page("views/overview.py", title="Overview", url_path="overview", visibility="hidden"),
]

page = st.navigation(PAGES)
if db.signature() is None:
    st.error(f"No registry at {db.registry_path()}: run `make registry` (bundled sample) or `make crawl`, "
             "then reload this page.")
    st.stop()
try:
    ui.banner()
except duckdb.Error:  # a damaged registry: guard.run says so in a sentence (and reopens it once)
    pass
guard.run(page)  # bad URL values dropped with a notice; a damaged registry is a sentence, never a traceback
