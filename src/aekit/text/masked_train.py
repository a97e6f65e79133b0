"""Training and evaluating the masked-token model on fixed-length chunks of text.

The token stream of all documents is cut into chunks of ``seq_len`` tokens (the last partial
chunk is dropped). Masks are drawn afresh for every batch of every epoch ("dynamic masking",
RoBERTa), so the model never sees the same corruption twice; evaluation uses one fixed seed so
that two models are scored on the same positions.

Examples
--------
>>> chunk_tokens([["a", "b", "c"], ["d", "e"]], seq_len=2)
[['a', 'b'], ['c', 'd']]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from .masked import IGNORE, MASK_ID, SPECIALS, MaskedTokenEncoder, mask_tokens


def chunk_tokens(documents: Sequence[Sequence[str]], seq_len: int) -> list[list[str]]:
    """Consecutive chunks of ``seq_len`` tokens of the concatenated documents."""
    stream = [t for doc in documents for t in doc]
    return [stream[i : i + seq_len] for i in range(0, len(stream) - seq_len + 1, seq_len)]


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
    """Train on ``chunks`` (N, seq_len) of token ids; returns the mean loss of each epoch."""
    device = torch.device(device)
    generator = torch.Generator().manual_seed(0 if seed is None else seed)
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    vocab_size = model.tokens.num_embeddings
    steps_per_epoch = -(-len(chunks) // batch_size)
    # Cosine decay over all steps: large steps while the loss falls fast, small ones at the end.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch)
    losses: list[float] = []
    for epoch in range(epochs):
        order = torch.randperm(len(chunks), generator=generator)
        total = torch.zeros((), dtype=torch.float64, device=device)
        for start in range(0, len(chunks), batch_size):
            # 1. a batch of chunks, corrupted with fresh masks
            ids = chunks[order[start : start + batch_size]].to(device)
            inputs, labels = mask_tokens(ids, vocab_size, mask_prob, generator=generator)
            # 2. loss at the chosen positions, gradient, step
            loss = model.loss(inputs, labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # guards the first steps of a transformer
            optimizer.step()
            schedule.step()
            total += loss.detach() * len(ids)
        losses.append(float(total) / len(chunks))
        if not np.isfinite(losses[-1]):
            raise FloatingPointError(f"the loss became {losses[-1]} in epoch {epoch + 1}; lower lr")
        if on_epoch is not None:
            on_epoch(epoch, losses[-1])
    model.eval()
    return losses


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
