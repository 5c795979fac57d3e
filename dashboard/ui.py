"""Pieces every page shares: the sample banner, URL state, safe tables, exports and links.

Why: the rules "state lives in the URL", "every table exports with its source", "scraped text is
text and links are http(s) only" are easiest to keep when each page calls the same few helpers.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard import crawl_needs, tables
from dashboard import format as fmt
from dashboard import queries as q

TABLE_PAGE_ROWS = 50
URL_COLUMNS = ("source_url", "usaspending_url", "website", "sam_url", "citation", "watchlist_citation",
               "filing_document_url", "url")


# --------------------------------------------------------------------------------------- URL state

def param(name: str, default: str | None = None) -> str | None:
    """One query parameter (the last value when repeated)."""
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def param_list(name: str) -> list[str]:
    """A repeated query parameter (?v=a&v=b) as a list."""
    return [v for v in st.query_params.get_all(name) if v]


WRITTEN = "_url_written"  # session state: each query parameter as this session last wrote it (a list of strings)


def set_params(**values) -> None:
    """Write the page's state into the URL so a copied link reopens the same view (empty values removed), and
    remember what was written, so `follow_url` can tell a URL the session wrote from one Back/Forward brought."""
    written = st.session_state.setdefault(WRITTEN, {})
    for key, value in values.items():
        if value is None or value == "" or value == [] or value is False:
            if key in st.query_params:
                del st.query_params[key]
            written[key] = []
            continue
        new = [str(v) for v in value] if isinstance(value, list | tuple) else str(value)
        current = st.query_params.get_all(key) if isinstance(new, list) else st.query_params.get(key)
        if current != new:
            st.query_params[key] = new
        written[key] = new if isinstance(new, list) else [new]


def follow_url(key: str, param: str) -> None:
    """Call before a keyed widget whose value `set_params` keeps in the URL parameter `param`: when the URL changed
    under the open session (Back or Forward, or a link to the same page with another query), the URL wins.

    Why: Streamlit keeps a keyed widget's value across reruns of one session, so after Back from ?vendor=b to
    ?vendor=a the widget still said b, and `set_params` then wrote b back into the URL: the page showed another
    vendor than its link. When the URL no longer holds what this session last wrote there, the widget's state is
    dropped (not overwritten: a value set through Session State beside a default is refused with a warning), so
    the widget starts again from the URL."""
    written = st.session_state.get(WRITTEN, {})
    if key in st.session_state and param in written and st.query_params.get_all(param) != written[param]:
        del st.session_state[key]


def int_param(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter clamped to [low, high]; the default when absent or malformed."""
    try:
        value = int(param(name, str(default)))
    except (TypeError, ValueError):
        return default
    return max(low, min(high, value))


def url_tabs(names: Sequence[str], *, key: str = "section", default: str | None = None) -> Sequence:
    """A page's tabs, the open one kept in the URL (?section=, or `key`) so a shared link opens it.

    Why every page wraps each tab's body in `if tab.open:`: only the open tab's queries, tables and charts are
    built, sent and drawn, so a new tab of the page has less to draw and settles sooner (bench/page_settle.py);
    a tab's content comes when the reader opens it (a rerun), or from a shared link."""
    return st.tabs(list(names), key=key, bind="query-params", on_change="rerun", default=default)


# ------------------------------------------------------------------------------------------ banner

def banner() -> None:
    """One line saying the registry is the bundled sample (details folded away); a crawled registry says only
    when it was built."""
    meta = dict(q.registry_meta().itertuples(index=False, name=None))
    built = meta.get("built_at", "unknown")[:16].replace("T", " ")
    if meta.get("is_sample") == "true":
        st.warning(f"**Sample data**, built {fmt.md_text(built)} UTC from the bundled offline files, not a live "
                   "crawl: figures cover those files only.", icon="⚠️")
        with st.expander("Sample details, and what a live crawl needs"):
            st.markdown(f"**Files:** {fmt.md_text(meta.get('sample_description', 'data/sample/'))}")
            st.markdown(crawl_needs.live_crawl_needs().sentence() + " Run `make crawl` to replace this sample.")
    else:
        st.caption(f"Registry built {fmt.md_text(built)} UTC from public records; see Methods & sources.")


# ------------------------------------------------------------------------------------------ tables

