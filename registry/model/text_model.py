"""The trained text model: TF-IDF word and character n-grams -> one logistic regression per capability.

Why a text model beside the rules: the misses the independent check found are terse orders ("LICENSE
RENEWAL", "KITS AND TRAINING") whose only clue is a company or product name, and plain wording no rule
lists. A model trained on labelled awards reads every word of the description, the recipient, its parent
and the product/industry code descriptions, and learns which matter.

Why not pickle: a pickled scikit-learn object breaks when the library version changes. The file under
data/model/ is an NPZ of plain arrays (vocabularies, idf weights, coefficients) that numpy reads without
pickle; scoring computes the TF-IDF transform from the vocabulary and idf (registry/model/tfidf.py, numpy
only, equal to scikit-learn's to the bit), so `registry build` scores exactly what `registry model train`
fitted without importing scikit-learn. Training is deterministic (fixed folds, liblinear, fixed seed), and
imports scikit-learn inside the functions that fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from registry.model import tfidf

SEED = 0
FOLDS = 5
C = 8.0  # inverse L2 strength; terse texts need rare names (product, company) to carry weight
WORD = {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "lowercase": True,
        "token_pattern": r"(?u)\b[a-z0-9][a-z0-9&.\-]*[a-z0-9]\b|\b[a-z]\b", "dtype": np.float64}
CHAR = {"analyzer": "char_wb", "ngram_range": (4, 5), "sublinear_tf": True, "lowercase": True,
        "dtype": np.float64}
WORD_FIT = {"min_df": 2, "max_features": 12000}
CHAR_FIT = {"min_df": 3, "max_features": 12000}


@dataclass
class TextModel:
    """Vocabularies, idf weights and per-capability coefficients; `predict` gives P(capability | text)."""

    capabilities: list[str]
    word_vocab: list[str]
    word_idf: np.ndarray
    char_vocab: list[str]
    char_idf: np.ndarray
    coef: np.ndarray       # capabilities x features
    intercept: np.ndarray  # capabilities
    _parts: list = field(default_factory=list, init=False, repr=False, compare=False)

    def features(self, docs: list[str]) -> sp.csr_matrix:
        """Word then character TF-IDF columns, each part L2-normalised: what the coefficients multiply."""
        if not self._parts:
            self._parts = [(tfidf.columns_of(WORD), {t: i for i, t in enumerate(self.word_vocab)}, self.word_idf),
                           (tfidf.columns_of(CHAR), {t: i for i, t in enumerate(self.char_vocab)}, self.char_idf)]
        data, indices, indptr, width = tfidf.transform(docs, self._parts)
        return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, width))

    def predict(self, docs: list[str]) -> np.ndarray:
        """Probabilities, documents x capabilities."""
        if not docs:
            return np.zeros((0, len(self.capabilities)))
        return self.predict_features(self.features(docs))

    def predict_features(self, x: sp.csr_matrix) -> np.ndarray:
        z = np.asarray(x @ self.coef.T) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def top_terms_features(self, x: sp.csr_matrix, rows: list[tuple[int, int]], k: int = 3) -> list[str]:
        """For (document, capability) pairs: the k n-grams that pushed the score up most (the evidence shown)."""
        names = self.word_vocab + [f"~{t.strip()}~" for t in self.char_vocab]
        out = []
        for d, ci in rows:
            lo, hi = x.indptr[d], x.indptr[d + 1]
            idx, data = x.indices[lo:hi], x.data[lo:hi]
            contrib = data * self.coef[ci, idx]
            order = np.argsort(-contrib, kind="stable")[:k]
            terms = [names[idx[j]] for j in order if contrib[j] > 0]
            out.append(", ".join(terms) or "(no single strong term)")
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            np.savez_compressed(
                f, capabilities=np.array(self.capabilities), word_vocab=np.array(self.word_vocab),
                word_idf=self.word_idf, char_vocab=np.array(self.char_vocab), char_idf=self.char_idf,
                coef=self.coef.astype(np.float32), intercept=self.intercept)

    @classmethod
    def load(cls, path: Path) -> TextModel:
        with np.load(path, allow_pickle=False) as z:
            return cls([str(c) for c in z["capabilities"]], [str(t) for t in z["word_vocab"]], z["word_idf"],
                       [str(t) for t in z["char_vocab"]], z["char_idf"], z["coef"].astype(np.float64),
                       z["intercept"])


def _fit_vectorizers(docs: list[str]) -> tuple:
    from sklearn.feature_extraction.text import TfidfVectorizer

    w = TfidfVectorizer(**WORD, **WORD_FIT).fit(docs)
    c = TfidfVectorizer(**CHAR, **CHAR_FIT).fit(docs)
    return w, c


def _fit_one(x: sp.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
    if y.sum() < 2 or y.sum() == len(y):  # nothing to learn: never fires
        return np.zeros(x.shape[1]), -8.0
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=SEED, max_iter=1000)
    lr.fit(x, y)
    return lr.coef_[0], float(lr.intercept_[0])


def fit(docs: list[str], y: np.ndarray, known: np.ndarray, capabilities: list[str]) -> TextModel:
    """Fit on documents with a label matrix y (docs x capabilities); `known` masks pairs without a label."""
    w, c = _fit_vectorizers(docs)
    word_vocab = sorted(w.vocabulary_, key=w.vocabulary_.get)
    char_vocab = sorted(c.vocabulary_, key=c.vocabulary_.get)
    model = TextModel(capabilities, word_vocab, w.idf_, char_vocab, c.idf_,
                      np.zeros((len(capabilities), len(word_vocab) + len(char_vocab))), np.zeros(len(capabilities)))
    x = model.features(docs)
    for j in range(len(capabilities)):
        rows = np.flatnonzero(known[:, j])
        coef, b = _fit_one(x[rows], y[rows, j])
        model.coef[j], model.intercept[j] = coef, b
    # what is saved is float32; score with the same rounding the saved file will give
    model.coef = model.coef.astype(np.float32).astype(np.float64)
    return model


def out_of_fold(docs: list[str], y: np.ndarray, known: np.ndarray, capabilities: list[str],
                groups: list[str] | None = None) -> np.ndarray:
    """Each document scored by a model fitted without it (5 fixed folds): honest inputs for the combiner.

    With `groups` (the recipient), all awards of a recipient fall in the same fold, so the text model is
    scored as it will be on a company it has never seen: the combiner then learns how much to trust the
    gazetteer's vendor and product evidence where the text model cannot know the name.
    """
    from sklearn.model_selection import GroupKFold, KFold

    p = np.zeros(y.shape)
    n = min(FOLDS, len(docs))
    if groups is not None and len(set(groups)) >= n:
        splits = GroupKFold(n_splits=n).split(docs, groups=groups)
    else:
        splits = KFold(n_splits=n, shuffle=True, random_state=SEED).split(docs)
    for tr, te in splits:
        m = fit([docs[i] for i in tr], y[tr], known[tr], capabilities)
        p[te] = m.predict([docs[i] for i in te])
    return p
