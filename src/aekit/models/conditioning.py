"""Conditioning an autoencoder on a label (conditional VAE, Sohn et al. 2015).

The condition ``c`` (a one-hot label, or any vector of ``n_conditions`` numbers) is joined to the
encoder input and to the decoder input, so q(z | x, c) and p(x | z, c). Vectors and MLP encoders
get ``[x.flatten(), c]``; convolutional encoders get ``c`` as extra constant channels, which keeps
the image layout the convolutions rely on.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

CONDITION_MODES = ("features", "channels")


def as_condition(condition, n_conditions: int, batch_size: int, like: torch.Tensor) -> torch.Tensor:
    """Class labels (B,) or vectors (B, n_conditions) -> float tensor (B, n_conditions).

    Examples
    --------
    >>> as_condition(torch.tensor([0, 2]), 3, 2, torch.zeros(1))
    tensor([[1., 0., 0.],
            [0., 0., 1.]])
    """
    c = torch.as_tensor(condition, device=like.device)
    if c.dim() == 2 and c.shape[1] == 1 and n_conditions > 1:
        c = c[:, 0]  # a label column
    if c.dim() == 1:
        if c.is_floating_point() and not torch.all(c == c.round()):
            raise ValueError("condition of shape (batch,) must hold integer class labels")
        labels = c.long()
        if len(labels) and (labels.min() < 0 or labels.max() >= n_conditions):
            raise ValueError(
                f"condition labels must lie in [0, {n_conditions - 1}] (n_conditions={n_conditions}), "
                f"got values from {int(labels.min())} to {int(labels.max())}"
            )
        c = F.one_hot(labels, n_conditions)
    if c.dim() != 2 or c.shape[1] != n_conditions:
        raise ValueError(
            f"condition must be class labels of shape (batch,) or vectors of shape (batch, {n_conditions}), "
            f"got shape {tuple(c.shape)}"
        )
    if len(c) != batch_size:
        raise ValueError(f"condition has {len(c)} rows but x has {batch_size}")
    return c.to(like.dtype)


def join_condition(x: torch.Tensor, c: torch.Tensor, mode: str) -> torch.Tensor:
    """Encoder input with the condition: extra features (flat) or extra constant channels (images)."""
    if mode == "channels":
        planes = c.view(*c.shape, *([1] * (x.dim() - 2))).expand(-1, -1, *x.shape[2:])
        return torch.cat([x, planes], dim=1)
    return torch.cat([x.flatten(1), c], dim=1)
