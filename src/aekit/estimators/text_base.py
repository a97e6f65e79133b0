"""What the text estimators share: parameter constraints, the corpus, and word-vector queries."""

from __future__ import annotations

import abc
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..text import query
from ..text.corpus import read_documents, tokenize_documents
from ..text.persist import load_text_model
from ..text.vocab import Vocabulary
from ..training.device import resolve_device
from .base import ModelFolderMixin


class TextEstimator(ModelFolderMixin, BaseEstimator, abc.ABC):
    """Base of :class:`aekit.Word2Vec` and :class:`aekit.MaskedTokenModel` (not used directly).

    Subclasses set ``kind`` (the saved-folder tag), define ``_build(vocab)`` (an untrained
    module) and ``vectors`` (one row per vocabulary word).
    """

    kind = "base"

    # The parameters both subclasses take, in scikit-learn's format; each subclass extends this
    # dict with its own and validates at the start of ``fit`` (``_fit_context``).
    _parameter_constraints: dict = {
        "dim": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab": [Interval(Integral, 1, None, closed="left"), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        # "auto", "cpu", "cuda", "cuda:N", "mps": checked when fit resolves it (resolve_device).
        "device": [str],
        # Seeds torch and numpy generators (aekit.training.TrainConfig wants a non-negative int):
        # not a RandomState instance.
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    # -- input -------------------------------------------------------------------------------
    @staticmethod
    def _documents(corpus) -> list[list[str]]:
        """Tokenized documents of a corpus (path, "python-docs", or list of str)."""
        return tokenize_documents(read_documents(corpus))

    def _device(self) -> torch.device:
        return resolve_device(self.device)

    def _seed(self) -> int | None:
        """``random_state`` as a plain int (numpy integers pass the constraint), or None."""
        return None if self.random_state is None else int(self.random_state)

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
    def _state(self):
        """Weights (safetensors), and as JSON the vocabulary and the model's own state (save/load:
        :class:`~aekit.estimators.base.ModelFolderMixin`)."""
        check_is_fitted(self, "model_")
        fitted = {"vocabulary": self.vocabulary_.to_dict(), "state": self._state_json()}
        return {"fitted": fitted}, self.model_.state_dict(), {"loss_curve": self.loss_curve_}

    @classmethod
    def _from_state(cls, config, tensors, history, where: str, device: str = "cpu") -> "TextEstimator":
        vocab = Vocabulary.from_dict(config["fitted"]["vocabulary"])
        return cls._restored(config["params"], config["fitted"].get("state", {}), vocab, tensors, history, where)

    @classmethod
    def _load_legacy(cls, config, tensors, history, where: str, device: str = "cpu") -> "TextEstimator":
        """aekit 0.1's text folders: ``"text_model"`` in config.json and the vocabulary in vocab.json."""
        info, tensors, vocab, history = load_text_model(where, cls.kind)
        return cls._restored(info.get("params", {}), info.get("state", {}), vocab, tensors, history, where)

    @classmethod
    def _restored(cls, params, state, vocab, tensors, history, where: str) -> "TextEstimator":
        from ..io import load_state_checked

        est = cls(**params)
        est.vocabulary_ = vocab
        est.model_ = est._build(vocab)
        load_state_checked(est.model_, tensors, where)
        est.model_.eval()
        est.loss_curve_ = list((history or {}).get("loss_curve", []))
        est._load_state_json(state)
        return est

    def _state_json(self) -> dict[str, Any]:
        return {}

    def _load_state_json(self, state: dict[str, Any]) -> None:
        pass

    @abc.abstractmethod
    def _build(self, vocab: Vocabulary) -> torch.nn.Module:
        """The untrained network for ``vocab``."""
