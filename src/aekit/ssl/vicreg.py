"""VICReg (Bardes, Ponce & LeCun 2022): variance-invariance-covariance regularisation. Two views'
embeddings are pulled together (invariance, MSE), while each embedding feature keeps a standard
deviation of at least 1 over the batch (variance, a hinge) and features are decorrelated
(covariance): collapse is prevented by the regularisers alone, per branch, so the two branches
need not share weights.

    loss = 25 * invariance + 25 * variance + 1 * covariance      (the paper's weights)

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("vicreg", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['covariance', 'invariance', 'total', 'variance']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..objectives.ssl_losses import vicreg_terms
from .backbones import make_head, projection_head
from .base import check_non_negative, register_method
from .views import MultiViewMethod


@register_method("vicreg")
class VICReg(MultiViewMethod):
    """Parameters: ``invariance_weight`` 25, ``variance_weight`` 25, ``covariance_weight`` 1 (the
    paper's lambda, mu, nu), ``head`` (projector block list; default 3 layers of 512, the paper's
    3 x 8192 scaled down for small CPUs), ``augment``, ``n_local_crops`` / ``local_crop_scale``."""

    symmetric_loss = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        invariance_weight: float = 25.0,
        variance_weight: float = 25.0,
        covariance_weight: float = 1.0,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        self.weights = {
            "invariance": check_non_negative(invariance_weight, "invariance_weight"),
            "variance": check_non_negative(variance_weight, "variance_weight"),
            "covariance": check_non_negative(covariance_weight, "covariance_weight"),
        }
        self.projector = make_head(self.feature_dim, head or projection_head(512, 512, layers=3))

    def _terms(self, z1: torch.Tensor, z2: torch.Tensor) -> dict[str, torch.Tensor]:
        return {name: self.weights[name] * term for name, term in zip(self.weights, vicreg_terms(z1, z2))}

    def loss(self, x: torch.Tensor) -> Any:
        z = self.projector(self.backbone(self.views(x)))
        return self._output(**self.mean_over_pairs(self._terms, z, z))
