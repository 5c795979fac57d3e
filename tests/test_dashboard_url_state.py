"""Back and Forward in an open session: the page shows what its URL says.

What a reader checks: after moving from one vendor's profile to another's and pressing Back, the page shows the first
vendor again and its link still names that vendor (before, the widget kept the second vendor and wrote it back
into the URL); the same for the search box. AppTest's query parameters changed between runs are what a popstate
does to the open session.
"""

from __future__ import annotations

from tests.test_dashboard_pages import open_page


def test_back_to_another_vendor_shows_that_vendor_and_keeps_its_link(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("vendor", vendor="v:palantir")
    assert at.selectbox(key="vendor-pick").value == "v:palantir"
    at.selectbox(key="vendor-pick").set_value("v:relx").run()  # the reader picks another vendor
    assert at.query_params["vendor"] == "v:relx"
    at.query_params["vendor"] = "v:palantir"  # Back
    at.run()
    assert not at.exception
    assert at.selectbox(key="vendor-pick").value == "v:palantir"
    assert at.query_params["vendor"] == "v:palantir"
    at.query_params["vendor"] = "v:relx"  # Forward
    at.run()
    assert at.selectbox(key="vendor-pick").value == "v:relx" and at.query_params["vendor"] == "v:relx"


def test_back_to_an_earlier_search_shows_that_search(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("search", q="ImmigrationOS")
    at.text_input(key="search-q").set_value("Cellebrite").run()
    assert at.query_params["q"] == "Cellebrite"
    at.query_params["q"] = "ImmigrationOS"  # Back
    at.run()
    assert at.text_input(key="search-q").value == "ImmigrationOS"
    assert at.query_params["q"] == "ImmigrationOS"


def test_back_on_the_award_agency_and_compare_pages_follows_the_url(sample_registry, monkeypatch):
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    at = open_page("award", award="70CTD022FR0000170")
    at.text_input(key="award-id").set_value("70CDCR18P00000017").run()
    at.query_params["award"] = "70CTD022FR0000170"  # Back
    at.run()
    assert at.text_input(key="award-id").value == "70CTD022FR0000170"
    assert at.query_params["award"] == "70CTD022FR0000170"

    at = open_page("agency", agency="sub:7012")
    at.selectbox(key="agency-pick").set_value("sub:7014").run()  # CBP
    assert at.query_params["agency"] == "sub:7014"
    at.query_params["agency"] = "sub:7012"  # Back
    at.run()
    assert at.selectbox(key="agency-pick").value == "sub:7012" and at.query_params["agency"] == "sub:7012"

    at = open_page("compare", v=["v:palantir", "v:relx"])
    at.multiselect(key="compare-vendors").set_value(["v:palantir", "v:relx", "v:thomson-reuters"]).run()
    at.query_params["v"] = ["v:palantir", "v:relx"]  # Back
    at.run()
    assert at.multiselect(key="compare-vendors").value == ["v:palantir", "v:relx"]
    at.multiselect(key="compare-vendors").set_value([]).run()  # clearing the pick is kept, not reset to a preset
    assert at.multiselect(key="compare-vendors").value == []
