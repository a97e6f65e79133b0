"""What the text estimators share: parameter checks, the corpus, and word-vector queries."""

from __future__ import annotations

import abc
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..text import query
from ..text.corpus import read_documents, tokenize_documents
from ..text.persist import load_text_model, save_text_model
from ..text.vocab import Vocabulary
from ..training.device import resolve_device


def check_number(value: Any, name: str, low: float, *, integer: bool = False, open_low: bool = False,
                 high: float | None = None) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a number in the allowed range."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    ok = ok and (value > low if open_low else value >= low) and (high is None or value <= high)
    if not ok:
        what = "an integer" if integer else "a number"
        bound = f"> {low}" if open_low else f">= {low}"
        upper = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be {what} {bound}{upper}, got {value!r}")


class TextEstimator(BaseEstimator, abc.ABC):
    """Base of :class:`aekit.Word2Vec` and :class:`aekit.MaskedTokenModel` (not used directly).

    Subclasses set ``kind`` (the saved-folder tag), define ``_build(vocab)`` (an untrained
    module) and ``vectors`` (one row per vocabulary word).
    """

    kind = "base"

    # -- input -------------------------------------------------------------------------------
    @staticmethod
    def _documents(corpus) -> list[list[str]]:
        """Tokenized documents of a corpus (path, "python-docs", or list of str)."""
        return tokenize_documents(read_documents(corpus))

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    # -- word-vector queries -----------------------------------------------------------------
    @property
    @abc.abstractmethod
    def vectors(self) -> np.ndarray:
        """One row per vocabulary word: the vectors the queries use."""

    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors have the highest cosine with ``word``'s, best first.

        Raises :class:`aekit.text.UnknownWordError` (a ``KeyError``) naming an unknown word.
        """
        check_is_fitted(self, "vocabulary_")
        return query.most_similar(self.vectors, self.vocabulary_, word, k)

    def analogy(self, a: str, b: str, c: str, k: int = 1) -> list[tuple[str, float]]:
        """Words nearest to ``a - b + c`` by cosine (e.g. "king", "man", "woman" -> "queen")."""
        check_is_fitted(self, "vocabulary_")
        return query.analogy(self.vectors, self.vocabulary_, a, b, c, k)

    def similarity(self, first: str, second: str) -> float:
        """Cosine similarity of two words' vectors."""
        check_is_fitted(self, "vocabulary_")
        return query.similarity(self.vectors, self.vocabulary_, first, second)

    def __getitem__(self, word: str) -> np.ndarray:
        """The vector of ``word``."""
        check_is_fitted(self, "vocabulary_")
        return self.vectors[self.vocabulary_.index(word)].copy()

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Save weights (safetensors), vocabulary and settings (JSON) to a new folder.

        An existing folder is replaced only with ``overwrite=True`` and only if aekit wrote it.
        """
        check_is_fitted(self, "model_")
        info = {"params": self.get_params(), "state": self._state_json()}
        return save_text_model(path, self.kind, info, self.model_.state_dict(), self.vocabulary_,
                               history={"loss_curve": self.loss_curve_}, overwrite=overwrite)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TextEstimator":
        """Load an estimator saved by :meth:`save` (weights exactly as saved, in eval mode)."""
        from ..io import load_state_checked

        info, tensors, vocab, history = load_text_model(path, cls.kind)
        est = cls(**info.get("params", {}))
        est.vocabulary_ = vocab
        est.model_ = est._build(vocab)
        load_state_checked(est.model_, tensors, str(path))
        est.model_.eval()
        est.loss_curve_ = list((history or {}).get("loss_curve", []))
        est._load_state_json(info.get("state", {}))
        return est

    def _state_json(self) -> dict[str, Any]:
        return {}

    def _load_state_json(self, state: dict[str, Any]) -> None:
        pass

    @abc.abstractmethod
    def _build(self, vocab: Vocabulary) -> torch.nn.Module:
        """The untrained network for ``vocab``."""
