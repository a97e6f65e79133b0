"""What every aekit estimator shares: a registry of the estimator classes, one loader for every
kind of model folder (:func:`load`), and :func:`describe`, which ``aekit info`` prints
for any folder.

A model folder's ``config.json`` names what wrote it: ``"estimator"`` (a class name; a dict for
the SSL folders of aekit 0.1), ``"text_model"`` (word2vec and masked-token folders) or ``"model"``
(a bare :class:`aekit.AutoencoderModel` from :func:`aekit.save_model`).
"""

from __future__ import annotations

import inspect
import math
import os
from typing import Any

import json
from pathlib import Path

import torch
from sklearn.utils import check_random_state
from torch import nn

from ..io import ModelFolderError, read_model_folder, write_model_folder
from ..registry import Registry

#: The estimator classes by name, as ``config.json`` records them.
ESTIMATORS: Registry[type] = Registry("estimator", spec_hint="")

_TEXT_KINDS = {"word2vec": "Word2Vec", "masked_token": "MaskedTokenModel"}


def register_estimator(cls: type) -> type:
    """Class decorator: make ``cls`` loadable by :func:`load` from the folders it saves."""
    return ESTIMATORS.register(cls.__name__, cls)


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Estimator parameters as JSON; RandomState objects are not savable and say so."""
    out = {}
    for key, value in params.items():
        if isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "tolist") and hasattr(value, "dtype"):  # numpy arrays and scalars (feature_weights)
            value = value.tolist()
        try:
            json.dumps(value)
        except TypeError:
            raise TypeError(f"parameter {key}={value!r} cannot be saved as JSON; use plain numbers, strings, lists, dicts") from None
        out[key] = value
    return out


def fit_seed(random_state) -> int:
    """The one integer a fit seeds torch (initial weights) and its training (shuffling, noise)
    with, drawn from ``random_state`` as scikit-learn estimators do: None is a fresh draw, an int
    is reproducible, a ``RandomState`` advances."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def infer_input_shape(n_features: int, needs_image: bool, what: str) -> tuple[int, ...]:
    """The shape of one sample when X came flat: a vector, or a square grey image when the
    network needs images (``what`` names the recipe or method in the error)."""
    if not needs_image:
        return (n_features,)
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(f"{what} needs images but X has {n_features} features, not a square number; "
                         "pass input_shape=(channels, height, width)")
    return (1, side, side)


def recipe_input_shape(n_features: int, recipe: str, architecture: str | None = None) -> tuple[int, ...]:
    """:func:`infer_input_shape` for an autoencoder recipe: images for convolutional ones."""
    return infer_input_shape(n_features, "conv" in (recipe, architecture), f"recipe {recipe!r}")


def _model_folder(path: str | os.PathLike) -> str:
    folder = os.fspath(path)
    if os.path.isfile(os.path.join(folder, "model", "config.json")):  # a run folder: its model
        return os.path.join(folder, "model")
    return folder


class ModelFolderMixin:
    """``save``/``load`` for every estimator, in one layout.

    ``config.json`` holds ``"estimator"`` (the class name), ``"params"`` (``get_params()`` as
    JSON), ``"fitted"`` (learned scalars and shapes) and what the class adds; ``model.safetensors``
    holds every tensor; ``history.json`` the training history. A class writes two hooks:
    ``_state() -> (config, tensors, history)`` and the classmethod
    ``_from_state(config, tensors, history, where, device)``. Folders of an older layout of the same
    class go to ``_load_legacy`` (aekit 0.1's SSL and text folders), so they still load.
    """

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write a model folder (atomically; an existing folder only with ``overwrite=True``)."""
        config, tensors, history = self._state()
        config = {"estimator": type(self).__name__, "params": json_params(self.get_params()), **config}
        return write_model_folder(path, config, tensors, history=history, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike, device: str = "cpu"):
        """Load an estimator saved with :meth:`save` (or a run folder's model); nothing is unpickled."""
        folder = _model_folder(path)
        config, tensors, history = read_model_folder(folder)
        kind = folder_kind(config)
        if kind != cls.__name__:
            raise ModelFolderError(f"{str(path)!r} holds a {kind!r}, not a {cls.__name__}")
        if not isinstance(config.get("estimator"), str) or "params" not in config:
            return cls._load_legacy(config, tensors, history or {}, folder, device)
        return cls._from_state(config, tensors, history, folder, device)

    def _state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, Any] | None]:
        raise NotImplementedError  # abstract: every estimator defines it

    @classmethod
    def _from_state(cls, config, tensors, history, where: str, device: str):
        raise NotImplementedError  # abstract: every estimator defines it

    @classmethod
    def _load_legacy(cls, config, tensors, history, where: str, device: str):
        raise ModelFolderError(f"{where!r} was written by aekit {config.get('aekit_version', '?')} in a layout "
                               f"{cls.__name__} cannot read")


