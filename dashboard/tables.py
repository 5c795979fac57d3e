"""Tables as HTML built on the server: every row a page lists, in a scrolling box with its header kept in view.

Why not Streamlit's data grid (st.dataframe): the grid is a canvas. Its code and drawing cost a new tab about 0.4 s
of the 1.5 s issue 17 allows (bench/page_settle.py, docs/benchmarks.md: the Award, Vendor and Search pages
settled in 1.4-1.8 s with a grid and in 1.0-1.3 s without), and a canvas holds no text: a reader cannot select a
PIID to copy it, the browser's find (Ctrl+F) does not see it, and a screen reader gets a substitute table. An HTML
table is text: selectable, findable, printable. What the grid gave that this does not: sorting by a click on a
column and resizing columns. Every table arrives sorted by what it is about (largest first, newest first,
relevance), and every table has CSV, Parquet or JSON downloads of all its rows for a spreadsheet.

Each cell carries its exact value (its text, or `data-v` where the text shown differs; the column's kind is on its
header: `data-kind`), so what a table lists is checkable against SQL without parsing the shown text back (tests/dashboard_support.py `tables`). Every
string from a record is escaped here; a link is a link only when fmt.safe_url allows it (http/https).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import pandas as pd

from dashboard import format as fmt

BORDER = "rgba(49, 51, 63, 0.15)"
HEADER_BG = "#f6f7f9"


def _kind(series: pd.Series) -> str:
    """How a column's exact values are written and read back: int, float, decimal, bool, datetime or text."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    present = [v for v in series if fmt.val(v) is not None]
    if present and all(isinstance(v, Decimal) for v in present):
        return "decimal"
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, (date, datetime)) for v in present):
        return "datetime"
    return "text"


def _items(value) -> list | None:
    """A list cell's items (a list, tuple or array: DuckDB LIST columns), else None."""
    if isinstance(value, (str, bytes)):
        return None
    if hasattr(value, "tolist"):  # an array; a NumPy scalar's tolist() is a scalar, not a list
        items = value.tolist()
        return items if isinstance(items, list) else None
    return list(value) if isinstance(value, (list, tuple)) else None


def _exact(value, kind: str) -> str | None:
    """The cell's value as written in data-v (None: the cell is empty)."""
    items = _items(value)
    if items is not None:
        return json.dumps([str(v) for v in items])
    if fmt.val(value) is None:
        return None
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    if kind == "datetime":
        return pd.Timestamp(value).isoformat()
    return str(value)


def _shown(value, kind: str, *, money: bool) -> str:
    """The cell as a reader sees it: dollars to the cent, days without a time, yes/no, lists joined."""
    items = _items(value)
    if items is not None:
        return ", ".join(str(v) for v in items)
    if fmt.val(value) is None:
        return ""
    if money:
        return fmt.money_exact(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "datetime":
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M UTC")
    if kind == "float":
        v = float(value)
        return f"{v:,.2f}" if abs(v) >= 1000 else f"{v:.6g}"
    return str(value)


# One style sheet per table (scoped to its box by class), not a style on every cell: the browser parses it once.
STYLE = (f".rt{{overflow:auto;border:1px solid {BORDER};border-radius:0.5rem;margin-bottom:0.5rem}}"
         ".rt table{width:100%;border-collapse:separate;border-spacing:0;font-size:0.85rem;margin:0}"
         # the header's own text colour: readable on its light band in a dark theme too
         f".rt th{{position:sticky;top:0;background:{HEADER_BG};color:#31333f;text-align:left;padding:6px 8px;"
         f"border-bottom:1px solid {BORDER};font-weight:600;white-space:nowrap}}"
         f".rt td{{padding:4px 8px;border-bottom:1px solid {BORDER};vertical-align:top;text-align:left}}"
         ".rt .n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
         ".rt .w{min-width:22em}.rt .d{white-space:nowrap}")  # long text (descriptions) wraps in a readable measure, not a narrow column


def html_table(df: pd.DataFrame, *, key: str, headers: dict[str, str], money: Sequence[str] = (),
               links: Sequence[str] = (), pages: Sequence[str] = (), link_label: str = "open",
               height: int | None = None) -> str:
    """The rows of `df` as one HTML block. `headers`: the words over each column; `money`: columns shown as
    dollars; `links`: columns of outside links (shown as `link_label`, opened in a new tab); `pages`: columns of
    links to this dashboard's pages (shown as the award id they open). A cell's exact value is in `data-v` where
    the text shown differs from it; an empty cell is `data-n`."""
    kinds = {c: _kind(df[c]) for c in df.columns}
    right = {c for c in df.columns if c in money or kinds[c] in ("int", "float", "decimal")}
    wide = {c for c in df.columns if kinds[c] == "text" and c not in links and c not in pages
            and max((len(str(v)) for v in df[c]), default=0) > 60}
    cls = {c: " class=n" if c in right else " class=w" if c in wide else " class=d" if kinds[c] == "datetime"
           else "" for c in df.columns}
    th = "".join(f'<th data-column="{fmt.html_text(c)}" data-kind="{kinds[c]}"{cls[c]}>{fmt.html_text(headers.get(c, c))}</th>'
                 for c in df.columns)
    rows = []
    for values in df.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(df.columns, values, strict=True):
            exact = _exact(v, kinds[c])
            shown = _shown(v, kinds[c], money=c in money)
            text = fmt.html_text(shown)
            if exact is not None and c in links:
                text = f'<a href="{fmt.html_text(exact)}" target="_blank" rel="noopener noreferrer">{fmt.html_text(link_label)}</a>'
                shown = link_label
            elif exact is not None and c in pages:
                label = re.search(r"award=(.*)$", exact)
                shown = label[1] if label else exact
                text = f'<a href="{fmt.html_text(exact)}" target="_self">{fmt.html_text(shown)}</a>'
            data = " data-n" if exact is None else ("" if exact == shown else f' data-v="{fmt.html_text(exact)}"')
            cells.append(f"<td{data}{cls[c]}>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div data-table="{fmt.html_text(key)}" data-rows="{len(df)}" class="rt" style="max-height:{height or 400}px">'
            f"<style>{STYLE}</style><table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")
