"""Saving text models: ``config.json`` + ``model.safetensors`` + ``vocab.json``, never pickle.

The folder is an ordinary aekit model folder (same format marker, same atomic write through
:func:`aekit._files.atomic_folder`, same refusal to overwrite without ``overwrite=True`` or to
replace a folder aekit did not write) with the vocabulary beside the weights as JSON.
``config.json`` holds ``{"text_model": {"kind": "word2vec" | "masked_token", "params": {...}, ...}}``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from .._version import __version__
from .._files import atomic_folder
from ..io import CONFIG_FILE, FORMAT, HISTORY_FILE, WEIGHTS_FILE, ModelFolderError, read_model_folder
from .vocab import Vocabulary

VOCAB_FILE = "vocab.json"


def save_text_model(
    path: str | os.PathLike,
    kind: str,
    info: dict[str, Any],
    tensors: dict[str, torch.Tensor],
    vocab: Vocabulary,
    *,
    history: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Atomically write a text-model folder; ``info`` is JSON stored under ``text_model``."""
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    config = {"format": FORMAT, "aekit_version": __version__, "text_model": {"kind": kind, **info}}
    with atomic_folder(path, overwrite=overwrite, marker=CONFIG_FILE, fmt=FORMAT, what="model") as tmp:
        save_file(tensors, str(tmp / WEIGHTS_FILE), metadata={"format": "pt"})
        (tmp / VOCAB_FILE).write_text(json.dumps(vocab.to_dict(), ensure_ascii=False), encoding="utf-8")
        (tmp / CONFIG_FILE).write_text(json.dumps(config, indent=2))
        if history is not None:
            (tmp / HISTORY_FILE).write_text(json.dumps(history, indent=1))
    return Path(path)


def load_text_model(
    path: str | os.PathLike, kind: str
) -> tuple[dict[str, Any], dict[str, torch.Tensor], Vocabulary, dict[str, Any] | None]:
    """Read a folder written by :func:`save_text_model` for a model of ``kind``:
    ``(info, tensors, vocabulary, history or None)``."""
    config, tensors, history = read_model_folder(path)
    info = config.get("text_model")
    if not isinstance(info, dict) or info.get("kind") != kind:
        found = f"a {info.get('kind')!r} text model" if isinstance(info, dict) else "no text model"
        raise ModelFolderError(f"{str(path)!r} holds {found}, not a saved {kind!r} model")
    vocab_file = Path(path) / VOCAB_FILE
    if not vocab_file.is_file():
        raise ModelFolderError(f"{str(path)!r} is not a complete text-model folder: {VOCAB_FILE} is missing")
    try:
        vocab = Vocabulary.from_dict(json.loads(vocab_file.read_text(encoding="utf-8")))
    except (ValueError, AttributeError) as err:
        raise ModelFolderError(f"{str(vocab_file)!r} is not a valid vocabulary: {err}") from None
    return info, tensors, vocab, history
