"""TF-IDF features of documents for a fixed vocabulary and idf: what the shipped text model reads at build time.

Why not scikit-learn's vectorizer here: importing scikit-learn costs every process that builds a registry
about three seconds (the build, every `registry` CLI subprocess that builds, every test worker), and scoring
needs only the transform of a vocabulary that training already chose. This module computes that transform
with numpy alone, to the bit: the same n-grams (word n-grams from the token pattern, or `char_wb` n-grams
padded with one space inside word boundaries), raw counts, `1 + log(count)` (sublinear tf), times idf, then
each row divided by its L2 norm with the squares summed left to right as scikit-learn's Cython loop sums
them. tests/test_model_tfidf.py compares it with scikit-learn's TfidfVectorizer on the labelled corpus,
array for array. Training (registry/model/text_model.py) still fits the vocabulary and idf with
scikit-learn; only the transform lives here.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable

import numpy as np

_WHITESPACE_RUNS = re.compile(r"\s\s+")
COUNT_DOCS = 1000  # documents whose n-gram occurrences are held at once (each occurrence is 8 bytes until counted)


def word_columns(token_pattern: str, ngram_range: tuple[int, int]) -> Callable[[str, dict], list[int]]:
    """Columns of a document's lower-cased `token_pattern` tokens and their n-grams (joined by one space)
    within `ngram_range`, one entry per occurrence; n-grams outside the vocabulary are dropped."""
    tokens_of = re.compile(token_pattern).findall
    lo, hi = ngram_range

    def columns(doc: str, vocab: dict[str, int]) -> list[int]:
        tokens = tokens_of(doc.lower())
        grams = list(tokens) if lo == 1 else []
        for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
            grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
        return [c for c in map(vocab.get, grams) if c is not None]

    return columns


def char_wb_columns(ngram_range: tuple[int, int]) -> Callable[[str, dict], list[int]]:
    """Columns of the character n-grams of each lower-cased word padded with one space on each side.

    A padded word no longer than n gives itself once, and no longer n-grams (scikit-learn's rule: a short
    word is counted only once). Why a cache per call: the n-grams of a word do not depend on the document,
    and award texts repeat their words, so each distinct word is cut and looked up once.
    """
    lo, hi = ngram_range

    def word_columns(word: str, vocab: dict[str, int]) -> list[int]:
        w = f" {word} "
        grams: list[str] = []
        for n in range(lo, hi + 1):
            if len(w) <= n:
                grams.append(w)
                break
            grams.extend(w[i:i + n] for i in range(len(w) - n + 1))
        return [c for c in map(vocab.get, grams) if c is not None]

    def columns(doc: str, vocab: dict[str, int], cache: dict[str, list[int]]) -> list[int]:
        out: list[int] = []
        for word in _WHITESPACE_RUNS.sub(" ", doc.lower()).split():
            cols = cache.get(word)
            if cols is None:
                cols = cache[word] = word_columns(word, vocab)
            out.extend(cols)
        return out

    return columns


def columns_of(config: dict) -> Callable[[str, dict, dict], list[int]]:
    """The column finder a vectorizer configuration (text_model.WORD / CHAR) names: (doc, vocab, cache)."""
    if config["analyzer"] == "word":
        word = word_columns(config["token_pattern"], tuple(config["ngram_range"]))
        return lambda doc, vocab, cache: word(doc, vocab)
    if config["analyzer"] == "char_wb":
        return char_wb_columns(tuple(config["ngram_range"]))
    raise ValueError(f"unsupported analyzer {config['analyzer']!r}")


def _row_l2_norms(data: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """sqrt of each row's sum of squares, summed strictly left to right within the row.

    Why not `np.add.reduceat`: numpy may sum a segment pairwise, which can differ from a left-to-right sum in
    the last bit; here step j adds the j-th square of every row that has one, so each row is a sequential sum.
    """
    sq = data * data
    lengths = np.diff(indptr)
    order = np.argsort(-lengths, kind="stable")  # rows by length, longest first: step j uses a prefix
    starts = indptr[:-1][order]
    sorted_lengths = lengths[order]
    sums = np.zeros(len(lengths))
    longest = int(sorted_lengths[0]) if len(sorted_lengths) else 0
    active = len(order)
    for j in range(longest):
        while active and sorted_lengths[active - 1] <= j:
            active -= 1
        sums[:active] += sq[starts[:active] + j]
    norms = np.empty(len(lengths))
    norms[order] = np.sqrt(sums)
    return norms


def transform(docs: Iterable[str], parts: list[tuple[Callable, dict[str, int], np.ndarray]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """CSR arrays (data, indices, indptr, n_columns) of the documents' features, the parts side by side.

    Each part is (column finder of `columns_of`, vocabulary term -> column, idf) and is normalised on its own, as two
    TfidfVectorizer outputs stacked horizontally are; its columns follow the previous parts' columns.
    """
    docs = list(docs)
    datas, rows_all, cols_all = [], [], []
    offset = 0
    for columns, vocab, idf in parts:
        cache: dict = {}
        rows_parts, col_parts, count_parts = [], [], []
        for lo in range(0, len(docs), COUNT_DOCS):  # occurrences counted a slice of documents at a time
            cols = array("q")
            lengths = array("q")
            for doc in docs[lo:lo + COUNT_DOCS]:
                ids = columns(doc, vocab, cache)
                cols.extend(ids)
                lengths.append(len(ids))
            keys = np.repeat(np.arange(lo, lo + len(lengths), dtype=np.int64),
                             np.frombuffer(lengths, dtype=np.int64)) * len(vocab)
            keys += np.frombuffer(cols, dtype=np.int64)
            del cols
            keys, counts = np.unique(keys, return_counts=True)  # sorted by row, then column
            r, c = np.divmod(keys, len(vocab)) if len(vocab) else (keys, keys)
            rows_parts.append(r.astype(np.int32))
            col_parts.append(c.astype(np.int32))
            count_parts.append(counts.astype(np.int32))
        row = np.concatenate(rows_parts) if rows_parts else np.zeros(0, dtype=np.int32)
        col = np.concatenate(col_parts) if col_parts else np.zeros(0, dtype=np.int32)
        counts = np.concatenate(count_parts) if count_parts else np.zeros(0, dtype=np.int32)
        data = counts.astype(np.float64)
        np.log(data, out=data)
        data += 1.0
        data *= idf[col]
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=len(docs)), out=indptr[1:])
        norms = _row_l2_norms(data, indptr)
        per_value = np.repeat(norms, np.diff(indptr))
        nonzero = per_value != 0.0
        data[nonzero] /= per_value[nonzero]
        datas.append(data)
        rows_all.append(row)
        cols_all.append(col + offset)
        offset += len(vocab)
    row = np.concatenate(rows_all)
    order = np.argsort(row, kind="stable")  # per row: the first part's columns, then the next part's
    indptr = np.zeros(len(docs) + 1, dtype=np.int32)
    np.cumsum(np.bincount(row, minlength=len(docs)), out=indptr[1:])
    return (np.concatenate(datas)[order], np.concatenate(cols_all)[order].astype(np.int32), indptr, offset)
