"""What the view-based (joint-embedding) methods share: the views of a batch and the pairs compared.

Each image gives two global views by ``augment`` and, with multi-crop (Caron et al. 2020, SwAV;
used by DINO), ``n_local_crops`` more views cropped from a small area (``local_crop_scale``; the
rest of ``augment`` applies too). The backbone reads all views in one call: one pass, and
BatchNorm statistics over every view. A loss compares each global view (the target side) with
every other view (the online side) and is averaged over those pairs; with no local crops that is
the usual symmetrised two-view loss.

Departure from the paper: local crops are resized to the full input size (the paper reads them
at a lower resolution, which is where its compute saving comes from), so that every backbone,
including those whose layers are sized to the input shape, reads them.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("simclr", (1, 8, 8), n_local_crops=2, backbone_options={"out_features": 16, "channels": [8]})
>>> m.n_views, m.view_pairs()
(4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3)])
>>> m.views(torch.rand(5, 1, 8, 8)).shape
torch.Size([20, 1, 8, 8])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from ..transforms.augment import Augment
from .base import SSLMethod, check_fraction


def default_augment(input_shape: Sequence[int]) -> str:
    """The SimCLR pipeline for images, feature corruption (SCARF) for tabular rows."""
    return "simclr" if len(input_shape) == 3 else "tabular"


def local_crop_steps(steps: list[dict[str, Any]], scale: tuple[float, float]) -> list[dict[str, Any]]:
    """``steps`` with the random resized crop drawing from the small area ``scale`` (one is put
    first when ``steps`` has none)."""
    local = [dict(s, scale=list(scale)) if s["name"] == "random_resized_crop" else dict(s) for s in steps]
    if not any(s["name"] == "random_resized_crop" for s in steps):
        local.insert(0, {"name": "random_resized_crop", "scale": list(scale)})
    return local


class MultiViewMethod(SSLMethod):
    """Base of the methods that compare views: ``augment``, ``n_local_crops`` (multi-crop; 0 =
    two views only), ``local_crop_scale`` (area fraction of a local crop; DINO's (0.05, 0.4))."""

    # A loss equal under swapping its arguments is computed once per unordered pair of views.
    symmetric_loss = False

    @staticmethod
    def default_augment(input_shape: Sequence[int]) -> str:
        """The pipeline used when ``augment`` is not given (a method may choose its own)."""
        return default_augment(input_shape)

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        self.augment = Augment(augment or self.default_augment(self.input_shape))
        if isinstance(n_local_crops, bool) or not isinstance(n_local_crops, int) or n_local_crops < 0:
            raise ValueError(f"n_local_crops must be an int >= 0, got {n_local_crops!r}")
        self.n_local_crops = n_local_crops
        self.local_augment = None
        if n_local_crops:
            if len(self.input_shape) != 3:
                raise ValueError(f"n_local_crops needs images of shape (C, H, W) to crop, got input_shape {self.input_shape}")
            low, high = (check_fraction(v, "local_crop_scale") for v in local_crop_scale)
            if not 0 < low <= high:
                raise ValueError(f"local_crop_scale must be (low, high) with 0 < low <= high <= 1, got {local_crop_scale!r}")
            self.local_augment = Augment(local_crop_steps(self.augment.config(), (low, high)))

    @property
    def n_views(self) -> int:
        return 2 + self.n_local_crops

    def views(self, x: torch.Tensor) -> torch.Tensor:
        """(n_views * B, ...): the two global views, then the local crops, each a block of B rows."""
        local = [self.local_augment(x) for _ in range(self.n_local_crops)] if self.local_augment else []
        return torch.cat([self.augment(x), self.augment(x), *local])

    def view_pairs(self) -> list[tuple[int, int]]:
        """(global view i, other view j) pairs the loss compares; (1, 0) is left out of symmetric losses."""
        return [(i, j) for i in (0, 1) for j in range(self.n_views) if j != i and not (self.symmetric_loss and j < i)]

    def mean_over_pairs(
        self,
        loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor | dict[str, torch.Tensor]],
        targets: torch.Tensor,
        online: torch.Tensor,
    ) -> dict[str, torch.Tensor]:
        """Mean of ``loss(target view i, online view j)`` over :meth:`view_pairs`, per part.

        ``targets`` holds (at least) the global views' rows, ``online`` every view's rows, both
        in the order of :meth:`views`. ``loss`` returns a tensor or a dict of named parts.
        """
        t, o = targets.chunk(len(targets) // (len(online) // self.n_views)), online.chunk(self.n_views)
        sums: dict[str, torch.Tensor] = {}
        pairs = self.view_pairs()
        for i, j in pairs:
            out = loss(t[i], o[j])
            for key, value in (out if isinstance(out, dict) else {"loss": out}).items():
                sums[key] = sums[key] + value if key in sums else value
        return {key: value / len(pairs) for key, value in sums.items()}
