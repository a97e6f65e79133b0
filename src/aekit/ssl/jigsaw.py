"""Jigsaw puzzles (Noroozi & Favaro 2016): cut the image into a g x g grid of tiles, shuffle them by
one permutation of a fixed set, and classify which permutation was used.

The permutation set is chosen greedily for a large minimum Hamming distance between its members
(the paper's "maximal" set), so no two classes are nearly the same puzzle. Here the shuffled tiles
are put back together into one image that the backbone reads whole, so the backbone keeps the
input shape it will be used with downstream (the paper runs a shared network per tile instead).

Examples
--------
>>> perms = hamming_permutations(2, 6)
>>> perms.shape, bool(min_hamming(perms) >= 3)
((6, 4), True)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from .backbones import make_head
from .base import SSLMethod, register_method


@lru_cache(maxsize=8)
def _max_hamming(grid: int, n: int) -> tuple[tuple[int, ...], ...]:
    all_perms = np.array(list(itertools.permutations(range(grid * grid))), dtype=np.int8)
    chosen = [0]  # the identity comes first; the rest is deterministic
    min_dist = (all_perms != all_perms[0]).sum(1)
    for _ in range(n - 1):
        i = int(np.argmax(min_dist))  # farthest from everything chosen so far
        chosen.append(i)
        min_dist = np.minimum(min_dist, (all_perms != all_perms[i]).sum(1))
    return tuple(tuple(int(v) for v in all_perms[i]) for i in chosen)


def hamming_permutations(grid: int = 3, n_permutations: int = 100) -> np.ndarray:
    """(n_permutations, grid**2) permutations chosen greedily for maximal minimum Hamming distance."""
    if not isinstance(grid, int) or not 2 <= grid <= 3:
        raise ValueError(f"grid must be 2 or 3, got {grid!r}")
    n_all = 24 if grid == 2 else 362880
    if not isinstance(n_permutations, int) or not 2 <= n_permutations <= n_all:
        raise ValueError(f"n_permutations must be an int in [2, {n_all}] for a {grid}x{grid} grid, got {n_permutations!r}")
    return np.array(_max_hamming(grid, n_permutations))


def min_hamming(perms: np.ndarray) -> int:
    """Smallest Hamming distance between two different rows."""
    d = (perms[:, None, :] != perms[None, :, :]).sum(-1)
    return int(d[~np.eye(len(perms), dtype=bool)].min())


def shuffle_tiles(x: torch.Tensor, perms: torch.Tensor, labels: torch.Tensor, grid: int) -> torch.Tensor:
    """Reassemble each image with its tiles in order ``perms[labels[i]]`` (tile j goes to slot j)."""
    b, c, h, w = x.shape
    th, tw = h // grid, w // grid
    region = x[:, :, : th * grid, : tw * grid]
    tiles = region.reshape(b, c, grid, th, grid, tw).permute(0, 2, 4, 1, 3, 5).reshape(b, grid * grid, c, th, tw)
    order = perms[labels]  # (B, g*g): slot j shows tile order[j]
    tiles = tiles[torch.arange(b, device=x.device).unsqueeze(1), order]
    shuffled = tiles.reshape(b, grid, grid, c, th, tw).permute(0, 3, 1, 4, 2, 5).reshape(b, c, th * grid, tw * grid)
    out = x.clone()
    out[:, :, : th * grid, : tw * grid] = shuffled
    return out


@register_method("jigsaw")
class Jigsaw(SSLMethod):
    """Classify which of ``n_permutations`` tile shufflings was applied.

    Parameters
    ----------
    grid : 2 or 3 tiles per side.
    n_permutations : size of the fixed permutation set (the paper uses 100 of 9!; at most 24 for grid 2).
    head : block list; a final ``linear:n_permutations`` is appended.
    """

    needs_image = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:256", "batchnorm", "relu"),
        grid: int = 3,
        n_permutations: int = 100,
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        self.grid = grid
        self.register_buffer("perms", torch.as_tensor(hamming_permutations(grid, n_permutations), dtype=torch.long))
        self.head = make_head(self.feature_dim, [*head, f"linear:{n_permutations}"])

    def loss(self, x: torch.Tensor) -> Any:
        labels = torch.randint(0, len(self.perms), (len(x),), device=x.device)
        logits = self.head(self.backbone(shuffle_tiles(x, self.perms, labels, self.grid)))
        return self._output(jigsaw=F.cross_entropy(logits, labels))
