"""Colorization (Zhang, Isola & Efros 2016): see the grayscale image, predict its colours.

The backbone reads the luma repeated over the three channels (so it keeps the RGB input shape it
will be used with), and a head regresses the RGB image; the loss is the mean squared error.
(The paper classifies quantised ab colours to cope with multimodal colours; regression is the
simple, common baseline.)

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("colorization", (3, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 3, 8, 8)).parts)
['colorization', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import math

import torch
from torch.nn import functional as F

from ..transforms.augment import _gray
from .backbones import make_head
from .base import SSLMethod, register_method


@register_method("colorization")
class Colorization(SSLMethod):
    """Grayscale in, RGB out. ``head`` is a block list; a final ``linear:3*H*W`` is appended."""

    needs_image = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:256", "relu"),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        if self.input_shape[0] != 3:
            raise ValueError(f"colorization needs RGB images (3 channels), got input_shape {self.input_shape}")
        self.head = make_head(self.feature_dim, [*head, f"linear:{math.prod(self.input_shape)}"])

    def loss(self, x: torch.Tensor) -> Any:
        gray = _gray(x).expand_as(x)
        pred = torch.sigmoid(self.head(self.backbone(gray))).view_as(x)
        return self._output(colorization=F.mse_loss(pred, x))
