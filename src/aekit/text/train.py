"""The word2vec training loop: one screen, one comment per step.

Every epoch draws a fresh subsample of frequent words and fresh reduced windows (as word2vec.c
does on each pass), makes all examples at once, shuffles them, and takes one Adam step per batch
with K noise words per example. The learning rate decays linearly to zero over training, as in
word2vec.c: late steps refine rather than jolt the vectors.

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

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .examples import EXAMPLES
from .sampling import subsample
from .word2vec import Word2VecModel


def make_optimizer(model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
    """SparseAdam for sparse embeddings (only the rows of a batch are touched), Adam otherwise."""
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.SparseAdam(params, lr=lr) if getattr(model, "sparse", False) else torch.optim.Adam(params, lr=lr)


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
    """Train ``model`` on encoded ``documents``; returns the mean loss of each epoch.

    ``keep`` is each word's subsampling keep-probability and ``noise`` the noise distribution
    (see :mod:`aekit.text.sampling`); ``on_epoch(epoch, loss)`` is called after each epoch.
    """
    device = torch.device(device)
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(int(rng.integers(2**31)))
    model.to(device).train()
    optimizer = make_optimizer(model, lr)
    noise_t = torch.as_tensor(noise, dtype=torch.float64)
    make_examples = EXAMPLES[model.mode]
    losses: list[float] = []
    step, total_steps = 0, None
    for epoch in range(epochs):
        # 1. this epoch's text: frequent words thinned out, then (input, target) examples
        inputs, targets = make_examples([subsample(d, keep, rng) for d in documents], window, rng)
        n = len(targets)
        if n == 0:
            raise ValueError("subsampling left no (word, context) pairs; give more text or a larger subsample")
        if total_steps is None:  # the schedule's length, estimated from the first epoch
            total_steps = epochs * -(-n // batch_size)
        # 2. shuffle, and draw every example's K noise words from P_n in one call
        order = torch.randperm(n, generator=generator)
        noise_ids = torch.multinomial(noise_t, n * negatives, replacement=True, generator=generator).view(n, negatives)
        epoch_loss = torch.zeros((), dtype=torch.float64, device=device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            # 3. linear learning-rate decay to (almost) zero
            for group in optimizer.param_groups:
                group["lr"] = lr * max(1.0 - step / total_steps, 1e-4)
            # 4. loss, gradient, step
            loss = model.loss(inputs[idx].to(device), targets[idx].to(device), noise_ids[idx].to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.detach() * len(idx)  # summed on the device: no sync per step
            step += 1
        losses.append(float(epoch_loss) / n)
        if not np.isfinite(losses[-1]):
            raise FloatingPointError(f"the loss became {losses[-1]} in epoch {epoch + 1}; lower lr")
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    model.eval()
    return losses
