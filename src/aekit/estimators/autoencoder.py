"""scikit-learn estimator around the autoencoder composition."""

from __future__ import annotations

import math
from dataclasses import fields
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..io import ModelFolderError, restore_model
from ..models.blockwise import infer_rows
from ..models.refine import check_refinable, check_refine_options, decoder_params, reconstruction_loss, refine_codes
from ..models.registry import RECIPE_TRAINING_OPTIONS, create_model, recipe_training_defaults
from ..nn.shapes import as_shape
from ..objectives.likelihoods import Likelihood
from ..training import TrainConfig, fit as fit_model
from ..training.batching import mark_finite
from ..training.config import PRECISIONS, SCHEDULERS, optimizer_spec
from ..training.device import resolve_device
from ..training.history import History
from ..transforms.corruption import Corruption
from ..data.streaming import is_stream
from ..data.scaling import PREPROCESSING, affine_from_stats, fit_affine, value_range
from .base import ModelFolderMixin, fit_seed, json_params, recipe_input_shape
from .conditions import condition_indices, describe_classes, fit_condition_classes


class Autoencoder(ModelFolderMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """An autoencoder with the scikit-learn API: ``fit``, ``transform`` (encode),
    ``inverse_transform`` (decode), ``score_samples`` (negative reconstruction error).

    Parameters
    ----------
    recipe : str, default="deep"
        A name from :func:`aekit.list_recipes` ("linear", "deep", "conv", "vae", ...).
    latent_dim : int, default=8
        Size of the code that ``transform`` returns.
    hidden_dims : tuple of int, optional
        MLP widths (the recipe's default when None).
    likelihood : str or dict, default="gaussian"
        Decoder distribution: "gaussian" (squared error), "bernoulli", "categorical".
    corruption : str, dict or list, optional
        Training-time input corruption (makes a denoising autoencoder).
    regularisers : list of dicts, optional
        E.g. ``[{"name": "l1_activity", "weight": 1e-3}]``.
    recipe_options : dict, optional
        Any further options of the recipe (``channels``, ``activation``, ``tied``, ...).
    input_shape : tuple of int, optional
        Shape of one sample, e.g. ``(1, 28, 28)`` for images given as flat rows. Inferred when None:
        X's own trailing shape for arrays of rank > 2, a square grey image for the "conv" recipe,
        else flat vectors.
    preprocessing : {"auto", "standard", "minmax", "center", "none"}, default="auto"
        Feature scaling fitted on the training data and undone by ``inverse_transform``. "auto"
        leaves data in [0, 1] alone, else standardises (min-max for Bernoulli/categorical).
    epochs, batch_size, lr, optimizer, weight_decay, scheduler, validation_split, early_stopping,
    grad_clip, precision, device :
        Training options, see :class:`aekit.TrainConfig`. ``precision`` also sets the arithmetic
        of ``transform``, ``reconstruct`` and ``score_samples`` (as PyTorch Lightning does for
        prediction): a model trained in bf16 is evaluated in bf16, about twice as fast on CPUs
        with AVX512-BF16/AMX, to about 3 significant digits. ``set_params(precision="fp32")``
        after ``fit`` gives full-precision outputs from the same weights.
        ``optimizer`` is a name or a dict of the name and its options (``{"name": "adam",
        "betas": [0.9, 0.9]}``). ``batch_size``, ``lr``, ``optimizer``, ``scheduler``,
        ``validation_split`` and ``early_stopping`` default to "auto": the recipe's own training
        defaults where it has some (:func:`aekit.models.recipe_training_defaults`; "linear" trains
        full-batch without a validation split, see docs/autoencoders.md), else TrainConfig's
        (128, 1e-3, "adam", None, 0.1, 10). :meth:`training_options` says what "auto" stands for.
    refine_codes : int, default=0
        Adam steps that refine each code at inference (``transform``, ``reconstruct``,
        ``score_samples``): starting from the encoder's code, only the code moves, to lower its
        own sample's reconstruction loss through the fixed decoder (semi-amortised inference,
        Kim et al. 2018; see :mod:`aekit.models.refine`). Closes part of the gap between the
        encoder's guess and the best code on new data (Fashion-MNIST, preset
        ``fashion-mnist-best``, 32-d code: test MSE 0.00716 with the encoder's codes, 0.00634 with
        20 steps, -11%; docs/results/presets.md) at about ``3 * refine_codes`` decoder passes
        per sample.
        May be set after ``fit``; ``inverse_transform`` is unaffected.
    refine_lr : float, default=0.05
        Adam step size of the refinement, in code units.
    random_state : int, RandomState or None
        Seeds weights, shuffling and noise: the same seed gives the same model.
    verbose : bool
        Show a progress bar.

    Attributes
    ----------
    model_ : AutoencoderModel
    history_ : History
        Per-epoch losses (each part separately).
    input_shape_ : tuple of int
    n_features_in_ : int
    offset_, scale_ : ndarray
        The fitted preprocessing, ``(X - offset_) / scale_``.

    Notes
    -----
    ``score_samples`` is minus the per-sample reconstruction loss of the model's likelihood, in
    the preprocessed space (for the default Gaussian: half the summed squared error), so higher
    means better reconstructed. ``check_estimator`` passes with every check; inputs must be finite
    (NaN is rejected, as the ``allow_nan`` tag says).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data
    >>> ae = Autoencoder(latent_dim=4, epochs=5, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 4)
    """

    # Checked by scikit-learn at the start of ``fit`` (``InvalidParameterError``, a ValueError and
    # TypeError, naming the parameter). What a constraint cannot say is checked where it is used:
    # the recipe name and the likelihood/corruption/regulariser specs by their registries (errors
    # list the valid names), input_shape against X, the device string by torch.
    _parameter_constraints: dict = {
        "recipe": [str],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like", None],
        "likelihood": [str, dict, Likelihood],
        "corruption": [str, dict, list, tuple, Corruption, None],
        "regularisers": [list, tuple, None],
        "recipe_options": [dict, None],
        "input_shape": ["array-like", Interval(Integral, 1, None, closed="left"), None],
        "preprocessing": [StrOptions(set(PREPROCESSING))],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "optimizer": [str, dict],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "scheduler": [StrOptions({s for s in SCHEDULERS if s is not None} | {"auto"}), None],
        "validation_split": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "early_stopping": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "grad_clip": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"}), None],
        "precision": [StrOptions(set(PRECISIONS))],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "refine_codes": [Interval(Integral, 0, None, closed="left")],
        "refine_lr": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        recipe: str = "deep",
        latent_dim: int = 8,
        *,
        hidden_dims: tuple[int, ...] | None = None,
        likelihood: str | dict = "gaussian",
        corruption: Any = None,
        regularisers: list | None = None,
        recipe_options: dict | None = None,
        input_shape: tuple[int, ...] | None = None,
        preprocessing: str = "auto",
        epochs: int = 100,
        batch_size: int | str = "auto",
        lr: float | str = "auto",
        optimizer: str | dict = "auto",
        weight_decay: float = 0.0,
        scheduler: str | None = "auto",
        validation_split: float | str = "auto",
        early_stopping: int | str | None = "auto",
        grad_clip: float | str | None = "auto",
        precision: str = "fp32",
        device: str = "auto",
        random_state: Any = None,
        verbose: bool = False,
        refine_codes: int = 0,
        refine_lr: float = 0.05,
    ) -> None:
        self.recipe = recipe
        self.latent_dim = latent_dim
        self.hidden_dims = hidden_dims
        self.likelihood = likelihood
        self.corruption = corruption
        self.regularisers = regularisers
        self.recipe_options = recipe_options
        self.input_shape = input_shape
        self.preprocessing = preprocessing
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.grad_clip = grad_clip
        self.precision = precision
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.refine_codes = refine_codes
        self.refine_lr = refine_lr

    # -- scikit-learn plumbing -----------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self) -> int:
        return self.latent_dim

    def _validate_X(self, X, reset: bool, finite: bool = True) -> tuple[np.ndarray, tuple[int, ...] | None]:
        """2-D float array (images given as (n, C, H, W) are flattened) plus the shape they had.
        ``finite=False`` leaves the test for NaN and infinity to the caller (see :func:`_check_finite`)."""
        nd_shape = None
        if isinstance(X, (np.ndarray, torch.Tensor)) and X.ndim > 2:
            nd_shape = tuple(X.shape[1:])
            X = np.asarray(X).reshape(len(X), -1)
        try:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite=finite)
        except ValueError as err:  # scikit-learn's messages may dump the whole array: keep one line
            lines = str(err).splitlines() or [""]
            raise ValueError(" ".join([lines[0].rstrip(":") + "."] + [ln for ln in lines[1:] if ln.startswith("Reshape")])
                             .replace("..", ".")) from None
        return X, nd_shape

    def _model_options(self) -> dict[str, Any]:
        options: dict[str, Any] = dict(self.recipe_options or {})
        options.update(latent_dim=int(self.latent_dim), likelihood=self.likelihood)
        if self.hidden_dims is not None:
            options["hidden_dims"] = list(self.hidden_dims)
        if self.corruption is not None:
            options["corruption"] = self.corruption
        if self.regularisers:
            options["regularisers"] = list(self.regularisers)
        return options

    def training_options(self) -> dict[str, Any]:
        """The values the parameters left at "auto" stand for with this recipe: the recipe's
        training defaults, else :class:`aekit.TrainConfig`'s (what ``fit`` trains with)."""
        recipe_defaults = recipe_training_defaults(self.recipe)
        shared = {f.name: f.default for f in fields(TrainConfig) if f.name in RECIPE_TRAINING_OPTIONS}
        given = {name: getattr(self, name) for name in RECIPE_TRAINING_OPTIONS}
        return {name: recipe_defaults.get(name, shared[name]) if _is_auto(value) else value
                for name, value in given.items()}

    def _train_config(self, seed: int, checkpoint_dir=None, checkpoint_every: int | None = None) -> TrainConfig:
        options = self.training_options()
        optimizer, optimizer_options = optimizer_spec(options["optimizer"])
        return TrainConfig(
            checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir),
            checkpoint_every=checkpoint_every,
            # numpy numbers pass the constraints; TrainConfig wants Python ones
            epochs=int(self.epochs),
            batch_size=int(options["batch_size"]),
            lr=float(options["lr"]),
            optimizer=optimizer,
            optimizer_options=optimizer_options,
            weight_decay=float(self.weight_decay),
            scheduler=options["scheduler"],
            validation_split=float(options["validation_split"]),
            early_stopping=None if options["early_stopping"] is None else int(options["early_stopping"]),
            grad_clip=self.grad_clip if self.grad_clip in (None, "auto") else float(self.grad_clip),
            seed=seed,
            device=self.device,
            precision=self.precision,
            progress=int(self.verbose),
        )

    def _to_model_space(self, X: np.ndarray, copy: bool = True) -> torch.Tensor:
        """X as the model's float32 input tensor. ``copy=False`` (for readers only: inference, and
        training, whose steps see rows through shuffled index copies, never X itself) shares X's
        memory where no scaling is needed, which saves a pass over X."""
        if self.preprocessing_ == "none":  # no float64 temporaries when there is nothing to scale
            if copy or X.dtype != np.float32 or not X.flags.c_contiguous or not X.flags.writeable:
                X = np.array(X, dtype=np.float32)  # training must never share memory with the user's X
            return torch.from_numpy(X).reshape(len(X), *self.input_shape_)
        if X.dtype == np.float32:  # scale in float32: a float64 temporary would double the memory traffic
            Xs = (X - self.offset_.astype(np.float32)) / self.scale_.astype(np.float32)
        else:
            Xs = ((X - self.offset_) / self.scale_).astype(np.float32, copy=False)
        return torch.from_numpy(Xs).reshape(len(Xs), *self.input_shape_)

    def _from_model_space(self, out: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """Model outputs (n, n_features) back in input units, as ``dtype``."""
        if self.preprocessing_ == "none":  # nothing to undo: no float64 round trip over the whole output
            return out.astype(dtype, copy=False)
        return (out.astype(np.float64) * self.scale_ + self.offset_).astype(dtype, copy=False)

    def _batched(self, fn, X: torch.Tensor, condition: torch.Tensor | None = None) -> np.ndarray:
        """``fn(rows, conditions)`` over the model-space rows X, at the estimator's ``precision``, in the
        fixed blocks of :func:`aekit.models.blockwise.infer_rows`: a row's output does not depend on
        its batch-mates."""
        return infer_rows(fn, X, condition, module=self.model_, precision=getattr(self, "precision", "fp32")).numpy()

    # -- the API ---------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, condition=None, checkpoint_dir=None, checkpoint_every: int | None = None,
            resume_from=None) -> "Autoencoder":
        """Train on X (n_samples, n_features), on images of shape (n_samples, C, H, W), or on an
        :class:`aekit.data.streaming.ArrayStream` of data larger than memory.

        ``condition`` (one class label per row: ints, strings, ...) makes a conditional model
        (Sohn et al. 2015): the encoder and decoder both see the one-hot label, the classes are kept
        as ``condition_classes_``, and ``transform``, ``reconstruct``, ``score_samples`` and
        ``inverse_transform`` then take ``condition=`` too. ``checkpoint_every`` epochs a resumable
        checkpoint goes to ``checkpoint_dir``; ``resume_from`` continues from one (see :func:`aekit.fit`).
        """
        fit_options = dict(checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every, resume_from=resume_from)
        if "n_conditions" in (self.recipe_options or {}):
            raise ValueError("recipe option n_conditions is inferred from the labels: pass them as "
                             "fit(X, condition=labels) (aekit train --condition-column / --condition-file) instead")
        if is_stream(X):
            if condition is not None:
                raise ValueError("condition cannot be combined with a streamed X; load the data into memory")
            return self._fit_stream(X, **fit_options)
        X, nd_shape = self._validate_X(X, reset=True, finite=False)
        # One pass over X both finds NaN/infinity (scikit-learn's test read X once more) and
        # decides preprocessing="auto" (the data's extremes): 10 ms less on 20,000 x 784 float32.
        extremes = _check_finite(X)
        conditional = {}
        if condition is not None:
            classes, cond = fit_condition_classes(condition, len(X))
            conditional = {"n_conditions": len(classes)}
        if self.input_shape is not None:
            shape = as_shape(self.input_shape)
            if math.prod(shape) != X.shape[1]:
                raise ValueError(f"input_shape {shape} holds {math.prod(shape)} values but X has {X.shape[1]} features")
        else:
            architecture = (self.recipe_options or {}).get("architecture")
            shape = nd_shape or recipe_input_shape(X.shape[1], self.recipe, architecture)
        seed = fit_seed(self.random_state)
        config = self._train_config(seed, checkpoint_dir, checkpoint_every)  # validates options before any work

        torch.manual_seed(seed)  # same seed -> same initial weights
        model = create_model(self.recipe, shape, **self._model_options(), **conditional)
        self._refine_settings(model)  # an inference option, but a bad value should fail before training
        self.offset_, self.scale_, self.preprocessing_ = fit_affine(  # statistics in float64, X not copied
            X, self.preprocessing, model.likelihood.needs_unit_interval, extremes
        )
        self.input_shape_ = tuple(shape)
        x = self._to_model_space(X, copy=False)  # a copy of 20,000 x 784 cost 35 ms of every fit
        if self.preprocessing_ == "none" and X.dtype == np.float32:  # X's own values, found finite by
            mark_finite(x)  # _check_finite, not read again (float64 could still overflow in float32)
        self.history_ = fit_model(model, x if condition is None else (x, cond), config,
                                  callbacks=self._callbacks(model), resume_from=resume_from)
        self.model_ = model
        if condition is None:
            self.__dict__.pop("condition_classes_", None)  # a refit without labels is unconditional
        else:
            self.condition_classes_ = classes
        return self

    def _fit_stream(self, stream, checkpoint_dir, checkpoint_every, resume_from) -> "Autoencoder":
        """``fit`` on a stream: preprocessing from one streaming pass, then batches from disk."""
        n_features = math.prod(stream.sample_shape)
        if self.input_shape is not None:
            shape = as_shape(self.input_shape)
            if math.prod(shape) != n_features:
                raise ValueError(f"input_shape {shape} holds {math.prod(shape)} values but X has {n_features} features")
        elif len(stream.sample_shape) > 1:
            shape = tuple(stream.sample_shape)
        else:
            shape = recipe_input_shape(n_features, self.recipe, (self.recipe_options or {}).get("architecture"))
        seed = fit_seed(self.random_state)
        config = self._train_config(seed, checkpoint_dir, checkpoint_every)
        torch.manual_seed(seed)
        model = create_model(self.recipe, shape, **self._model_options())
        self.offset_, self.scale_, self.preprocessing_ = affine_from_stats(
            stream.feature_stats(), self.preprocessing, model.likelihood.needs_unit_interval
        )
        self.n_features_in_, self.input_shape_ = n_features, tuple(shape)
        self.__dict__.pop("condition_classes_", None)
        offset, scale = self.offset_.astype(np.float32), self.scale_.astype(np.float32)
        to_model = stream.map(lambda a: ((a.reshape(len(a), -1) - offset) / scale).reshape(len(a), *shape))
        self.history_ = fit_model(model, to_model, config, callbacks=self._callbacks(model), resume_from=resume_from)
        self.model_ = model
        return self

    def _callbacks(self, model) -> list:
        """Training callbacks the estimator's parameters ask for (none here; the VAE's schedules)."""
        return []

    def _refine_settings(self, model=None) -> tuple[int, float]:
        """Validated ``(refine_codes, refine_lr)`` for ``model`` (the fitted one by default)."""
        steps, lr = check_refine_options(self.refine_codes, self.refine_lr, "refine_codes", "refine_lr")
        if steps:
            check_refinable(self.model_ if model is None else model)
        return steps, lr

    def _refiner(self):
        """``None`` without refinement, else ``(x, condition) -> refined codes`` of a model-space
        batch (the options are validated once per call of the public method, not once per chunk)."""
        steps, lr = self._refine_settings()
        if not steps:
            return None
        model = self.model_
        return lambda xb, cb=None: refine_codes(model, xb, model.encode(xb, cb), steps, lr, condition=cb)

    def _condition_of(self, condition, n_rows: int) -> torch.Tensor | None:
        """The class indices of ``condition`` for a conditional fit (None for an unconditional one),
        with an error saying what to pass when the two do not match."""
        classes = getattr(self, "condition_classes_", None)
        if classes is None:
            if condition is not None:
                raise ValueError(f"condition was given, but this {type(self).__name__} was fitted without one")
            return None
        if condition is None:
            raise ValueError(f"this {type(self).__name__} is conditional (fitted with condition=): pass condition=, "
                             f"one label per row or one for all, from the classes {describe_classes(classes)}")
        return condition_indices(condition, classes, n_rows)

    def transform(self, X, condition=None) -> np.ndarray:
        """The code of each sample, shape (n_samples, latent_dim); ``condition``: the labels, for a
        model fitted with ``condition=``."""
        check_is_fitted(self, "model_")
        X, _ = self._validate_X(X, reset=False)
        codes = self._refiner() or self.model_.encode
        c = self._condition_of(condition, len(X))
        return self._batched(codes, self._to_model_space(X, copy=False), c).astype(X.dtype, copy=False)

    def inverse_transform(self, X, condition=None) -> np.ndarray:
        """Decode codes (n_samples, latent_dim) back to (n_samples, n_features) in input units."""
        check_is_fitted(self, "model_")
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.latent_dim:
            raise ValueError(f"inverse_transform expects codes with {self.latent_dim} columns, got {Z.shape[1]}")
        c = self._condition_of(condition, len(Z))
        recon = self._batched(self.model_.decode, torch.from_numpy(Z.astype(np.float32)), c)
        return self._from_model_space(recon.reshape(len(Z), -1), Z.dtype)

    def reconstruct(self, X, condition=None) -> np.ndarray:
        """``inverse_transform(transform(X))`` in one pass (through the mean code)."""
        check_is_fitted(self, "model_")
        X, _ = self._validate_X(X, reset=False)
        model, refine = self.model_, self._refiner()

        def refined(xb: torch.Tensor, cb: torch.Tensor | None = None) -> torch.Tensor:
            return model.likelihood.mean(decoder_params(model, xb, refine(xb, cb), cb))

        c = self._condition_of(condition, len(X))
        recon = self._batched(model.reconstruct if refine is None else refined, self._to_model_space(X, copy=False), c)
        return self._from_model_space(recon.reshape(len(X), -1), X.dtype)

    def score_samples(self, X, condition=None) -> np.ndarray:
        """Minus each sample's reconstruction loss (higher = better explained by the model)."""
        check_is_fitted(self, "model_")
        X, _ = self._validate_X(X, reset=False)
        model, refine = self.model_, self._refiner()

        def per_sample(xb: torch.Tensor, cb: torch.Tensor | None = None) -> torch.Tensor:
            if refine is not None:
                return -reconstruction_loss(model, xb, refine(xb, cb), cb)
            return -model.likelihood.loss(model(xb, cb).params, xb)

        c = self._condition_of(condition, len(X))
        return self._batched(per_sample, self._to_model_space(X, copy=False), c).astype(np.float64)

    def _describe(self) -> dict[str, str]:
        """What ``aekit info`` adds for an autoencoder (see :func:`aekit.estimators.base.describe`)."""
        info = {"recipe": str(self.recipe), "latent dim": str(self.latent_dim),
                "likelihood": str(self.model_.likelihood.config()), "preprocessing": str(self.preprocessing_)}
        if getattr(self, "condition_classes_", None) is not None:
            info["conditions"] = describe_classes(self.condition_classes_)
        return info

    def score(self, X, y=None, condition=None) -> float:
        """Mean of :meth:`score_samples`; lets ``GridSearchCV`` compare settings without labels."""
        return float(np.mean(self.score_samples(X, condition)))

    # -- persistence -----------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, Any]]:
        """``(config, tensors, history)``: what :meth:`save` writes (:class:`ModelFolderMixin`); estimators built from
        several autoencoders (:class:`AnomalyDetector`) store one state per member."""
        check_is_fitted(self, "model_")
        fitted = {
            "n_features_in_": int(self.n_features_in_),
            "input_shape_": list(self.input_shape_),
            "preprocessing_": self.preprocessing_,
        }
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
        if getattr(self, "condition_classes_", None) is not None:  # ints stay ints, names stay strings
            fitted["condition_classes_"] = self.condition_classes_.tolist()
        config = {
            "estimator": type(self).__name__,
            "params": json_params(self.get_params()),
            "fitted": fitted,
            "model": self.model_.spec,
        }
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors["preprocessing.offset"] = torch.from_numpy(self.offset_)
        tensors["preprocessing.scale"] = torch.from_numpy(self.scale_)
        return config, tensors, self.history_.to_dict()

    @classmethod
    def _from_state(cls, config: dict[str, Any], tensors: dict[str, torch.Tensor], history: dict[str, Any] | None,
                    where: str, device: str = "cpu") -> "Autoencoder":
        est = cls(**config["params"])
        model = restore_model(config, {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, where)
        est.model_ = model.to(resolve_device(device)).eval()
        fitted = config["fitted"]
        est.n_features_in_ = fitted["n_features_in_"]
        est.input_shape_ = tuple(fitted["input_shape_"])
        est.preprocessing_ = fitted["preprocessing_"]
        if "feature_names_in_" in fitted:
            est.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        if "condition_classes_" in fitted:
            est.condition_classes_ = np.asarray(fitted["condition_classes_"])
        try:
            est.offset_ = tensors["preprocessing.offset"].numpy()
            est.scale_ = tensors["preprocessing.scale"].numpy()
        except KeyError:
            raise ModelFolderError(f"{where!r} lacks the preprocessing tensors its estimator needs") from None
        est.history_ = History.from_dict(history or {})
        return est


def _check_finite(X: np.ndarray) -> tuple[float, float]:
    """``value_range(X)``, raising scikit-learn's own error when X holds NaN or infinity."""
    low, high = value_range(X)
    if math.isnan(low):
        raise ValueError("Input X contains NaN.")
    if math.isinf(low) or math.isinf(high):
        raise ValueError(f"Input X contains infinity or a value too large for dtype({X.dtype.name!r}).")
    return low, high


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"
