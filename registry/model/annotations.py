"""Reviewers' decisions written to data/annotations.yaml: the one file the dashboard may write.

Why append text instead of re-dumping the YAML: the file is edited by hand and read in review; its comments
and layout must survive, and `git diff` must show a reviewer's decision as a few added lines, nothing else.
Why a lock, a temporary file and a validation before the swap: two review sessions may click at once, and a
half-written or invalid file would stop the next `registry build` (curated.load_annotations checks every entry).
The registry itself is never written: a decision takes effect at the next build, which reads this file.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml

from registry.model import curated

Decision = Literal["confirm", "reject"]
ACTIONS: dict[str, str] = {"confirm": "add", "reject": "remove"}


class ReviewError(ValueError):
    """A decision that cannot be recorded (missing reason, unknown capability, bad citation...)."""


def decided_pairs(path: Path) -> dict[tuple[str, str], dict]:
    """(award_key, capability) -> the latest annotation for it in the file (by hand or by review)."""
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    out: dict[tuple[str, str], dict] = {}
    for a in data.get("annotations") or []:
        if a.get("award_key") and a.get("capability"):
            out[(a["award_key"], a["capability"])] = a
    return out


def _entry_text(entry: dict) -> str:
    """One list item, indented under `annotations:`, as plain block YAML (strings quoted only when needed)."""
    dumped = yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return "".join(f"  {line}" if line.strip() else line for line in dumped.splitlines(keepends=True))


def record_decision(path: Path, *, award_key: str, capability: str, decision: Decision, note: str,
                    reviewer: str, citation: str, capability_ids: set[str], piid: str | None = None,
                    now: datetime | None = None) -> dict:
    """Append one reviewer decision to the annotations file and return the entry written.

    confirm -> action add (the next build tags the pair, with this annotation as its evidence);
    reject  -> action remove (the next build drops the pair's tags). A pair already decided is refused, so a
    double click or two reviewers cannot write contradicting lines; change a decision by editing the file.
    """
    if decision not in ACTIONS:
        raise ReviewError(f"decision must be confirm or reject, not {decision!r}")
    note, reviewer = (note or "").strip(), (reviewer or "").strip()
    if not note:
        raise ReviewError("a reason is required: say what in the record shows it")
    if not reviewer:
        raise ReviewError("a reviewer name is required: it is recorded with the decision")
    if capability not in capability_ids:
        raise ReviewError(f"unknown capability {capability!r}")
    curated.check_url(path, f"review of {award_key}/{capability}", citation)
    entry: dict = {"award_key": award_key}
    if piid:
        entry["piid"] = piid
    entry.update({"capability": capability, "action": ACTIONS[decision], "citation": citation, "note": note,
                  "reviewer": reviewer,
                  "reviewed_at": (now or datetime.now(UTC)).replace(microsecond=0).isoformat()})
    path = Path(path)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if (award_key, capability) in decided_pairs(path):
                raise ReviewError(f"{award_key} / {capability} is already decided in {path.name}")
            text = path.read_text(encoding="utf-8") if path.exists() else ""
            if not text.strip():
                text = "annotations:\n"
            elif not text.endswith("\n"):
                text += "\n"
            data = yaml.safe_load(text) or {}
            if "annotations" not in data:
                raise ReviewError(f"{path} has no `annotations:` list to append to")
            if data["annotations"] is None or text.rstrip().endswith("annotations:"):
                pass  # an empty list: the entry goes right under the key
            elif list(data)[-1] != "annotations":
                raise ReviewError(f"{path}: `annotations:` must be the file's last key for decisions to append")
            new = text + _entry_text(entry)
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            tmp.write_text(new, encoding="utf-8")
            try:
                check = yaml.safe_load(new) or {}
                if (check.get("annotations") or [])[-1] != entry:
                    raise ReviewError("the appended entry did not read back as written")
                curated.load_annotations_from(tmp, capability_ids)  # the build's own checks, before the swap
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return entry
