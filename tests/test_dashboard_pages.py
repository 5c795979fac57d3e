"""Every dashboard page under AppTest on the sample registry: renders, shows the banner, widgets change results."""

from __future__ import annotations

import os

import pytest
from streamlit.testing.v1 import AppTest

from registry.core.readonly import connect_readonly
from tests.dashboard_support import app_test, charts, every_row, marks, tables

PAGES = ["overview", "map", "vendor", "compare", "agency", "award", "search", "methods"]
PALANTIR_ORDER = "70CTD022FR0000170"
WEST_LPR = "70CDCR18P00000017"


@pytest.fixture()
def registry(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    return sample_registry


def open_page(page: str, **params) -> AppTest:
    """Run the app on this page with these query parameters, as a shared URL opens it: one run, not a run of the
    default page first (each page's url_path is its file name, so the page is found before the first run)."""
    at = app_test()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert ran_page(at) == page, f"asked for the {page} page, {ran_page(at)} ran"
    return at


_SHOWN: dict[tuple, AppTest] = {}


def shown_page(page: str, **params) -> AppTest:
    """open_page for a check that only reads what the page shows: the same page with the same parameters on the same
    registry runs once per test process, and every test that reads it gets that run. A test that clicks, types or
    reruns calls open_page for its own run (a shared one would carry its changes into the next test)."""
    key = (os.environ.get("REGISTRY_PATH"), page,
           tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
    if key not in _SHOWN:
        _SHOWN[key] = open_page(page, **params)
    return _SHOWN[key]


def ran_page(at: AppTest) -> str:
    """The page file the last run rendered (the page st.navigation chose), e.g. "vendor"."""
    info = at._registered_pages.get(at._finished_page_script_hash) or {}  # noqa: SLF001 - AppTest has no public name
    return str(info.get("script_path", "")).rsplit("/", 1)[-1].removesuffix(".py")


def frames(at: AppTest) -> list:
    """The page's tables, in page order, as frames of their exact values (dashboard_support.tables)."""
    return list(tables(at).values())


def param(at: AppTest, key: str) -> list[str]:
    """A query parameter as a list (AppTest gives one value as a string, repeated ones as a list)."""
    value = at.query_params[key]
    return value if isinstance(value, list) else [value]


def count(registry, sql: str, params=()) -> int:
    """One number from the registry, through the same read-only connection settings as the dashboard."""
    con = connect_readonly(registry)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.title] + [c.value for c in at.caption]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_sample_banner(registry, page):
    at = shown_page(page)
    banners = [w.value.replace("\\", "") for w in at.warning]  # markdown escapes removed
    assert any("Sample data" in b for b in banners), banners
    assert all(len(b) < 200 for b in banners), "the banner is one line"
    details = "\n".join(str(m.value) for e in at.expander if e.label.startswith("Sample details")
                        for m in e.markdown).replace("\\", "")
    assert "cbp_ice_contract_transactions_slice" in details, "its details say where the sample came from"


def test_sample_banner_says_what_a_live_crawl_needs_from_the_scope(registry):
    """Internet, time and disk of a live crawl, computed from data/crawl_scope.yaml (read here independently) and
    the measured per-file start-up, load rate and staging size, not typed prose."""
    import yaml

    from registry.bulk_crawl import PER_FILE_SECONDS
    from registry.core import paths

    scope = yaml.safe_load((paths.DATA_DIR / "crawl_scope.yaml").read_text())
    departments = {a["department"] for a in scope["agencies"]}
    today = __import__("datetime").date.today()
    first = int(scope["since"][:4]) + (1 if int(scope["since"][5:7]) >= 10 else 0)
    last = today.year + (1 if today.month >= 10 else 0)
    files = len(departments) * (last - first + 1)
    at = shown_page("overview")
    details = "\n".join(str(m.value) for e in at.expander if e.label.startswith("Sample details")
                        for m in e.markdown).replace("\\", "")
    assert "internet access to api.usaspending.gov and files.usaspending.gov" in details
    assert f"{len(departments)} departments × {last - first + 1} fiscal years (FY{first}–FY{last})" in details
    assert f"up to {files} archive files" in details
    assert f"Time:** {files * PER_FILE_SECONDS / 60:.0f} min of per-file start-up" in details
    assert "Disk:** at least 1.0 GB of staging per million rows" in details  # 203 MB / 200,002 rows measured
    assert "registry crawl plan" in details


def test_overview_totals_match_the_registry(registry):
    at = shown_page("overview")
    metrics = {m.label: m.value for m in at.metric}
    awards = count(registry, "SELECT count(*) FROM awards")
    txs = count(registry, "SELECT count(*) FROM transactions")
    assert metrics["Awards"] == f"{awards:,}" == "970"
    assert metrics["Modifications & actions"] == f"{txs:,}" == "2,142"


def test_award_page_lists_immigrationos_modifications(registry):
    at = shown_page("award", award=PALANTIR_ORDER)
    assert f"Award {PALANTIR_ORDER}" in [t.value for t in at.title]
    mods = tables(at)["award-mods"]
    rows = {r.modification_number: r for r in mods.itertuples()}
    assert str(rows["P00009"].action_date)[:10] == "2025-04-11"
    assert float(rows["P00009"].obligation) == 29898236.00
    assert str(rows["P00012"].action_date)[:10] == "2025-09-25"
    assert float(rows["P00012"].obligation) == 29898236.00
    shown = next(h.proto.body for h in at.get("html") if 'data-table="award-mods"' in h.proto.body)
    assert shown.count(">$29,898,236.00<") == 2  # to the cent, as the record states it
    assert all(u.startswith("https://") for u in mods.source_url)
    links = [b.proto.url for b in at.get("link_button")]
    assert any("usaspending.gov/award/CONT_AWD_70CTD022FR0000170" in u for u in links), links


def test_award_page_unknown_piid_says_what_to_do(registry):
    at = shown_page("award", award="NOPE123")
    assert any("No award" in i.value for i in at.info)


def test_search_license_plate_finds_west_lpr_award(registry):
    in_data = count(registry, "SELECT count(*) FROM awards WHERE piid = ? AND description ILIKE '%license plate%'",
                    [WEST_LPR])
    at = open_page("search")
    at.text_input(key="search-q").input("license plate").run()
    assert not at.exception
    results = frames(at)[0]
    piids = {u.rsplit("award=", 1)[1] for u in results.award_page}  # each result links to its award page
    assert (WEST_LPR in piids) == bool(in_data)
    assert in_data, "the sample holds the West Publishing LPR award"
    assert param(at, "q") == ["license plate"]
    assert all("LICENSE PLATE" in str(t).upper() for t in results.matched_text)


def test_search_facet_narrows_results(registry):
    at = open_page("search", q="license plate")
    before = len(frames(at)[0])
    at.multiselect(key="search-facet-agency").select("ICE").run()
    after = frames(at)[0]
    assert 0 < len(after) < before
    assert set(after.agency) == {"ICE"}
    assert param(at, "agency") == ["ICE"]


def test_search_injection_text_is_harmless(registry):
    before = count(registry, "SELECT count(*) FROM awards")
    at = open_page("search")
    at.text_input(key="search-q").input("'; DROP TABLE awards; --").run()
    assert not at.exception
    assert any("No award matches" in i.value for i in at.info)
    assert count(registry, "SELECT count(*) FROM awards") == before == 970
    at.text_input(key="search-q").input("100%_").run()  # LIKE wildcards are escaped, not wildcards
    assert not at.exception


def test_compare_palantir_vs_another_vendor_changes_result(registry):
    at = open_page("compare", v=["v:palantir", "v:babel-street"])
    first = frames(at)[0]
    assert set(first.vendor_id) == {"v:palantir", "v:babel-street"}
    at.multiselect(key="compare-vendors").unselect("v:babel-street").select("v:clearview-ai").run()
    assert not at.exception
    second = frames(at)[0]
    assert set(second.vendor_id) == {"v:palantir", "v:clearview-ai"}
    assert first.obligated.sum() != second.obligated.sum()
    assert param(at, "v") == ["v:palantir", "v:clearview-ai"]


def test_compare_needs_two_vendors(registry):
    at = open_page("compare", v=["v:palantir"])
    at.multiselect(key="compare-vendors").set_value(["v:palantir"]).run()
    assert any("at least two" in i.value for i in at.info)


def test_vendor_page_from_url_and_switching(registry):
    at = open_page("vendor", vendor="v:palantir")
    assert "Palantir Technologies" in [t.value for t in at.title]
    awards = frames(at)[0]
    assert PALANTIR_ORDER in set(awards.piid)
    at.selectbox(key="vendor-pick").select("v:clearview-ai").run()
    assert "CLEARVIEW AI, INC." in [t.value for t in at.title]
    assert param(at, "vendor") == ["v:clearview-ai"]


def test_agency_page_from_url(registry):
    at = open_page("agency", agency="comp:ICE-HSI")
    assert "Homeland Security Investigations (HSI)" in [t.value for t in at.title]
    at.selectbox(key="agency-pick").select("sub:7014").run()
    assert "U.S. Customs and Border Protection" in [t.value for t in at.title]
    assert param(at, "agency") == ["sub:7014"]


def test_map_filters_round_trip_and_change_flows(registry):
    at = open_page("map")
    assert not at.exception
    # the flows as bars only: the network and the Sankey are built when their tab opens
    # (tests/test_page_weight.py); no empty state map (the sample has no states)
    assert list(charts(at)) == ["map-bars"] and not at.get("plotly_chart")
    at.multiselect(key="map-cap").select("license_plate_readers").run()
    assert param(at, "cap") == ["license_plate_readers"]
    at2 = open_page("map", cap="license_plate_readers", agency="ICE", view="Flows as a table")  # the table's tab
    assert at2.multiselect(key="map-cap").value == ["license_plate_readers"]
    assert at2.multiselect(key="map-agency").value == ["ICE"]
    flows = frames(at2)[0]
    assert set(flows.capability_id) == {"license_plate_readers"} and set(flows.agency) == {"ICE"}


def test_map_bars_draw_the_flows_the_table_lists(registry):
    """The Map's first chart (bars per vendor, split by capability) draws exactly the flows of the largest vendors
    in the page's own flows table (its "Flows as a table" tab): each part the sum of that vendor's flows for that
    capability over the agencies drawn. With every vendor drawn they add up to the figure the caption says the
    flows add up to; with three, the bars are the three largest vendors', largest on top."""
    import re

    from dashboard import format as fmt

    at = open_page("map", agency="ICE", top="60")
    drawn = marks(charts(at)["map-bars"])
    assert not tables(at)  # the table is its own tab
    table = every_row(open_page("map", agency="ICE", top="60", view="Flows as a table"), "map-flows")
    parts = table.groupby(["vendor_name", "capability"]).obligated.sum()  # <= 60 vendors: all drawn
    assert dict(zip(zip(drawn.label, drawn.series, strict=True), drawn.value.round(2), strict=True)) == \
        {k: round(float(v), 2) for k, v in parts.items()}
    assert abs(float(drawn.value.sum()) - float(table.obligated.sum())) < 0.01
    caption = next(c.value for c in at.caption if "so their flows add up to" in c.value).replace("\\", "")
    assert re.search(r"flows add up to (\$[\d.,]+[KMBT]?)", caption)[1] == fmt.money(drawn.value.sum())
    few = marks(charts(open_page("map", agency="ICE", top="3"))["map-bars"])
    largest = table.groupby("vendor_name").obligated.sum().nlargest(3)
    assert list(dict.fromkeys(few.label)) == list(largest.index)
    assert len(few) == len(parts[parts.index.get_level_values(0).isin(largest.index)])


def test_a_long_table_shows_a_page_at_a_time_and_its_pages_hold_every_row(registry):
    """A table of more rows than a page holds (every flow of the Map) lists one page at a time and says which rows;
    its pages together hold every flow once: they add up to the figure the caption says the flows add up to."""
    import re

    import pandas as pd

    from dashboard import format as fmt
    from dashboard.ui import TABLE_PAGE_ROWS as per_page

    def rows_line(at: AppTest) -> str:
        return next(c.value for c in at.caption if c.value.startswith("Rows "))

    at = open_page("map", view="Flows as a table")
    n = int(re.search(r"of ([\d,]+)", rows_line(at))[1].replace(",", ""))
    pages = -(-n // per_page)
    assert pages >= 2, "the sample's flows take more than one page"
    seen = [tables(at)["map-flows"]]
    assert len(seen[0]) == per_page and rows_line(at).startswith(f"Rows 1–{per_page} of")
    for page in range(2, pages + 1):
        at.number_input(key="map-flows-rows-page").set_value(page).run()
        seen.append(tables(at)["map-flows"])
        assert rows_line(at).startswith(f"Rows {(page - 1) * per_page + 1:,}–"), rows_line(at)
    rows = pd.concat(seen)
    assert len(rows) == n and not rows.duplicated().any()
    caption = next(c.value for c in at.caption if "so their flows add up to" in c.value).replace("\\", "")
    assert re.search(r"flows add up to (\$[\d.,]+[KMBT]?)", caption)[1] == fmt.money(rows.obligated.sum())


def test_map_says_when_no_state_is_reported(registry):
    at = shown_page("map")
    assert "reports a place-of-performance state" in all_text(at)


def test_methods_page_shows_counts_and_taxonomy(registry):
    at = shown_page("methods")
    runs = frames(at)[0]
    assert (runs.items_fetched == runs.items_loaded + runs.items_rejected).all()
    assert "Counts reconcile" in all_text(at)
    taxonomy = shown_page("methods", section="Capability taxonomy")  # its tab, as a shared link opens it
    caps = count(registry, "SELECT count(*) FROM capabilities")
    assert caps >= 10 and [e.label for e in taxonomy.expander][-caps:] == sql_names(registry)  # one per capability


def sql_names(registry) -> list[str]:
    con = connect_readonly(registry)
    try:
        return [r[0] for r in con.execute("SELECT name FROM capabilities ORDER BY sort_order").fetchall()]
    finally:
        con.close()


def test_award_page_shows_linked_system_or_says_none(registry):
    """ImmigrationOS is funded by P00009 and P00012 of the ICM order: the award page names it when linked."""
    linked = count(registry, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'systems'") and \
        count(registry, "SELECT count(*) FROM links WHERE from_kind = 'system' AND to_id LIKE ?",
              ["CONT_AWD_70CTD022FR0000170%"])
    at = shown_page("award", award=PALANTIR_ORDER, section="Linked records")  # only the open section runs
    systems = [df for df in frames(at) if "system_id" in df.columns]
    if linked:
        assert systems and "immigrationos" in set(systems[0].system_id)
        assert "P00009" in systems[0].funded_as.iloc[0] and "P00012" in systems[0].funded_as.iloc[0]
    else:
        assert not systems and "No linked records" in all_text(at)


def test_vendor_page_lists_ai_use_cases_when_loaded(registry):
    has = count(registry, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'ai_use_cases'")
    n = count(registry, "SELECT count(*) FROM ai_use_cases WHERE vendor_name ILIKE '%palantir%'") if has else 0
    at = shown_page("vendor", vendor="v:palantir", tab="Linked records")  # only the open tab runs
    ai = [df for df in frames(at) if "use_case_name" in df.columns]
    if n:
        assert ai and len(ai[0]) >= n
        assert all(str(u).startswith("https://") for u in ai[0].source_url)
    else:
        assert not ai
