"""KL sparsity: keep each hidden unit's mean activation near a small target ``rho``.

``penalty = sum_j KL(rho || rho_hat_j)`` where ``rho_hat_j`` is the mean activation of code unit
``j`` and ``KL(p || q) = p log(p/q) + (1-p) log((1-p)/(1-q))`` is the divergence between two
Bernoulli distributions (Ng, "Sparse autoencoder" lecture notes, 2011). It needs codes in (0, 1),
i.e. a sigmoid code activation.

``rho_hat`` is estimated on the batch. With ``smoothing = m > 0`` it is instead the running
estimate ``m * running + (1 - m) * batch_mean``, where ``running`` (the previous smoothed value)
is a constant: gradients flow only through the current batch, but small batches give a less
noisy target, as in Lee et al. (2008).
"""

from __future__ import annotations

import torch

from .regularisers import Regulariser, register_regulariser

_EPS = 1e-6  # keeps log() finite for units that are saturated at 0 or 1


def kl_bernoulli(rho: float, rho_hat: torch.Tensor) -> torch.Tensor:
    """Elementwise ``KL(Bernoulli(rho) || Bernoulli(rho_hat))``.

    Examples
    --------
    >>> float(kl_bernoulli(0.1, torch.tensor(0.1)))
    0.0
    """
    q = rho_hat.clamp(_EPS, 1 - _EPS)
    return rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))


@register_regulariser
class KLSparsity(Regulariser):
    """``weight * sum_j KL(rho || rho_hat_j)`` on sigmoid codes.

    Parameters
    ----------
    weight : float
        Called beta in Ng's notes; around 1-3 with a summed-squared-error reconstruction loss.
    rho : float in (0, 1)
        Target mean activation of every code unit.
    smoothing : float in [0, 1)
        Momentum of the running ``rho_hat`` (0: batch estimate only).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("sparse-kl", (64,), latent_dim=16, rho=0.05)
    >>> model.loss(torch.rand(8, 64)).parts["kl_sparsity"].item() > 0
    True
    """

    name = "kl_sparsity"

    def __init__(self, weight: float = 1.0, rho: float = 0.05, smoothing: float = 0.0) -> None:
        super().__init__(weight)
        if not isinstance(rho, (int, float)) or not 0 < rho < 1:
            raise ValueError(f"kl_sparsity: rho must be in (0, 1), got {rho!r}")
        if not isinstance(smoothing, (int, float)) or not 0 <= smoothing < 1:
            raise ValueError(f"kl_sparsity: smoothing must be in [0, 1), got {smoothing!r}")
        self.rho = float(rho)
        self.smoothing = float(smoothing)
        # Not persistent: a training-time statistic, not part of the model that gets saved.
        self.register_buffer("running", torch.empty(0), persistent=False)
        self._checked = False

    def mean_activation(self, code: torch.Tensor) -> torch.Tensor:
        """``rho_hat`` for this batch (smoothed when ``smoothing > 0``); updates the running value."""
        if not self._checked:
            lo, hi = float(code.detach().min()), float(code.detach().max())
            if lo < 0 or hi > 1:
                raise ValueError(
                    f"kl_sparsity needs codes in [0, 1] (got values in [{lo:.3g}, {hi:.3g}]); "
                    "use code_activation='sigmoid'"
                )
            self._checked = True
        batch = code.flatten(1).mean(dim=0)
        if self.smoothing == 0:
            return batch
        if self.running.shape != batch.shape:
            self.running = batch.detach().clone()
        rho_hat = self.smoothing * self.running + (1 - self.smoothing) * batch
        if self.training:
            self.running = rho_hat.detach()
        return rho_hat

    def penalty(self, result, model):
        return kl_bernoulli(self.rho, self.mean_activation(result.code)).sum()

    def config(self):
        return {"name": self.name, "weight": self.weight, "rho": self.rho, "smoothing": self.smoothing}
