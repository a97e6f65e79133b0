"""The pieces :class:`aekit.AnomalyDetector` combines besides its autoencoders.

- :func:`robust_scale`: a member's scores put on a common scale by their median and IQR;
- :class:`NeighborDistance`: the distance to the k-th nearest training row, a component that
  finds the local-density anomalies a reconstruction error misses (points between clusters
  that every autoencoder still reconstructs well), with an exact per-feature split;
- :class:`ScoreMemory`: the bounded memory of recent training scores that ``partial_fit``
  recomputes the scaling and the threshold from.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

SCORE_MEMORY = 10_000  # training scores kept for the scaling and the threshold (partial_fit)


def robust_scale(scores: np.ndarray) -> tuple[float, float]:
    """Median and interquartile range of training scores (the standard deviation where the IQR
    is 0). Both ignore the few very high scores of anomalies in the training data, which would
    otherwise set the scale."""
    q1, median, q3 = np.quantile(scores, [0.25, 0.5, 0.75])
    spread = q3 - q1 if q3 > q1 else np.std(scores)
    return float(median), float(max(spread, 1e-12))


class NeighborDistance:
    """Distance of a row to its k-th nearest row of a reference sample (Ramaswamy et al. 2000).

    The neighbours are found by scikit-learn's :class:`~sklearn.neighbors.NearestNeighbors`; the
    distance is then recomputed from the row and its neighbour directly, so a row's score does
    not depend on which other rows are scored with it, and it splits exactly over the features:
    ``d = sum_j (x_j - r_j)^2 / d``.

    Parameters
    ----------
    n_neighbors : int
        k. Training rows are scored against the other reference rows (leave-one-out).
    max_reference : int
        At most this many reference rows are kept (a uniform sample of the rows seen, updated
        as a reservoir by :meth:`update`), which bounds memory and scoring time.
    """

    def __init__(self, n_neighbors: int, max_reference: int = 10_000) -> None:
        self.n_neighbors = n_neighbors
        self.max_reference = max_reference

    def fit(self, X: np.ndarray, rng: np.random.RandomState) -> "NeighborDistance":
        rows = X if len(X) <= self.max_reference else X[np.sort(rng.choice(len(X), self.max_reference, replace=False))]
        self.reference_ = np.ascontiguousarray(rows, dtype=np.float64)
        self.n_seen_ = len(X)
        self._index()
        return self

    def _index(self) -> None:
        self.k_ = int(min(self.n_neighbors, len(self.reference_) - 1))
        if self.k_ < 1:
            raise ValueError(f"the neighbour component needs at least 2 training rows, got n_samples={len(self.reference_)}; "
                             "pass n_neighbors=0 to leave it out")
        self.index_ = NearestNeighbors(n_neighbors=self.k_ + 1).fit(self.reference_)

    def _neighbor(self, X: np.ndarray, leave_one_out: bool) -> np.ndarray:
        """The k-th nearest reference row of each row of X, (n, n_features)."""
        k = self.k_ + 1 if leave_one_out else self.k_
        _, idx = self.index_.kneighbors(X, n_neighbors=k)
        return self.reference_[idx[:, -1]]

    def scores(self, X: np.ndarray, leave_one_out: bool = False) -> np.ndarray:
        return np.sqrt(((X - self._neighbor(X, leave_one_out)) ** 2).sum(axis=1))

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """(n, n_features) terms that add up to :meth:`scores`."""
        sq = (X - self._neighbor(X, leave_one_out=False)) ** 2
        dist = np.sqrt(sq.sum(axis=1, keepdims=True))
        return np.divide(sq, dist, out=np.zeros_like(sq), where=dist > 0)

    def update(self, X: np.ndarray, rng: np.random.RandomState) -> None:
        """Reservoir sampling (Vitter's algorithm R): after any number of updates the reference is
        a uniform sample of at most ``max_reference`` of all rows seen."""
        reference = list(self.reference_)
        for row in np.asarray(X, dtype=np.float64):
            self.n_seen_ += 1
            if len(reference) < self.max_reference:
                reference.append(row)
            else:
                j = rng.randint(0, self.n_seen_)
                if j < self.max_reference:
                    reference[j] = row
        self.reference_ = np.asarray(reference)
        self._index()


class ScoreMemory:
    """The raw scores of the most recent training rows, at most ``size`` of them (a FIFO).

    Each row holds its members' and components' raw scores as they were when the row was
    scored: after ``partial_fit`` trains the members further, older entries are not rescored
    (the rows themselves are not kept), so the memory follows the model with a lag of at most
    ``size`` rows.
    """

    def __init__(self, size: int) -> None:
        self.size = size

    def reset(self, scores: np.ndarray) -> None:
        # C order whatever the input's: reductions over it then give the same bits after a reload
        self.scores_ = np.ascontiguousarray(np.asarray(scores, dtype=np.float64)[-self.size :])

    def add(self, scores: np.ndarray) -> None:
        self.reset(np.concatenate([self.scores_, scores]))
