"""Injection strings through every URL parameter and text input of every dashboard page (issue 9).

tests/test_dashboard_pages.py tries an injection in the search box. This sweep covers the rest, and keeps
covering pages as they grow: it finds each page's URL parameters in dashboard/views (`ui.param("...")`,
`ui.param_list("...")`) and each text input AppTest sees, puts SQL, markup and oversize strings in them,
and checks that the page never raises, and that the registry file is byte-identical afterwards.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.dashboard_support import APP, app_test

VIEWS = ROOT / "dashboard" / "views"
INJECTIONS = [
    "'; DROP TABLE awards; --",
    "x') UNION SELECT setting_name, value FROM duckdb_settings() --",
    "%' OR '1'='1",
    "<script>alert(document.cookie)</script><img src=x onerror=alert(1)>",
    "'; COPY awards TO '/tmp/registry-dashboard-leak.csv'; --",
    "A" * 10_000,
]
URL_INJECTIONS = [INJECTIONS[0], INJECTIONS[1], INJECTIONS[3] + INJECTIONS[5]]  # fewer: each is a page load


def pages() -> list[str]:
    """The pages the router registers (dashboard/app.py), not helper modules beside them."""
    return sorted(set(re.findall(r"st\.Page\(\s*[\"']views/(\w+\.py)[\"']", APP.read_text())))


def params_of(page: str) -> list[str]:
    text = (VIEWS / page).read_text()
    return sorted(set(re.findall(r"ui\.param(?:_list)?\(\s*[\"']([a-z_]+)[\"']", text)))


@pytest.fixture(scope="module")
def registry(sample_registry, tmp_path_factory):
    path = tmp_path_factory.mktemp("inject") / "registry.duckdb"
    shutil.copy(sample_registry, path)
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def app_at(page: str, params: dict[str, str]):
    at = app_test()
    at.switch_page(f"views/{page}")
    for k, v in params.items():
        at.query_params[k] = v
    return at


@pytest.mark.parametrize("page", pages())
def test_url_parameters_with_injections_never_break_a_page(registry, monkeypatch, page):
    monkeypatch.setenv("REGISTRY_PATH", str(registry))
    before = digest(registry)
    names = params_of(page) or ["q"]  # a page without parameters still gets an unknown one
    for value in URL_INJECTIONS:
        at = app_at(page, dict.fromkeys(names, value))
        at.run()
        assert not at.exception, (page, value[:40], at.exception)
    assert digest(registry) == before


@pytest.mark.parametrize("page", pages())
def test_text_inputs_with_injections_never_break_a_page(registry, monkeypatch, page):
    monkeypatch.setenv("REGISTRY_PATH", str(registry))
    before = digest(registry)
    at = app_at(page, {})
    at.run()
    assert not at.exception, at.exception
    keys = [t.key for t in at.text_input if t.key != "search-q"]  # search-q: tests/test_dashboard_pages.py
    for key in keys:
        for value in INJECTIONS:
            at.text_input(key=key).input(value).run()
            assert not at.exception, (page, key, value[:40], at.exception)
    assert digest(registry) == before
    assert not list(Path("/tmp").glob("registry-dashboard-leak*"))
