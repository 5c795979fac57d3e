"""Formatting for people: money as $1.2M, exact cents where a record is quoted, safe links, inert text.

Why one module: every page must show amounts the same way and must never turn scraped text into markup
or a scraped URL into a `javascript:` link; keeping those rules here makes them testable in one place.
"""

from __future__ import annotations

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
