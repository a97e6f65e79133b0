"""Per-feature explanations of :class:`aekit.AnomalyDetector` scores.

Every component of the detector's score splits exactly over the (encoded) features, and the
scaling and combination are linear or pick one component per row, so a row's contributions add
up to its score. :class:`FeatureContributions` is mixed into the detector.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted


class FeatureContributions:
    """``feature_contributions`` and ``top_features`` for :class:`aekit.AnomalyDetector`."""

    def feature_contributions(self, X) -> np.ndarray:
        """Per-feature breakdown of each row's score: (n_rows, n_features_in_), rows sum to
        :meth:`decision_function`.

        Every component splits exactly over the features: an autoencoder's score is a weighted
        sum of per-feature squared errors, the neighbour distance is ``sum_j (x_j - r_j)^2 / d``
        for the k-th nearest training row r. The members' scaling is linear, and the part of it
        that does not depend on the row (the centring) is spread evenly over the features, so
        the order of the features within a row is the order of their error terms. With
        ``combination="max"`` a row's contributions are those of the component that scored it;
        with "mean" the components' contributions are averaged; with "median" those of the
        median component (the mean of the two middle ones for an even count). One-hot columns
        of a text column are added up into that column.

        Only for ``score="reconstruction"`` with a Gaussian likelihood: the ELBO, IWAE and
        latent scores have no additive split over the features, and this raises ``ValueError``.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.random.default_rng(0).normal(size=(300, 5))
        >>> from aekit import AnomalyDetector
        >>> det = AnomalyDetector(epochs=10, random_state=0).fit(X)
        >>> contrib = det.feature_contributions(X[:4])
        >>> bool(np.allclose(contrib.sum(axis=1), det.decision_function(X[:4])))
        True
        """
        check_is_fitted(self, "decision_scores_")
        if self.score != "reconstruction" or self.likelihood != "gaussian":
            raise ValueError(f"feature_contributions needs score='reconstruction' with the Gaussian likelihood "
                             f"(got score={self.score!r}, likelihood={self.likelihood!r}): ELBO, IWAE and latent "
                             "scores have no additive split over the features")
        X = self._prepare(X, reset=False)
        Xs = self._scaled(X)
        n_features = Xs.shape[1]
        w = self._feature_weights(n_features)
        inv = 1.0 / (len(self.member_spread_) * self.member_spread_)  # each member's weight in the mean
        if self._uses_network():
            member_weights = torch.from_numpy(inv)[:, None, None]
            terms = self._network_errors(Xs, lambda err: (err * member_weights.to(err.device)).sum(0)) * w
        else:
            terms = sum(self._element_errors(i, X) * inv[i] for i in range(len(self.estimators_))) * w
        terms -= float(self.member_center_ @ inv) / n_features
        parts = [terms] + ([self.neighbors_.contributions(Xs)] if self.neighbors_ else [])
        z = np.stack([(t - c / n_features) / s for t, c, s in
                      zip(parts, self.component_center_, self.component_spread_)])  # (components, n, features)
        return self._encoded_to_columns(self._combine_terms(z))

    def _combine_terms(self, z: np.ndarray) -> np.ndarray:
        """The combination of :meth:`_combine`, applied to per-feature terms (components, n, features)."""
        if self.combination == "mean" or len(z) == 1:
            return z.mean(axis=0)
        totals = z.sum(axis=2)  # (components, n): each component's scaled score
        order = np.argsort(totals, axis=0, kind="stable")
        rows = np.arange(z.shape[1])
        if self.combination == "max":
            return z[order[-1], rows]
        middle = len(z) // 2
        if len(z) % 2:
            return z[order[middle], rows]
        return (z[order[middle - 1], rows] + z[order[middle], rows]) / 2

    def _encoded_to_columns(self, terms: np.ndarray) -> np.ndarray:
        if not hasattr(self, "encoder_") or self.encoder_.all_numeric_:
            return terms
        out = np.zeros((len(terms), self.n_features_in_))
        np.add.at(out.T, self.encoder_.source_columns_, terms.T)
        return out

    def top_features(self, X, n: int = 3) -> list[list[tuple[str, float]]]:
        """The ``n`` features that contribute most to each row's score, as (name, contribution)."""
        contrib = self.feature_contributions(X)
        names = self._column_names()
        top = np.argsort(-contrib, axis=1, kind="stable")[:, :n]
        return [[(names[j], float(contrib[i, j])) for j in row] for i, row in enumerate(top)]

    def _column_names(self) -> list[str]:
        if hasattr(self, "encoder_"):
            return list(self.encoder_.column_names_)
        if hasattr(self, "feature_names_in_"):
            return [str(c) for c in self.feature_names_in_]
        return [f"x{j}" for j in range(self.n_features_in_)]
