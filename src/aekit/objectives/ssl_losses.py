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
    variance, covariance = z1.new_zeros(()), z1.new_zeros(())
    for z in (z1, z2):
        z = z - z.mean(0)
        variance = variance + F.relu(1 - (z.var(0) + eps).sqrt()).mean() / 2
        cov = z.t() @ z / (len(z) - 1)
        covariance = covariance + _off_diagonal(cov).pow(2).sum() / z.shape[1]
    return invariance, variance, covariance


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
