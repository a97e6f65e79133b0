"""What the text models need to train with :func:`aekit.training.fit`, the one training loop.

- :class:`LossWrapper`: the text models' ``loss`` returns a scalar tensor; ``fit`` wants a
  :class:`~aekit.models.autoencoder.LossOutput`. The wrapper is only used during training: the
  estimators save the wrapped model itself, so saved folders keep their weight names.
- :func:`per_step_lr`: ``TrainConfig`` schedulers step once per epoch (or warm up first, as
  "onecycle" does), but word2vec decays the learning rate linearly per *step* and the masked-token
  model anneals it by a cosine per step. This context manager sets the learning rate of the
  optimizer that ``fit`` builds for a model before each of its steps (a global optimizer step
  pre-hook that acts only on the optimizer holding that model's parameters), so the schedule stays
  exactly what the text models always had, even with ``epochs=1``.

The data are streaming sources (anything with ``as_batch_sources``, see
:func:`aekit.training.batching.make_sources`): :class:`aekit.text.train.Word2VecExamples` and
:class:`aekit.text.masked_train.MaskedChunks` draw new examples, noise words and masks every epoch.

Examples
--------
>>> import torch
>>> from aekit.text.word2vec import Word2VecModel
>>> out = LossWrapper(Word2VecModel(5, 4)).loss(torch.tensor([1]), torch.tensor([2]), torch.tensor([[3]]))
>>> sorted(out.parts), round(out.total.item(), 4)  # 2 log 2: the output vectors start at zero
(['total'], 1.3863)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_pre_hook

from ..models.autoencoder import LossOutput


class LossWrapper(nn.Module):
    """``model.loss(*batch)`` (a scalar tensor) as the ``LossOutput`` that ``fit`` trains on."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def loss(self, *batch: torch.Tensor) -> LossOutput:
        total = self.model.loss(*batch)
        return LossOutput(total, {"total": total})


@contextlib.contextmanager
def per_step_lr(model: nn.Module, lr: float, factor: Callable[[int], float]) -> Iterator[None]:
    """While open, step ``t`` (0, 1, ...) of the optimizer of ``model``'s parameters runs at
    ``lr * factor(t)``; other optimizers are left alone. The hook is removed on exit."""
    ours = {id(p) for p in model.parameters()}
    step = 0

    def set_lr(optimizer: torch.optim.Optimizer, args, kwargs) -> None:
        nonlocal step
        if not any(id(p) in ours for group in optimizer.param_groups for p in group["params"][:1]):
            return
        for group in optimizer.param_groups:
            group["lr"] = lr * factor(step)
        step += 1

    handle = register_optimizer_step_pre_hook(set_lr)
    try:
        yield
    finally:
        handle.remove()
