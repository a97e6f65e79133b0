"""SimCLR (Chen et al. 2020): two random views of each image, a projector, and NT-Xent, which pulls
the two views of an image together and pushes the other 2B - 2 views away.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("simclr", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['nt_xent', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..objectives.contrastive import NTXentLoss
from .backbones import make_head, projection_head
from .base import register_method
from .views import MultiViewMethod, default_augment  # noqa: F401  (default_augment: its former home)


@register_method("simclr")
class SimCLR(MultiViewMethod):
    """Parameters: ``augment`` (preset or steps), ``head`` (projector block list),
    ``temperature`` (0.5 in the paper for batch 256-4096 on CIFAR; 0.1-0.5 are common),
    ``n_local_crops`` / ``local_crop_scale`` (multi-crop, see :mod:`aekit.ssl.views`)."""

    symmetric_loss = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        temperature: float = 0.5,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        self.projector = make_head(self.feature_dim, head or projection_head())
        self.criterion = NTXentLoss(temperature)

    def loss(self, x: torch.Tensor) -> Any:
        # every view in one backbone call: one pass, and BatchNorm sees every view's statistics
        z = self.projector(self.backbone(self.views(x)))
        return self._output(nt_xent=self.mean_over_pairs(self.criterion, z, z)["loss"])
