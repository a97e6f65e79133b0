"""Barlow Twins (Zbontar et al. 2021): make the cross-correlation matrix of two views' embeddings
(standardised over the batch) close to the identity. The diagonal term makes the embedding
invariant to the augmentations; the off-diagonal term decorrelates its features, which is what
prevents collapse, without negatives, predictor or momentum encoder.

    loss = sum_i (1 - C_ii)^2 + off_diagonal_weight * sum_{i != j} C_ij^2

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("barlow_twins", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['off_diagonal', 'on_diagonal', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..objectives.ssl_losses import barlow_twins_terms
from .backbones import make_head, projection_head
from .base import check_non_negative, register_method
from .views import MultiViewMethod


@register_method("barlow_twins")
class BarlowTwins(MultiViewMethod):
    """Parameters: ``off_diagonal_weight`` (the paper's lambda, 5e-3 for its 8192-wide projector),
    ``head`` (projector block list; default 3 layers of 512, the paper's 3 x 8192 scaled down for
    small CPUs), ``augment``, ``n_local_crops`` / ``local_crop_scale``."""

    symmetric_loss = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        off_diagonal_weight: float = 5e-3,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        self.off_diagonal_weight = check_non_negative(off_diagonal_weight, "off_diagonal_weight")
        self.projector = make_head(self.feature_dim, head or projection_head(512, 512, layers=3))

    def _terms(self, z1: torch.Tensor, z2: torch.Tensor) -> dict[str, torch.Tensor]:
        on, off = barlow_twins_terms(z1, z2)
        return {"on_diagonal": on, "off_diagonal": self.off_diagonal_weight * off}

    def loss(self, x: torch.Tensor) -> Any:
        z = self.projector(self.backbone(self.views(x)))
        return self._output(**self.mean_over_pairs(self._terms, z, z))
