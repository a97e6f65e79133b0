"""scikit-learn classifier on an autoencoder-pretrained encoder (unsupervised pretraining, then labels)."""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..io import load_state_checked, restore_model
from ..models.blockwise import infer_rows
from ..models.finetune import SupervisedModel
from ..models.registry import create_model
from ..models.stacked import greedy_pretrain
from ..nn.shapes import as_shape
from ..training import TrainConfig, fit as fit_model
from ..training.device import resolve_device
from .base import ModelFolderMixin, fit_seed, recipe_input_shape
from ..data.scaling import PREPROCESSING, fit_affine

PRETRAINING = ("greedy", "joint", "none")


class PretrainedClassifier(ModelFolderMixin, ClassifierMixin, BaseEstimator):
    """Pretrain an autoencoder on X (plus any unlabeled data), then fine-tune its encoder with a head on y.

    Parameters
    ----------
    recipe : str, default="deep"
        Autoencoder recipe whose encoder becomes the feature extractor.
    latent_dim : int, default=32
    hidden_dims : tuple of int, optional
        Encoder widths (the recipe's default when None).
    recipe_options : dict, optional
        Further recipe options (``activation``, ``corruption``, ``regularisers``, ...).
    pretraining : {"greedy", "joint", "none"}, default="greedy"
        Greedy layer-wise then end-to-end autoencoder training, end-to-end only, or none (from scratch).
    layer_options : dict or list of dicts, optional
        Corruption/regularisers of each greedy layer (see :func:`aekit.greedy_pretrain`).
    pretrain_epochs, finetune_epochs : int
        Epochs of each pretraining stage, and of supervised fine-tuning.
    trainable : "all", "head" or int, default="all"
        What fine-tuning updates: everything, the head only, or the head plus the top n encoder layers.
    head_hidden_dims : tuple of int, default=()
        Hidden widths of the classification head (``()``: linear head).
    preprocessing : {"auto", "standard", "minmax", "center", "none"}, default="auto"
    batch_size, lr, finetune_lr, weight_decay, validation_split, early_stopping, device :
        Training options (``finetune_lr`` defaults to ``lr``); see :class:`aekit.TrainConfig`.
    random_state : int or None
    verbose : bool

    Attributes
    ----------
    classes_ : ndarray
    model_ : SupervisedModel
    autoencoder_ : AutoencoderModel
        The pretrained autoencoder (its encoder is shared with ``model_``).
    history_ : dict
        ``{"pretraining": [History, ...], "finetune": History}``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = PretrainedClassifier(hidden_dims=(64,), pretrain_epochs=3, finetune_epochs=5, random_state=0)
    >>> clf.fit(X[:200], y[:200], X_unlabeled=X[200:]).predict(X[:3]).shape
    (3,)
    """

    # Checked by scikit-learn at the start of ``fit`` (``InvalidParameterError``, naming the
    # parameter); the recipe name, recipe_options and layer_options keys, input_shape against X
    # and the device string are checked where they are used.
    _parameter_constraints: dict = {
        "recipe": [str],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "hidden_dims": ["array-like", None],
        "recipe_options": [dict, None],
        "input_shape": ["array-like", Interval(Integral, 1, None, closed="left"), None],
        "pretraining": [StrOptions(set(PRETRAINING))],
        "layer_options": [dict, list, tuple, None],
        "pretrain_epochs": [Interval(Integral, 1, None, closed="left")],
        "finetune_epochs": [Interval(Integral, 1, None, closed="left")],
        "trainable": [StrOptions({"all", "head"}), Interval(Integral, 0, None, closed="left")],
        "head_hidden_dims": ["array-like"],
        "preprocessing": [StrOptions(set(PREPROCESSING))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "finetune_lr": [Interval(Real, 0, None, closed="neither"), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        recipe: str = "deep",
        latent_dim: int = 32,
        *,
        hidden_dims: tuple[int, ...] | None = None,
        recipe_options: dict | None = None,
        input_shape: tuple[int, ...] | None = None,
        pretraining: str = "greedy",
        layer_options: Any = None,
        pretrain_epochs: int = 20,
        finetune_epochs: int = 100,
        trainable: str | int = "all",
        head_hidden_dims: tuple[int, ...] = (),
        preprocessing: str = "auto",
        batch_size: int = 128,
        lr: float = 1e-3,
        finetune_lr: float | None = None,
        weight_decay: float = 0.0,
        validation_split: float = 0.1,
        early_stopping: int | None = 10,
        device: str = "auto",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.recipe = recipe
        self.latent_dim = latent_dim
        self.hidden_dims = hidden_dims
        self.recipe_options = recipe_options
        self.input_shape = input_shape
        self.pretraining = pretraining
        self.layer_options = layer_options
        self.pretrain_epochs = pretrain_epochs
        self.finetune_epochs = finetune_epochs
        self.trainable = trainable
        self.head_hidden_dims = head_hidden_dims
        self.preprocessing = preprocessing
        self.batch_size = batch_size
        self.lr = lr
        self.finetune_lr = finetune_lr
        self.weight_decay = weight_decay
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _config(self, epochs: int, lr: float, seed: int) -> TrainConfig:
        return TrainConfig(
            # numpy numbers pass the constraints; TrainConfig wants Python ones
            epochs=int(epochs), batch_size=int(self.batch_size), lr=float(lr), weight_decay=float(self.weight_decay),
            validation_split=float(self.validation_split), seed=seed,
            early_stopping=None if self.early_stopping is None else int(self.early_stopping),
            device=self.device, progress=int(self.verbose),
        )

    def _to_model_space(self, X: np.ndarray) -> torch.Tensor:
        Xs = ((X - self.offset_) / self.scale_).astype(np.float32)
        return torch.from_numpy(Xs).reshape(len(Xs), *self.input_shape_)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_unlabeled=None) -> "PretrainedClassifier":
        """Pretrain on ``X`` and ``X_unlabeled`` (no labels needed), then fine-tune on ``(X, y)``."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has 1 class ({self.classes_[0]!r}); a classifier needs at least 2 classes")
        pool = X
        if X_unlabeled is not None:
            U = check_array(X_unlabeled, dtype=[np.float64, np.float32], input_name="X_unlabeled")
            if U.shape[1] != X.shape[1]:
                raise ValueError(f"X_unlabeled has {U.shape[1]} features but X has {X.shape[1]}")
            pool = np.concatenate([X, U.astype(X.dtype)])
        if self.input_shape is not None:
            shape = as_shape(self.input_shape)
            if math.prod(shape) != X.shape[1]:
                raise ValueError(f"input_shape {shape} holds {math.prod(shape)} values but X has {X.shape[1]} features")
        else:
            shape = recipe_input_shape(X.shape[1], self.recipe, (self.recipe_options or {}).get("architecture"))
        seed = fit_seed(self.random_state)
        pre_cfg = self._config(self.pretrain_epochs, self.lr, seed)
        fine_cfg = self._config(self.finetune_epochs, self.finetune_lr or self.lr, seed)

        torch.manual_seed(seed)
        options = {**(self.recipe_options or {}), "latent_dim": int(self.latent_dim)}
        if self.hidden_dims is not None:
            options["hidden_dims"] = list(self.hidden_dims)
        ae = create_model(self.recipe, shape, **options)
        self.offset_, self.scale_, self.preprocessing_ = fit_affine(
            pool.astype(np.float64), self.preprocessing, ae.likelihood.needs_unit_interval
        )
        self.input_shape_ = tuple(shape)
        pool_t = self._to_model_space(pool)
        self.history_ = {"pretraining": [], "finetune": None}
        if self.pretraining == "greedy":
            stacked = greedy_pretrain(ae, pool_t, pre_cfg, layer_options=self.layer_options, finetune=pre_cfg)
            self.history_["pretraining"] = [*stacked.layers, stacked.finetune]
        elif self.pretraining == "joint":
            self.history_["pretraining"] = [fit_model(ae, pool_t, pre_cfg)]
        trainable = self.trainable if isinstance(self.trainable, str) else int(self.trainable)
        model = SupervisedModel(ae, len(self.classes_), hidden_dims=tuple(self.head_hidden_dims), trainable=trainable)
        self.history_["finetune"] = fit_model(model, (self._to_model_space(X), y_idx.astype(np.int64)), fine_cfg)
        self.autoencoder_, self.model_ = ae, model.eval()
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        logits = infer_rows(self.model_, self._to_model_space(X), module=self.model_)  # fixed blocks of rows
        return torch.softmax(logits.double(), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample."""
        proba = self.predict_proba(X)  # first: raises NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(proba, axis=1)]

    def _describe(self) -> dict[str, str]:
        """What ``aekit info`` adds for a pretrained classifier (see :func:`aekit.estimators.base.describe`)."""
        return {"classes": ", ".join(map(str, getattr(self, "classes_", []))), "recipe": str(self.recipe)}

    # -- persistence (safetensors + JSON, like Autoencoder.save) ----------------------------------
    def _state(self):
        """What :meth:`save` writes: the pretrained autoencoder, the head, preprocessing and classes."""
        check_is_fitted(self, "model_")
        fitted = {
            "n_features_in_": int(self.n_features_in_),
            "input_shape_": list(self.input_shape_),
            "preprocessing_": self.preprocessing_,
            "classes_": self.classes_.tolist(),
        }
        config = {"fitted": fitted, "model": self.autoencoder_.spec}
        tensors = {f"autoencoder.{k}": v for k, v in self.autoencoder_.state_dict().items()}
        tensors.update({f"head.{k}": v for k, v in self.model_.head.state_dict().items()})
        tensors["preprocessing.offset"] = torch.from_numpy(self.offset_)
        tensors["preprocessing.scale"] = torch.from_numpy(self.scale_)
        return config, tensors, None

    @classmethod
    def _from_state(cls, config, tensors, history, path: str, device: str = "cpu") -> "PretrainedClassifier":
        """The classifier that :meth:`_state` described (see :class:`ModelFolderMixin`)."""
        est = cls(**config["params"])
        fitted = config["fitted"]
        ae = restore_model(config, {k[12:]: v for k, v in tensors.items() if k.startswith("autoencoder.")}, str(path))
        model = SupervisedModel(ae, len(fitted["classes_"]), hidden_dims=tuple(est.head_hidden_dims))
        load_state_checked(model.head, {k[5:]: v for k, v in tensors.items() if k.startswith("head.")}, str(path))
        dev = resolve_device(device)
        est.autoencoder_, est.model_ = ae.to(dev).eval(), model.to(dev).eval()
        est.classes_ = np.asarray(fitted["classes_"])
        est.n_features_in_ = fitted["n_features_in_"]
        est.input_shape_ = tuple(fitted["input_shape_"])
        est.preprocessing_ = fitted["preprocessing_"]
        est.offset_ = tensors["preprocessing.offset"].numpy()
        est.scale_ = tensors["preprocessing.scale"].numpy()
        return est
