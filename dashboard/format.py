"""Formatting for people: money as $1.2M, exact cents where a record is quoted, safe links, inert text.

Why one module: every page must show amounts the same way and must never turn scraped text into markup
or a scraped URL into a `javascript:` link; keeping those rules here makes them testable in one place.
"""

from __future__ import annotations

import html
import math
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pandas as pd

# Fixed colours per capability (by taxonomy order) so a capability looks the same on every chart.
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
NOT_TAGGED_COLOUR = "#c7c7c7"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def val(value):
    """The value, or None when it is missing (None, NaN, pd.NA, NaT): pandas 3 mixes all of these."""
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):  # lists and arrays are present values
        return value


def _number(value) -> float | None:
    """A float for any numeric-ish value, None for NULL/NaN."""
    if val(value) is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def money(value) -> str:
    """Compact money for headlines and axes: $1.2M, $950K, $3.4B; an em dash when unknown."""
    f = _number(value)
    if f is None:
        return "—"
    sign = "-" if f < 0 else ""
    f = abs(f)
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if f >= threshold:
            return f"{sign}${f / threshold:.1f}{suffix}"
    return f"{sign}${f:,.0f}"


def money_exact(value) -> str:
    """Exact to the cent, as the public record states it: $29,898,236.00 (Decimals are kept exact)."""
    if val(value) is None:
        return "—"
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    d = d.quantize(Decimal("0.01"))
    return f"-${-d:,.2f}" if d < 0 else f"${d:,.2f}"


def safe_url(url) -> str | None:
    """The URL when it is an absolute http(s) link with a host; None otherwise (javascript:, data:, relative)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    if any(ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def safe_url_column(series: pd.Series) -> pd.Series:
    """Apply safe_url to a column (unsafe links become empty rather than clickable)."""
    return series.map(safe_url)


def md_text(text) -> str:
    """Scraped text made inert for Streamlit markdown: every markdown/HTML special character escaped."""
    if val(text) is None:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def html_text(value) -> str:
    """Scraped text made inert inside HTML, as an element's text or a quoted attribute (the charts and tables the
    pages build as markup): every special character escaped, and a line break kept as a character reference, so
    the markup stays on one line (a blank line would end Markdown's HTML block) and the value stays exact."""
    if val(value) is None:
        return ""
    return html.escape(str(value), quote=True).replace("\r", "&#13;").replace("\n", "&#10;")


def day(value) -> str:
    """A date as YYYY-MM-DD (pandas turns DuckDB dates into timestamps with a time of midnight)."""
    v = val(value)
    return "—" if v is None else str(v)[:10]


def pct(value) -> str:
    """A share 0..1 as 12%; an em dash when unknown."""
    f = _number(value)
    return "—" if f is None else f"{f:.0%}"


def capability_colours(capabilities: pd.DataFrame) -> dict[str, str]:
    """capability_id and name -> colour, by taxonomy sort order (stable across pages and rebuilds)."""
    out: dict[str, str] = {}
    ordered = capabilities.sort_values("sort_order") if "sort_order" in capabilities else capabilities
    for i, row in enumerate(ordered.itertuples(index=False)):
        colour = PALETTE[i % len(PALETTE)]
        out[row.capability_id] = colour
        out[row.name] = colour
    return out


# Column headers as words: the registry's column names are for SQL, a table's header is for a reader.
HEADERS = {
    "obligated": "Obligated", "obligated_amount": "Obligated", "surveillance_obligated": "Obligated on surveillance",
    "surveillance_obligated_amount": "Obligated on surveillance", "base_and_all_options": "Ceiling (base + options)",
    "awards": "Awards", "award_count": "Awards", "vendors": "Vendors", "vendor_count": "Vendors",
    "vendor_name": "Vendor", "vendor": "Vendor", "agency": "Agency", "subtier": "Agency (subtier)",
    "component": "Component", "attributed_by": "Component attributed by", "piid": "PIID",
    "award_page": "Award", "capabilities": "Capabilities", "capability_names": "Capabilities",
    "capability": "Capability", "first_action_date": "First action", "last_action_date": "Last action",
    "action_date": "Action date", "first_seen": "First seen", "competition_status": "Competition",
    "matched_in": "Matched in", "matched_text": "Matched text", "description": "Description",
    "modification_number": "Modification", "obligation": "Amount", "running_obligated": "Running total",
    "source_url": "Source", "usaspending_url": "USAspending", "on_watchlist": "On watchlist",
    "sole_source_awards": "Sole-source awards", "competition_reported": "Competition reported",
    "agency_component": "Component", "event_basis": "What happened", "subtier_name": "Subtier",
}


def header(column: str) -> str:
    """A column's header for readers: a known name in words, else the name with spaces, capitalised."""
    return HEADERS.get(column, column.replace("_", " ").capitalize())


# Where a field is missing, which source lacks it and how to fill it (the search export is the sample's source).
SOURCES_WITHOUT_COMPETITION = {
    "usaspending_search_csv": "a USAspending search export (Award Search > Transactions), which carries no "
                              "competition fields",
    "test_fixture": "a test record with no competition fields",
}


NO_COMPETITION_HINT = ("search exports carry no competition fields; load USAspending's bulk transaction download "
                       "(`registry load usaspending-csv`) or FPDS records (`registry crawl fpds`) to fill them.")


def missing_competition_reason(source, piid) -> str:
    """Why an award's competition fields are empty, and the commands that fill them."""
    what = SOURCES_WITHOUT_COMPETITION.get(str(val(source) or ""),
                                           f"its source ({val(source) or 'unknown'}), which did not report them")
    return (f"not reported: this award came from {what}. To fill them, load USAspending's bulk transaction "
            f"download for it (`registry load usaspending-csv Contracts_PrimeTransactions_*.csv`) or its FPDS "
            f"record (`registry crawl fpds --piid {val(piid) or 'PIID'}`), then `registry build`.")


def usaspending_agency_url(department) -> str:
    """The department's own USAspending profile page (USAspending profiles toptier agencies; the slug is the
    name in lower case with hyphens, e.g. /agency/department-of-homeland-security); the search page if unknown."""
    name = val(department)
    if not name:
        return "https://www.usaspending.gov/search"
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    return f"https://www.usaspending.gov/agency/{slug}"
