"""Saving what users keep: the backbone (or the whole method) as safetensors + JSON, never pickle.

A backbone folder's ``config.json`` holds ``{"backbone": {"name", "input_shape", "options"}}``; a
method folder's holds ``{"ssl_method": {"method", "input_shape", "options"}}``. Both are written
atomically by :func:`aekit.io.write_model_folder`.

Examples
--------
>>> from aekit.ssl import create_method
>>> m = create_method("rotation", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp()) / "backbone"
>>> _ = save_backbone(m, folder)
>>> load_backbone(folder)(torch.zeros(1, 1, 8, 8)).shape
torch.Size([1, 16])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..io import (
    ModelFolderError,
    explain_unrecorded,
    load_state_checked,
    read_model_folder,
    write_model_folder,
)
from .backbones import make_backbone
from .base import METHODS, SSLMethod, create_method

UNSAVEABLE = ("this backbone was given as an nn.Module instance (not built by name by aekit.ssl.make_backbone), so "
              "it cannot be rebuilt from JSON: register its constructor with aekit.register_backbone(name) and pass "
              "the name, or save its state_dict yourself")


def _backbone_of(model: nn.Module) -> nn.Module:
    backbone = model.readout_backbone if isinstance(model, SSLMethod) else model
    if getattr(backbone, "spec", None) is None:
        raise ValueError(UNSAVEABLE)
    return backbone


def save_backbone(
    model: nn.Module,
    path: str | os.PathLike,
    *,
    history: dict[str, Any] | None = None,
    overwrite: bool = False,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save the backbone of ``model`` (an SSL method or a backbone from :func:`make_backbone`);
    ``extra`` is further JSON stored in ``config.json`` (the estimator keeps its settings there)."""
    backbone = _backbone_of(model)
    config: dict[str, Any] = {"backbone": backbone.spec}
    if isinstance(model, SSLMethod) and model.spec:
        config["ssl_method"] = model.spec
    config.update(extra or {})
    return write_model_folder(path, config, backbone.state_dict(), history=history, overwrite=overwrite)


def load_backbone(path: str | os.PathLike, device: str | torch.device = "cpu") -> nn.Module:
    """Load a backbone saved by :func:`save_backbone` (or the backbone of a saved method), in eval mode."""
    config, tensors, _ = read_model_folder(path)
    if "backbone" not in config:
        if "ssl_method" in config:
            return load_method(path, device).readout_backbone
        raise ModelFolderError(f"{str(path)!r} holds no backbone (config.json has no 'backbone' entry)")
    return backbone_from_config(config, tensors, str(path)).to(device).eval()


def backbone_from_config(config: dict[str, Any], tensors: dict[str, torch.Tensor], where: str) -> nn.Module:
    """The backbone that ``config["backbone"]`` describes, with ``tensors`` as its weights."""
    spec = config["backbone"]
    try:
        backbone = make_backbone(spec["input_shape"], spec["name"], spec["options"])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFolderError(f"{where!r}: the saved backbone cannot be rebuilt: {err}") from None
    load_state_checked(backbone, tensors, where)
    return backbone


def save_method(
    model: SSLMethod, path: str | os.PathLike, *, history: dict[str, Any] | None = None, overwrite: bool = False
) -> Path:
    """Save a whole method (backbone, heads, targets) made by :func:`create_method`."""
    if getattr(model, "spec", None) is None:
        raise ValueError("only methods built by aekit.ssl.create_method with a backbone given by name can be saved "
                         "and rebuilt (see aekit.register_backbone)")
    return write_model_folder(path, {"ssl_method": model.spec}, model.state_dict(), history=history, overwrite=overwrite)


def load_method(path: str | os.PathLike, device: str | torch.device = "cpu") -> SSLMethod:
    """Load a method saved by :func:`save_method`, in eval mode."""
    config, tensors, _ = read_model_folder(path)
    spec = config.get("ssl_method")
    if not isinstance(spec, dict) or "backbone" in config:
        raise ModelFolderError(f"{str(path)!r} holds no saved SSL method (use load_backbone for a backbone folder)")
    try:
        options = {**METHODS.get(spec["method"]).unrecorded_options, **spec["options"]}
        model = create_method(spec["method"], spec["input_shape"], **options)
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFolderError(f"{str(path)!r}: the saved method cannot be rebuilt: {err}") from None
    try:
        load_state_checked(model, tensors, str(path))
    except ModelFolderError as err:
        raise explain_unrecorded(err, spec["options"], model.spec["options"], "method's", "create_method",
                                 ignore=("backbone", "backbone_options")) from None
    return model.to(device).eval()
