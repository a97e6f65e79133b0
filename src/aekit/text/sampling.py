"""The two distributions of word2vec (Mikolov et al. 2013, "Distributed Representations of Words
and Phrases and their Compositionality", section 2.2-2.3).

- Subsampling of frequent words: each occurrence of word w is *kept* with probability
  ``min(1, sqrt(t / f(w)))``, f the relative frequency and t a threshold (the paper discards with
  ``1 - sqrt(t / f)``). Frequent words ("the", "of") carry little information about their
  neighbours and dominate the pairs; dropping most of them also widens the effective window.
- Noise distribution for negative sampling: ``P_n(w) ~ count(w) ** 0.75``, which the paper found
  better than the unigram (power 1) and uniform (power 0) distributions.

Examples
--------
>>> keep_probabilities([400, 1], threshold=0.25).round(3).tolist()   # f = 400/401 and 1/401
[0.501, 1.0]
>>> noise_distribution([16, 1, 0]).round(4).tolist()                 # 16**0.75 = 8
[0.8889, 0.1111, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def keep_probabilities(counts: Sequence[int] | np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of each word, ``min(1, sqrt(threshold / f))``.

    ``threshold=0`` (or None) disables subsampling (all ones). Words with count 0 (special
    tokens) get probability 1; they do not occur in the text anyway.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any():
        raise ValueError("counts must be a 1-D array of non-negative counts")
    if not threshold:
        return np.ones_like(counts)
    if not isinstance(threshold, (int, float)) or threshold < 0:
        raise ValueError(f"subsample threshold must be a number >= 0, got {threshold!r}")
    freq = counts / max(counts.sum(), 1.0)
    with np.errstate(divide="ignore"):
        keep = np.sqrt(threshold / freq)
    return np.minimum(keep, 1.0)


def subsample(ids: np.ndarray, keep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The ids of ``ids`` that survive one independent coin flip each (``keep[id]`` = heads)."""
    return ids[rng.random(len(ids)) < keep[ids]]


def noise_distribution(counts: Sequence[int] | np.ndarray, power: float = 0.75) -> np.ndarray:
    """``counts ** power``, normalised to sum to 1 (the negative-sampling noise)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError("counts must be a 1-D array of non-negative counts with a positive sum")
    weights = np.where(counts > 0, counts**power, 0.0)  # 0 ** 0 would give special tokens weight
    return weights / weights.sum()
