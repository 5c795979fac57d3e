"""Precision and recall of the capability classifier on labelled awards, by count and by dollars.

Why a module and not only a test: the same numbers go into the test (which fails below the bar), into
`registry model evaluate` and into docs/model.md, so all come from one function. The classifier that
runs here is the build's (classify.run over the labelled corpus, with the shipped model file).

Design, as the independent check: an award is POSITIVE when its labels name any purpose capability; it
is PREDICTED positive when the classifier gives it any `tagged` tag whose role is `purpose` (possible
tags and component tags are not counted, exactly as the registry's totals do not count them). Per
capability the unit is the (award, capability) pair. Dollar figures weight each award by its obligated
amount (negative totals count as 0). Intervals: Wilson 95% for counts; for dollars a percentile bootstrap
over awards (2,000 resamples, fixed seed).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from registry.model import classify

Z95 = 1.959963984540054
BOOTSTRAP = 2000
SEED = 0


@dataclass(frozen=True)
class Figure:
    """A precision or recall: value, its 95% interval, and the counts behind it."""

    value: float | None
    low: float | None
    high: float | None
    hits: float
    total: float

    def fmt(self, money: bool = False) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}-{self.high:.3f}]"


@dataclass(frozen=True)
class Row:
    """Precision and recall, by count and by dollars, for one capability or overall."""

    name: str
    labelled: int
    predicted: int
    correct: int
    precision: Figure
    recall: Figure
    precision_dollars: Figure
    recall_dollars: Figure


def wilson(k: int, n: int) -> Figure:
    if n == 0:
        return Figure(None, None, None, k, n)
    p = k / n
    d = 1 + Z95 ** 2 / n
    c = (p + Z95 ** 2 / (2 * n)) / d
    h = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / d
    return Figure(p, max(0.0, c - h), min(1.0, c + h), k, n)


def _dollar_figure(hit: np.ndarray, base: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> Figure:
    """sum(w * hit) / sum(w * base) with a bootstrap interval over awards."""
    den = float((w * base).sum())
    if den <= 0:
        return Figure(None, None, None, 0.0, den)
    value = float((w * hit).sum()) / den
    n = len(w)
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    num_b = (w * hit)[idx].sum(axis=1)
    den_b = (w * base)[idx].sum(axis=1)
    ok = den_b > 0
    ratios = num_b[ok] / den_b[ok]
    lo, hi = (np.percentile(ratios, [2.5, 97.5]) if ok.any() else (value, value))
    return Figure(value, float(lo), float(hi), float((w * hit).sum()), den)


def _row(name: str, gold: np.ndarray, pred: np.ndarray, w: np.ndarray) -> Row:
    rng = np.random.default_rng(SEED)
    tp = gold & pred
    return Row(name, int(gold.sum()), int(pred.sum()), int(tp.sum()),
               wilson(int(tp.sum()), int(pred.sum())), wilson(int(tp.sum()), int(gold.sum())),
               _dollar_figure(tp, pred, w, rng), _dollar_figure(tp, gold, w, rng))


def measure(corpus: pd.DataFrame, decisions: pd.DataFrame, capability_ids: list[str]) -> tuple[Row, list[Row]]:
    """(overall, per capability) for the labelled awards in `corpus` given the classifier's decisions."""
    counted = decisions[(decisions["tier"] == "tagged") & (decisions["role"] == "purpose")]
    pred = counted.groupby("award_key")["capability_id"].agg(set).to_dict()
    keys = corpus["award_key"].tolist()
    w = np.clip(pd.to_numeric(corpus["obligated"], errors="coerce").fillna(0).to_numpy(dtype=float), 0, None)
    gold_sets = corpus["gold_purpose"].tolist()
    pred_sets = [pred.get(k, set()) for k in keys]
    overall = _row("any capability", np.array([bool(g) for g in gold_sets]),
                   np.array([bool(p) for p in pred_sets]), w)
    per = []
    for c in capability_ids:
        g = np.array([c in s for s in gold_sets])
        p = np.array([c in s for s in pred_sets])
        if g.any() or p.any():
            per.append(_row(c, g, p, w))
    return overall, per


def errors(corpus: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Award-level false positives and false negatives, with the label note (look at TRAIN errors only)."""
    counted = decisions[(decisions["tier"] == "tagged") & (decisions["role"] == "purpose")]
    pred = counted.groupby("award_key")["capability_id"].agg(set).to_dict()
    rows = []
    for r in corpus.itertuples(index=False):
        got = pred.get(r.award_key, set())
        for c in sorted(got - r.gold_purpose):
            rows.append(("false positive", c, r.award_key, r.recipient_name, r.note, r.descriptions[:160]))
        for c in sorted(r.gold_purpose - got):
            rows.append(("false negative", c, r.award_key, r.recipient_name, r.note, r.descriptions[:160]))
    return pd.DataFrame(rows, columns=["kind", "capability", "award_key", "recipient", "note", "text"])


def classify_corpus(data_dir: Path, corpus: pd.DataFrame) -> pd.DataFrame:
    """Run the build's classifier (shipped model) over labelled awards; returns its decisions."""
    k = classify.load_knowledge(data_dir)
    model, combiner = classify.load_model(data_dir, k.capability_ids)
    con = duckdb.connect()
    try:
        classify.prepare_from_frame(con, corpus)
        return classify.run(con, k, model, combiner)
    finally:
        con.close()


def markdown_table(overall: Row, per: list[Row]) -> str:
    """Figures as docs/model.md and `registry model evaluate` show them."""
    lines = ["| capability | labelled | predicted | correct | precision [95%] | recall [95%] | "
             "precision $ [95%] | recall $ [95%] |", "|---|---:|---:|---:|---|---|---|---|"]
    for r in [overall, *per]:
        name = f"**{r.name}**" if r is overall else r.name
        lines.append(f"| {name} | {r.labelled} | {r.predicted} | {r.correct} | {r.precision.fmt()} | "
                     f"{r.recall.fmt()} | {r.precision_dollars.fmt()} | {r.recall_dollars.fmt()} |")
    return "\n".join(lines)
