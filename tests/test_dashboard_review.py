"""The Review queue page under AppTest: read-only unless started with --review; a decision needs a reason,
lands in the annotations file, and leaves the queue for the "waiting for the next build" list."""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from registry.core import paths
from tests.test_dashboard_pages import open_page


@pytest.fixture()
def ann(tmp_path, sample_registry, monkeypatch):
    p = tmp_path / "annotations.yaml"
    shutil.copy(paths.DATA_DIR / "annotations.yaml", p)
    monkeypatch.setenv("REGISTRY_PATH", str(sample_registry))
    monkeypatch.setenv("REGISTRY_ANNOTATIONS", str(p))
    monkeypatch.setenv("REGISTRY_REVIEWER", "Page Test")
    return p


def review_page() -> AppTest:
    return open_page("review")


def queue_size(sample_registry) -> int:
    con = duckdb.connect(str(sample_registry), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM review_queue").fetchone()[0]
    finally:
        con.close()


def test_without_review_flag_the_page_lists_but_cannot_write(ann, sample_registry, monkeypatch):
    monkeypatch.delenv("REGISTRY_REVIEW", raising=False)
    before = ann.read_bytes()
    at = review_page()
    n = queue_size(sample_registry)
    assert n > 0, "the sample should have possible tags to review"
    assert any(f"{n:,} possible tags" in m.value for m in at.markdown)
    assert not [b for b in at.button if b.label in ("Confirm", "Reject")]
    assert any("Read-only" in i.value for i in at.info)
    assert ann.read_bytes() == before


def test_a_decision_needs_a_reason_then_is_written(ann, monkeypatch):
    monkeypatch.setenv("REGISTRY_REVIEW", "1")
    at = review_page()
    reject = [b for b in at.button if b.label == "Reject"][0]
    reject.click().run()
    assert [e.value for e in at.error] == ["a reason is required: say what in the record shows it"]
    assert len(yaml.safe_load(ann.read_text())["annotations"]) == 1

    reason = at.text_input[0]
    reason.input("Office furniture: the program name only")
    [b for b in at.button if b.label == "Reject"][0].click().run()
    assert not at.exception
    last = yaml.safe_load(ann.read_text())["annotations"][-1]
    assert last["action"] == "remove" and last["reviewer"] == "Page Test"
    assert last["note"] == "Office furniture: the program name only"
    assert reason.key == f"why-{last['award_key']}-{last['capability']}"
    assert any("Rejected" in s.value for s in at.success)
    assert any(h.value == "Decided, waiting for the next build" for h in at.subheader)
