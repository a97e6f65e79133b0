"""Shape helpers shared by the sequence encoders and decoders.

A sequence sample has shape ``(length, channels)``; a 1-D shape ``(length,)`` is a univariate
sequence, and trailing axes beyond the second (``(length, h, w)``, e.g. frames) are flattened
into the channels of each step. Decoders reshape back to the exact input shape, with the
likelihood's ``n_params`` blocks stacked along the time axis as :func:`aekit.nn.param_shape` asks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from .shapes import as_shape


def sequence_dims(shape: int | Sequence[int], name: str = "input_shape") -> tuple[int, int]:
    """``(length, channels)`` of a sequence sample shape.

    Examples
    --------
    >>> sequence_dims((64, 3)), sequence_dims((64,)), sequence_dims((10, 4, 4))
    ((64, 3), (64, 1), (10, 16))
    """
    shape = as_shape(shape, name)
    return shape[0], math.prod(shape[1:])


def to_steps(x: torch.Tensor, length: int, channels: int) -> torch.Tensor:
    """(B, *shape) -> (B, length, channels)."""
    return x.reshape(x.shape[0], length, channels)  # shape[0], not len(): torch.export keeps the batch free


def from_steps(out: torch.Tensor, shape: tuple[int, ...], n_params: int) -> torch.Tensor:
    """(B, length, n_params * channels) -> (B, n_params * length, *shape[1:]).

    Each parameter block covers the whole sequence, so ``likelihood.split`` finds
    ``(B, n_params, length, ...)`` as it does for vectors and images.
    """
    b, length = out.shape[:2]
    out = out.reshape(b, length, n_params, -1).transpose(1, 2)  # (B, n_params, L, C)
    return out.reshape(b, n_params * length, *shape[1:])


def step_lengths(mask: torch.Tensor, length: int) -> torch.Tensor:
    """Lengths (B,) from a boolean mask of shape (B, length, ...) that marks each sequence's
    observed prefix; a step counts as observed when any of its elements is.

    Raises ``ValueError`` for masks with gaps or empty sequences: a recurrent encoder reads
    the observed steps as one contiguous prefix (padding at the end).
    """
    steps = mask.reshape(len(mask), length, -1).any(dim=2)  # (B, L)
    lengths = steps.sum(dim=1)
    prefix = torch.arange(length, device=mask.device)[None, :] < lengths[:, None]
    if not torch.equal(steps, prefix):
        raise ValueError("mask must mark a prefix of each sequence (padding at the end, no gaps)")
    if (lengths == 0).any():
        raise ValueError("mask leaves a sequence with no observed step; drop empty sequences")
    return lengths
