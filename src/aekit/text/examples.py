"""Training examples for word2vec, made for a whole epoch at once with numpy (no Python loop over
tokens): every position gets a *reduced window* b drawn uniformly from 1..window, as in
word2vec.c, so that near neighbours are sampled more often than far ones.

- skip-gram: one example per (centre, context) pair, ``inputs`` = centre ids (N,), ``targets`` =
  context ids (N,). (Mikolov et al. 2013a, "Efficient Estimation of Word Representations")
- CBOW: one example per centre with at least one context word, ``inputs`` = context ids
  (N, 2*window) padded with -1, ``targets`` = centre ids (N,).

Windows never cross a document boundary.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x, y = skipgram_examples([np.array([7, 8, 9])], window=1, rng=rng)
>>> sorted(zip(x.tolist(), y.tolist()))
[(7, 8), (8, 7), (8, 9), (9, 8)]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def _flatten(documents: Sequence[np.ndarray], window: int, rng: np.random.Generator):
    ids = np.concatenate([np.asarray(d, dtype=np.int64) for d in documents]) if documents else np.zeros(0, np.int64)
    doc = np.repeat(np.arange(len(documents)), [len(d) for d in documents])
    reach = rng.integers(1, window + 1, size=len(ids))  # the reduced window of each position
    return ids, doc, reach


def skipgram_examples(
    documents: Sequence[np.ndarray], window: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(centre ids, context ids), both (N,) int64: each centre with every word within its reach."""
    ids, doc, reach = _flatten(documents, window, rng)
    centres, contexts = [], []
    for d in range(1, window + 1):
        same = doc[:-d] == doc[d:]  # position i and i+d lie in the same document
        right = np.flatnonzero(same & (reach[:-d] >= d))  # centre i sees i+d
        left = np.flatnonzero(same & (reach[d:] >= d))  # centre i+d sees i
        centres += [ids[right], ids[left + d]]
        contexts += [ids[right + d], ids[left]]
    if not centres:
        return torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
    return torch.from_numpy(np.concatenate(centres)), torch.from_numpy(np.concatenate(contexts))


def cbow_examples(
    documents: Sequence[np.ndarray], window: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(context ids (N, 2*window) padded with -1, centre ids (N,)) for centres with any context."""
    ids, doc, reach = _flatten(documents, window, rng)
    context = np.full((len(ids), 2 * window), -1, dtype=np.int64)
    for d in range(1, window + 1):
        same = doc[:-d] == doc[d:]
        right = np.flatnonzero(same & (reach[:-d] >= d))  # centre i gets i+d as context
        left = np.flatnonzero(same & (reach[d:] >= d))  # centre i+d gets i as context
        context[right, 2 * d - 1] = ids[right + d]
        context[left + d, 2 * d - 2] = ids[left]
    has_context = (context >= 0).any(axis=1)
    return torch.from_numpy(context[has_context]), torch.from_numpy(ids[has_context])


EXAMPLES = {"skipgram": skipgram_examples, "cbow": cbow_examples}
