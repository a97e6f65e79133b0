"""Streaming anomaly detection: one score per arriving row, from the rows before it only.

:class:`StreamingAnomalyDetector` follows the rules of the Numenta Anomaly Benchmark (NAB): it
learns on a probationary period (the first rows of the stream, :meth:`~StreamingAnomalyDetector.fit`),
then scores each new row using only that row and the rows before it, and keeps learning as the
stream arrives (:meth:`~StreamingAnomalyDetector.update`). Nothing is fitted on labels.

Each row's score is built in four steps:

1. **Raw score**: how unlike the recent past the latest ``window`` rows are. ``scorer="knn"``
   (the default) takes the distance from the current window to its nearest neighbour among the
   windows of the last ``memory`` rows that do not overlap it (a memory that moves with the stream,
   so a new normal level becomes normal once it has lasted a window). ``scorer="autoencoder"``
   takes the reconstruction error of a small window autoencoder trained on the probationary
   windows and, every ``refit_every`` rows, on the latest windows (:meth:`AnomalyDetector.partial_fit`).
   The raw score is ``log(1 + distance)`` (distances in probationary standard deviations): distances
   are heavy-tailed, and on the log scale one huge distance does not mask the next anomaly.
2. **Anomaly likelihood**, as HTM computes it (Ahmad et al. 2017, with its published constants:
   ``short_window=10`` and a ``history`` of 8640 rows): the mean of the last ``short_window`` raw
   scores is compared with the distribution (mean, standard deviation) of the same short-term means
   over the ``history`` rows before it; the Gaussian tail probability ``q`` becomes
   ``log(q + 1e-10) / log(1e-10)`` in [0, 1], so 0.5 means a short-term mean about 4.3 standard
   deviations out. This makes scores of every stream comparable, which one NAB threshold over all
   files needs.
3. **Range check** (HTM's spatial anomaly, with its tolerance 0.05): a value beyond the range seen
   so far by more than ``range_tolerance`` of that range scores 1 (spikes and level shifts are
   caught on their first row).
4. **Alarm suppression**: after a score reaches ``alarm_level``, the next ``suppress`` x
   (probationary rows) scores are 0. NAB counts only the first detection in a window and charges
   every later one outside it as a false positive; one anomaly usually raises several. NAB caps its
   probation at 750 rows while its windows keep growing with the file (10% of it, shared among its
   anomalies), so on long streams the probation counted here is 15% of the rows seen so far when
   that is more than the probation learned on.

Scores of the probationary rows are 0. Every step uses the same arithmetic whatever follows, so
the scores of the first t rows do not depend on later rows (bitwise).
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy.special import ndtr
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..data.windows import as_series
from ..evaluation.nab import PROBATION_FRACTION

# q is floored at 1e-10 before the log (HTM's constant): a score of 1 means a tail probability <= 1e-10
_LOG_FLOOR = math.log(1e-10)
_MIN_SPREAD = 1e-4  # a flat history of raw scores must not turn rounding noise into alarms


class StreamingAnomalyDetector(BaseEstimator):
    """Score a stream row by row with only the past (NAB's rules); learn on a probationary period.

    Parameters
    ----------
    window : int, default=5
        Rows per window compared by the raw score.
    memory : int, default=2000
        Rows of recent past whose windows the current window is compared with ("knn").
    history : int, default=8640
        Short-term means forming the long-term distribution of the anomaly likelihood (HTM's
        historic window). The first half of the probationary rows stays out of it (HTM's learning
        period: the memory is still nearly empty there, so every window looks new).
    short_window : int, default=10
        Raw scores averaged into the short-term mean of the anomaly likelihood (HTM's averaging window).
    alarm_level : float in (0, 1], default=0.3
        A score at or above it is an alarm, after which scores are suppressed.
    suppress : float >= 0, default=0.2
        Rows of suppression after an alarm, as a fraction of the probationary rows (or of 15% of
        the rows seen so far, when more).
    range_tolerance : float >= 0, default=0.05
        A value beyond the range seen so far by this fraction of the range scores 1.
    scorer : {"knn", "autoencoder"}, default="knn"
        The raw score (see the module docstring).
    refit_every : int, default=500
        ("autoencoder") rows between updates of the autoencoder on the windows that arrived since.
    random_state : int, default=0
        ("autoencoder") seed of the autoencoder's training.

    Attributes
    ----------
    n_probation_ : int
        Rows learned by :meth:`fit`.
    n_seen_ : int
        Rows seen so far (probation included).
    suppress_rows_ : int
        ``round(suppress * n_probation_)``: the fewest rows suppressed after an alarm.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = np.sin(np.arange(2000) / 10) + 0.05 * rng.normal(size=2000)
    >>> x[1500] += 3.0  # a spike
    >>> scores = StreamingAnomalyDetector().score_stream(x, probation=300)
    >>> int(np.argmax(scores)), float(scores.max())
    (1500, 1.0)
    """

    _parameter_constraints: ClassVar[dict] = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "memory": [Interval(Integral, 2, None, closed="left")],
        "history": [Interval(Integral, 2, None, closed="left")],
        "short_window": [Interval(Integral, 1, None, closed="left")],
        "alarm_level": [Interval(Real, 0, 1, closed="right")],
        "suppress": [Interval(Real, 0, None, closed="left")],
        "range_tolerance": [Interval(Real, 0, None, closed="left")],
        "scorer": [StrOptions({"knn", "autoencoder"})],
        "refit_every": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, *, window: int = 5, memory: int = 2000, history: int = 8640, short_window: int = 10,
                 alarm_level: float = 0.3, suppress: float = 0.2, range_tolerance: float = 0.05,
                 scorer: str = "knn", refit_every: int = 500, random_state: int = 0) -> None:
        self.window = window
        self.memory = memory
        self.history = history
        self.short_window = short_window
        self.alarm_level = alarm_level
        self.suppress = suppress
        self.range_tolerance = range_tolerance
        self.scorer = scorer
        self.refit_every = refit_every
        self.random_state = random_state

    # -- learning on the probationary period ----------------------------------------------------
    def fit(self, X, y=None) -> StreamingAnomalyDetector:
        """Learn on the probationary rows X (n_rows, n_channels), forgetting any earlier stream.

        The scaling (median and standard deviation of each channel) and, for "autoencoder", the
        network come from X; X's own raw scores seed the likelihood's history. ``y`` is ignored.
        """
        self._validate_params()
        X = as_series(X, "X")
        if len(X) < 2 * self.window:
            raise ValueError(f"X (the probationary rows) has {len(X)} rows; window={self.window} needs at least "
                             f"{2 * self.window} to compare windows")
        self.n_features_in_ = X.shape[1]
        self.n_probation_ = len(X)
        self.suppress_rows_ = round(self.suppress * len(X))
        self.center_ = np.median(X, axis=0)
        spread = X.std(axis=0)
        self.scale_ = np.where(spread > 0, spread, 1.0)  # a flat channel keeps its units
        self.low_, self.high_ = X.min(axis=0), X.max(axis=0)
        width = self.window * X.shape[1]
        self._rows = _Recent(self.window, (X.shape[1],))  # the rows of the current window
        # windows ending at the last `memory` + 1 rows (the autoencoder refits on the last refit_every)
        n_windows = self.memory + 1 if self.scorer == "knn" else max(self.memory + 1, self.refit_every)
        self._windows = _Recent(n_windows, (width,))
        self._raw = _Recent(self.short_window, ())  # raw scores averaged into the short-term mean
        self._means = _Recent(self.history, ())  # short-term means: the likelihood's long-term history
        self._sum = self._sum_sq = 0.0  # of the means in the history
        self._since_alarm = math.inf
        self._suppressing = 0  # rows suppressed after the last alarm
        self._model = None
        if self.scorer == "autoencoder":
            scaled = self._scaled(X)
            self._model = self._fit_autoencoder(np.lib.stride_tricks.sliding_window_view(scaled, self.window, axis=0)
                                                .transpose(0, 2, 1).reshape(-1, width))
        self._since_refit = 0
        # HTM's learning period: the first half of the probation fills the memory; the raw scores of
        # those rows (few past windows to match, so large distances) stay out of the history
        learning = len(X) // 2
        for t, row in enumerate(self._scaled(X)):
            raw = self._raw_score(row)
            if t < learning:
                self._raw.append(raw)
            else:
                self._likelihood(raw)
        self.n_seen_ = len(X)
        return self

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return (X - self.center_) / self.scale_

    def _fit_autoencoder(self, windows: np.ndarray):
        from .anomaly import AnomalyDetector

        model = AnomalyDetector("deep", n_estimators=1, n_neighbors=0, robust=0, hidden_dims=[16], latent_dim=3,
                                input_pca=None, preprocessing="none", epochs=30, batch_size=32,
                                random_state=self.random_state)
        return model.fit(windows)

    # -- the per-row score ----------------------------------------------------------------------
    def _raw_score(self, scaled_row: np.ndarray) -> float:
        """Learn one scaled row; the raw score of the window it ends, ``log(1 + distance)``.

        The log: distances are positive and heavy-tailed, and the likelihood fits a Gaussian to
        them; on the log scale one huge distance does not hide the next anomaly for ``history`` rows.
        The 1 (one probationary standard deviation) keeps near-identical windows near 0.
        """
        self._rows.append(scaled_row)
        w = self.window
        if len(self._rows) < w:
            return 0.0
        current = self._rows.last(w).reshape(-1)
        self._windows.append(current)
        if self._model is not None:
            distance = float(self._model._raw(current[None, :]).reshape(-1)[0])  # one row: no batching effects
        else:
            # windows ending in [t - memory, t - window]: the recent past that does not overlap the current one
            past = self._windows.last(self.memory + 1)[:-w]
            if not len(past):
                return 0.0
            diff = past - current
            distance = math.sqrt(float(np.einsum("ij,ij->i", diff, diff).min()))
        return math.log1p(max(distance, 0.0))

    def _likelihood(self, raw: float) -> float:
        """HTM's anomaly likelihood: the short-term mean of the raw scores against the history of
        such means (their mean and standard deviation), as a log tail probability in [0, 1]."""
        self._raw.append(raw)
        mean = float(self._raw.last(self.short_window).mean())
        n = len(self._means)
        if n:  # running sums over the history: O(1) a row (a mean over 8640 values a row costs more than the kNN)
            centre = self._sum / n
            spread = max(math.sqrt(max(self._sum_sq / n - centre * centre, 0.0)), _MIN_SPREAD)
        else:
            centre, spread = 0.0, _MIN_SPREAD
        z = (mean - centre) / spread
        if n == self.history:  # the oldest mean leaves the history
            oldest = float(self._means.last(self.history)[0])
            self._sum, self._sum_sq = self._sum - oldest, self._sum_sq - oldest * oldest
        self._means.append(mean)
        self._sum, self._sum_sq = self._sum + mean, self._sum_sq + mean * mean
        return min(max(math.log(float(ndtr(-z)) + 1e-10) / _LOG_FLOOR, 0.0), 1.0)

    def _out_of_range(self, row: np.ndarray) -> bool:
        margin = self.range_tolerance * (self.high_ - self.low_)
        out = bool(np.any((row > self.high_ + margin) | (row < self.low_ - margin)))
        self.low_, self.high_ = np.minimum(self.low_, row), np.maximum(self.high_, row)
        return out

    def _step(self, row: np.ndarray) -> float:
        score = self._likelihood(self._raw_score(self._scaled(row)))
        if self._out_of_range(row):
            score = 1.0
        self._since_alarm += 1
        if self._since_alarm <= self._suppressing:
            score = 0.0
        elif score >= self.alarm_level:
            self._since_alarm = 0
            # in units of the probation NAB's rule would give the rows seen so far without its cap
            # (15%, at most 750 rows): on long streams, whose windows are long, suppression keeps up
            self._suppressing = max(self.suppress_rows_, round(self.suppress * PROBATION_FRACTION * (self.n_seen_ + 1)))
        if self._model is not None:
            self._since_refit += 1
            if self._since_refit >= self.refit_every:
                self._model.partial_fit(self._windows.last(self.refit_every), epochs=2)
                self._since_refit = 0
        self.n_seen_ += 1
        return score

    # -- the stream -----------------------------------------------------------------------------
    def update(self, X) -> np.ndarray:
        """Score the new rows X in order, each from the rows before it, and learn them.

        Returns one score in [0, 1] per row: 1 for a value out of the range seen so far, otherwise
        the anomaly likelihood of the recent raw scores (0 while an earlier alarm is suppressing).
        """
        if not hasattr(self, "n_probation_"):
            raise RuntimeError("call fit(X) on the probationary rows before update()")
        X = as_series(X, "X") if len(X) else np.zeros((0, self.n_features_in_))
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} channels but the detector learned on {self.n_features_in_}")
        return np.array([self._step(row) for row in X], dtype=np.float64)

    def partial_fit(self, X, y=None) -> StreamingAnomalyDetector:
        """Learn the new rows X (as :meth:`update`, discarding the scores); the first call is :meth:`fit`."""
        if not hasattr(self, "n_probation_"):
            return self.fit(X)
        self.update(X)
        return self

    @validate_params({"X": ["array-like"], "probation": [Interval(Integral, 1, None, closed="left")]},
                     prefer_skip_nested_validation=True)
    def score_stream(self, X, probation: int) -> np.ndarray:
        """Scores of a whole stream: :meth:`fit` on its first ``probation`` rows (scored 0), then
        :meth:`update` on the rest. NAB's probation is ``min(floor(0.15 * n_rows), 750)``
        (:func:`aekit.evaluation.nab.probationary_length`)."""
        X = as_series(X, "X")
        if probation > len(X):
            raise ValueError(f"probation={probation} exceeds the {len(X)} rows of X")
        self.fit(X[:probation])
        return np.concatenate([np.zeros(probation), self.update(X[probation:])])


class _Recent:
    """The last ``size`` items appended (arrays of one shape), oldest first; amortised O(1) appends.

    The items live in a buffer of twice the size; when it fills, the last ``size`` move to its start.
    """

    def __init__(self, size: int, shape: tuple) -> None:
        self._size = size
        self._data = np.empty((2 * size, *shape))
        self._n = 0

    def __len__(self) -> int:
        return min(self._n, self._size)

    def append(self, item) -> None:
        if self._n == len(self._data):
            self._data[:self._size] = self._data[self._n - self._size:self._n]
            self._n = self._size
        self._data[self._n] = item
        self._n += 1

    def last(self, k: int) -> np.ndarray:
        """The last ``min(k, size)`` items (a view: copy it before the next append if kept)."""
        return self._data[max(0, self._n - min(k, self._size)):self._n]
