"""What keeps pages light (issue 17, item 13), checked as behaviour: the Map opens on its bars (markup: no chart
library) with no plotly chart (so a new tab loads no plotly.js), builds and sends only the open tab's chart, the other tabs' charts appear
when their tab is opened (the tab is in the URL), and a page rerun reuses the figures it built instead of building
them again. The seconds themselves are measured in bench/page_settle.py."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboard_support import app_test, charts, tables
from tests.test_dashboard_pages import open_page

NETWORK_TAB = "Network (awards with several capabilities drawn under each)"
SANKEY_TAB = "Sankey: agency → capability → vendor (same)"


@pytest.fixture()
def registry(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    return sample_registry


def _trace_types(at: AppTest) -> list[str]:
    return [t["type"] for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]]


def test_map_sends_only_the_open_tabs_chart(registry):
    bars = open_page("map")  # the Map as it opens: the flows as bars, no plotly chart at all
    assert not bars.get("plotly_chart")
    assert list(charts(bars)) == ["map-bars"]  # no state tiles: no state in the sample
    assert not tables(bars)  # the flows table is a tab of its own
    table = open_page("map", view="Flows as a table")
    assert [("capability_id" in d.columns) for d in tables(table).values()] == [True] and not table.get("plotly_chart")
    network = open_page("map", view=NETWORK_TAB)  # a shared link to the network tab
    assert "sankey" not in _trace_types(network)
    assert "scatter" in _trace_types(network)  # the network's nodes and edges
    assert not charts(network)
    sankey = open_page("map", view=SANKEY_TAB)  # a shared link to the Sankey tab
    assert _trace_types(sankey) == ["sankey"]
    # Every tab offers the rows it draws, whichever is open.
    for at in (bars, network, sankey):
        assert any("Chart data" in b.proto.label for b in at.get("download_button"))


def test_a_rerun_reuses_the_figures_it_built(registry, monkeypatch):
    """The Map's plotly network (the other charts are markup built from the cached query results)."""
    import plotly.graph_objects as go

    from dashboard import figures

    figures.network.clear()  # a figure another test drew from the same sample stays cached otherwise
    at = app_test()
    built = []
    real_figure = go.Figure
    monkeypatch.setattr(go, "Figure", lambda *a, **k: built.append(1) or real_figure(*a, **k))
    at.query_params["view"] = NETWORK_TAB
    at.switch_page("views/map.py")
    at.run()
    first = len(built)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert first >= 1 and len(built) == first, (first, len(built))
    assert at.get("plotly_chart"), "the rerun still draws its charts"


def test_vendor_page_runs_only_the_open_tab(registry):
    """The Awards tab by default (its table, no chart); a shared link to another tab opens that tab's rows."""
    def vendor(**params) -> AppTest:
        return open_page("vendor", vendor="v:palantir", **params)

    awards = vendor()
    assert [set(d.columns) >= {"piid", "obligated_amount"} for d in tables(awards).values()] == [True]
    assert not awards.get("plotly_chart") and not charts(awards)
    money = vendor(tab="Money over time")
    assert list(charts(money)) == ["vendor-monthly"] and not tables(money)
    linked = vendor(tab="Linked records")
    assert any("AI use cases naming the vendor" in m.value for m in linked.markdown)


def _columns(at: AppTest) -> list[set[str]]:
    return [set(d.columns) for d in tables(at).values()]


def test_agency_award_methods_compare_run_only_the_open_section(registry):
    """Below their headline figures these pages draw one section at a time, the open one in the URL (?section=):
    the first view sends one section's tables, and a shared link to another section opens that section's rows."""
    agency = open_page("agency", agency="sub:7012")
    assert [set(c) >= {"vendor_name", "obligated"} for c in _columns(agency)] == [True]  # Vendors, nothing else
    assert not charts(agency)  # the Vendors table only
    spending = open_page("agency", agency="sub:7012", section="Spending over time")
    assert list(charts(spending)) == ["agency-monthly"]
    caps = open_page("agency", agency="sub:7012", section="Capabilities")
    assert list(charts(caps)) == ["agency-capabilities"] and not tables(caps)
    competition = open_page("agency", agency="sub:7012", section="Competition")
    assert [("competition_status" in c) for c in _columns(competition)] == [True]

    award = open_page("award", award="70CTD022FR0000170")
    assert [("modification_number" in c) for c in _columns(award)] == [True]

    def competition_shown(at: AppTest) -> bool:  # its fields in plain words, or why the record has none
        return ("Extent competed" in "\n".join(m.value for m in at.markdown)
                or any(i.value.startswith("Competition fields") for i in at.info))

    assert not competition_shown(award)  # competition is its own section
    competed = open_page("award", award="70CTD022FR0000170", section="Competition, in plain words")
    assert competition_shown(competed) and not charts(competed)
    evidence = open_page("award", award="70CTD022FR0000170", section="Capability evidence")
    assert tables(evidence) and not charts(evidence)

    methods = open_page("methods")
    assert [("items_fetched" in c) for c in _columns(methods)][:1] == [True] and len(methods.expander) == 1  # banner
    glossary = open_page("methods", section="Column glossary")
    assert [c for c in _columns(glossary)] == [{"column", "type", "meaning"}]

    compare = open_page("compare", v=["v:palantir", "v:relx"])
    assert [("vendor_id" in c) for c in _columns(compare)] == [True] and list(charts(compare)) == ["compare-years"]
    largest = open_page("compare", v=["v:palantir", "v:relx"], section="Largest awards")
    assert [("obligated_amount" in c) for c in _columns(largest)] == [True]
