"""Training word2vec with :func:`aekit.training.fit`: the data, the optimizer and the schedule.

Every epoch draws a fresh subsample of frequent words and fresh reduced windows (as word2vec.c
does on each pass), makes all examples at once, shuffles them, and takes one Adam step per batch
with K noise words per example. :class:`Word2VecExamples` is that data, a streaming source that
``fit`` asks for each epoch's batches; the model's loss reaches ``fit`` through
:class:`~aekit.text.fitting.LossWrapper`. The optimizer is SparseAdam for sparse embeddings (only
the rows of a batch are touched), Adam otherwise. The learning rate decays linearly to zero over
training, per step, as in word2vec.c: late steps refine rather than jolt the vectors (set by
:func:`~aekit.text.fitting.per_step_lr`; no ``TrainConfig`` scheduler decays linearly per step).

A NaN or infinite epoch loss raises :class:`aekit.training.TrainingDivergedError`, and the model
keeps its last finite weights.

Examples
--------
>>> import numpy as np
>>> from aekit.text.word2vec import Word2VecModel
>>> docs = [np.array([0, 1, 2, 0, 1, 2] * 5)]
>>> model = Word2VecModel(3, 8)
>>> losses = train_word2vec(model, docs, keep=np.ones(3), noise=np.ones(3) / 3, epochs=2)
>>> len(losses)
2
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from ..training import TrainConfig, fit
from ..training import make_optimizer as _make_optimizer
from ..training.batching import shard_order, take_rows
from .examples import EXAMPLES
from .fitting import LossWrapper, per_step_lr
from .sampling import subsample
from .word2vec import Word2VecModel


def train_config(model: torch.nn.Module, *, epochs: int = 5, batch_size: int = 1024, lr: float = 0.01,
                 seed: int | None = 0, device: torch.device | str = "cpu") -> TrainConfig:
    """How ``fit`` trains word2vec: every example, every epoch, no gradient clipping, the final weights."""
    return TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr,
        optimizer="sparseadam" if getattr(model, "sparse", False) else "adam",  # SparseAdam: only a batch's rows
        validation_split=0.0, early_stopping=None, restore_best=False, grad_clip=None, seed=seed, device=str(device),
        progress=False,
    )


def make_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    """The optimizer ``fit`` uses: SparseAdam for sparse embeddings, (fused) Adam otherwise."""
    return _make_optimizer(model, train_config(model, lr=lr))


class Word2VecExamples:
    """Word2vec's training data for ``fit``: each pass (epoch) subsamples the ``documents`` anew,
    draws new reduced windows, and gives the shuffled examples in batches of
    ``(inputs, targets, noise words)``.

    ``keep`` is each word's subsampling keep-probability and ``noise`` the noise distribution (see
    :mod:`aekit.text.sampling`). The draws come from ``seed`` alone (not from ``fit``'s shuffling
    generator), so a seed gives the same examples as the word2vec loop before it moved into ``fit``.
    """

    def __init__(self, documents: Sequence[np.ndarray], keep: np.ndarray, noise: np.ndarray, mode: str = "skipgram",
                 window: int = 5, negatives: int = 5, seed: int | None = 0) -> None:
        self.documents, self.keep, self.window, self.negatives = documents, keep, window, negatives
        self.make_examples = EXAMPLES[mode]
        self.noise = torch.as_tensor(noise, dtype=torch.float64)
        self.rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(int(self.rng.integers(2**31)))
        self.first_epoch_examples: int | None = None  # sets the length of the learning-rate schedule
        self.batch_size, self.device, self.rank, self.world = 1024, torch.device("cpu"), 0, 1

    def as_batch_sources(self, batch_size: int, generator: torch.Generator, validation_split: float,
                         device: torch.device, rank: int = 0, world: int = 1):
        """The training source (this object) and no validation source."""
        if validation_split:
            raise ValueError("word2vec holds out no examples; train with validation_split=0")
        self.batch_size, self.device, self.rank, self.world = batch_size, device, rank, world
        return self, None

    def steps_per_epoch(self) -> int:
        """Optimizer steps of the first epoch (later epochs' subsamples differ a little in length)."""
        if self.first_epoch_examples is None:
            raise RuntimeError("the number of steps is known once the first epoch's examples are drawn")
        return math.ceil(self.first_epoch_examples / self.batch_size)

    def batches(self, shuffle: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        # 1. this epoch's text: frequent words thinned out, then (input, target) examples
        inputs, targets = self.make_examples([subsample(d, self.keep, self.rng) for d in self.documents],
                                             self.window, self.rng)
        n = len(targets)
        if n == 0:
            raise ValueError("subsampling left no (word, context) pairs; give more text or a larger subsample")
        if self.first_epoch_examples is None:
            self.first_epoch_examples = n
        # 2. shuffle, and draw every example's K noise words from P_n in one call
        order = torch.randperm(n, generator=self.generator) if shuffle else torch.arange(n)
        noise_ids = torch.multinomial(self.noise, n * self.negatives, replacement=True, generator=self.generator)
        noise_ids = noise_ids.view(n, self.negatives)
        order = shard_order(order, self.rank, self.world, pad=shuffle)  # under DDP: this rank's share
        local = self.batch_size // self.world
        for start in range(0, len(order), local):
            idx = order[start : start + local]
            yield tuple(take_rows(t, idx).to(self.device) for t in (inputs, targets, noise_ids))


def train_word2vec(
    model: Word2VecModel,
    documents: Sequence[np.ndarray],
    keep: np.ndarray,
    noise: np.ndarray,
    *,
    window: int = 5,
    negatives: int = 5,
    epochs: int = 5,
    batch_size: int = 1024,
    lr: float = 0.01,
    seed: int | None = 0,
    device: torch.device | str = "cpu",
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train ``model`` on encoded ``documents`` with :func:`aekit.training.fit`; returns the mean
    loss of each epoch.

    ``keep`` is each word's subsampling keep-probability and ``noise`` the noise distribution
    (see :mod:`aekit.text.sampling`); ``on_epoch(epoch, loss)`` (epoch from 0) is called after
    each epoch. Raises :class:`aekit.training.TrainingDivergedError` when the loss becomes NaN or
    infinite (lower ``lr``).
    """
    data = Word2VecExamples(documents, keep, noise, model.mode, window, negatives, seed)
    config = train_config(model, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, device=device)
    callbacks = [] if on_epoch is None else [lambda epoch, record, _: on_epoch(epoch - 1, record["train_total"])]

    def linear(step: int) -> float:  # to (almost) zero over the epochs, sized by the first epoch
        return max(1.0 - step / (epochs * data.steps_per_epoch()), 1e-4)

    with per_step_lr(model, lr, linear):
        history = fit(LossWrapper(model), data, config, callbacks=callbacks)
    return history["train_total"]
