"""Queries on word vectors by cosine similarity: nearest neighbours and analogies.

Examples
--------
>>> import numpy as np
>>> from aekit.text.vocab import Vocabulary
>>> vocab = Vocabulary(["a", "b", "c"], [3, 2, 1])
>>> vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
>>> [(w, round(s, 3)) for w, s in most_similar(vectors, vocab, "a", k=1)]
[('b', 0.994)]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .vocab import Vocabulary


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _check_k(k: int) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def nearest(
    unit: np.ndarray, vocab: Vocabulary, query: np.ndarray, k: int, exclude: Iterable[int] = ()
) -> list[tuple[str, float]]:
    """The ``k`` words whose unit vectors have the highest cosine with ``query``, skipping the ids
    in ``exclude`` and special tokens."""
    k = _check_k(k)
    scores = unit @ (query / max(float(np.linalg.norm(query)), 1e-12))
    scores[list(exclude) + list(range(len(vocab.specials)))] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, dtype=int)
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(vocab.words[i], float(scores[i])) for i in top]


def most_similar(vectors: np.ndarray, vocab: Vocabulary, word: str, k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` nearest words to ``word`` by cosine, as ``(word, cosine)``, best first."""
    i = vocab.index(word)
    unit = unit_rows(vectors)
    return nearest(unit, vocab, unit[i], k, exclude=[i])


def analogy(vectors: np.ndarray, vocab: Vocabulary, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
    """Words closest to ``a - b + c`` (3CosAdd on unit vectors; Mikolov et al. 2013c), excluding
    ``a``, ``b`` and ``c``: for "king - man + woman" the answer hoped for is "queen"."""
    ids = [vocab.index(w) for w in (a, b, c)]
    unit = unit_rows(vectors)
    return nearest(unit, vocab, unit[ids[0]] - unit[ids[1]] + unit[ids[2]], k, exclude=ids)


def similarity(vectors: np.ndarray, vocab: Vocabulary, first: str, second: str) -> float:
    """Cosine similarity of two words."""
    unit = unit_rows(vectors[[vocab.index(first), vocab.index(second)]])
    return float(unit[0] @ unit[1])
