"""The prediction API PyOD users know, as a mixin: :class:`OutlierPredictionMixin`.

The class is called ``OutlierPredictionMixin`` (not ``OutlierMixin``) so that it does not clash
with :class:`sklearn.base.OutlierMixin`, whose ``fit_predict`` returns -1/+1 labels instead of
PyOD's 0/1.

Any fitted detector that has

- ``decision_function(X)`` -> ndarray of shape (n,): higher = more anomalous,
- ``decision_scores_``: the training scores (ndarray of shape (n_train,)),
- ``threshold_``: a float; scores above it are outliers,
- ``contamination``: a float in (0, 0.5], the expected fraction of outliers,

gets, by inheriting the mixin, :meth:`~OutlierPredictionMixin.predict`,
:meth:`~OutlierPredictionMixin.predict_proba`, :meth:`~OutlierPredictionMixin.predict_confidence`,
:meth:`~OutlierPredictionMixin.predict_rank` and :meth:`~OutlierPredictionMixin.fit_predict`, with
the meanings they have in PyOD's ``BaseDetector``. PyOD itself is not needed.

Put the mixin before :class:`sklearn.base.BaseEstimator` in the bases, and do not redefine these
methods in the detector (a method defined in the class wins over the mixin's)::

    class MyDetector(OutlierPredictionMixin, BaseEstimator): ...
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import erf
from scipy.stats import binom
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

__all__ = ["OutlierPredictionMixin", "PROBA_METHODS"]

PROBA_METHODS = ("linear", "unify")


def _check_fitted(estimator: object, attributes: str | list[str]) -> None:
    """``check_is_fitted(estimator, attributes)``; a plain ``hasattr`` check (same error) for
    a class not derived from :class:`sklearn.base.BaseEstimator`, which ``check_is_fitted`` needs.
    """
    if hasattr(estimator, "__sklearn_tags__"):
        check_is_fitted(estimator, attributes)
        return
    names = [attributes] if isinstance(attributes, str) else list(attributes)
    if not all(hasattr(estimator, name) for name in names):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


# Below this range the training scores count as constant (as in scikit-learn's MinMaxScaler).
_TINY = 10 * np.finfo(np.float64).eps


class OutlierPredictionMixin:
    """PyOD-style ``predict`` / ``predict_proba`` / ``predict_confidence`` for a fitted detector.

    The detector must define ``decision_function(X)`` (higher = more anomalous) and, once fitted,
    the attributes ``decision_scores_`` (training scores), ``threshold_`` (float) and
    ``contamination`` (float in (0, 0.5]). ``fit_predict`` also needs ``fit``; it uses ``labels_``
    (0/1 training labels) when ``fit`` sets it.

    Methods
    -------
    predict(X, return_confidence=False)
        0 (inlier) / 1 (outlier) labels: ``decision_function(X) > threshold_``.
    predict_proba(X, method="linear", return_confidence=False)
        (n, 2) array ``[P(inlier), P(outlier)]`` from the scores, calibrated on the training scores.
    predict_confidence(X)
        ExCeeD confidence (Perini et al., 2020) that each predicted label would stay the same
        under a slightly different training set.
    predict_rank(X, normalized=False)
        How many training scores lie strictly below each score.
    fit_predict(X, y=None)
        Fit, then return the training labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> from aekit.estimators.outlier_api import OutlierPredictionMixin
    >>> class Norm(OutlierPredictionMixin, BaseEstimator):
    ...     '''Toy detector: the score is the distance to the origin.'''
    ...     def __init__(self, contamination=0.1):
    ...         self.contamination = contamination
    ...     def decision_function(self, X):
    ...         return np.linalg.norm(np.asarray(X, dtype=float), axis=1)
    ...     def fit(self, X, y=None):
    ...         self.decision_scores_ = self.decision_function(X)
    ...         self.threshold_ = float(np.quantile(self.decision_scores_, 1 - self.contamination))
    ...         self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)
    ...         return self
    >>> det = Norm().fit(np.random.default_rng(0).normal(size=(200, 2)))
    >>> det.predict([[0.1, 0.0], [5.0, 5.0]])
    array([0, 1])
    >>> det.predict_proba([[0.1, 0.0], [5.0, 5.0]]).sum(axis=1)
    array([1., 1.])
    >>> labels, confidence = det.predict([[0.1, 0.0], [5.0, 5.0]], return_confidence=True)
    >>> bool(np.all(confidence > 0.99))
    True
    """

    # -- helpers -----------------------------------------------------------------------------------
    def _test_scores(self, X: ArrayLike) -> np.ndarray:
        """``decision_function(X)`` as a 1-D float array."""
        return np.asarray(self.decision_function(X), dtype=np.float64).reshape(-1)

    def _train_scores(self) -> np.ndarray:
        """``decision_scores_`` as a 1-D float array (checks the detector is fitted)."""
        _check_fitted(self, "decision_scores_")
        scores = np.asarray(self.decision_scores_, dtype=np.float64).reshape(-1)
        if scores.size == 0:
            raise ValueError("decision_scores_ is empty: the detector has no training scores")
        return scores

    def _labels(self, scores: np.ndarray) -> np.ndarray:
        _check_fitted(self, "threshold_")
        return (scores > self.threshold_).astype(int)

    def _contamination_fraction(self) -> float:
        """``contamination`` as a float; PyOD's fallback (the fraction of training outliers,
        ``labels_.mean()``) when it is not a number (e.g. a PyThresh thresholder)."""
        contamination = getattr(self, "contamination", None)
        if isinstance(contamination, (int, float, np.integer, np.floating)) and not isinstance(
            contamination, bool
        ):
            return float(contamination)
        if hasattr(self, "labels_"):
            return float(np.mean(self.labels_))
        raise TypeError(
            f"contamination must be a number in (0, 0.5] (or the detector must set labels_), "
            f"got {contamination!r}"
        )

    def _confidence(self, scores: np.ndarray) -> np.ndarray:
        """ExCeeD confidence of the labels ``scores > threshold_`` (see predict_confidence)."""
        train = np.sort(self._train_scores())
        n = train.size
        # n_le[i]: number of training scores <= scores[i]
        n_le = np.searchsorted(train, scores, side="right")
        p_out = (1.0 + n_le) / (2.0 + n)  # posterior mean of P(S <= s), uniform Beta(1, 1) prior
        n_out = int(n * self._contamination_fraction())  # PyOD's int(): floor
        # P(outlier with a new training set) = P(Bin(n, p_out) > n - n_out); complement for inliers.
        # sf / cdf separately, rather than 1 - cdf, to keep precision near 0 and 1.
        outlier = self._labels(scores) == 1
        confidence = np.where(
            outlier, binom.sf(n - n_out, n, p_out), binom.cdf(n - n_out, n, p_out)
        )
        return np.clip(confidence, 0.0, 1.0)

    # -- the API -----------------------------------------------------------------------------------
    def predict(
        self, X: ArrayLike, return_confidence: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        r"""Label each sample 0 (inlier) or 1 (outlier).

        .. math:: \hat y(x) = [\, s(x) > \text{threshold\_} \,]

        where :math:`s` is ``decision_function``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        return_confidence : bool, default=False
            Also return :meth:`predict_confidence` of the labels.

        Returns
        -------
        labels : ndarray of shape (n_samples,), int
            1 for outliers, 0 for inliers.
        confidence : ndarray of shape (n_samples,)
            Only if ``return_confidence``: see :meth:`predict_confidence`.

        Examples
        --------
        >>> labels = det.predict(X_test)                                       # doctest: +SKIP
        >>> labels, conf = det.predict(X_test, return_confidence=True)         # doctest: +SKIP
        """
        _check_fitted(self, ["decision_scores_", "threshold_"])
        scores = self._test_scores(X)
        labels = self._labels(scores)
        if return_confidence:
            return labels, self._confidence(scores)
        return labels

    def predict_proba(
        self,
        X: ArrayLike,
        method: Literal["linear", "unify"] = "linear",
        return_confidence: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        r"""Probability of each sample being an inlier / an outlier, as PyOD computes it.

        With :math:`s` the test scores and :math:`S_1, \dots, S_n` the training scores
        (``decision_scores_``):

        - ``"linear"``: min-max scaling by the training scores, clipped,

          .. math:: P(\text{outlier}) = \operatorname{clip}\left(
                    \frac{s - \min_i S_i}{\max_i S_i - \min_i S_i}, 0, 1\right)

          (if the training scores are constant: 1 above them, 0 otherwise);
        - ``"unify"``: Kriegel et al. (2011), "Interpreting and unifying outlier scores"
          (SIAM SDM): Gaussian scaling by the training scores' mean :math:`\mu` and population
          standard deviation :math:`\sigma`,

          .. math:: P(\text{outlier}) = \max\left(0,
                    \operatorname{erf}\left(\frac{s - \mu}{\sigma\sqrt 2}\right)\right)

          (if :math:`\sigma = 0`: 1 above :math:`\mu`, 0 otherwise);

        and :math:`P(\text{inlier}) = 1 - P(\text{outlier})`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        method : {"linear", "unify"}, default="linear"
            How scores become probabilities (see above).
        return_confidence : bool, default=False
            Also return :meth:`predict_confidence`.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns ``[P(inlier), P(outlier)]``, each row summing to 1.
        confidence : ndarray of shape (n_samples,)
            Only if ``return_confidence``: see :meth:`predict_confidence`.

        Raises
        ------
        ValueError
            If ``method`` is not ``"linear"`` or ``"unify"``.

        Examples
        --------
        >>> det.predict_proba(X_test)[:, 1]                # P(outlier), min-max   # doctest: +SKIP
        >>> det.predict_proba(X_test, method="unify")                              # doctest: +SKIP
        """
        if method not in PROBA_METHODS:
            raise ValueError(f"method must be one of {PROBA_METHODS}, got method={method!r}")
        train = self._train_scores()
        scores = self._test_scores(X)
        if method == "linear":
            lo, hi = train.min(), train.max()
            if hi - lo < _TINY:
                p_out = (scores > hi).astype(np.float64)
            else:
                p_out = np.clip((scores - lo) / (hi - lo), 0.0, 1.0)
        else:  # "unify"
            mu, sigma = train.mean(), train.std()
            if sigma == 0:
                p_out = (scores > mu).astype(np.float64)
            else:
                p_out = np.clip(erf((scores - mu) / (sigma * np.sqrt(2.0))), 0.0, 1.0)
        proba = np.column_stack([1.0 - p_out, p_out])
        if return_confidence:
            _check_fitted(self, "threshold_")
            return proba, self._confidence(scores)
        return proba

    def predict_confidence(self, X: ArrayLike) -> np.ndarray:
        r"""Confidence that each predicted label would stay the same with a different training set.

        ExCeeD, from Perini, Vercruyssen & Davis (2020), "Quantifying the confidence of anomaly
        detectors in their example-wise predictions" (ECML PKDD), as PyOD computes it. With
        :math:`n` training scores :math:`S_i`, contamination :math:`\gamma` and test score
        :math:`s`:

        1. Bayesian estimate (uniform prior) of the probability that a training score is at most
           :math:`s`:

           .. math:: p = \frac{1 + \#\{i : S_i \le s\}}{2 + n}

        2. A detector refitted on a new training set of :math:`n` samples calls the sample an
           outlier when more than :math:`n - \lfloor n\gamma \rfloor` of them score lower:

           .. math:: P(\text{outlier}) = P\big(\mathrm{Bin}(n, p) > n - \lfloor n\gamma
                     \rfloor\big)

        3. The confidence is :math:`P(\text{outlier})` for samples predicted outliers
           (``s > threshold_``) and :math:`1 - P(\text{outlier})` for predicted inliers.

        Values near 1: the label is stable; near 0.5 or below: the sample sits near the threshold
        and its label could flip.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
            In [0, 1].

        Examples
        --------
        >>> labels, conf = det.predict(X_test, return_confidence=True)         # doctest: +SKIP
        >>> unsure = conf < 0.9     # labels worth a second look               # doctest: +SKIP
        """
        _check_fitted(self, ["decision_scores_", "threshold_"])
        return self._confidence(self._test_scores(X))

    def predict_rank(self, X: ArrayLike, normalized: bool = False) -> np.ndarray:
        r"""Rank of each sample's score among the training scores.

        .. math:: r(s) = \#\{i : S_i < s\}

        the number of training scores strictly below the score (PyOD's ``_predict_rank``), from 0
        to :math:`n`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The samples.
        normalized : bool, default=False
            Divide by the number of training scores :math:`n`, giving values in [0, 1]. (PyOD
            divides by the largest rank in the batch instead, which makes a sample's value depend
            on the other samples of the batch; dividing by :math:`n` does not.)

        Returns
        -------
        ranks : ndarray of shape (n_samples,)
            int without ``normalized``, float with it.

        Examples
        --------
        >>> det.predict_rank(X_test, normalized=True)   # training-score quantile # doctest: +SKIP
        """
        train = np.sort(self._train_scores())
        ranks = np.searchsorted(train, self._test_scores(X), side="left")
        if normalized:
            return ranks / train.size
        return ranks

    def fit_predict(self, X: ArrayLike, y: None = None) -> np.ndarray:
        """Fit on ``X``, then return its 0/1 labels.

        ``self.fit(X).labels_`` when ``fit`` sets ``labels_``, otherwise ``predict(X)`` on the
        fitted detector.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training samples.
        y : None
            Ignored; passed on to ``fit`` if given.

        Returns
        -------
        labels : ndarray of shape (n_samples,), int
            1 for outliers, 0 for inliers.

        Examples
        --------
        >>> labels = det.fit_predict(X_train)                                  # doctest: +SKIP
        """
        fitted = self.fit(X) if y is None else self.fit(X, y)
        if fitted is None:  # a fit that does not return self
            fitted = self
        labels = getattr(fitted, "labels_", None)
        if labels is not None:
            return np.asarray(labels).astype(int).reshape(-1)
        return fitted.predict(X)
