"""BYOL (Grill et al. 2020) and SimSiam (Chen & He 2021): no negatives. An online network
(backbone, projector, predictor) predicts the projection of another view made by a target network
that gets no gradient. BYOL's target is an exponential moving average of the online network
(``momentum`` 0.99-0.996); SimSiam's is the online network itself (``momentum=0``).

loss = 2 - 2 cos(q(v1), z_target(v2)) , symmetrised over the two views.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("byol", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['byol', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..objectives.ssl_losses import regression_loss
from .backbones import make_head, projection_head
from .base import EMATarget, check_fraction, register_method
from .views import MultiViewMethod


@register_method("byol")
class BYOL(MultiViewMethod):
    """Parameters: ``momentum`` of the EMA target (0 = SimSiam's stop-gradient), ``head``
    (projector block list), ``predictor`` (block list), ``augment``, ``n_local_crops`` /
    ``local_crop_scale`` (multi-crop: the target reads the two global views only)."""

    default_momentum = 0.99

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        predictor: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        momentum: float | None = None,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        self.momentum = check_fraction(self.default_momentum if momentum is None else momentum, "momentum", 0.0, 1.0)
        self.projector = make_head(self.feature_dim, head or projection_head(256, 64))
        self.predictor = make_head(self.projector.out_features, predictor or projection_head(256, self.projector.out_features))
        if self.momentum > 0:
            self.target_backbone = EMATarget.make(self.backbone)
            self.target_projector = EMATarget.make(self.projector)

    def _targets(self, views: torch.Tensor) -> torch.Tensor:
        if self.momentum == 0:
            return self.projector(self.backbone(views)).detach()
        with torch.no_grad():
            return self.target_projector(self.target_backbone(views))

    def loss(self, x: torch.Tensor) -> Any:
        if self.training and self.momentum > 0:
            # EMA step for the optimizer step that followed the previous loss() call
            EMATarget.update(self.target_backbone, self.backbone, self.momentum)
            EMATarget.update(self.target_projector, self.projector, self.momentum)
        views = self.views(x)
        p = self.predictor(self.projector(self.backbone(views)))
        targets = self._targets(views[: 2 * len(x)])  # the global views
        # the paper's symmetrised loss is the sum over the two pairs: twice their mean
        pairs = self.mean_over_pairs(lambda t, q: regression_loss(q, t), targets, p)
        return self._output(**{self.method_name: 2 * pairs["loss"]})


@register_method("simsiam")
class SimSiam(BYOL):
    """BYOL with ``momentum=0``: the target branch is the online network under stop-gradient."""

    default_momentum = 0.0
