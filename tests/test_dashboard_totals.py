"""Numbers a newsroom can quote: every total a page shows equals the SQL total over the same filters, and no
two pages disagree on the same total (Overview vs Map vs Vendor vs Agency vs Search).

The expected figures are computed here with plain SQL over the registry, independently of dashboard/queries.py,
so a page that silently stops at a row limit or counts an award twice fails.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import format as fmt
from registry.core.readonly import connect_readonly
from tests.dashboard_support import charts, marks, table_markup
from tests.test_dashboard_pages import frames, open_page, shown_page

# The awards a total counts as "surveillance-tagged": at least one capability tag (each award once).
TAGGED = "SELECT DISTINCT award_key FROM counted_capabilities"


@pytest.fixture()
def registry(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    return sample_registry


def sql(registry, statement: str, params=()) -> tuple:
    con = connect_readonly(registry)
    try:
        return con.execute(statement, list(params)).fetchone()
    finally:
        con.close()


def markdown(at) -> str:
    return "\n".join(str(m.value) for m in at.markdown).replace("\\", "")


def shown_money(text: str, after: str) -> str:
    """The first $ figure in `text` after the words `after` (pages show compact money, e.g. $9.0B)."""
    tail = text[text.index(after):]
    return re.search(r"\$[\d.,]+[KMBT]?", tail).group(0)


def test_search_total_covers_every_match_not_one_page(registry):
    n, total = sql(registry, "SELECT count(*), sum(obligated_amount) FROM awards")
    at = shown_page("search")
    text = markdown(at)
    assert f"**{n:,} awards** match" in text
    assert shown_money(text, "awards** match") == fmt.money(total)
    table = next(df for df in frames(at) if "obligated_amount" in df.columns)
    assert len(table) < n, "the sample has more awards than one page: the table pages"
    assert f"of {n:,}" in "\n".join(c.value for c in at.caption), "the page says the table shows a part"
    assert Decimal(str(table.obligated_amount.sum())) < total


def test_search_total_with_facets_equals_sql(registry):
    n, total = sql(registry, """
        SELECT count(*), sum(obligated_amount) FROM awards
        WHERE agency_subtier_abbreviation = 'ICE' AND year(first_action_date) = 2025""")
    at = shown_page("search", agency="ICE", year="2025")
    text = markdown(at)
    assert f"**{n:,} awards** match" in text
    assert shown_money(text, "awards** match") == fmt.money(total)


def test_search_export_holds_every_match(registry):
    """The download buttons' content: all matches, not the page's 500 rows."""
    from dashboard import queries as q
    from dashboard import ui

    n = sql(registry, "SELECT count(*) FROM awards")[0]
    csv = pd.read_csv(io.BytesIO(ui._spooled_csv(q.search_export("", {}, batch_rows=100))))
    assert len(csv) == n > q.SEARCH_PAGE_SIZE
    assert csv.award_key.is_unique
    parquet = pd.read_parquet(io.BytesIO(ui._spooled_parquet(q.search_export("", {"agency": ["CBP"]}))))
    assert len(parquet) == sql(registry, "SELECT count(*) FROM awards WHERE agency_subtier_abbreviation = 'CBP'")[0]


def test_pages_agree_on_the_surveillance_total(registry):
    """Overview, Map (all years), Agency table, Search (any capability) and SQL give one figure."""
    n, total = sql(registry, f"SELECT count(*), sum(obligated_amount) FROM awards WHERE award_key IN ({TAGGED})")
    # a registry where an award has two tags, so double counting would show
    multi = sql(registry, "SELECT count(*) FROM (SELECT award_key FROM counted_capabilities GROUP BY award_key "
                          "HAVING count(DISTINCT capability_id) > 1)")[0]
    assert multi > 0

    overview = shown_page("overview")
    metric = next(m for m in overview.metric if m.label == "Surveillance-tagged")
    assert metric.value == fmt.money(total)
    assert any(f"Surveillance-tagged: {n:,} awards" in c.value for c in overview.caption)
    agencies = next(df for df in frames(overview) if "component" in df.columns and "obligated" in df.columns)
    assert Decimal(str(agencies.obligated.sum())).quantize(Decimal("0.01")) == total
    assert agencies.awards.sum() == n

    tagged_map = shown_page("map")
    assert shown_money(markdown(tagged_map), "") == fmt.money(total)
    assert f"**{n:,}** surveillance-tagged awards" in markdown(tagged_map)

    names = sql(registry, "SELECT list(name ORDER BY sort_order) FROM capabilities")[0]
    search = shown_page("search", capability=names)
    text = markdown(search)
    assert f"**{n:,} awards** match" in text
    assert shown_money(text, "awards** match") == fmt.money(total)


def test_vendor_and_agency_pages_agree_with_sql(registry):
    v_n, v_total = sql(registry, f"""
        SELECT count(*), sum(obligated_amount) FROM awards
        WHERE (family_vendor_id = 'v:palantir' OR vendor_id = 'v:palantir') AND award_key IN ({TAGGED})""")
    vendor = shown_page("vendor", vendor="v:palantir")
    metric = next(m for m in vendor.metric if m.label == "Surveillance-tagged")
    assert metric.value == fmt.money(v_total) and metric.delta == f"{v_n:,} awards"

    # the same vendor's tagged total on Search: vendor facet + every capability
    names = sql(registry, "SELECT list(name ORDER BY sort_order) FROM capabilities")[0]
    fam = sql(registry, "SELECT vendor_name FROM vendor_summary WHERE vendor_id = 'v:palantir'")[0]
    search = shown_page("search", vendor=fam, capability=names)
    assert f"**{v_n:,} awards** match" in markdown(search)
    assert shown_money(markdown(search), "awards** match") == fmt.money(v_total)


def test_capability_chart_says_it_counts_an_award_under_each(registry):
    at = shown_page("overview")
    subheaders = [s.value for s in at.subheader]
    assert any(s.startswith("Capability mix") and "counts under each" in s for s in subheaders), subheaders
    multi_awards = sql(registry, "SELECT count(*) FROM (SELECT award_key FROM counted_capabilities GROUP BY award_key "
                                 "HAVING count(DISTINCT capability_id) > 1)")[0]
    assert any(f"{multi_awards:,} awards" in c.value for c in at.caption)


def test_top_agencies_shows_subtiers_and_unidentified_components(registry):
    """Every award once under its subtier; components where the records say; the rest as its own row."""
    at = open_page("overview")
    at.segmented_control(key="overview-scope").set_value("All awards").run()
    assert at.segmented_control(key="overview-agency-level").value == "Subtier agencies"
    table = next(df for df in frames(at) if "component" in df.columns and "subtier" in df.columns)
    drawn = marks(charts(at)["overview-agencies"]).set_index("label").value
    for subtier, (n, total) in {s: sql(registry, "SELECT count(*), sum(obligated_amount) FROM awards "
                                       "WHERE agency_subtier_abbreviation = ?", [s]) for s in ("CBP", "ICE")}.items():
        rows = table[table.subtier == subtier]
        assert rows.awards.sum() == n
        assert Decimal(str(rows.obligated.sum())).quantize(Decimal("0.01")) == total
        assert round(drawn[subtier], 2) == float(total), (subtier, drawn[subtier], total)  # the chart: the same
    unidentified = sql(registry, "SELECT count(*) FROM awards WHERE agency_component IS NULL")[0]
    assert table[table.component == "component not identified"].awards.sum() == unidentified
    # the PIID's office code attributes awards the search export gives no office for
    by_piid = sql(registry, "SELECT count(*), any_value(component_rule) FROM awards WHERE component_basis = "
                            "'piid_office'")
    assert by_piid[0] > 0 and "PIID office code" in by_piid[1]
    assert any("office code that opens the PIID" in c.value for c in at.caption)


def test_missing_competition_says_which_source_lacks_it_and_how_to_fill_it(registry):
    source = sql(registry, "SELECT source FROM awards WHERE piid = '70CDCR18P00000017'")[0]
    at = shown_page("award", award="70CDCR18P00000017", section="Competition, in plain words")  # its tab
    infos = "\n".join(i.value for i in at.info).replace("\\", "")
    if source == "usaspending_search_csv":
        assert "search export" in infos and "registry crawl fpds --piid 70CDCR18P00000017" in infos
        assert "usaspending-csv" in infos
    for df in frames(at):  # no table cell reads "None"
        assert not df.astype(str).isin(["None"]).any().any()


def test_whats_new_by_action_date_and_first_seen_equals_sql(registry):
    from datetime import date

    at = open_page("overview", section="What's new")  # the section's tab, as a shared link opens it
    first, last = sql(registry, "SELECT min(action_date), max(action_date) FROM transactions")
    assert any(f"Actions dated {first} to {last}" in c.value for c in at.caption), "says which dates it covers"
    key = "overview-new-dates-action"
    at.date_input(key=key).set_value((date(2025, 4, 1), date(2025, 9, 30))).run()
    n, awards, total = sql(registry, "SELECT count(*), count(DISTINCT award_key), sum(federal_action_obligation) "
                                     "FROM transactions WHERE action_date BETWEEN '2025-04-01' AND '2025-09-30'")
    text = markdown(at)
    assert f"**{n:,} actions** on {awards:,} awards dated 2025-04-01 to 2025-09-30" in text
    assert shown_money(text, "actions** on") == fmt.money(total)
    table = next(df for df in frames(at) if "award_page" in df.columns and "obligation" in df.columns)
    assert "70CTD022FR0000170" in {u.rsplit("award=", 1)[1] for u in table.award_page}, "ImmigrationOS mods"
    assert at.query_params["new_from"] in ("2025-04-01", ["2025-04-01"])

    at.segmented_control(key="overview-new-by").set_value("First seen by the registry").run()
    lo, hi = sql(registry, "SELECT min(fetched_at)::DATE, max(fetched_at)::DATE FROM transactions")
    seen = sql(registry, "SELECT count(*) FROM (SELECT award_key FROM transactions GROUP BY 1 "
                         "HAVING min(fetched_at)::DATE BETWEEN ? AND ?)", [max(lo, hi.fromordinal(hi.toordinal() - 90)), hi])[0]
    assert f"**{seen:,} awards** first fetched" in markdown(at)


def _nodes(node, in_popover: bool = False):
    """Every element of an AppTest tree with whether it sits inside a "How this was computed" popover."""
    for child in getattr(node, "children", {}).values():
        here = in_popover or (getattr(child, "type", None) == "popover"
                              and child.proto.popover.label == "How this was computed")
        yield child, here
        yield from _nodes(child, here)


def _popovers(at) -> list:
    return [n for n, _ in _nodes(at._tree) if getattr(n, "type", None) == "popover"
            and n.proto.popover.label == "How this was computed"]


# A total a page shows: a dollar figure, or a count of awards / actions / vendors / tags.
TOTAL_MONEY = re.compile(r"\$[\d.,]+[KMBT]?")
TOTAL_COUNT = re.compile(r"\b\d[\d,]*\s+(?:surveillance-tagged\s+)?(?:awards?|actions?|vendors?|possible tags?)\b")

# Every page, and the states of it that show different totals.
EVERY_PAGE = [
    ("overview", {}), ("overview", {"scope": "all", "new_by": "seen", "section": "What's new"}), ("map", {}),
    ("map", {"agency": "ICE", "cap": "biometrics"}), ("vendor", {"vendor": "v:palantir"}),
    ("compare", {"v": ["v:palantir", "v:relx", "v:thomson-reuters"]}),
    ("compare", {"v": ["v:palantir", "v:relx", "v:thomson-reuters"], "section": "Largest awards"}), ("agency", {}),
    ("agency", {"agency": "comp:ICE-HSI"}),
    ("agency", {"agency": "comp:ICE-HSI", "section": "Subtiers, components and offices"}), ("award", {"award": "70CTD022FR0000170"}),
    ("award", {"award": "70CTD022FR0000170", "section": "Linked records"}), ("search", {}),
    ("search", {"q": "license plate", "agency": "ICE"}), ("review", {}),
]


@pytest.mark.parametrize(("page", "params"), EVERY_PAGE, ids=lambda v: v if isinstance(v, str) else
                         "&".join(f"{k}={v}" for k, v in sorted(v.items())) or "default")
def test_every_total_on_every_page_says_how_it_was_computed(registry, page, params):
    """Each metric and each sentence with a total is named by a "How this was computed" popover on the same page,
    which shows the SQL it ran with its parameters and points to the rows behind it. A line quoting one award
    (it names the award's PIID) is a record, not a total."""
    at = shown_page(page, **params)
    piids = set(sql(registry, "SELECT list(DISTINCT piid) FROM awards")[0])
    pops = _popovers(at)
    explained: list[str] = []
    for pop in pops:
        text = "\n".join(str(m.value) for m in [*pop.markdown, *pop.caption]).replace("\\", "")
        assert pop.code and all("select" in c.value.lower() for c in pop.code), "the popover shows its SQL"
        assert "rows" in text.lower(), "the popover points to the rows behind the figure"
        line = next((c.value for c in pop.caption if c.value.startswith("Explains: ")), "")
        assert line, "the popover says which figures it explains"
        explained += [f.replace("\\", "") for f in line.removeprefix("Explains: ").split(" · ")]

    metrics = [n for n, inside in _nodes(at._tree) if not inside and getattr(n, "type", None) == "metric"]
    for m in metrics:
        assert m.label in explained, f"{page}: metric {m.label!r} has no 'How this was computed' ({explained})"
    # Sentences, not charts: a chart's printed values are its bars' own (its "Chart data" download holds them;
    # test_charts_export_exactly_the_rows_they_draw and the page tests compare them with SQL).
    sentences = [str(n.value).replace("\\", "").replace("**", "") for n, inside in _nodes(at._tree)
                 if not inside and getattr(n, "type", None) in ("markdown", "caption")
                 and not str(n.value).startswith("<div data-chart=")]
    totals = [t for t in sentences if (TOTAL_MONEY.search(t) or TOTAL_COUNT.search(t))
              and not piids & set(re.findall(r"[0-9A-Z]{8,}", t))]
    for t in totals:
        assert any(f.lower() in t.lower() for f in explained), f"{page}: total without a popover: {t!r}"
    assert metrics or totals, f"{page} shows no total: the page is not what this test expects"


def test_the_popover_shows_the_statement_the_page_ran(registry):
    """The SQL in the Search popover is the statement and parameters search_summary ran for these facets, and the
    headline popover on the Overview is the headline SQL."""
    overview = shown_page("overview")
    code = "\n".join(c.value for c in overview.code)
    assert "counted_capabilities" in code and "sum(obligated_amount)" in code, "the SQL behind the headline"
    search = shown_page("search", agency="ICE", year="2025")
    pop = next(p for p in _popovers(search))
    assert "count(*) AS n" in pop.code[0].value and "list_contains" in pop.code[0].value
    params = "\n".join(c.value for c in pop.caption).replace("\\", "")
    assert "Parameters, in order: [ICE]; [ICE]; []; []; []; []; [2025]; [2025]" in params


def test_awards_can_be_cited_and_agencies_link_to_their_usaspending_page(registry):
    overview = shown_page("overview")
    agencies = next(df for df in frames(overview) if "component" in df.columns and "subtier" in df.columns)
    assert set(agencies.source_url) == {"https://www.usaspending.gov/agency/department-of-homeland-security"}
    award = shown_page("award", award="70CTD022FR0000170")
    cite = "\n".join(c.value for c in award.code)
    url = sql(registry, "SELECT usaspending_url FROM awards WHERE piid = '70CTD022FR0000170'")[0]
    built = sql(registry, "SELECT value FROM registry_meta WHERE key = 'built_at'")[0][:10]
    assert url in cite and f"build of {built}" in cite and "70CTD022FR0000170" in cite


def test_charts_export_exactly_the_rows_they_draw(registry):
    """Every chart on the Overview has a CSV and a Parquet download of its rows."""
    at = shown_page("overview")
    drawn = charts(at)
    assert not at.get("plotly_chart")
    assert list(drawn) == ["overview-vendors", "overview-agencies", "overview-capabilities"], list(drawn)
    downloads = [b for b in at.get("download_button") if "Chart data" in b.proto.label]
    assert len(downloads) == 2 * len(drawn), (list(drawn), [b.proto.label for b in downloads])
    # The top vendors drawn are the ten vendor families with the most obligated on surveillance-tagged awards
    # (each award once), each bar its family's exact sum.
    con = connect_readonly(registry)
    try:
        top = con.execute(f"""SELECT any_value(family_vendor_name), sum(obligated_amount) FROM awards
                              WHERE award_key IN ({TAGGED}) GROUP BY family_vendor_id
                              ORDER BY 2 DESC LIMIT 10""").fetchall()
    finally:
        con.close()
    bars = marks(drawn["overview-vendors"])
    assert list(bars.label) == [name for name, _ in top]
    assert [round(v, 2) for v in bars.value] == [float(total) for _, total in top]


@pytest.mark.parametrize(("page", "params"), [*EVERY_PAGE, ("methods", {}), ("methods", {"section": "Column glossary"}),
                                              ("vendor", {"vendor": "v:palantir", "tab": "Family & matching"})],
                         ids=lambda v: v if isinstance(v, str) else
                         "&".join(f"{k}={v}" for k, v in sorted(v.items())) or "default")
def test_every_table_reads_as_words(registry, page, params):
    """Every table a page lists (item 9): headers in words, never a column name; no cell reads "None", "nan",
    "NaT" or a midnight "00:00:00"; money columns in dollars to the cent."""
    at = shown_page(page, **params)
    for key, t in table_markup(at).items():
        headers = [c["text"] for c in t.columns]
        cells = [cell["text"] for row in t.rows for cell in row]
        assert headers, key
        for h in headers:
            assert "_" not in h and h[:1].isupper(), f"{key}: header {h!r} is a column name"
        bad = [c for c in cells if c.strip() in ("None", "nan", "NaN", "NaT", "<NA>") or "00:00:00" in c]
        assert not bad, f"{key}: {bad[:5]}"
        body = t.body
        money = re.findall(r'<th data-column="([^"]+)" data-kind="[^"]+" class=n>(Obligated|Amount)', body)
        for column, _ in money:
            assert f'data-column="{column}"' in body and re.search(r">-?\$[\d,]+\.\d\d<", body), (key, column)
