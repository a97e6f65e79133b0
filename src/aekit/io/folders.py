"""Saving and loading models: a folder with ``config.json`` + ``model.safetensors``.

Loading never unpickles: the configuration is JSON, the weights are safetensors, and the model
is rebuilt from its recipe. Saving writes into a temporary folder beside the target and renames
it into place, so an interrupted save never leaves a half-written model, and an existing folder
is only replaced when ``overwrite=True`` and it is itself an aekit model folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .._version import __version__
from .._files import atomic_folder
from ..models.autoencoder import AutoencoderModel
from ..models.registry import create_model

FORMAT = "aekit-model"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
HISTORY_FILE = "history.json"


class ModelFolderError(ValueError):
    """A model folder is missing, incomplete or does not match its configuration."""


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # safetensors refuses views that share storage; detached contiguous copies are always safe.
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}


def write_model_folder(
    path: str | os.PathLike,
    config: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    *,
    history: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Atomically write a model folder. Low-level: most code calls :func:`save_model`."""
    with atomic_folder(path, overwrite=overwrite, marker=CONFIG_FILE, fmt=FORMAT, what="model") as tmp:
        save_file(_contiguous(tensors), str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        (tmp / CONFIG_FILE).write_text(json.dumps({"format": FORMAT, "aekit_version": __version__, **config}, indent=2))
        if history is not None:
            (tmp / HISTORY_FILE).write_text(json.dumps(history, indent=1))
    return Path(path)


def read_model_folder(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, torch.Tensor], dict[str, Any] | None]:
    """Read and check a model folder: ``(config, tensors, history or None)``."""
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(f"model folder {str(folder)!r} does not exist")
    if not folder.is_dir():
        raise ModelFolderError(f"{str(folder)!r} is a file; a model is a folder holding {CONFIG_FILE} and {WEIGHTS_FILE}")
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if not (folder / name).is_file():
            raise ModelFolderError(f"{str(folder)!r} is not a complete aekit model folder: {name} is missing")
    try:
        config = json.loads((folder / CONFIG_FILE).read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelFolderError(f"{str(folder / CONFIG_FILE)!r} is not valid JSON: {err}") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFolderError(f"{str(folder / CONFIG_FILE)!r} is not an aekit model configuration (format != {FORMAT!r})")
    try:
        tensors = load_file(str(folder / WEIGHTS_FILE))
    except (SafetensorError, OSError, ValueError) as err:
        raise ModelFolderError(f"{str(folder / WEIGHTS_FILE)!r} is not a valid safetensors file: {err}") from None
    history = None
    if (folder / HISTORY_FILE).is_file():
        try:
            history = json.loads((folder / HISTORY_FILE).read_text())
        except json.JSONDecodeError:
            history = None  # the history is informative only; a damaged one must not block loading
    return config, tensors, history


def load_state_checked(module: torch.nn.Module, tensors: dict[str, torch.Tensor], where: str) -> None:
    """``load_state_dict`` with a one-line error when weights and architecture disagree."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    mismatched = [k for k in expected if k in tensors and tensors[k].shape != expected[k].shape]
    if missing or unexpected or mismatched:
        detail = "; ".join(
            f"{label}: {keys[:3]}{'...' if len(keys) > 3 else ''}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", mismatched))
            if keys
        )
        raise ModelFolderError(f"weights in {where!r} do not match the model its config describes ({detail})")
    module.load_state_dict(tensors)


def model_config(model: AutoencoderModel) -> dict[str, Any]:
    """The JSON that rebuilds ``model`` (it must come from :func:`create_model`)."""
    if getattr(model, "spec", None) is None:
        raise ValueError(
            "this model was built by hand, so it cannot be rebuilt from JSON; build it with "
            "aekit.create_model(recipe, ...) or register a recipe for it, or save model.state_dict() "
            "with safetensors yourself"
        )
    return {"model": model.spec}


def save_model(
    model: AutoencoderModel, path: str | os.PathLike, *, history: dict[str, Any] | None = None, overwrite: bool = False
) -> Path:
    """Save a model made by :func:`aekit.create_model` to a folder.

    Examples
    --------
    >>> import os, tempfile
    >>> model = create_model("deep", (64,), latent_dim=4)
    >>> folder = save_model(model, os.path.join(tempfile.mkdtemp(), "m"))
    >>> sorted(p.name for p in folder.iterdir())
    ['config.json', 'model.safetensors']
    """
    return write_model_folder(path, model_config(model), model.state_dict(), history=history, overwrite=overwrite)


def build_from_config(config: dict[str, Any], where: str) -> AutoencoderModel:
    spec = config.get("model")
    if not isinstance(spec, dict) or not {"recipe", "input_shape", "options"} <= set(spec):
        raise ModelFolderError(f"{where!r}: config.json has no valid 'model' entry (recipe, input_shape, options)")
    try:
        return create_model(spec["recipe"], spec["input_shape"], **spec["options"])
    except (TypeError, ValueError) as err:
        raise ModelFolderError(f"{where!r}: the saved model configuration cannot be rebuilt: {err}") from None


def restore_model(config: dict[str, Any], tensors: dict[str, torch.Tensor], where: str) -> AutoencoderModel:
    """The model ``config`` describes, with ``tensors`` as its weights. When they do not fit and the
    folder predates specs that record the recipe's defaults, the error names the options it lacks."""
    model = build_from_config(config, where)
    try:
        load_state_checked(model, tensors, where)
    except ModelFolderError as err:
        raise explain_unrecorded(err, config["model"]["options"], model.spec["options"], "recipe's",
                                 "aekit.create_model") from None
    return model


def explain_unrecorded(err: ModelFolderError, saved: dict[str, Any], rebuilt: dict[str, Any], whose: str,
                       builder: str, ignore: tuple[str, ...] = ()) -> ModelFolderError:
    """``err`` (weights that do not fit the rebuilt network), plus the options a folder saved before
    specs recorded defaults does not hold, with today's values: the likely cause."""
    unrecorded = {k: v for k, v in rebuilt.items() if k not in saved and k not in ignore}
    if not unrecorded:
        return err
    return ModelFolderError(
        f"{err}. This folder does not record the {whose} options {sorted(unrecorded)}; a default may have changed "
        f"since it was saved (now {unrecorded}): rebuild it with the options it was trained with ({builder}) and "
        "load model.safetensors into it"
    )


def load_model(path: str | os.PathLike, device: str | torch.device = "cpu") -> AutoencoderModel:
    """Load a model saved by :func:`save_model`; it is returned in eval mode.

    Examples
    --------
    >>> import os, tempfile
    >>> folder = save_model(create_model("deep", (64,), latent_dim=4), os.path.join(tempfile.mkdtemp(), "m"))
    >>> load_model(folder).latent_dim
    4
    """
    config, tensors, _ = read_model_folder(path)
    return restore_model(config, tensors, str(path)).to(device).eval()
