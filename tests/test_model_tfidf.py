"""The build's TF-IDF transform (registry/model/tfidf.py, numpy only) equals scikit-learn's, bit for bit.

Why this matters: the shipped text model was fitted with scikit-learn's TfidfVectorizer, and the build
scores with a numpy transform so that it need not import scikit-learn. If the two differed in one n-gram
or in the last bit of a norm, a score or a tier could move. Checked on the labelled corpus (the texts the
model was trained on) plus texts that exercise the tokenizer's edges, with the shipped vocabulary and with
a vocabulary fitted afresh (every term the corpus has at min_df 1, so no n-gram is left out unnoticed).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from registry.core import paths
from registry.model import classify, labels, tfidf
from registry.model.text_model import CHAR, WORD, TextModel

EDGE_TEXTS = [
    "", " ", "A", "A I", "AB", "ABC", "  X\t\tY \u00a0Z\u2003W  ", "ÉCOLE STRASSE İSTANBUL straße",
    "A-B C.D E&F 3.5 X-RAY AT&T U.S. 1-800", "LICENSE RENEWAL", "KITS AND TRAINING", "A" * 300,
]


@pytest.fixture(scope="module")
def docs() -> list[str]:
    k = classify.load_knowledge(paths.DATA_DIR)
    corpus = labels.load(paths.DATA_DIR / "labels", set(k.capability_ids)).fillna("")
    text = (corpus["descriptions"] + " RECIPIENT " + corpus["recipient_name"] + " PARENT "
            + corpus["parent_recipient_name"] + " PSC " + corpus["psc_code"] + " " + corpus["psc_description"]
            + " NAICS " + corpus["naics_code"] + " " + corpus["naics_description"])
    return [t.upper() for t in text] + EDGE_TEXTS


def _sklearn(docs: list[str], word, char) -> sp.csr_matrix:
    return sp.hstack([word.transform(docs), char.transform(docs)], format="csr")


def _same(a: sp.csr_matrix, b: sp.csr_matrix) -> None:
    assert a.shape == b.shape
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # exact, not allclose


def test_shipped_model_features_equal_sklearn_transform(docs):
    # imported here, not at collection: scikit-learn is slow to import and only these tests need it
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = TextModel.load(paths.DATA_DIR / classify.MODEL_DIR / classify.TEXT_MODEL_FILE)
    word = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(model.word_vocab)}, **WORD)
    word.idf_ = model.word_idf
    char = TfidfVectorizer(vocabulary={t: i for i, t in enumerate(model.char_vocab)}, **CHAR)
    char.idf_ = model.char_idf
    expected = _sklearn(docs, word, char)
    got = model.features(docs)
    assert got.nnz > 100_000  # the corpus is compared, not only the edge texts
    _same(got, expected)
    assert np.array_equal(model.predict_features(got), model.predict_features(expected))


def test_freshly_fitted_vocabulary_features_equal_sklearn_transform(docs):
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = docs[::4] + EDGE_TEXTS  # a quarter of the corpus: every n-gram it has is in this vocabulary
    word = TfidfVectorizer(**WORD).fit(docs)
    char = TfidfVectorizer(**CHAR).fit(docs)
    parts = [(tfidf.columns_of(WORD), word.vocabulary_, word.idf_), (tfidf.columns_of(CHAR), char.vocabulary_,
                                                                      char.idf_)]
    data, indices, indptr, width = tfidf.transform(docs, parts)
    _same(sp.csr_matrix((data, indices, indptr), shape=(len(docs), width)), _sklearn(docs, word, char))


def test_a_build_does_not_import_sklearn():
    """Scoring reads the saved arrays: building needs numpy and scipy, not scikit-learn (training does)."""
    import subprocess
    import sys

    code = ("import sys; from registry.model import capabilities, classify, scoring, text_model; "
            "assert not any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules), 'sklearn imported'")
    run = subprocess.run([sys.executable, "-c", code], cwd=paths.ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
