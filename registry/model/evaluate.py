"""Precision and recall of the capability classifier against a hand-labelled file.

Why a module and not only a test: the same numbers go into the test (which fails below the bar) and
into the README (which readers trust), so both come from one function. Unit of measurement: one
(award, capability) pair. A predicted pair is a true positive when the label file lists the capability
for that award; labelled awards with no capabilities count, so tagging them is a false positive.

Label file (CSV): award_key, piid, recipient_name, capabilities (semicolon-separated ids, empty = none), note.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Score:
    capability: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def load_labels(path: Path) -> pd.DataFrame:
    labels = pd.read_csv(path, dtype=str, keep_default_na=False)
    labels["gold"] = labels["capabilities"].map(lambda s: {c.strip() for c in s.split(";") if c.strip()})
    return labels


def measure(con, labels_path: Path) -> tuple[list[Score], Score, list[dict]]:
    """(per-capability scores, overall, the errors) for the labelled awards present in the registry."""
    labels = load_labels(labels_path)
    keys = labels["award_key"].tolist()
    present = {k for (k,) in con.execute("SELECT award_key FROM t_awards WHERE award_key IN (SELECT unnest(?))",
                                         [keys]).fetchall()}
    missing = sorted(set(keys) - present)
    if missing:
        raise ValueError(f"{labels_path}: {len(missing)} labelled awards are not in the registry, e.g. {missing[:3]}")
    pred = {k: set(v) for k, v in con.execute(
        "SELECT award_key, list(DISTINCT capability_id) FROM t_award_capabilities "
        "WHERE award_key IN (SELECT unnest(?)) GROUP BY award_key", [keys]).fetchall()}
    caps = [c for (c,) in con.execute("SELECT capability_id FROM t_capabilities ORDER BY sort_order").fetchall()]
    tp = dict.fromkeys(caps, 0)
    fp, fn = dict(tp), dict(tp)
    errors = []
    for row in labels.itertuples(index=False):
        got = pred.get(row.award_key, set())
        for c in got & row.gold:
            tp[c] += 1
        for c in got - row.gold:
            fp[c] += 1
            errors.append({"kind": "false positive", "capability": c, "piid": row.piid, "note": row.note})
        for c in row.gold - got:
            fn[c] += 1
            errors.append({"kind": "false negative", "capability": c, "piid": row.piid, "note": row.note})
    scores = [Score(c, tp[c], fp[c], fn[c]) for c in caps]
    overall = Score("overall", sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return scores, overall, errors


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def markdown_table(scores: list[Score], overall: Score) -> str:
    """The table the README shows (capabilities with no labelled or predicted pair are left out)."""
    lines = ["| capability | labelled | predicted | correct | precision | recall |",
             "|---|---:|---:|---:|---:|---:|"]
    for s in [*(s for s in scores if s.tp + s.fp + s.fn), overall]:
        name = f"**{s.capability}**" if s.capability == "overall" else s.capability
        lines.append(f"| {name} | {s.tp + s.fn} | {s.tp + s.fp} | {s.tp} | {_fmt(s.precision)} | {_fmt(s.recall)} |")
    return "\n".join(lines)
