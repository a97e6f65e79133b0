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

from ..objectives.contrastive import NTXentLoss
from ..transforms.augment import Augment
from .backbones import make_head, projection_head
from .base import SSLMethod, register_method


def default_augment(input_shape: Sequence[int]) -> str:
    """The SimCLR pipeline for images, feature corruption (SCARF) for tabular rows."""
    return "simclr" if len(input_shape) == 3 else "tabular"


@register_method("simclr")
class SimCLR(SSLMethod):
    """Parameters: ``augment`` (preset or steps), ``head`` (projector block list),
    ``temperature`` (0.5 in the paper for batch 256-4096 on CIFAR; 0.1-0.5 are common)."""

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] | None = None,
        augment: str | list[dict[str, Any]] | None = None,
        temperature: float = 0.5,
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        self.augment = Augment(augment or default_augment(self.input_shape))
        self.projector = make_head(self.feature_dim, head or projection_head())
        self.criterion = NTXentLoss(temperature)

    def loss(self, x: torch.Tensor) -> Any:
        # both views in one backbone call: one pass, and BatchNorm sees both views' statistics
        z = self.projector(self.backbone(torch.cat([self.augment(x), self.augment(x)])))
        z1, z2 = z.chunk(2)
        return self._output(nt_xent=self.criterion(z1, z2))
