"""Reviewers' decisions: appended to the annotations file as plain lines, checked, never duplicated, and read
by the next build as the tag's evidence."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from registry.core import paths
from registry.model import annotations, curated
from tests.model_support import UNTAGGED_NOTE, annotation_targets

CAPS = {c["id"] for c in curated.load_capabilities(paths.DATA_DIR)["capabilities"]}
URL = "https://www.usaspending.gov/award/CONT_AWD_X_7012_-NONE-_-NONE-/"
WHEN = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


@pytest.fixture()
def ann_file(tmp_path) -> Path:
    p = tmp_path / "annotations.yaml"
    shutil.copy(paths.DATA_DIR / "annotations.yaml", p)
    return p


def decide(path: Path, award_key: str = "CONT_AWD_X_7012_-NONE-_-NONE-", capability: str = "device_forensics",
           decision: str = "confirm", note: str = "UFED licence renewal named in P00002", **kw) -> dict:
    args = dict(award_key=award_key, capability=capability, decision=decision, note=note, reviewer="A. Reviewer",
                citation=URL, capability_ids=CAPS, now=WHEN)
    args.update(kw)
    return annotations.record_decision(path, **args)


def test_a_confirm_is_a_few_added_lines_and_the_build_checks_pass(ann_file):
    before = ann_file.read_text()
    entry = decide(ann_file)
    after = ann_file.read_text()
    assert after.startswith(before), "the hand-written part (comments included) must be untouched"
    added = after[len(before):]
    assert added.splitlines() == [
        "  - award_key: CONT_AWD_X_7012_-NONE-_-NONE-",
        "    capability: device_forensics",
        "    action: add",
        f"    citation: {URL}",
        "    note: UFED licence renewal named in P00002",
        "    reviewer: A. Reviewer",
        "    reviewed_at: '2026-12-03T09:30:00+00:00'",
    ]
    loaded = curated.load_annotations_from(ann_file, CAPS)
    assert loaded[-1] == entry and entry["action"] == "add"


def test_reject_writes_remove_and_odd_text_stays_text(ann_file):
    note = 'Furniture order: "ICM" is the program\'s name here: not the system #1'
    decide(ann_file, decision="reject", note=note)
    last = yaml.safe_load(ann_file.read_text())["annotations"][-1]
    assert last["action"] == "remove" and last["note"] == note


@pytest.mark.parametrize(("kw", "message"), [
    ({"note": "  "}, "a reason is required"),
    ({"reviewer": ""}, "a reviewer name is required"),
    ({"capability": "mind_reading"}, "unknown capability"),
    ({"decision": "maybe"}, "decision must be confirm or reject"),
    ({"citation": "javascript:alert(1)"}, r"citation must be an http\(s\) URL"),
])
def test_a_bad_decision_is_refused_and_the_file_is_unchanged(ann_file, kw, message):
    before = ann_file.read_bytes()
    with pytest.raises(ValueError, match=message):
        decide(ann_file, **kw)
    assert ann_file.read_bytes() == before


def test_a_pair_is_decided_once(ann_file):
    decide(ann_file)
    with pytest.raises(annotations.ReviewError, match="already decided"):
        decide(ann_file, decision="reject")
    assert len(yaml.safe_load(ann_file.read_text())["annotations"]) == 2


def test_concurrent_reviewers_all_land_in_a_valid_file(ann_file):
    errors: list[Exception] = []

    def one(i: int) -> None:
        try:
            decide(ann_file, award_key=f"CONT_AWD_X{i}_7012_-NONE-_-NONE-")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    keys = {a["award_key"] for a in curated.load_annotations_from(ann_file, CAPS)}
    assert {f"CONT_AWD_X{i}_7012_-NONE-_-NONE-" for i in range(12)} <= keys


def test_the_next_build_tags_a_confirmed_pair_with_the_annotation_as_evidence(sample_registry, annotated_registry):
    """A confirm (written by record_decision, as above) on an award the sample does not tag with that capability:
    after a rebuild it is tagged, with the reviewer's note as the evidence."""
    import duckdb

    award_key, capability, _, _ = annotation_targets(sample_registry)["untagged"]
    con = duckdb.connect(str(annotated_registry), read_only=True)
    rows = con.execute("SELECT method, matched_text FROM award_capabilities WHERE award_key = ? "
                       "AND capability_id = ?", [award_key, capability]).fetchall()
    con.close()
    assert ("annotation", UNTAGGED_NOTE) in rows
