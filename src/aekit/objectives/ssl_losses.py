"""Losses of the joint-embedding SSL methods that are not contrastive (those are in
:mod:`.contrastive`): BYOL's regression of a target projection (Grill et al. 2020), DINO's
self-distillation cross-entropy (Caron et al. 2021), and the redundancy-reduction losses of Barlow
Twins (Zbontar et al. 2021) and VICReg (Bardes et al. 2022). Pure functions; the methods in
:mod:`aekit.ssl` call them.

Examples
--------
>>> import torch
>>> z = torch.tensor([[1.0, 2.0], [-1.0, -2.0]])
>>> on, off = barlow_twins_terms(z, z)  # both features perfectly correlated with each other
>>> round(float(on), 4), round(float(off), 4)
(0.0, 2.0)
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


def _off_diagonal(m: torch.Tensor) -> torch.Tensor:
    return m - torch.diag_embed(m.diagonal())


def barlow_twins_terms(z1: torch.Tensor, z2: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Barlow Twins' two terms of the (D, D) cross-correlation C of the batch-standardised views:
    ``sum_i (1 - C_ii)^2`` (invariance) and ``sum_{i != j} C_ij^2`` (redundancy).

    Standardisation as the paper's ``BatchNorm1d(affine=False)``: batch mean, biased variance + ``eps``.
    """
    def standardise(z: torch.Tensor) -> torch.Tensor:
        return (z - z.mean(0)) / (z.var(0, unbiased=False) + eps).sqrt()

    c = standardise(z1).t() @ standardise(z2) / len(z1)  # (D, D)
    return (1 - c.diagonal()).pow(2).sum(), _off_diagonal(c).pow(2).sum()


def barlow_twins_loss(z1: torch.Tensor, z2: torch.Tensor, off_diagonal_weight: float = 5e-3) -> torch.Tensor:
    """``on_diagonal + off_diagonal_weight * off_diagonal`` of :func:`barlow_twins_terms` (the paper's lambda 5e-3)."""
    on, off = barlow_twins_terms(z1, z2)
    return on + off_diagonal_weight * off


def vicreg_terms(z1: torch.Tensor, z2: torch.Tensor, eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """VICReg's unweighted terms, as the paper's reference code computes them:

    - invariance: mean squared difference of the two views' embeddings;
    - variance: per view, the mean over features of ``max(0, 1 - sqrt(Var(z_j) + eps))``
      (unbiased variance over the batch), averaged over the two views;
    - covariance: per view, the sum of squared off-diagonal entries of the (D, D) covariance
      matrix divided by D, summed over the two views.
    """
    invariance = F.mse_loss(z1, z2)
    (var1, cov1), (var2, cov2) = variance_covariance_terms(z1, eps), variance_covariance_terms(z2, eps)
    return invariance, (var1 + var2) / 2, cov1 + cov2


def variance_covariance_terms(z: torch.Tensor, eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    """VICReg's two anti-collapse terms of one batch of embeddings ``z`` (N, D): the mean over
    features of ``max(0, 1 - sqrt(Var(z_j) + eps))`` (unbiased variance over the rows) and the sum of
    squared off-diagonal covariances divided by D. C-JEPA (Mo & Tong 2024) adds them to I-JEPA."""
    z = z - z.mean(0)
    variance = F.relu(1 - (z.var(0) + eps).sqrt()).mean()
    cov = z.t() @ z / (len(z) - 1)
    return variance, _off_diagonal(cov).pow(2).sum() / z.shape[1]


def vicreg_loss(
    z1: torch.Tensor,
    z2: torch.Tensor,
    invariance_weight: float = 25.0,
    variance_weight: float = 25.0,
    covariance_weight: float = 1.0,
) -> torch.Tensor:
    """The weighted sum of :func:`vicreg_terms` (the paper's lambda = mu = 25, nu = 1)."""
    inv, var, cov = vicreg_terms(z1, z2)
    return invariance_weight * inv + variance_weight * var + covariance_weight * cov