def folder_kind(config: dict[str, Any]) -> str:
    """The name of the estimator class that wrote a model folder (see the module docstring)."""
    estimator = config.get("estimator")
    if isinstance(estimator, str):
        return estimator
    if isinstance(estimator, dict) or "ssl_method" in config or "backbone" in config:
        return "SelfSupervised"  # aekit 0.1's SSL folders, and bare backbone or method folders
    if isinstance(config.get("text_model"), dict):
        kind = config["text_model"].get("kind")
        if kind in _TEXT_KINDS:
            return _TEXT_KINDS[kind]
    if "model" in config:
        return "AutoencoderModel"
    raise ModelFolderError("config.json names no estimator, text model or model: not a folder aekit can load")


def load(path: str | os.PathLike, device: str = "cpu") -> Any:
    """Load any aekit model folder (or run folder) with the class that saved it.

    Examples
    --------
    >>> import os, tempfile, numpy as np, aekit
    >>> folder = os.path.join(tempfile.mkdtemp(), "ae")
    >>> _ = aekit.Autoencoder(latent_dim=2, epochs=1).fit(np.random.rand(50, 4)).save(folder)
    >>> est = aekit.load(folder)  # or a run folder written by ``aekit train``
    >>> type(est).__name__
    'Autoencoder'
    """
    folder = _model_folder(path)
    config, _, _ = read_model_folder(folder)
    kind = folder_kind(config)
    if kind == "AutoencoderModel":
        from ..io import load_model

        return load_model(folder, device=device)
    loader = ESTIMATORS.get(kind).load
    return loader(folder, device=device) if "device" in inspect.signature(loader).parameters else loader(folder)


def _n_parameters(obj: Any) -> int:
    """Parameters of every module an estimator holds (its fitted attributes, and its members')."""
    seen: set[int] = set()
    total = 0
    stack = [v for k, v in vars(obj).items() if k.endswith("_")]
    while stack:
        value = stack.pop()
        if isinstance(value, nn.Module):
            for p in value.parameters():
                if id(p) not in seen:
                    seen.add(id(p))
                    total += p.numel()
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif hasattr(value, "get_params") and hasattr(value, "__dict__"):  # a member estimator
            stack.extend(v for k, v in vars(value).items() if k.endswith("_"))
    return total


def describe(obj: Any) -> dict[str, str]:
    """A few lines about a fitted estimator (or a bare model), for ``aekit info`` and reports: its
    kind, data shape, size and training, plus what its class adds in ``_describe()``.

    Examples
    --------
    >>> import numpy as np, aekit
    >>> est = aekit.Autoencoder(latent_dim=2, epochs=1).fit(np.random.rand(50, 4))
    >>> describe(est)["estimator"], describe(est)["latent dim"]
    ('Autoencoder', '2')
    """
    if isinstance(obj, nn.Module):
        spec = getattr(obj, "spec", None) or {}
        return {"model": type(obj).__name__, "recipe": str(spec.get("recipe")),
                "input": f"shape {tuple(spec.get('input_shape', ()))}",
                "parameters": f"{sum(p.numel() for p in obj.parameters()):,}"}
    info = {"estimator": type(obj).__name__}
    if hasattr(obj, "n_features_in_"):
        shape = getattr(obj, "input_shape_", None)
        info["input"] = f"{obj.n_features_in_} features" + (f", shape {tuple(shape)}" if shape else "")
    info.update(getattr(obj, "_describe", dict)())
    info["parameters"] = f"{_n_parameters(obj):,}"
    history = getattr(obj, "history_", None)
    if history is not None and len(getattr(history, "records", ())):
        last = history.records[-1]
        losses = ", ".join(f"{k}={v:.4g}" for k, v in last.items() if k.endswith("total"))
        best = f", best epoch {history.best_epoch}" if getattr(history, "best_epoch", None) else ""
        info["training"] = f"{len(history.records)} epochs{best}, {losses}"
    return info
