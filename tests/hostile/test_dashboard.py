"""Visitors of the dashboard when the URL or the registry file is bad (issue 19): a plain sentence, never a
traceback or a server path; a registry copied over in place is reopened and the visitor told."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from tests.dashboard_support import app_test


def page_text(at) -> str:
    parts = [e.value for kind in ("markdown", "info", "warning", "error", "caption") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def app_at(page: str, params: dict | None = None):
    at = app_test(60)
    at.switch_page(f"views/{page}")
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at


@pytest.fixture
def live(sample_registry, tmp_path, monkeypatch):
    path = tmp_path / "registry.duckdb"
    shutil.copy(sample_registry, path)
    monkeypatch.setenv("REGISTRY_PATH", str(path))
    return path


def test_a_malformed_year_in_the_url_is_ignored_with_a_notice(live):
    at = app_at("search.py", {"year": "abc"})
    at.run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "Ignored `year` = 'abc': not a four-digit year." in text
    assert "awards** match" in text  # the page itself rendered, without the bad filter


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_registry_is_one_plain_sentence_without_a_path(live, damage):
    data = live.read_bytes()
    live.write_bytes(data[: len(data) // 3] if damage == "truncated" else data[:4096] + b"\x5a" * 300_000)
    at = app_at("overview.py")
    at.run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "damaged or incomplete" in text and "Rebuild it with `registry build`" in text
    assert str(live.parent) not in text and "Traceback" not in text and ".py" not in text


def test_a_registry_copied_over_in_place_is_reopened_and_the_visitor_told(live, sample_registry):
    at = app_at("overview.py")
    at.run()
    assert not at.exception and "damaged" not in page_text(at)
    before = [(m.label, m.value) for m in at.metric]
    good = sample_registry.read_bytes()
    with open(live, "r+b") as f:  # a copy in progress: the same file, half of it rewritten
        f.seek(len(good) // 4)
        f.write(b"\0" * (len(good) // 2))
    at.run()
    assert not at.exception, at.exception
    text = page_text(at)
    assert "it was reopened" in text and "damaged or incomplete" in text  # said, once reopening did not help
    with open(live, "r+b") as f:  # the copy finishes (still the same inode: not an atomic rename)
        f.write(good)
    at.run()
    assert not at.exception, at.exception
    assert "damaged" not in page_text(at)
    assert before and [(m.label, m.value) for m in at.metric] == before  # the same figures as before the copy


def test_a_registry_built_on_an_unfinished_crawl_says_so(live):
    con = duckdb.connect(str(live))
    scopes = [{"source": "usaspending", "run_id": "usaspending-x", "status": "running", "started_at": "2026-01-01",
               "rows_committed": 1364}]
    con.execute("INSERT OR REPLACE INTO registry_meta VALUES ('incomplete_scopes', ?)", [json.dumps(scopes)])
    con.close()
    at = app_at("overview.py")
    at.run()
    assert not at.exception
    assert "Incomplete: this registry was built while 1 crawl scope(s) had not finished (usaspending (running))" \
        in page_text(at)
