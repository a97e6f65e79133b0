"""Anomaly detection in long (multivariate) series: the autoencoder detector over sliding windows.

``fit(X)`` takes a series of shape (n_steps, n_channels), scales each channel with statistics of
that training series, cuts windows of ``window`` steps every ``stride`` steps and trains a
sequence autoencoder on them. Every window is scored by the reconstruction error of each of its
steps; a step's score is the mean over the windows that cover it (:func:`windows_to_steps`).
The rest — ensembles, thresholds, ``predict``/``predict_proba`` — is :class:`AnomalyDetector`'s,
one "sample" being one time step.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..io import ModelFolderError
from ..data.windows import SCALINGS, SeriesScaler, make_windows, windows_to_steps
from .anomaly import AnomalyDetector
from .anomaly_parts import SCORE_MEMORY, ScoreMemory
from .autoencoder import Autoencoder

DEFAULT_LATENT = 8  # a few harmonics' amplitudes and phases; small enough that anomalies do not fit


class TimeSeriesAnomalyDetector(AnomalyDetector):
    """Per-step anomaly scores for a series from a sequence autoencoder on sliding windows.

    Parameters
    ----------
    recipe : str, default="conv1d"
        A sequence recipe: "conv1d", "lstm" or "gru" (any recipe taking (length, channels) works).
    window, stride : int, default=64, 1
        Window length and step between window starts, for training and scoring alike.
    scaling : {"standard", "minmax", "none"}, default="standard"
        Per-channel scaling fitted on the training series only.
    score : {"reconstruction", "elbo", "iwae", "latent"}, default="reconstruction"
        "reconstruction" scores each step by its squared error averaged over channels (weighted by
        ``feature_weights``, one weight per channel); the others score whole windows, which are
        then spread over their steps.
    contamination : float in (0, 0.5], default=0.01
        Expected fraction of anomalous steps; sets ``threshold_``.
    latent_dim : int, optional
        Code size (8 when None).
    hidden_dims : tuple of int, optional
        Recurrent layer widths for "lstm"/"gru" (the recipe's default when None).
    recipe_options : dict, optional
        Further recipe options, e.g. ``{"channels": [16, 32]}`` or ``{"feedback": False}``.
    n_estimators, likelihood, feature_weights, n_samples, epochs, batch_size, lr, weight_decay,
    validation_split, early_stopping, device, random_state, verbose :
        As in :class:`AnomalyDetector`, except that every member of an ensemble trains on all the
        windows (``max_samples=1.0``) and the members' scaled scores are averaged (``combination="mean"``).

    Attributes
    ----------
    decision_scores_ : ndarray of shape (n_steps,)
        Scores of the training series' steps.
    threshold_ : float
        Steps scoring above it are predicted anomalous.
    scaler_ : SeriesScaler
        The per-channel scaling fitted in ``fit``.
    estimators_ : list of Autoencoder

    Examples
    --------
    >>> from aekit.data.synthetic_series import multi_sine
    >>> series = multi_sine(600, n_channels=2, period=20, seed=0)
    >>> det = TimeSeriesAnomalyDetector(window=40, stride=4, epochs=3, random_state=0).fit(series)
    >>> det.decision_function(series).shape
    (600,)
    """

    # AnomalyDetector's constraints for the parameters this class takes, and its own. The ones it
    # fixes (every member sees every window, no neighbour component, ``scaling`` instead of preprocessing) are
    # not parameters here.
    _parameter_constraints: dict = {
        **{name: constraint for name, constraint in AnomalyDetector._parameter_constraints.items()
           if name not in ("max_samples", "combination", "robust", "n_neighbors", "input_pca", "preprocessing",
                           "missing", "unseen", "precision")},
        "window": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left")],
        "scaling": [StrOptions(set(SCALINGS))],
        "recipe_options": [dict, None],
    }

    def __init__(
        self,
        recipe: str = "conv1d",
        *,
        window: int = 64,
        stride: int = 1,
        scaling: str = "standard",
        score: str = "reconstruction",
        contamination: float = 0.01,
        n_estimators: int = 1,
        hidden_dims: list[int] | None = None,
        latent_dim: int | None = None,
        recipe_options: dict | None = None,
        likelihood: str | dict = "gaussian",
        feature_weights=None,
        n_samples: int = 16,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        validation_split: float = 0.1,
        early_stopping: int | None = 10,
        device: str = "auto",
        random_state=None,
        verbose: bool = False,
    ) -> None:
        super().__init__(
            recipe, score=score, contamination=contamination, n_estimators=n_estimators, hidden_dims=hidden_dims,
            max_samples=1.0, robust=0, n_neighbors=0,  # every member sees every window; scores averaged
            latent_dim=latent_dim, likelihood=likelihood, feature_weights=feature_weights, preprocessing="none",
            n_samples=n_samples, epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay,
            validation_split=validation_split, early_stopping=early_stopping, device=device,
            random_state=random_state, verbose=verbose,
        )
        self.window = window
        self.stride = stride
        self.scaling = scaling
        self.recipe_options = recipe_options

    # -- validation ---------------------------------------------------------------------------
    def _validate_series(self, X, reset: bool) -> np.ndarray:
        """(n_steps, n_channels) float array; a 1-D series is one channel."""
        if getattr(X, "ndim", None) == 1 or (isinstance(X, (list, tuple)) and X and np.ndim(X[0]) == 0):
            X = np.asarray(X).reshape(-1, 1)
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        if len(X) < self.window:
            raise ValueError(f"X has {len(X)} time steps but window={self.window} needs at least that many")
        return X

    def _autoencoder(self, n_features: int, seed: int) -> Autoencoder:
        # Windows arrive flattened (AnomalyDetector's machinery is 2-D); input_shape restores them.
        options = dict(self.recipe_options or {})
        if self.hidden_dims is not None:
            options["hidden_dims"] = list(self.hidden_dims)
        return Autoencoder(
            recipe=self.recipe, latent_dim=self.latent_dim or DEFAULT_LATENT, likelihood=self.likelihood,
            recipe_options=options or None, input_shape=(self.window, self.n_features_in_), preprocessing="none",
            epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
            validation_split=self.validation_split, early_stopping=self.early_stopping, device=self.device,
            random_state=seed, verbose=self.verbose,
        )

    # -- scores -------------------------------------------------------------------------------
    def _windows(self, series: np.ndarray) -> np.ndarray:
        """Scaled windows, flattened: (n_windows, window * n_channels)."""
        windows = make_windows(self.scaler_.transform(series), self.window, self.stride)
        return windows.reshape(len(windows), -1)

    def _member_window_scores(self, i: int, flat: np.ndarray) -> np.ndarray:
        """(n_windows, window) per-step errors, or (n_windows,) for whole-window scores."""
        if self.score != "reconstruction" or self.estimators_[i].model_.likelihood.name != "gaussian":
            return self._estimator_raw(i, flat)
        err = self._element_errors(i, flat).reshape(len(flat), self.window, self.n_features_in_)
        w = np.ones(self.n_features_in_) if self.feature_weights is None else np.asarray(self.feature_weights, float)
        return np.einsum("nsc,c->ns", err, w) / max(w.sum(), 1e-12)  # not BLAS: its sums depend on the row count

    def _member_step_scores(self, series: np.ndarray, flat: np.ndarray) -> np.ndarray:
        """(n_members, n_steps) raw scores: each member's window scores spread over the steps."""
        return np.stack([windows_to_steps(self._member_window_scores(i, flat), len(series), self.window, self.stride)
                         for i in range(len(self.estimators_))])

    def _uses_network(self) -> bool:
        return False  # sequence recipes: one Autoencoder per member

    @_fit_context(prefer_skip_nested_validation=False)  # recipe_options reach the Autoencoder unchecked
    def fit(self, X, y=None) -> "TimeSeriesAnomalyDetector":
        """Train on the series X (n_steps, n_channels); labels, if given, are ignored."""
        series = self._validate_series(X, reset=True)
        self._check_params(series.shape[1])
        self.scaler_ = SeriesScaler(self.scaling).fit(series)
        flat = self._windows(series)
        self.offset_, self.scale_ = np.zeros(flat.shape[1]), np.ones(flat.shape[1])  # scaled by scaler_ already
        self._fit_members(flat, flat, np.ones(len(flat), dtype=bool), check_random_state(self.random_state))
        self.neighbors_ = None
        self.memory_ = ScoreMemory(max(SCORE_MEMORY, len(series)))
        self.memory_.reset(self._member_step_scores(series, flat).T)
        self._set_scaling_and_threshold()
        return self

    def decision_function(self, X) -> np.ndarray:
        """Anomaly score of every time step of X, shape (n_steps,): higher = more anomalous."""
        check_is_fitted(self, "estimators_")
        series = self._validate_series(X, reset=False)
        return self._combine(self._components(self._member_step_scores(series, self._windows(series)).T))

    def window_scores(self, X) -> np.ndarray:
        """Anomaly score of every window of X (mean over its steps), in the order of
        ``aekit.data.windows.window_starts(len(X), window, stride)``."""
        check_is_fitted(self, "estimators_")
        flat = self._windows(self._validate_series(X, reset=False))
        raw = []
        for i in range(len(self.estimators_)):
            scores = self._member_window_scores(i, flat)
            raw.append(scores.mean(axis=1) if scores.ndim == 2 else scores)
        return self._combine(self._components(np.stack(raw, axis=1)))

    def partial_fit(self, X, y=None, *, epochs: int = 3):
        raise TypeError("TimeSeriesAnomalyDetector has no partial_fit: fit it on the series, or use "
                        "AnomalyDetector.partial_fit on rows of features")

    def feature_contributions(self, X):
        raise TypeError("TimeSeriesAnomalyDetector scores time steps, not rows of features: it has no "
                        "feature_contributions; AnomalyDetector has")

    # -- persistence: AnomalyDetector's folder plus the fitted scaling ----------------------------
    def _state(self):
        config, tensors, history = super()._state()
        tensors["series.offset"] = torch.from_numpy(np.asarray(self.scaler_.offset_, dtype=np.float64))
        tensors["series.scale"] = torch.from_numpy(np.asarray(self.scaler_.scale_, dtype=np.float64))
        return config, tensors, history

    @classmethod
    def _from_state(cls, config, tensors, history, where, device="cpu") -> "TimeSeriesAnomalyDetector":
        return super()._from_state(config, tensors, history, where, device)._with_series_scaler(tensors, where)

    def _with_series_scaler(self, tensors, where: str) -> "TimeSeriesAnomalyDetector":
        if "series.offset" not in tensors or "series.scale" not in tensors:
            raise ModelFolderError(f"{where!r} lacks the series scaling of a TimeSeriesAnomalyDetector")
        self.scaler_ = SeriesScaler(self.scaling)
        self.scaler_.offset_, self.scaler_.scale_ = tensors["series.offset"].numpy(), tensors["series.scale"].numpy()
        self.scaler_.n_channels_ = len(self.scaler_.offset_)
        return self

    @classmethod
    def _load_legacy(cls, config, tensors, history, where, device) -> "TimeSeriesAnomalyDetector":
        """A folder of aekit 0.1.x. Its members are what this class still trains (one sequence
        autoencoder per member, no neighbour component), and its score was the mean of the members'
        scores scaled by their training median and IQR (a single member's raw score): the same
        score with the component's scaling left as the identity."""
        try:
            det = cls(**config["params"])
            det.n_features_in_ = config["fitted"]["n_features_in_"]
            det._load_members({"members": config["members"]}, tensors, history, where, device)
            center = tensors["detector.score_center_"].numpy()
            spread = tensors["detector.score_spread_"].numpy()
            if len(det.estimators_) == 1:  # 0.1 left a single member's scores unscaled
                center, spread = np.zeros(1), np.ones(1)
            width = det.window * det.n_features_in_
            det.offset_, det.scale_, det.neighbors_ = np.zeros(width), np.ones(width), None
            det._set_fixed_scaling({"member_center_": center, "member_spread_": spread, "component_center_": np.zeros(1),
                                    "component_spread_": np.ones(1),
                                    "decision_scores_": tensors["detector.decision_scores_"].numpy()})
        except (KeyError, TypeError) as err:
            raise ModelFolderError(f"{where!r} is not a complete aekit 0.1 {cls.__name__} folder (missing {err})") from None
        return det._with_series_scaler(tensors, where)
