"""Inpainting with a context encoder (Pathak et al. 2016): blank out a square region, encode the
context, reconstruct the missing pixels. The loss is the squared error inside the hole
(plus ``context_weight`` times the error outside it; the paper's adversarial term is left out).

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("inpainting", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['inpainting', 'total']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from ..transforms.image_corruptions import central_block, random_blocks
from .backbones import make_head
from .base import SSLMethod, check_fraction, register_method


def square_holes(x: torch.Tensor, size: int, center: bool = False) -> torch.Tensor:
    """A (B, 1, H, W) float mask, 1 inside a ``size`` x ``size`` square per image (random or central),
    drawn by the image corruptions' block masks (:mod:`aekit.transforms.image_corruptions`)."""
    b, _, h, w = x.shape
    blocks = central_block(b, h, w, size, size, x.device) if center else random_blocks(b, h, w, size, size, 1, x.device)
    return blocks.unsqueeze(1).to(x.dtype)


@register_method("inpainting")
class ContextEncoder(SSLMethod):
    """Parameters: ``hole`` (side of the square as a fraction of the image side; 0.5 = the paper's
    central quarter), ``center`` (always the centre instead of a random place), ``context_weight``,
    ``head`` (block list; a final ``linear:C*H*W`` is appended)."""

    needs_image = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:256", "relu"),
        hole: float = 0.5,
        center: bool = False,
        context_weight: float = 0.0,
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        check_fraction(hole, "hole")
        self.hole_size = max(1, int(round(hole * min(self.input_shape[1:]))))
        self.center = bool(center)
        self.context_weight = check_fraction(context_weight, "context_weight")
        self.head = make_head(self.feature_dim, [*head, f"linear:{math.prod(self.input_shape)}"])

    def loss(self, x: torch.Tensor) -> Any:
        mask = square_holes(x, self.hole_size, self.center)  # 1 = missing
        pred = self.head(self.backbone(x * (1 - mask))).view_as(x)
        err = (pred - x).pow(2)
        inside = (err * mask).sum() / (mask.sum() * x.shape[1])
        parts = {"inpainting": inside}
        if self.context_weight > 0:
            parts["context"] = self.context_weight * (err * (1 - mask)).sum() / ((1 - mask).sum() * x.shape[1])
        return self._output(**parts)
