"""Training and evaluating the masked-token model on fixed-length chunks of text.

The token stream of all documents is cut into chunks of ``seq_len`` tokens (the last partial
chunk is dropped). Masks are drawn afresh for every batch of every epoch ("dynamic masking",
RoBERTa), so the model never sees the same corruption twice; evaluation uses one fixed seed so
that two models are scored on the same positions.

Training runs in :func:`aekit.training.fit`: :class:`MaskedChunks` is the data (shuffled chunks,
masked as they are batched), the model's loss reaches ``fit`` through
:class:`~aekit.text.fitting.LossWrapper`, and the optimizer is AdamW with gradients clipped to
norm 1. The learning rate anneals by a cosine per step, to zero at the last step (set by
:func:`~aekit.text.fitting.per_step_lr`; ``TrainConfig``'s "cosine" steps once per epoch). A NaN or
infinite epoch loss raises :class:`aekit.training.TrainingDivergedError`.

Examples
--------
>>> chunk_tokens([["a", "b", "c"], ["d", "e"]], seq_len=2)
[['a', 'b'], ['c', 'd']]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from ..training import TrainConfig, fit
from ..training.batching import shard_order, take_rows
from .fitting import LossWrapper, per_step_lr
from .masked import IGNORE, MASK_ID, SPECIALS, MaskedTokenEncoder, mask_tokens


def chunk_tokens(documents: Sequence[Sequence[str]], seq_len: int) -> list[list[str]]:
    """Consecutive chunks of ``seq_len`` tokens of the concatenated documents."""
    stream = [t for doc in documents for t in doc]
    return [stream[i : i + seq_len] for i in range(0, len(stream) - seq_len + 1, seq_len)]


class MaskedChunks:
    """Masked-token training data for ``fit``: each epoch, the ``chunks`` (N, seq_len) of token ids
    in a new order, in batches of ``(inputs, labels)`` with fresh BERT masks (:func:`mask_tokens`).

    Shuffling and masks are drawn from ``fit``'s generator (seeded by ``TrainConfig.seed``), so a
    checkpoint resumes with the same stream.
    """

    def __init__(self, chunks: torch.Tensor, vocab_size: int, mask_prob: float = 0.15) -> None:
        self.chunks, self.vocab_size, self.mask_prob = chunks, vocab_size, mask_prob
        self.batch_size, self.generator, self.device, self.rank, self.world = 64, torch.Generator(), None, 0, 1

    def __len__(self) -> int:
        return len(self.chunks)

    def as_batch_sources(self, batch_size: int, generator: torch.Generator, validation_split: float,
                         device: torch.device, rank: int = 0, world: int = 1):
        """The training source (this object) and no validation source (the estimator holds out chunks)."""
        if validation_split:
            raise ValueError("MaskedChunks holds out no chunks; train with validation_split=0")
        self.batch_size, self.generator, self.device, self.rank, self.world = batch_size, generator, device, rank, world
        return self, None

    def batches(self, shuffle: bool = True) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.chunks)
        order = torch.randperm(n, generator=self.generator) if shuffle else torch.arange(n)
        order = shard_order(order, self.rank, self.world, pad=shuffle)  # under DDP: this rank's share
        local = self.batch_size // self.world
        for start in range(0, len(order), local):
            # a batch of chunks, corrupted with fresh masks
            ids = take_rows(self.chunks, order[start : start + local]).to(self.device)
            yield mask_tokens(ids, self.vocab_size, self.mask_prob, generator=self.generator)


def train_masked(
    model: MaskedTokenEncoder,
    chunks: torch.Tensor,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-3,
    weight_decay: float = 0.01,
    mask_prob: float = 0.15,
    seed: int | None = 0,
    device: torch.device | str = "cpu",
    on_epoch: Callable[[int, float], None] | None = None,
) -> list[float]:
    """Train on ``chunks`` (N, seq_len) of token ids with :func:`aekit.training.fit`; returns the
    mean loss of each epoch. ``on_epoch(epoch, loss)`` (epoch from 0) is called after each epoch.
    Raises :class:`aekit.training.TrainingDivergedError` when the loss becomes NaN or infinite."""
    data = MaskedChunks(chunks, model.tokens.num_embeddings, mask_prob)
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, optimizer="adamw", weight_decay=weight_decay,
        grad_clip=1.0,  # guards the first steps of a transformer
        validation_split=0.0, early_stopping=None, restore_best=False, seed=seed, device=str(device), progress=False,
    )
    callbacks = [] if on_epoch is None else [lambda epoch, record, _: on_epoch(epoch - 1, record["train_total"])]
    total_steps = epochs * math.ceil(len(chunks) / batch_size)

    def cosine(step: int) -> float:  # large steps while the loss falls fast, small ones at the end
        return 0.5 * (1.0 + math.cos(math.pi * step / total_steps))

    with per_step_lr(model, lr, cosine):
        history = fit(LossWrapper(model), data, config, callbacks=callbacks)
    return history["train_total"]


@torch.no_grad()
def evaluate_masked(
    model: MaskedTokenEncoder,
    chunks: torch.Tensor,
    train_counts: np.ndarray,
    *,
    mask_prob: float = 0.15,
    seed: int = 1234,
    batch_size: int = 256,
    n_specials: int = len(SPECIALS),
    repeats: int = 1,
) -> dict[str, float]:
    """Masked-token accuracy and cross-entropy on ``chunks``, with the unigram baseline.

    The baseline knows only word frequencies in the training text (``train_counts``, one per id):
    it always predicts the most frequent word (accuracy) and scores each word by its add-one
    smoothed training frequency (cross-entropy). ``mask_accuracy`` counts only the positions
    replaced by ``[MASK]``, where the input gives no hint of the answer. ``repeats`` passes over
    ``chunks`` with different masks give more predictions (less noise) from little text.
    """
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    counts = torch.as_tensor(train_counts, dtype=torch.float64)
    smoothed = counts + 1.0
    smoothed[:n_specials] = 0.0  # special tokens are never targets
    log_unigram = torch.log(smoothed / smoothed.sum())
    top_word = int(torch.argmax(counts))
    hits = mask_hits = n_mask = 0
    base_hits, ce, base_ce, n = 0, 0.0, 0.0, 0
    batches = [chunks[s : s + batch_size] for s in range(0, len(chunks), batch_size)]
    for ids in batches * repeats:  # the generator moves on: each repeat draws new masks
        inputs, labels = mask_tokens(ids, model.tokens.num_embeddings, mask_prob, n_specials, generator=generator)
        chosen = labels != IGNORE
        target = labels[chosen]
        logits = model.logits(inputs.to(device))[chosen.to(device)].cpu().double()
        correct = logits.argmax(-1) == target
        masked = inputs[chosen] == MASK_ID
        hits += int(correct.sum())
        mask_hits += int(correct[masked].sum())
        n_mask += int(masked.sum())
        base_hits += int((target == top_word).sum())
        ce += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
        base_ce -= float(log_unigram[target].sum())
        n += len(target)
    if n == 0:
        raise ValueError("no position was chosen for prediction; give more held-out text")
    return {
        "accuracy": hits / n,
        "mask_accuracy": mask_hits / max(n_mask, 1),
        "baseline_accuracy": base_hits / n,
        "cross_entropy": ce / n,
        "baseline_cross_entropy": base_ce / n,
        "n_predictions": n,
    }
