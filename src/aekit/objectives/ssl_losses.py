"""Losses of the joint-embedding SSL methods that are not contrastive (those are in
:mod:`.contrastive`): BYOL's regression of a target projection (Grill et al. 2020) and DINO's
self-distillation cross-entropy (Caron et al. 2021). Pure functions; the methods in
:mod:`aekit.ssl` call them.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def regression_loss(p: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """BYOL's normalised MSE, ``2 - 2 cos(p, z)``, averaged over the batch."""
    return (2 - 2 * F.cosine_similarity(p, z, dim=-1)).mean()


def dino_loss(
    student: torch.Tensor, teacher: torch.Tensor, center: torch.Tensor, student_temp: float, teacher_temp: float
) -> torch.Tensor:
    """Cross-entropy between the centred, sharpened teacher distribution and the student's, batch mean."""
    t = F.softmax((teacher - center) / teacher_temp, dim=-1)
    return -(t * F.log_softmax(student / student_temp, dim=-1)).sum(-1).mean()
