"""Rotation prediction (Gidaris, Singh & Komodakis 2018): rotate by 0/90/180/270 degrees and
classify the angle. Recognising "which way is up" needs the object's shape and parts.

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("rotation", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]})
>>> m.loss(torch.rand(4, 1, 8, 8)).parts["rotation"].shape
torch.Size([])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch.nn import functional as F

from .backbones import make_head
from .base import SSLMethod, register_method, training_augment


def rotate_batch(x: torch.Tensor, all_rotations: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotated images and their labels k (rotation by k * 90 degrees counter-clockwise).

    ``all_rotations``: every image in all four orientations (4B samples, as in the paper);
    otherwise one random orientation per image (B samples, 4x cheaper).
    """
    if all_rotations:
        views = torch.cat([torch.rot90(x, k, dims=(2, 3)) for k in range(4)])
        labels = torch.arange(4, device=x.device).repeat_interleave(len(x))
        return views, labels
    labels = torch.randint(0, 4, (len(x),), device=x.device)
    views = x.clone()
    for k in range(1, 4):
        sel = labels == k
        views[sel] = torch.rot90(x[sel], k, dims=(2, 3))
    return views, labels


@register_method("rotation")
class RotationPrediction(SSLMethod):
    """Backbone + classifier head over the four rotations; cross-entropy loss.

    Parameters
    ----------
    input_shape : (C, H, W) with H == W
    backbone, backbone_options : see :func:`aekit.ssl.make_backbone`
    head : block list; a final ``linear:4`` is appended
    all_rotations : bool
        Use all four rotations of every image (paper) or one random rotation.
    augment : preset name, list of steps or None
        Augmentation of each training image before it is rotated (see
        :mod:`aekit.transforms.augment`; e.g. ``"small_gray"``: crop and flip). On centred,
        upright images the four angles become easy to tell apart early on; cropping keeps the task
        from being solved by a few global cues. ``None`` (the paper): no augmentation. Not applied
        in ``eval`` mode, so the validation loss is read on the images as they are.
    """

    needs_image = True

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:128", "batchnorm", "relu"),
        all_rotations: bool = True,
        augment: str | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options)
        if self.input_shape[1] != self.input_shape[2]:
            raise ValueError(f"rotation needs square images, got input_shape {self.input_shape}")
        self.head = make_head(self.feature_dim, [*head, "linear:4"])
        self.all_rotations = bool(all_rotations)
        self.augment = training_augment(augment, self.input_shape)

    def loss(self, x: torch.Tensor) -> Any:
        if self.augment is not None and self.training:
            x = self.augment(x)
        views, labels = rotate_batch(x, self.all_rotations)
        logits = self.head(self.backbone(views))
        return self._output(rotation=F.cross_entropy(logits, labels))
