"""Anomaly detection with autoencoders, with the API PyOD users know.

``fit(X)`` on (mostly) normal data; ``decision_function(X)``: higher = more anomalous;
``predict(X)``: 0 (inlier) / 1 (outlier) using ``threshold_``, the ``1 - contamination``
quantile of the training scores; ``predict_proba``/``predict_confidence`` as in PyOD;
``feature_contributions(X)``: which features made each score; ``partial_fit`` for streams.

The score of a row combines *components*: the autoencoder ensemble (its members' reconstruction
errors, each put on the scale of its training scores, averaged) and, by default, the distance
to the k-th nearest training row. Each component is put on the scale of its training scores
(median, IQR) and the components are combined (``combination``, default the maximum).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..data.table_encoding import TableEncoder
from ..models.blockwise import infer_rows
from ..models.ensemble import MemberEnsemble
from ..training import TrainConfig, fit as fit_model
from ..training.device import resolve_device
from .anomaly_explain import FeatureContributions
from .anomaly_io import DetectorPersistence
from .anomaly_parts import SCORE_MEMORY, NeighborDistance, ScoreMemory, robust_scale
from .autoencoder import Autoencoder
from .outlier_api import OutlierPredictionMixin
from ..data.scaling import PREPROCESSING, fit_affine
from ..training.config import PRECISIONS

SCORES = ("reconstruction", "elbo", "iwae", "latent")
COMBINATIONS = ("max", "mean", "median")
# Optimizer steps of the final training round with epochs="auto" (see default_epochs), and of each
# round that only finds the rows to leave out (robust). Chosen on fold A of benchmarks/adbench.py:
# 400/200 at batch 128 scored as 400/400 at batch 64 (82.55 vs 82.61 mean AUROC) in 0.68x the time.
STEPS_PER_ROUND = 400
TRIM_ROUND_STEPS = 200
# input_pca="auto": tables wider than PCA_MIN_FEATURES get a principal-component front end of
# PCA_COMPONENTS coordinates. Added for speed (8 members on a 1,555-column table took ~12 s per fit
# on one core); on fold A of benchmarks/adbench.py, 32 coordinates above 32 features scored 83.29
# mean AUROC against 82.55 without a front end and 83.12 with 16 above 16 (RESULTS.md).
PCA_MIN_FEATURES, PCA_COMPONENTS = 32, 32


def default_architecture(n_features: int) -> tuple[list[int], int]:
    """Hidden width and code size for tabular data with ``n_features`` columns.

    A narrow bottleneck: one hidden layer of ``n_features // 4`` units (16 to 64) and a code of
    ``n_features // 8`` (2 to 8). Anomaly detection wants a model that reconstructs the bulk of
    the data and not its rare patterns; the cap at 64 keeps wide tables (1,000+ columns) fast.
    Chosen on fold A of ``benchmarks/adbench.py`` (RESULTS.md).
    """
    hidden = int(np.clip(n_features // 4, 16, 64))
    latent = int(np.clip(n_features // 8, 2, 8))
    return [hidden], latent


def default_epochs(n_rows: int, batch_size: int, steps: int | None = None) -> int:
    """Epochs for about ``steps`` (default ``STEPS_PER_ROUND``) optimizer steps: many passes over
    a 100-row table, few over a 10,000-row one, so small tables are learnt and large ones do not
    overfit their anomalies (or take long)."""
    steps_per_epoch = max(1, math.ceil(n_rows / batch_size))
    return int(np.clip(math.ceil((steps or STEPS_PER_ROUND) / steps_per_epoch), 1, 1000))


def _is_table(X) -> bool:
    """Input that needs :class:`TableEncoder`: a data frame or an array with non-numeric cells."""
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        return any(getattr(dt, "kind", "O") not in "fiub" for dt in X.dtypes)
    if isinstance(X, (np.ndarray, torch.Tensor)):
        return isinstance(X, np.ndarray) and X.dtype.kind not in "fiub"
    try:
        return np.asarray(X).dtype.kind not in "fiub"
    except ValueError:  # ragged rows: let validation explain
        return False


class AnomalyDetector(FeatureContributions, DetectorPersistence, OutlierPredictionMixin, BaseEstimator):
    """Autoencoder anomaly detector for tables: an ensemble trained as one network, plus the
    distance to the nearest training rows, with per-feature explanations.

    Parameters
    ----------
    recipe : str, default="deep"
        ``"deep"`` (with ``score="reconstruction"`` and the Gaussian likelihood) trains the
        ``n_estimators`` MLP autoencoders side by side as one batched network
        (:class:`aekit.models.ensemble.MemberEnsemble`). Any other recipe trains one
        :class:`aekit.Autoencoder` per member; ``score="elbo"``/``"iwae"`` need ``"vae"``.
    score : {"reconstruction", "elbo", "iwae", "latent"}, default="reconstruction"
        The autoencoders' score: mean squared error over (weighted) features in the scaled
        space; minus the ELBO or the importance-weighted bound (``n_samples`` draws); or the
        Mahalanobis distance of the code to a Gaussian fitted on the training codes.
    contamination : float in (0, 0.5], default=0.1
        Expected fraction of anomalies; sets ``threshold_`` and the rows ``robust`` leaves out.
    n_estimators : int, default=8
        Autoencoders in the ensemble, each with its own initialisation and its own random
        subset of the rows (``max_samples``). Each member's scores are scaled by the median and
        IQR of its training scores and the members are averaged.
    max_samples : "auto", float in (0, 1] or int >= 2, default="auto"
        Rows each member learns from: a fraction or a number of the training rows, drawn without
        replacement per member. ``"auto"``: half the rows with several members, all for one.
        Subsampled members differ and each generalises less to the rare patterns (subsampled
        outlier ensembles: Zimek et al. 2013; Aggarwal & Sathe 2015).
    combination : {"max", "mean", "median"}, default="max"
        How the components (autoencoders, neighbours) are combined after scaling: "max" scores a
        row by the component that finds it most unusual (Aggarwal & Sathe 2015).
    robust : bool or int >= 0, default=1
        Rounds of trimmed refitting: the ``contamination`` fraction of training rows that the
        autoencoders score highest is left out and they are trained again on the rest.
    n_neighbors : int >= 0, default=5
        k of the nearest-neighbour component (distance to the k-th nearest training row in the
        scaled space); 0 leaves it out. It keeps a uniform sample of at most 10,000 training
        rows (``neighbors_.reference_``), saved with the detector.
    hidden_dims, latent_dim : optional
        Architecture; by default sized from the number of features (:func:`default_architecture`).
    input_pca : "auto", int or None, default="auto"
        A fixed principal-component front end of the batched network: the members work on the
        top ``input_pca`` principal coordinates of the scaled rows and their reconstructions are
        mapped back, so the error still covers every feature (see
        :class:`aekit.models.ensemble.MemberEnsemble`). ``"auto"``: 32 coordinates for tables
        with more than 32 (encoded) features, none otherwise; None: never.
    feature_weights : array of shape (n_features,), optional
        Weights of each (encoded) feature's squared error in the "reconstruction" score.
    preprocessing : str, default="minmax"
        Scaling fitted on the training data (the ADBench convention), used by every component.
    missing : {"error", "impute"}, default="error"
        Missing cells (NaN, None, "", "NA", "?", ... see :class:`aekit.data.TableEncoder`): a
        ``ValueError`` naming the column and the first bad row, or median / own-category imputation.
    unseen : {"ignore", "error"}, default="ignore"
        A category of a text column not seen in ``fit``: an all-zero one-hot block, or an error.
    n_samples : int, default=16
        Monte-Carlo samples for "elbo"/"iwae".
    epochs : "auto" or int, default="auto"
        Passes over the data per training round; "auto": about 400 optimizer steps
        (:func:`default_epochs`), many epochs for a small table and few for a large one.
    batch_size, lr, validation_split, early_stopping, weight_decay, precision, device, random_state, verbose :
        Training options, as in :class:`aekit.Autoencoder`.

    Attributes
    ----------
    decision_scores_ : ndarray
        Scores of the training rows (after ``partial_fit``: of the rows in the score memory).
    threshold_ : float
    labels_ : ndarray of 0/1
    network_ : MemberEnsemble (recipe "deep") or ``estimators_`` : list of Autoencoder (others)
    neighbors_ : NeighborDistance or None
    encoder_ : TableEncoder, only when ``fit`` got text columns or ``missing="impute"``

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 8))
    >>> det = AnomalyDetector(random_state=0).fit(X)
    >>> bool(det.predict(X).mean() <= 0.2)
    True
    >>> det.feature_contributions(X[:3]).shape
    (3, 8)
    """

    # Checked by scikit-learn's parameter validation at the start of ``fit`` (InvalidParameterError,
    # a ValueError naming the parameter). Bounds that depend on the data (feature_weights' length,
    # input_pca <= n_features) are checked in ``_check_params``. recipe and likelihood are names in
    # registries that plugins extend, so only their type is checked here.
    _parameter_constraints: dict = {
        "recipe": [str],
        "score": [StrOptions(set(SCORES))],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [StrOptions({"auto"}), Interval(RealNotInt, 0, 1, closed="right"),
                        Interval(Integral, 2, None, closed="left")],
        "combination": [StrOptions(set(COMBINATIONS))],
        "robust": ["boolean", Interval(Integral, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
        "hidden_dims": [list, tuple, None],
        "latent_dim": [Interval(Integral, 1, None, closed="left"), None],
        "input_pca": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
        "likelihood": [str, dict],
        "feature_weights": ["array-like", None],
        "preprocessing": [StrOptions(set(PREPROCESSING))],
        "missing": [StrOptions({"error", "impute"})],
        "unseen": [StrOptions({"ignore", "error"})],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "epochs": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
        "precision": [StrOptions(set(PRECISIONS))],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        recipe: str = "deep",
        *,
        score: str = "reconstruction",
        contamination: float = 0.1,
        n_estimators: int = 8,
        max_samples: str | float | int = "auto",
        combination: str = "max",
        robust: bool | int = 1,
        n_neighbors: int = 5,
        hidden_dims: list[int] | None = None,
        latent_dim: int | None = None,
        input_pca: str | int | None = "auto",
        likelihood: str | dict = "gaussian",
        feature_weights=None,
        preprocessing: str = "minmax",
        missing: str = "error",
        unseen: str = "ignore",
        n_samples: int = 16,
        epochs: int | str = "auto",
        batch_size: int = 128,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        validation_split: float = 0.0,
        early_stopping: int | None = None,
        precision: str = "fp32",
        device: str = "auto",
        random_state=None,
        verbose: bool = False,
    ) -> None:
        self.recipe = recipe
        self.score = score
        self.contamination = contamination
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.combination = combination
        self.robust = robust
        self.n_neighbors = n_neighbors
        self.hidden_dims = hidden_dims
        self.latent_dim = latent_dim
        self.input_pca = input_pca
        self.likelihood = likelihood
        self.feature_weights = feature_weights
        self.preprocessing = preprocessing
        self.missing = missing
        self.unseen = unseen
        self.n_samples = n_samples
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # text columns are one-hot encoded (TableEncoder)
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = self.missing == "impute"
        return tags

    # -- validation ------------------------------------------------------------------------------
    def _check_params(self, n_features: int) -> None:
        """What ``_parameter_constraints`` cannot say: the bounds that depend on the data."""
        self._n_components(n_features)
        if self.feature_weights is not None:
            w = np.asarray(self.feature_weights, dtype=np.float64)
            if w.shape != (n_features,) or (w < 0).any():
                raise ValueError(f"feature_weights must be {n_features} non-negative numbers (one per encoded "
                                 f"feature), got shape {w.shape}")

    def _n_member_rows(self, n_rows: int) -> int:
        """Rows each member trains on, out of ``n_rows`` (``max_samples``, validated in ``fit``)."""
        m = self.max_samples
        if isinstance(m, str):  # "auto"
            return n_rows if self.n_estimators == 1 else int(np.ceil(0.5 * n_rows))
        if isinstance(m, Integral):
            return min(int(m), n_rows)
        return max(1, int(np.ceil(m * n_rows)))  # a fraction in (0, 1]

    def _n_components(self, n_features: int) -> int | None:
        """Principal coordinates of the network's front end (``input_pca``), None for none."""
        p = self.input_pca
        if p is None:
            return None
        if isinstance(p, str):  # "auto"
            return PCA_COMPONENTS if n_features > PCA_MIN_FEATURES else None
        if p > n_features:
            raise ValueError(f"input_pca must be 'auto', None or an int between 1 and the {n_features} features, "
                             f"got {p!r}")
        return int(p)

    def _uses_network(self) -> bool:
        return self.recipe == "deep" and self.score == "reconstruction" and self.likelihood == "gaussian"

    def _prepare(self, X, reset: bool, column_names=None) -> np.ndarray:
        """A float matrix for the models: tables with text columns or missing cells go through
        :class:`TableEncoder`, fitted on the training data; numeric arrays are only validated."""
        if reset:
            self.__dict__.pop("encoder_", None)
            needs_encoder = _is_table(X) or self.missing == "impute" or column_names is not None
            if not needs_encoder and isinstance(X, np.ndarray) and X.dtype.kind == "f" and not np.isfinite(X).all():
                needs_encoder = True  # the encoder's error names the column and the first bad row
            if needs_encoder:
                self.encoder_ = TableEncoder(missing=self.missing, unseen=self.unseen).fit(X, column_names=column_names)
        elif not hasattr(self, "encoder_") and isinstance(X, np.ndarray) and X.dtype.kind == "f" \
                and X.ndim == 2 and X.shape[1] == self.n_features_in_ and not np.isfinite(X).all():
            TableEncoder(missing="error").fit(X)  # raises, naming the column and the row
        if not hasattr(self, "encoder_"):
            return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
        encoded = self.encoder_.transform(X)
        if reset:
            validate_data(self, encoded, reset=True)
            self.n_features_in_ = self.encoder_.n_features_in_
            if hasattr(self.encoder_, "feature_names_in_"):
                self.feature_names_in_ = self.encoder_.feature_names_in_
        return encoded

    # -- training --------------------------------------------------------------------------------
    # Not prefer_skip_nested_validation: recipe, likelihood (and the series detector's recipe_options)
    # reach the members' Autoencoder unchecked here, so its own validation must run.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, column_names=None) -> "AnomalyDetector":
        """Train on X (labels, if given, are ignored: training is unsupervised).

        X is a numeric array, or a table with text columns and missing cells (an object array,
        a list of rows or a pandas DataFrame), encoded by :class:`aekit.data.TableEncoder`
        (``missing``, ``unseen``); ``column_names`` name the columns of a table that is not a
        data frame (they label :meth:`feature_contributions` and :meth:`top_features`).
        """
        X = self._prepare(X, reset=True, column_names=column_names)
        self._check_params(X.shape[1])
        rng = check_random_state(self.random_state)
        self.offset_, self.scale_, _ = fit_affine(X, self.preprocessing, False)
        Xs = self._scaled(X)
        keep = np.ones(len(X), dtype=bool)
        for round_ in range(int(self.robust) + 1):
            self._fit_members(X, Xs, keep, rng, final=round_ == int(self.robust))
            member_raw = self._member_raw(X, Xs)
            if round_ < int(self.robust):  # same members again, without the rows they find most anomalous
                self._set_member_scaling(member_raw)
                ae = self._network_component(member_raw)
                keep = ae <= np.quantile(ae, 1 - self.contamination)
        self.neighbors_ = NeighborDistance(self.n_neighbors).fit(Xs, rng) if self.n_neighbors else None
        knn = self.neighbors_.scores(Xs, leave_one_out=True) if self.neighbors_ else None
        self.memory_ = ScoreMemory(SCORE_MEMORY)
        self.memory_.reset(self._stack(member_raw, knn))
        self._set_scaling_and_threshold()
        return self

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64) - self.offset_) / self.scale_

    def _train_config(self, n_rows: int, seed: int, epochs: int | None = None, steps: int | None = None) -> TrainConfig:
        auto = self.epochs == "auto"
        return TrainConfig(
            epochs=epochs or (default_epochs(n_rows, self.batch_size, steps) if auto else int(self.epochs)),
            batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
            validation_split=self.validation_split, early_stopping=self.early_stopping, seed=seed,
            device=self.device, precision=self.precision, progress=int(self.verbose),
        )

    def _fit_members(self, X: np.ndarray, Xs: np.ndarray, keep: np.ndarray, rng, final: bool = True) -> None:
        """Train the autoencoders from scratch, each on its own ``max_samples`` of the kept rows
        (``final=False``: a trimming round, ``TRIM_ROUND_STEPS`` long)."""
        kept = np.flatnonzero(keep)
        n_rows = self._n_member_rows(len(kept))
        subsets = [kept if n_rows == len(kept) else np.sort(rng.choice(kept, n_rows, replace=False))
                   for _ in range(self.n_estimators)]
        seed = int(rng.randint(0, 2**31 - 1))
        steps = STEPS_PER_ROUND if final else TRIM_ROUND_STEPS
        if not self._uses_network():
            self.estimators_ = []
            for i, rows in enumerate(subsets):
                est = self._autoencoder(X.shape[1], seed + i)
                if est.epochs == "auto":  # the same step budget as the batched network
                    est.set_params(epochs=default_epochs(len(rows), self.batch_size, steps))
                self.estimators_.append(est.fit(X[rows]))
            if self.score == "latent":  # each code's Gaussian from all the kept rows, not the member's subset
                self.latent_stats_ = [self._code_gaussian(est, X[kept]) for est in self.estimators_]
            return
        hidden, latent = default_architecture(X.shape[1])
        member_rows = torch.zeros(self.n_estimators, len(X), dtype=torch.bool)
        for i, rows in enumerate(subsets):
            member_rows[i, torch.from_numpy(rows)] = True
        torch.manual_seed(seed)  # same seed -> same initial weights
        self.network_ = MemberEnsemble(
            X.shape[1], list(self.hidden_dims) if self.hidden_dims is not None else hidden,
            self.latent_dim or latent, n_members=self.n_estimators, member_rows=member_rows,
            n_components=self._n_components(X.shape[1]),
        ).to(resolve_device(self.device))
        data = (torch.tensor(Xs, dtype=torch.float32), torch.arange(len(X)))
        self.history_ = fit_model(self.network_, data, self._train_config(len(X), seed, steps=steps))  # every batch feeds all members
        self.network_.eval()

    def _autoencoder(self, n_features: int, seed: int) -> Autoencoder:
        hidden, latent = default_architecture(n_features)
        return Autoencoder(
            recipe=self.recipe, latent_dim=self.latent_dim or latent,
            hidden_dims=self.hidden_dims if self.hidden_dims is not None else hidden,
            likelihood=self.likelihood, preprocessing=self.preprocessing, epochs=self.epochs,
            batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
            validation_split=self.validation_split, early_stopping=self.early_stopping,
            precision=self.precision, device=self.device, random_state=seed, verbose=self.verbose,
        )

    @staticmethod
    def _code_gaussian(est: Autoencoder, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        codes = est.transform(X).astype(np.float64)
        cov = np.cov(codes, rowvar=False).reshape(codes.shape[1], codes.shape[1])
        cov += 1e-6 * np.eye(len(cov)) * max(np.trace(cov) / len(cov), 1e-12)
        return codes.mean(axis=0), np.linalg.inv(cov)

    # -- scores ----------------------------------------------------------------------------------
    def _feature_weights(self, n_features: int) -> np.ndarray:
        if self.feature_weights is None:
            return np.full(n_features, 1.0 / n_features)
        w = np.asarray(self.feature_weights, dtype=np.float64)
        return w / max(w.sum(), 1e-12)

    def _network_errors(self, Xs: np.ndarray, reduce) -> np.ndarray:
        """``reduce(err)`` for every row, in float64, err = (n_members, rows, features) squared errors
        (a float64 tensor); ``reduce`` returns the rows first. Rows go through the network in the
        fixed blocks of :func:`aekit.models.blockwise.infer_rows`, and ``reduce`` runs on whole
        blocks too (a matrix-vector product over 7 rows may add up in another order than over 512),
        so a row's score does not depend on its batch-mates."""
        def reduced(xb: torch.Tensor) -> torch.Tensor:
            return reduce((self.network_.reconstruct(xb) - xb).pow(2).double())

        return infer_rows(reduced, torch.from_numpy(np.asarray(Xs, dtype=np.float32)), module=self.network_).numpy()

    def _member_raw(self, X: np.ndarray, Xs: np.ndarray) -> np.ndarray:
        """(n_members, n) raw autoencoder scores."""
        if self._uses_network():
            w = torch.from_numpy(self._feature_weights(Xs.shape[1]))
            # (err * w).sum, not err @ w: BLAS splits a matrix-vector product over threads by rows
            return self._network_errors(Xs, lambda err: (err * w.to(err.device)).sum(-1).T).T
        return np.stack([self._estimator_raw(i, X) for i in range(len(self.estimators_))])

    def _estimator_raw(self, i: int, X: np.ndarray) -> np.ndarray:
        est = self.estimators_[i]
        if self.score == "latent":
            mean, precision = self.latent_stats_[i]
            d = est.transform(X).astype(np.float64) - mean
            return np.einsum("ij,jk,ik->i", d, precision, d)
        if self.score in ("elbo", "iwae"):
            from ..evaluation.likelihood import elbo, iwae_bound

            x = est._to_model_space(X)  # the same noise for every row: a row's score does not depend on the others
            if self.score == "elbo":
                return -elbo(est.model_, x, n_samples=self.n_samples, seed=0, shared_noise=True).numpy().astype(np.float64)
            return -iwae_bound(est.model_, x, k=self.n_samples, seed=0, shared_noise=True).numpy().astype(np.float64)
        if est.model_.likelihood.name != "gaussian":
            return -est.score_samples(X)
        # einsum, not a BLAS matrix-vector product: that adds a row up in an order that depends on the row count
        return np.einsum("nd,d->n", self._element_errors(i, X), self._feature_weights(X.shape[1]))

    def _element_errors(self, i: int, X: np.ndarray) -> np.ndarray:
        """Squared reconstruction error of every feature of X, (n, n_features), in the member's
        scaled space; float32 data that needs no scaling is compared in float32 (no copies)."""
        est = self.estimators_[i]
        if X.dtype == np.float32 and est.preprocessing_ == "none":
            recon = est._batched(est.model_.reconstruct, est._to_model_space(X, copy=False)).reshape(len(X), -1)
            return ((recon - X) ** 2).astype(np.float64)
        scaled = (X - est.offset_) / est.scale_
        recon = (est.reconstruct(X).astype(np.float64) - est.offset_) / est.scale_
        return (recon - scaled) ** 2

    def _set_member_scaling(self, member_raw: np.ndarray) -> None:
        self.member_center_, self.member_spread_ = (np.array(v) for v in zip(*map(robust_scale, member_raw)))

    def _network_component(self, member_raw: np.ndarray) -> np.ndarray:
        """The autoencoders' score: the mean of their scaled scores."""
        return ((member_raw - self.member_center_[:, None]) / self.member_spread_[:, None]).mean(axis=0)

    def _stack(self, member_raw: np.ndarray, knn: np.ndarray | None) -> np.ndarray:
        """(n, n_members [+ 1]) raw scores: what the score memory keeps of each row."""
        return np.column_stack([member_raw.T] + ([knn] if knn is not None else []))

    def _components(self, raw: np.ndarray) -> np.ndarray:
        """(n_components, n) component scores from (n, n_members [+ 1]) raw scores."""
        m = self.n_estimators if not hasattr(self, "estimators_") else len(self.estimators_)
        comps = [self._network_component(raw[:, :m].T)]
        if raw.shape[1] > m:
            comps.append(raw[:, m])
        return np.stack(comps)

    def _set_scaling_and_threshold(self) -> None:
        """Member and component scaling, training scores, threshold and labels, from the memory."""
        raw = self.memory_.scores_
        self._set_member_scaling(raw[:, : raw.shape[1] - (self.neighbors_ is not None)].T)
        comps = self._components(raw)
        self.component_center_, self.component_spread_ = (np.array(v) for v in zip(*map(robust_scale, comps)))
        self.decision_scores_ = self._combine(comps)
        self.threshold_ = float(np.quantile(self.decision_scores_, 1 - self.contamination))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(int)

    def _scaled_components(self, comps: np.ndarray) -> np.ndarray:
        return (comps - self.component_center_[:, None]) / self.component_spread_[:, None]

    def _combine(self, comps: np.ndarray) -> np.ndarray:
        z = self._scaled_components(comps)
        return {"max": np.max, "mean": np.mean, "median": np.median}[self.combination](z, axis=0)

    def _raw(self, X: np.ndarray) -> np.ndarray:
        Xs = self._scaled(X)
        return self._stack(self._member_raw(X, Xs), self.neighbors_.scores(Xs) if self.neighbors_ else None)

    def _describe(self) -> dict[str, str]:
        """What ``aekit info`` adds for a detector (see :func:`aekit.estimators.base.describe`)."""
        if hasattr(self, "network_"):
            net = self.network_
            widths = [net.layers[0].weight.shape[1]] + [layer.weight.shape[2] for layer in net.layers]
            front = f"{net.front.n_components} principal coordinates, then " if net.front is not None else ""
            members = f"{net.n_members} autoencoders in one batched network: {front}{' -> '.join(map(str, widths))}"
        else:
            members = f"{len(self.estimators_)} x {self.recipe} autoencoder ({self.score} score)"
        info = {"members": members,
                "neighbours": f"distance to the {self.n_neighbors}th nearest of {len(self.neighbors_.reference_):,} rows"
                if self.neighbors_ is not None else "none",
                "threshold": f"{self.threshold_:.4g} (contamination {self.contamination})"}
        if self.neighbors_ is not None:
            info["combination"] = f"{self.combination} of the two components"
        if hasattr(self, "encoder_"):
            info["columns"] = ", ".join(self.encoder_.column_names_)
        return info

    def decision_function(self, X) -> np.ndarray:
        """Anomaly score per sample: higher = more anomalous."""
        check_is_fitted(self, "decision_scores_")
        return self._combine(self._components(self._raw(self._prepare(X, reset=False))))

    def score_samples(self, X) -> np.ndarray:
        """scikit-learn's convention: higher = more normal (minus :meth:`decision_function`)."""
        return -self.decision_function(X)

    # -- streams ---------------------------------------------------------------------------------
    def partial_fit(self, X, y=None, *, epochs: int = 3) -> "AnomalyDetector":
        """Go on training on new rows X, for streams; the first call (unfitted) is :meth:`fit`.

        The autoencoders train ``epochs`` more epochs on X (each member on its ``max_samples`` of
        the new rows); the new rows' scores (taken before they train on them, like any new data)
        join the score memory, a FIFO of the raw scores of the last 10,000 training rows, and
        the members' scaling, the components' scaling, ``decision_scores_`` and ``threshold_``
        are recomputed from it. Past rows are not kept, except by the neighbour component: its
        reference is a uniform reservoir sample of at most 10,000 of all rows seen (set
        ``n_neighbors=0`` to keep no rows at all). Preprocessing and text categories stay as
        ``fit`` learned them.
        """
        if not hasattr(self, "decision_scores_"):
            return self.fit(X)
        if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
            raise ValueError(f"epochs must be a positive int, got {epochs!r}")
        X = self._prepare(X, reset=False)
        Xs = self._scaled(X)
        self.n_partial_fits_ = getattr(self, "n_partial_fits_", 0) + 1
        rng = np.random.RandomState(check_random_state(self.random_state).randint(0, 2**31 - 1 - 10**6)
                                    + self.n_partial_fits_)
        raw = self._raw(X)  # scored as new data, before the members learn these rows
        n_rows = self._n_member_rows(len(X))
        subsets = [np.sort(rng.choice(len(X), n_rows, replace=False)) for _ in range(self.n_estimators)]
        seed = int(rng.randint(0, 2**31 - 1))
        if self._uses_network():
            member_rows = torch.zeros(self.n_estimators, len(X), dtype=torch.bool)
            for i, rows in enumerate(subsets):
                member_rows[i, torch.from_numpy(rows)] = True
            self.network_.member_rows = member_rows.to(next(self.network_.parameters()).device)
            data = (torch.tensor(Xs, dtype=torch.float32), torch.arange(len(X)))
            self.history_ = fit_model(self.network_.train(), data, self._train_config(len(X), seed, epochs))
            self.network_.eval()
        else:
            for est, rows in zip(self.estimators_, subsets):
                fit_model(est.model_.train(), est._to_model_space(X[rows]), self._train_config(n_rows, seed, epochs))
                est.model_.eval()
        if self.neighbors_:
            self.neighbors_.update(Xs, rng)
        self.memory_.add(raw)
        self._set_scaling_and_threshold()
        return self
