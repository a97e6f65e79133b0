"""Reading the text-model folders of aekit 0.1: ``config.json`` + ``model.safetensors`` + ``vocab.json``.

``config.json`` held ``{"text_model": {"kind": "word2vec" | "masked_token", "params": {...}, ...}}``
and the vocabulary lay beside the weights in ``vocab.json``. Text estimators now save the layout
every estimator shares (:class:`aekit.estimators.base.ModelFolderMixin`, the vocabulary in
``config.json``); these folders still load, through :func:`load_text_model`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from ..io import ModelFolderError, read_model_folder
from .vocab import Vocabulary

VOCAB_FILE = "vocab.json"


def load_text_model(
    path: str | os.PathLike, kind: str
) -> tuple[dict[str, Any], dict[str, torch.Tensor], Vocabulary, dict[str, Any] | None]:
    """Read an aekit 0.1 text-model folder holding a model of ``kind``:
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
