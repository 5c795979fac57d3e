"""Dashboard building blocks: money formats, safe links, inert text, and reopening after a rebuild."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import db
from dashboard import format as fmt
from dashboard import queries as q
from tests.conftest import copy_registry


@pytest.mark.parametrize(("value", "expected"), [
    (1_234_567, "$1.2M"), (950_000, "$950.0K"), (3.4e9, "$3.4B"), (12, "$12"), (-2_500_000, "-$2.5M"),
    (None, "—"), (float("nan"), "—"), (pd.NA, "—"), (Decimal("29898236.00"), "$29.9M"),
])
def test_money_compact(value, expected):
    assert fmt.money(value) == expected


def test_money_exact_keeps_cents():
    assert fmt.money_exact(Decimal("29898236.00")) == "$29,898,236.00"
    assert fmt.money_exact(Decimal("-1204079.8")) == "-$1,204,079.80"
    assert fmt.money_exact(None) == "—"


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>",
                                 "vbscript:x", "/award?x=1", "//evil.example/x", "https://", "http://a\nb",
                                 None, 12, ""])
def test_unsafe_urls_are_refused(url):
    assert fmt.safe_url(url) is None


def test_http_urls_pass():
    url = "https://www.usaspending.gov/award/CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730/"
    assert fmt.safe_url(url) == url
    assert fmt.safe_url("http://example.org/a?b=c") == "http://example.org/a?b=c"


def test_markdown_text_is_inert():
    out = fmt.md_text("<script>alert(1)</script> [x](javascript:alert(2)) **bold**")
    assert "<script>" not in out and "](" not in out and "**" not in out
    assert fmt.md_text(pd.NA) == "" and fmt.md_text(None) == ""


def test_capability_colours_are_stable():
    caps = pd.DataFrame({"capability_id": ["b", "a"], "name": ["B", "A"], "sort_order": [2, 1]})
    colours = fmt.capability_colours(caps)
    assert colours["a"] == colours["A"] == fmt.PALETTE[0]
    assert colours["b"] == fmt.PALETTE[1]


def test_queries_see_a_rebuilt_registry(sample_registry, dashboard_registry, tmp_path, monkeypatch):
    """`registry build` swaps the file with a rename: the dashboard must read the new build, not a cached one.
    The new build is a copy of the session's dashboard build (sample + test records), renamed over the file."""
    live = tmp_path / "live" / "registry.duckdb"
    live.parent.mkdir()
    shutil.copy(sample_registry, live)
    monkeypatch.setenv("REGISTRY_PATH", str(live))
    before = db.signature()
    assert int(q.totals().awards.iloc[0]) == 970
    rebuilt = copy_registry(dashboard_registry, tmp_path / "new")
    os.replace(rebuilt, live)  # what build.build does: an atomic rename over the old file
    assert db.signature() != before
    assert int(q.totals().awards.iloc[0]) == 975  # sample + hostile + 3 geographic + MorphoTrust test records
    assert q.find_awards("70TEST00XSS0001").shape[0] == 1


def test_like_pattern_escapes_wildcards():
    assert q.like_pattern("100%_x") == "%100\\%\\_x%"
