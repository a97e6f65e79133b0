"""word2vec with negative sampling: two embedding tables and a logistic loss.

Each word has an *input* vector (the embedding users keep) and an *output* vector. For an
example with hidden vector h (skip-gram: the centre's input vector; CBOW: the mean of the context
words' input vectors), a true target word o and K noise words n_k drawn from P_n:

    loss = -log sigmoid(u_o . h) - sum_k log sigmoid(-u_{n_k} . h)

(Mikolov et al. 2013b, eq. 4). Initialisation follows word2vec.c: input vectors uniform in
[-0.5/dim, 0.5/dim], output vectors zero.

Examples
--------
>>> import torch
>>> model = Word2VecModel(vocab_size=10, dim=4, mode="cbow")
>>> ctx = torch.tensor([[1, 2, -1, -1]])          # two context words, two pads
>>> round(model.loss(ctx, torch.tensor([3]), torch.tensor([[5, 6]])).item(), 4)  # 3 log 2: u = 0
2.0794
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MODES = ("skipgram", "cbow")


def negative_sampling_loss(hidden: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """Mean negative-sampling loss of a batch.

    Parameters
    ----------
    hidden : Tensor (B, D)
        Input-side vectors (skip-gram: centre word; CBOW: mean of the context).
    positive : Tensor (B, D)
        Output vectors of the true targets.
    negative : Tensor (B, K, D)
        Output vectors of the K noise words of each example.
    """
    positive_score = (hidden * positive).sum(-1)  # (B,)
    negative_score = torch.bmm(negative, hidden.unsqueeze(-1)).squeeze(-1)  # (B, K)
    # logsigmoid is computed stably for large |scores| (log(sigmoid(x)) would underflow to -inf).
    return -(F.logsigmoid(positive_score) + F.logsigmoid(-negative_score).sum(-1)).mean()


class Word2VecModel(nn.Module):
    """Input and output embedding tables of ``vocab_size`` x ``dim``.

    Parameters
    ----------
    vocab_size, dim : int
    mode : {"skipgram", "cbow"}
    sparse : bool, default=False
        Sparse gradients (only the rows of a batch), for ``torch.optim.SparseAdam``.
    """

    def __init__(self, vocab_size: int, dim: int, mode: str = "skipgram", sparse: bool = False) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.mode, self.sparse = mode, bool(sparse)
        self.input = nn.Embedding(vocab_size, dim, sparse=self.sparse)
        self.output = nn.Embedding(vocab_size, dim, sparse=self.sparse)
        nn.init.uniform_(self.input.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.output.weight)

    def hidden(self, inputs: torch.Tensor) -> torch.Tensor:
        """(B, D) input-side vectors: skip-gram ``inputs`` (B,) centre ids; CBOW ``inputs``
        (B, C) context ids padded with -1, averaged over the real ones."""
        if self.mode == "skipgram":
            return self.input(inputs)
        valid = inputs >= 0
        lengths = valid.sum(1)
        if bool((lengths == 0).any()):
            raise ValueError("every CBOW example needs at least one context word (ids >= 0)")
        # embedding_bag averages variable-length bags without touching padding rows, so the pads
        # neither receive gradient nor (with SparseAdam) moment updates.
        offsets = torch.cumsum(lengths, 0) - lengths
        return F.embedding_bag(inputs[valid], self.input.weight, offsets, mode="mean", sparse=self.sparse)

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
        """Negative-sampling loss; ``targets`` (B,) and ``negatives`` (B, K) are word ids."""
        return negative_sampling_loss(self.hidden(inputs), self.output(targets), self.output(negatives))
