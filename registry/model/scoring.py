"""From evidence to one score per (award, capability), and the two thresholds that make tiers.

How signals combine (documented in docs/model.md):
  1. Per signal kind, the pieces of evidence combine by noisy-OR of their confidences: two rules at 0.6
     give 1 - 0.4 x 0.4 = 0.84. Kinds: rule (capabilities.yaml), product (gazetteer product name in a
     description), vendor (a specialised vendor's default capabilities), prior (PSC/NAICS, weak: it counts
     only for a pair with rule, product, vendor or AI evidence; alone it is nothing), ai (AI
     use-case inventory), and text (the trained text model's probability, used as its log-odds).
  2. A logistic combiner turns them into the score: score = sigmoid(b + sum_k w_k x_k), with the weights
     fitted on the train labels (a kind whose fitted weight is not positive is dropped: evidence only adds) (text-model inputs scored out of fold, so the combiner cannot learn to
     trust a text model that has seen the award). AI-inventory evidence never occurs in the labelled
     corpus, so it takes the product weight (a named system is as specific as a named product).
  3. score >= t_tag: `tagged` (counted when its role is purpose); t_possible <= score < t_tag:
     `possible` (shown, never counted); below t_possible: not shown. Annotations override: add = 1.0.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = ("rule", "product", "vendor", "prior", "ai_inventory")
FEATURES = (*KINDS, "text")
P_CLIP = 0.01


@dataclass
class Combiner:
    """Weights of the logistic combiner and the thresholds; saved as JSON beside the text model."""

    intercept: float
    weights: dict[str, float]
    t_tag: float
    t_possible: float
    trained_on: dict = field(default_factory=dict)  # label counts and train figures, for the docs

    def score(self, x: pd.DataFrame) -> np.ndarray:
        z = np.full(len(x), self.intercept)
        for k in FEATURES:
            z = z + self.weights[k] * x[k].to_numpy(dtype=float)
        return 1.0 / (1.0 + np.exp(-z))

    def tier(self, score: np.ndarray) -> np.ndarray:
        return np.where(score >= self.t_tag, "tagged", np.where(score >= self.t_possible, "possible", ""))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Combiner:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def text_logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, P_CLIP, 1 - P_CLIP)
    return np.log(p / (1 - p))


def feature_frame(evidence: pd.DataFrame, text_p: pd.DataFrame) -> pd.DataFrame:
    """One row per (award, capability) with any evidence or text probability: noisy-OR per kind, text log-odds.

    evidence: award_key, capability_id, method, confidence. text_p: award_key, capability_id, p.
    """
    text_p = text_p.astype({"award_key": str, "capability_id": str, "p": float})
    ev = evidence[evidence["method"].isin(KINDS)].astype({"award_key": str, "capability_id": str}).copy()
    ev["log_miss"] = np.log1p(-np.clip(ev["confidence"].astype(float), 0, 0.999))
    agg = ev.groupby(["award_key", "capability_id", "method"])["log_miss"].sum().unstack("method")
    agg = (1 - np.exp(agg)).reindex(columns=list(KINDS)).fillna(0.0).reset_index()
    if ev.empty:
        agg = pd.DataFrame({"award_key": pd.Series(dtype=str), "capability_id": pd.Series(dtype=str),
                            **{k: pd.Series(dtype=float) for k in KINDS}})
    pairs = agg.merge(text_p, on=["award_key", "capability_id"], how="outer")
    for k in KINDS:
        pairs[k] = pairs[k].fillna(0.0)
    # a product/industry code is weak evidence: it raises a pair that has other evidence, and alone it is nothing
    other = (pairs[[k for k in KINDS if k != "prior"]] > 0).any(axis=1)
    pairs["prior"] = pairs["prior"].where(other, 0.0)
    pairs["p_text"] = pairs["p"].fillna(0.0)
    pairs["text"] = text_logit(pairs["p_text"].to_numpy())
    return pairs.drop(columns=["p"]).sort_values(["award_key", "capability_id"]).reset_index(drop=True)


def fit(x: pd.DataFrame, y: np.ndarray, seed: int = 0) -> tuple[float, dict[str, float]]:
    """Logistic combiner weights; AI-inventory weight = product weight (no AI evidence in labelled corpora).

    scikit-learn is imported here, not at module import: a build scores with saved weights and never fits.
    """
    from sklearn.linear_model import LogisticRegression

    cols = [k for k in FEATURES if k != "ai_inventory"]
    w = dict.fromkeys(FEATURES, 0.0)
    while True:  # evidence only ever adds: a kind whose fitted weight is not positive is dropped (weight 0)
        lr = LogisticRegression(C=1.0, solver="liblinear", random_state=seed, max_iter=1000)
        lr.fit(x[cols].to_numpy(dtype=float), y)
        fitted = dict(zip(cols, lr.coef_[0], strict=True))
        bad = [k for k, v in fitted.items() if v <= 0]
        if not bad or len(bad) == len(cols):
            break
        cols = [k for k in cols if k not in bad]
    w.update({k: round(float(v), 6) for k, v in fitted.items()})
    w["ai_inventory"] = w["product"]
    return round(float(lr.intercept_[0]), 6), w
