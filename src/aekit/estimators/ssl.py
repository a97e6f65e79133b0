"""scikit-learn estimator for self-supervised pretraining: ``fit(X)`` trains a method's backbone on
unlabeled data, ``transform(X)`` returns the backbone's features."""

from __future__ import annotations

import copy
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from torch import nn
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, column_or_1d

from ..evaluation.probes import extract_features
from ..ssl.base import METHODS, create_method
from ..ssl.persist import UNSAVEABLE, backbone_from_config, load_backbone
from .base import ModelFolderMixin, infer_input_shape
from ..training import TrainConfig, fit as fit_model
from ..training.config import GUARD_RAIL
from ..training.history import History

_IMAGE_BACKBONES = ("conv", "resnet", "vit")


class SelfSupervised(ModelFolderMixin, TransformerMixin, BaseEstimator):
    """Pretrain a backbone with a self-supervised ``method``; ``transform`` gives its features.

    Parameters
    ----------
    method : str, default="simclr"
        A name from :func:`aekit.ssl.list_methods` ("rotation", "jigsaw", "simclr", "byol", "dino",
        "mae", "masked_features", "triplet", ...). "triplet" also uses the labels given to ``fit``;
        "multitask" trains several of them on one backbone (``method_options={"tasks": [...]}``).
    backbone : str or nn.Module, optional
        "mlp", "conv", "resnet", "vit" or a name given to :func:`aekit.register_backbone` (default:
        conv for images, mlp for vectors; vit for mae/jepa); or your own ``nn.Module`` that maps a
        batch to (batch, features), its width found by a dry forward. ``fit`` trains a copy of it
        (``backbone_``); such a model cannot be saved (register the module's constructor instead).
    backbone_options : dict, optional
        E.g. ``{"out_features": 128, "channels": [32, 64]}``.
    method_options : dict, optional
        The method's own options (``temperature``, ``mask_ratio``, ``head``, ``augment``, ...).
    input_shape : tuple of int, optional
        Shape of one sample, e.g. ``(1, 28, 28)`` for images given as flat rows. Inferred when None:
        X's trailing shape for arrays of rank > 2; a square grey image for image methods/backbones;
        else flat vectors.
    pool_grid : "auto", int or None, default="auto"
        What :meth:`transform` returns. None: the backbone's output vector (``out_features``). g:
        its last map average-pooled to g x g (channels * g * g features; a ViT's map is its
        tokens on the patch grid), the usual way to probe conv features. "auto": g = 3 for the
        image backbones (conv, resnet, vit; the map's side when smaller), the output vector for
        the others. On Fashion-MNIST validation data the 3 x 3 map beat the output vector in 7 of
        the 8 methods read both ways, not MoCo (docs/results/ssl_defaults.md); see
        :func:`aekit.evaluation.extract_features`.
    epochs, batch_size, lr, optimizer, weight_decay, scheduler, device :
        Training options, see :class:`aekit.TrainConfig` (no validation split: the pretext loss
        is the only signal and it is noisy, so ``scheduler`` is None, "cosine", "step" or
        "onecycle", not "plateau").
    random_state : int or None
    verbose : bool

    Attributes
    ----------
    model_ : SSLMethod (None after :meth:`load`: only the backbone is saved)
    backbone_ : nn.Module
    history_ : History
    input_shape_ : tuple of int
    n_features_in_ : int
    offset_, scale_ : ndarray or None
        Standardisation of tabular inputs (images are used as given, expected in [0, 1]).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X = load_digits().data / 16
    >>> ssl = SelfSupervised("rotation", input_shape=(1, 8, 8), epochs=2,
    ...                      backbone_options={"out_features": 16, "channels": [8]})
    >>> ssl.fit(X).transform(X).shape  # the 8-channel last map pooled to 3 x 3
    (1797, 72)
    >>> ssl.set_params(pool_grid=None).transform(X).shape  # the output vector
    (1797, 16)
    """

    # Checked by scikit-learn's parameter validation at the start of ``fit``. method, backbone and
    # optimizer are names in registries that plugins extend (or torch.optim's classes): only their
    # type is checked here, and an unknown name is reported with the known ones when it is looked up.
    _parameter_constraints: dict = {
        "method": [str],
        "backbone": [str, nn.Module, None],
        "backbone_options": [dict, None],
        "method_options": [dict, None],
        "input_shape": [tuple, None],
        "pool_grid": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [str],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "scheduler": [StrOptions({"cosine", "step", "onecycle"}), None],
        "device": [str],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],  # a torch seed
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        method: str = "simclr",
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        method_options: dict[str, Any] | None = None,
        input_shape: tuple[int, ...] | None = None,
        pool_grid: int | str | None = "auto",
        epochs: int = 20,
        batch_size: int = 128,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scheduler: str | None = None,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: bool = False,
    ) -> None:
        self.method = method
        self.backbone = backbone
        self.backbone_options = backbone_options
        self.method_options = method_options
        self.input_shape = input_shape
        self.pool_grid = pool_grid
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- shapes and preprocessing ------------------------------------------------------------
    def _infer_shape(self, X: np.ndarray) -> tuple[int, ...]:
        if self.input_shape is not None:
            return tuple(int(d) for d in self.input_shape)
        if X.ndim > 2:
            return tuple(X.shape[1:])
        image_method = getattr(METHODS[self.method], "needs_image", False) if self.method in METHODS else False
        return infer_input_shape(X.shape[1], image_method or self.backbone in _IMAGE_BACKBONES, f"method {self.method!r}")

    def _prepare(self, X, fitting: bool) -> np.ndarray:
        # scikit-learn's checks and messages (sparse, complex, empty, 1-D, NaN); images stay (n, C, H, W).
        X = check_array(X, dtype=np.float32, allow_nd=True, input_name="X")
        if fitting:
            self.input_shape_ = self._infer_shape(X)
            self.n_features_in_ = int(np.prod(X.shape[1:]))
        n = int(np.prod(X.shape[1:]))
        if n != self.n_features_in_:
            raise ValueError(f"X has {n} features, but {type(self).__name__} is expecting {self.n_features_in_} "
                             "features as input")
        X = X.reshape(len(X), *self.input_shape_)
        if fitting:
            tabular = len(self.input_shape_) == 1
            self.offset_ = X.mean(0) if tabular else None
            self.scale_ = np.where(X.std(0) > 0, X.std(0), 1.0).astype(np.float32) if tabular else None
        if self.offset_ is not None:
            X = (X - self.offset_) / self.scale_
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # features come out as float32, whatever X was
        return tags

    # -- scikit-learn API --------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None) -> "SelfSupervised":
        """Pretrain on ``X``.

        ``y`` is ignored by the self-supervised methods (that is the point). A method that can use
        class labels (``uses_labels``, e.g. ``"triplet"``) takes them from ``y`` when given: samples
        with the same label are then positives for each other.
        """
        X = self._prepare(X, fitting=True)
        labels = self._labels(y, len(X))
        options = dict(self.method_options or {})
        if isinstance(self.backbone, nn.Module):
            options["backbone"] = copy.deepcopy(self.backbone)  # the parameter stays as given; refits restart
        elif self.backbone is not None:
            options["backbone"] = self.backbone
        if self.backbone_options is not None:
            options["backbone_options"] = dict(self.backbone_options)
        if self.random_state is not None:
            torch.manual_seed(self.random_state)
        self.model_ = create_method(self.method, self.input_shape_, **options)
        config = TrainConfig(
            epochs=self.epochs, batch_size=min(self.batch_size, len(X)), lr=self.lr, optimizer=self.optimizer,
            weight_decay=self.weight_decay, scheduler=self.scheduler, validation_split=0.0, early_stopping=None, restore_best=False,
            # the guard rail stays on with Adam here: Barlow Twins' gradient norm passes 1000 in its
            # first steps on Fashion-MNIST, and the methods' defaults were chosen with it
            grad_clip=GUARD_RAIL,
            seed=self.random_state, device=self.device, progress=self.verbose,
        )
        self.history_ = fit_model(self.model_, X if labels is None else (X, labels), config)
        backbone = self.model_.readout_backbone
        if backbone is not self.model_.backbone:  # an EMA copy: frozen in training, a user may fine-tune it
            backbone = copy.deepcopy(backbone).requires_grad_(True)
        self.backbone_ = backbone.cpu().eval()
        return self

    def _labels(self, y, n_samples: int) -> np.ndarray | None:
        """``y`` as class indices (0..k-1, any label type) for a method that uses labels, else None."""
        if y is None or not getattr(METHODS[self.method], "uses_labels", False):
            return None
        y = column_or_1d(y, warn=True)
        check_consistent_length(np.empty(n_samples), y)
        return np.unique(y, return_inverse=True)[1].astype(np.int64)

    def transform(self, X) -> np.ndarray:
        """Backbone features: (n_samples, channels * g * g) read from the last map pooled to g x g
        (``pool_grid``; by default g = 3 for image backbones), or (n_samples, out_features), the
        output vector, with ``pool_grid=None`` and for backbones without a map."""
        check_is_fitted(self, "backbone_")
        return extract_features(self.backbone_, self._prepare(X, fitting=False), pool_grid=self.pool_grid)

    def _describe(self) -> dict[str, str]:
        """What ``aekit info`` adds for a pretrained backbone (see :func:`aekit.estimators.base.describe`)."""
        spec = getattr(self.backbone_, "spec", None) or {}
        return {"method": str(self.method), "backbone": str(spec.get("name", type(self.backbone_).__name__)),
                "features": str(getattr(self.backbone_, "out_features", "?"))}

    # -- persistence (save/load: ModelFolderMixin) --------------------------------------------
    def _state(self):
        """The backbone's spec and weights (what :func:`aekit.ssl.load_backbone` reads too), the
        method's spec, the input shape and the tabular standardisation."""
        check_is_fitted(self, "backbone_")
        if getattr(self.backbone_, "spec", None) is None:
            raise ValueError(UNSAVEABLE)
        prep = None if self.offset_ is None else {"offset": self.offset_.tolist(), "scale": self.scale_.tolist()}
        backbone = self.backbone_
        config = {"fitted": {"input_shape_": list(self.input_shape_), "preprocessing": prep},
                  "backbone": backbone.spec}
        if self.model_ is not None and getattr(self.model_, "spec", None):
            config["ssl_method"] = self.model_.spec
        return config, backbone.state_dict(), {"records": self.history_.records}

    @classmethod
    def _from_state(cls, config, tensors, history, where: str, device: str = "cpu") -> "SelfSupervised":
        fitted = config["fitted"]
        return cls._restored(config["params"], backbone_from_config(config, tensors, where).eval(),
                             fitted["input_shape_"], fitted.get("preprocessing"), (history or {}).get("records", []))

    @classmethod
    def _load_legacy(cls, config, tensors, history, where: str, device: str = "cpu") -> "SelfSupervised":
        """aekit 0.1 kept the settings as a dict under ``"estimator"``; a bare backbone or method folder
        (:func:`aekit.ssl.save_backbone`, :func:`aekit.ssl.save_method`) is wrapped with default settings."""
        backbone = load_backbone(where)
        info = config.get("estimator", {})
        return cls._restored(info.get("params", {}), backbone, info.get("input_shape", backbone.spec["input_shape"]),
                             info.get("preprocessing"), [])

    @classmethod
    def _restored(cls, params, backbone, input_shape, prep, records) -> "SelfSupervised":
        params = {k: tuple(v) if k == "input_shape" and v is not None else v for k, v in params.items()}
        est = cls(**params)
        est.model_ = None
        est.backbone_ = backbone
        est.input_shape_ = tuple(input_shape)
        est.n_features_in_ = int(np.prod(est.input_shape_))
        est.offset_ = None if prep is None else np.asarray(prep["offset"], dtype=np.float32)
        est.scale_ = None if prep is None else np.asarray(prep["scale"], dtype=np.float32)
        est.history_ = History(records=list(records))
        return est
