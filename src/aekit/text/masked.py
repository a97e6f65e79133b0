"""Masked-token prediction (BERT, Devlin et al. 2019, section 3.1) with a small encoder.

Of the eligible positions (real words, not special tokens), each is *chosen* with probability
``p`` (0.15); a chosen position's input becomes ``[MASK]`` with probability 0.8, a random word
with 0.1, and stays unchanged with 0.1. The model predicts the original word at the chosen
positions only; the loss is their mean cross-entropy. Keeping or randomising some chosen words
means the encoder cannot learn that only ``[MASK]`` positions matter, so it must represent every
word from its context.

The encoder is a pre-norm ``nn.TransformerEncoder`` with learned positions, or a bidirectional
GRU; the output layer is tied to the token embeddings (as in BERT), so the table users query as
word vectors is trained from both ends.

Examples
--------
>>> import torch
>>> model = MaskedTokenEncoder(vocab_size=20, seq_len=8, dim=16, depth=1, heads=2)
>>> ids = torch.randint(3, 20, (4, 8))
>>> inputs, labels = mask_tokens(ids, vocab_size=20, generator=torch.Generator().manual_seed(0))
>>> model.logits(inputs).shape
torch.Size([4, 8, 20])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PAD, UNK, MASK = "[PAD]", "[UNK]", "[MASK]"
SPECIALS = (PAD, UNK, MASK)  # ids 0, 1, 2: never chosen, never drawn as random replacements
MASK_ID = SPECIALS.index(MASK)
IGNORE = -100  # label of positions that are not predicted (F.cross_entropy's ignore_index)
ENCODERS = ("transformer", "gru")


def mask_tokens(
    ids: torch.Tensor,
    vocab_size: int,
    p: float = 0.15,
    n_specials: int = len(SPECIALS),
    mask_id: int = MASK_ID,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's corruption: returns ``(inputs, labels)``, labels ``IGNORE`` where not chosen.

    Parameters
    ----------
    ids : LongTensor (B, L)
        Token ids; ids below ``n_specials`` are special and never chosen.
    vocab_size : int
        Random replacements are drawn uniformly from the words ``n_specials .. vocab_size - 1``.
    p : float
        Probability that an eligible position is chosen.
    """
    # Draw on the CPU generator, then move: the same seed gives the same masks on every device.
    shape = ids.shape
    chosen_u, kind_u = (torch.rand(shape, generator=generator) for _ in range(2))
    random_words = torch.randint(n_specials, vocab_size, shape, generator=generator)
    chosen_u, kind_u, random_words = (t.to(ids.device) for t in (chosen_u, kind_u, random_words))
    chosen = (chosen_u < p) & (ids >= n_specials)
    labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
    inputs = torch.where(chosen & (kind_u < 0.8), torch.full_like(ids, mask_id), ids)
    inputs = torch.where(chosen & (kind_u >= 0.8) & (kind_u < 0.9), random_words, inputs)
    return inputs, labels


class MaskedTokenEncoder(nn.Module):
    """Token embeddings -> encoder -> tied output layer, for sequences of up to ``seq_len`` tokens.

    Parameters
    ----------
    vocab_size, seq_len : int
    dim : int, default=64
        Embedding and hidden size.
    depth : int, default=2
        Transformer layers or GRU layers.
    heads : int, default=4
        Attention heads (transformer only; must divide ``dim``).
    encoder : {"transformer", "gru"}
    dropout : float, default=0.1
    """

    def __init__(self, vocab_size: int, seq_len: int, dim: int = 64, depth: int = 2, heads: int = 4,
                 encoder: str = "transformer", dropout: float = 0.1) -> None:
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, got {encoder!r}")
        if encoder == "transformer" and dim % heads:
            raise ValueError(f"dim ({dim}) must be divisible by heads ({heads})")
        if encoder == "gru" and dim % 2:
            raise ValueError(f"dim must be even for the bidirectional GRU (dim/2 per direction), got {dim}")
        self.kind, self.seq_len = encoder, seq_len
        self.tokens = nn.Embedding(vocab_size, dim)
        # Unit-scale rows (std dim**-0.5), not BERT's 0.02: with the tied output layer this makes
        # "predict the word shown" expressible from the first step, and on a small corpus the
        # model leaves the unigram plateau several times sooner (measured on the built-in corpus).
        nn.init.normal_(self.tokens.weight, std=dim**-0.5)
        if encoder == "transformer":
            self.positions = nn.Parameter(torch.randn(1, seq_len, dim) * 0.02)
            layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout, activation="gelu", batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        else:  # the recurrence knows the order: no position table
            self.encoder = nn.GRU(dim, dim // 2, num_layers=depth, batch_first=True, bidirectional=True,
                                  dropout=dropout if depth > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dim)
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Contextual vectors (B, L, dim) of token ids (B, L)."""
        if ids.shape[1] > self.seq_len:
            raise ValueError(f"sequences may have at most seq_len={self.seq_len} tokens, got {ids.shape[1]}")
        x = self.tokens(ids)
        if self.kind == "transformer":
            x = self.encoder(self.dropout(x + self.positions[:, : ids.shape[1]]))
        else:  # a residual around the GRU, as the transformer has: the word itself stays visible
            x = x + self.encoder(self.dropout(x))[0]
        return self.norm(x)

    def logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Scores (B, L, vocab_size) of every word at every position (output tied to the embeddings)."""
        return self(ids) @ self.tokens.weight.T + self.bias

    def loss(self, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy at the chosen positions (labels != IGNORE); 0 when none is chosen."""
        chosen = labels != IGNORE
        if not bool(chosen.any()):  # a short batch may have no chosen position; its loss is 0, not NaN
            return self.bias.sum() * 0.0
        hidden = self(inputs)[chosen]  # (n_chosen, dim): score only the chosen positions
        return F.cross_entropy(hidden @ self.tokens.weight.T + self.bias, labels[chosen])
