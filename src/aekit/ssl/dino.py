"""DINO (Caron et al. 2021): self-distillation without labels. A student matches the sharpened,
centred softmax output of an EMA teacher on another view:

    loss = - sum_k softmax((t(v1) - c) / T_t)_k log softmax(s(v2) / T_s)_k   (+ the swapped pair)

Centering (``c``, an EMA of the teacher's mean output) and sharpening (``T_t < T_s``) together
prevent collapse. With ``n_local_crops`` (multi-crop) the student also reads small local crops
and the teacher only the two global views, as in the paper (see :mod:`aekit.ssl.views`).

Examples
--------
>>> import torch
>>> from aekit.ssl import create_method
>>> m = create_method("dino", (1, 8, 8), backbone_options={"out_features": 16, "channels": [8]}, out_dim=32)
>>> sorted(m.loss(torch.rand(4, 1, 8, 8)).parts)
['dino', 'total']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ..objectives.ssl_losses import dino_loss
from .backbones import make_head
from .base import EMATarget, check_fraction, register_method
from .views import MultiViewMethod, default_augment


@register_method("dino")
class DINO(MultiViewMethod):
    """Parameters: ``out_dim`` (prototypes K), ``head`` (block list before the prototypes; it ends
    in ``l2norm`` as in the paper), ``student_temp`` 0.1, ``teacher_temp`` 0.04, ``center_momentum``
    0.9, ``momentum`` (teacher EMA), ``augment``, ``n_local_crops`` / ``local_crop_scale``."""

    @staticmethod
    def default_augment(input_shape: Sequence[int]) -> str:
        """Crop and flip only ("small_gray") for one-channel images, else the shared default: chosen
        on validation (benchmarks/ssl_defaults.py, Fashion-MNIST, 20 epochs on 20k images: linear
        probe 0.8417 against 0.8239 with the SimCLR pipeline, whose colour steps have no colour to
        change; raw pixels 0.8353)."""
        if len(input_shape) == 3 and input_shape[0] == 1:
            return "small_gray"
        return default_augment(input_shape)

    def __init__(
        self,
        input_shape: Sequence[int],
        backbone: str | nn.Module | None = None,
        backbone_options: dict[str, Any] | None = None,
        head: Sequence[str] = ("linear:256", "gelu", "linear:64", "l2norm"),
        out_dim: int = 256,
        augment: str | list[dict[str, Any]] | None = None,
        student_temp: float = 0.1,
        teacher_temp: float = 0.04,
        center_momentum: float = 0.9,
        momentum: float = 0.99,
        n_local_crops: int = 0,
        local_crop_scale: Sequence[float] = (0.05, 0.4),
    ) -> None:
        super().__init__(input_shape, backbone, backbone_options, augment, n_local_crops, local_crop_scale)
        if not (0 < teacher_temp and 0 < student_temp):
            raise ValueError(f"temperatures must be positive, got student_temp={student_temp}, teacher_temp={teacher_temp}")
        self.student_temp, self.teacher_temp = float(student_temp), float(teacher_temp)
        self.center_momentum = check_fraction(center_momentum, "center_momentum")
        self.momentum = check_fraction(momentum, "momentum")
        self.head = make_head(self.feature_dim, [*head, f"linear:{out_dim}"])
        self.teacher_backbone = EMATarget.make(self.backbone)
        self.teacher_head = EMATarget.make(self.head)
        self.register_buffer("center", torch.zeros(1, out_dim))
        # 0 until the first training batch: the center then starts at that batch's mean, instead
        # of drifting in from 0 (which makes the early loss climb while it catches up)
        self.register_buffer("center_ready", torch.zeros((), dtype=torch.bool))

    def loss(self, x: torch.Tensor) -> Any:
        if self.training:
            EMATarget.update(self.teacher_backbone, self.backbone, self.momentum)
            EMATarget.update(self.teacher_head, self.head, self.momentum)
        views = self.views(x)
        student = self.head(self.backbone(views))
        with torch.no_grad():
            teacher = self.teacher_head(self.teacher_backbone(views[: 2 * len(x)]))  # global views only
            if self.training and not self.center_ready:
                self.center.copy_(teacher.mean(0, keepdim=True))
                self.center_ready.fill_(True)
        pairs = self.mean_over_pairs(
            lambda t, s: dino_loss(s, t, self.center, self.student_temp, self.teacher_temp), teacher, student
        )
        if self.training:
            self.center.mul_(self.center_momentum).add_(teacher.mean(0, keepdim=True), alpha=1 - self.center_momentum)
        return self._output(dino=pairs["loss"])