def _sanitised(df: pd.DataFrame) -> pd.DataFrame:
    """Unsafe link columns emptied; missing text shown as a dash (never "None")."""
    out = df.copy()
    for col in out.columns:
        if col in URL_COLUMNS:
            out[col] = fmt.safe_url_column(out[col])
        elif out[col].dtype == object or str(out[col].dtype).startswith(("string", "str")):
            out[col] = out[col].map(lambda v: "—" if fmt.val(v) is None else v)
    return out


def table(df: pd.DataFrame, *, key: str, money: Sequence[str] = (), hide: Sequence[str] = (),
          height: int | None = None, link_label: str = "open", pages: Sequence[str] = (),
          page_rows: int | None = TABLE_PAGE_ROWS) -> None:
    """A read-only table (HTML built on the server, dashboard/tables.py): money as dollars to the cent, dates as
    days, http(s) links clickable, headers in words, everything else plain text. `pages` names columns holding
    links to this dashboard's own pages.

    A table of more than `page_rows` rows is shown a page at a time (a page picker above it, and a line that says
    which rows are shown): a browser lays out every row of an HTML table, and a page's first view with 100 rows
    cost a new tab 0.2 s more than with 50 (docs/benchmarks.md). Every table's downloads hold all its rows.
    `page_rows=None`: every row at once (a reference list in a section of its own, e.g. the column glossary)."""
    shown = _sanitised(df).drop(columns=[c for c in hide if c in df.columns])
    if page_rows and len(shown) > page_rows:
        n_pages = -(-len(shown) // page_rows)
        page = int(st.number_input(f"Rows: page (of {n_pages:,}; {page_rows} rows a page)", 1, n_pages, 1,
                                   key=f"{key}-rows-page"))
        first = (page - 1) * page_rows
        shown = shown.iloc[first:first + page_rows]
        st.caption(f"Rows {first + 1:,}–{first + len(shown):,} of {len(df):,}.")
    st.html(tables.html_table(shown, key=key, headers={c: fmt.header(c) for c in shown.columns}, money=money,
                              links=[c for c in shown.columns if c in URL_COLUMNS], pages=pages,
                              link_label=link_label, height=height))


def page_url(page: str, **params: str) -> str:
    """A link to one of this dashboard's pages with its state (values URL-encoded; a list repeats its key)."""
    return f"./{page}?{urlencode(params, doseq=True)}"


def exports(df: pd.DataFrame, name: str, *, key: str, full: bool = False) -> None:
    """Download buttons: CSV always; Parquet and JSON for the page's main (filtered) set.

    The source_url column travels with the rows so every exported number points to its public record.
    """
    if "source_url" not in df.columns:
        raise ValueError(f"export {name!r} has no source_url column")
    cols = st.columns(3 if full else 1, width=420 if full else 140)
    cols[0].download_button("CSV", lambda: df.to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
                            key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    if full:
        def parquet() -> bytes:
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            return buf.getvalue()

        cols[1].download_button("Parquet", parquet, file_name=f"{name}.parquet",
                                mime="application/vnd.apache.parquet", key=f"{key}-parquet", on_click="ignore",
                                icon=":material/download:")
        cols[2].download_button("JSON", lambda: json.dumps(json.loads(df.to_json(orient="records",
                                date_format="iso")), indent=1), file_name=f"{name}.json",
                                mime="application/json", key=f"{key}-json", on_click="ignore",
                                icon=":material/download:")


def link(label: str, url, *, help_text: str | None = None) -> None:
    """A link button only for http(s) URLs; otherwise a note that the record has no usable link."""
    safe = fmt.safe_url(url)
    if safe:
        st.link_button(label, safe, help=help_text)
    else:
        st.caption(f"{fmt.md_text(label)}: no http(s) link in the record")


def text(label: str, value) -> None:
    """Scraped text shown as text (markdown and HTML inert)."""
    st.markdown(f"**{fmt.md_text(label)}:** {fmt.md_text(value) or '—'}")


def empty(message: str) -> None:
    """An empty state that says what to do."""
    st.info(message, icon=":material/info:")


def obligations_chart(monthly: pd.DataFrame, *, key: str) -> None:
    """All and surveillance-tagged obligations per month as two lines (overview and agency pages)."""
    from dashboard import figures

    figures.show(figures.obligations(monthly, key=key))


def _spooled(batches: Iterable, writer_for: Callable) -> bytes:
    """The batches written by `writer_for(file, schema)` into a temporary file (in memory up to 16 MB, then on
    disk), and the file's bytes: an export of every match never holds a second copy of it as Python rows."""
    out = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)  # noqa: SIM115 (closed below)
    writer = None
    for batch in batches:
        if writer is None:
            writer = writer_for(out, batch.schema)
        writer.write_batch(batch)
    if writer is not None:
        writer.close()
    out.seek(0)
    with out:
        return out.read()


def _spooled_csv(batches: Iterable) -> bytes:
    import pyarrow.csv as pacsv

    return _spooled(batches, pacsv.CSVWriter)


def _spooled_parquet(batches: Iterable) -> bytes:
    import pyarrow.parquet as pq

    return _spooled(batches, pq.ParquetWriter)


def streamed_exports(batches: Callable[[], Iterable], name: str, *, key: str, rows: int) -> None:
    """CSV and Parquet of EVERY matching row, generated only when clicked and written as DuckDB reads them.

    Why not `exports(df)`: a page shows one page of rows, but an export must hold every match, which can be
    far more than a page; the file is built from DuckDB's Arrow batches into a spooled temporary file (so the
    rows are never all in a DataFrame), then handed to Streamlit, which serves it from memory once.
    """
    cols = st.columns(2, width=460)
    cols[0].download_button(f"CSV ({rows:,} rows)", lambda: _spooled_csv(batches()), file_name=f"{name}.csv",
                            mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    cols[1].download_button(f"Parquet ({rows:,} rows)", lambda: _spooled_parquet(batches()),
                            file_name=f"{name}.parquet", mime="application/vnd.apache.parquet",
                            key=f"{key}-parquet", on_click="ignore", icon=":material/download:")


def _shown_param(value) -> str:
    """A parameter as the popover lists it: long lists (ranked search hits) cut to their first values."""
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
        head = ", ".join(items[:6])
        return f"[{head}{f', … {len(items):,} values' if len(items) > 6 else ''}]"
    return str(value)


def how_computed(what: str, sql: str | None = None, *, params: Sequence = (), rows_link: str | None = None,
                 key: str, figures: Sequence[str] = (), queries: Sequence[tuple[Callable, tuple]] = ()) -> None:
    """A "how this was computed" popover: what the figure counts, the exact SQL and its parameters, and a link
    to the rows behind it (the Search page with the same filters), so a reader can check any headline.

    `figures` names the metrics and total sentences the popover explains (shown, and checked by the tests: every
    total a page shows must be named by one). `queries` are (named query, its arguments) pairs from
    dashboard/queries.py: the popover shows the statements each one runs with the page's own filters.
    """
    shown = [(None, sql, tuple(params))] if sql else []
    for fn, args in queries:
        shown += [(fn.__name__, stmt, bound) for stmt, bound in q.statements(fn, *args)]
    with st.popover("How this was computed", icon=":material/calculate:", key=key):
        st.markdown(what)
        if figures:
            st.caption("Explains: " + " · ".join(fmt.md_text(f) for f in figures))
        for name, stmt, bound in shown:
            if name:
                st.markdown(f"`dashboard/queries.py` · **{name}**")
            st.code(" ".join(stmt.split()) if len(stmt) < 300 else stmt.strip(), language="sql", wrap_lines=True)
            if bound:
                st.caption("Parameters, in order: " + "; ".join(fmt.md_text(_shown_param(p)) for p in bound))
        st.caption("Run it yourself: `registry sql \"...\"` reads the same registry read-only.")
        if rows_link:
            st.markdown(f"[The rows behind it]({rows_link})")


def cite(label: str, text: str, *, key: str) -> None:
    """A "cite this" popover with a citation to copy (the code block has a copy button)."""
    with st.popover(label, icon=":material/format_quote:", key=key):
        st.code(text, language=None, wrap_lines=True)


def chart_data(df: pd.DataFrame, name: str, *, key: str) -> None:
    """CSV and Parquet of exactly the rows a chart draws (aggregates: their sources are the awards behind them,
    which the page's tables and Search export with their source URLs)."""
    def parquet() -> bytes:
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return buf.getvalue()

    cols = st.columns(2, width=420)  # each button its whole label: "Chart data (Parquet)" with its icon
    cols[0].download_button("Chart data (CSV)", lambda: df.to_csv(index=False), file_name=f"{name}.csv",
                            mime="text/csv", key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    cols[1].download_button("Chart data (Parquet)", parquet, file_name=f"{name}.parquet",
                            mime="application/vnd.apache.parquet", key=f"{key}-parquet", on_click="ignore",
                            icon=":material/download:")
