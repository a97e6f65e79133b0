"""Identifying augmentations: apply each of K augmentations independently with probability 1/2 and
predict, per augmentation, whether it was applied (K binary labels, cross-entropy on logits).
Telling a blurred or cropped image from a clean one needs a model of what clean images look like.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("augmentation_id", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['augmentation_id', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.nn import functional as F

from ..transforms.augment import AUGMENTATIONS, Augment
from .backbones import make_head
from .base import SSLMethod, register_method

DEFAULT_STEPS = (
    {"name": "horizontal_flip", "p": 1.0},
    {"name": "random_resized_crop", "scale": [0.3, 0.6]},
    {"name": "color_jitter", "p": 1.0, "brightness": 0.5, "contrast": 0.5},
    {"name": "gaussian_blur", "p": 1.0, "sigma": [1.0, 2.0]},
    {"name": "gaussian_noise", "std": 0.1},
)


@register_method("augmentation_id")
class AugmentationIdentification(SSLMethod):
    """``augmentations``: list of steps (see :mod:`aekit.transforms.augment`); give each ``p: 1.0`` where it
    has a probability, since this method decides itself which images get which step."""

    needs_image = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:128", "batchnorm", "relu"),
        augmentations: Sequence[dict[str, Any]] = DEFAULT_STEPS,
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        self.steps = Augment([dict(s) for s in augmentations]).steps
        if not self.steps:
            raise ValueError("augmentations must name at least one step")
        self.head = make_head(self.feature_dim, [*head, f"linear:{len(self.steps)}"])

    def loss(self, x: torch.Tensor) -> Any:
        applied = torch.rand(len(x), len(self.steps), device=x.device) < 0.5  # (B, K)
        view = x
        for k, step in enumerate(self.steps):
            options = {key: v for key, v in step.items() if key != "name"}
            changed = AUGMENTATIONS[step["name"]](view, **options)
            view = torch.where(applied[:, k].view(-1, 1, 1, 1), changed, view)
        logits = self.head(self.backbone(view))
        return self._output(augmentation_id=F.binary_cross_entropy_with_logits(logits, applied.float()))
