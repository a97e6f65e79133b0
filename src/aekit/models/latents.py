"""Latent layers: what sits between the encoder's output and the decoder's input.

A latent layer says how many encoder outputs it needs per code unit (``n_params``) and turns
them into ``(code, z, terms)``: the representation users get from ``transform``, the value the
decoder receives, and per-sample loss terms it adds (a VAE's KL). A deterministic autoencoder and
a VAE differ only in this part.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..registry import Registry

#: Latent layers by name; every one is an ``nn.Module`` with a ``name`` and ``config()``.
LATENTS: Registry[type[nn.Module]] = Registry("latent", base=nn.Module)


@LATENTS.register
class DeterministicLatent(nn.Module):
    """The code is the encoder output and goes to the decoder unchanged."""

    name = "deterministic"
    n_params = 1

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        return h, h, {}

    def config(self) -> dict[str, Any]:
        return {"name": self.name}


@LATENTS.register
class GaussianLatent(nn.Module):
    """Diagonal Gaussian posterior q(z|x) = N(mu, diag(exp(logvar))) with a N(0, I) prior.

    The encoder emits ``[mu, logvar]``. In training mode ``z = mu + sigma * eps`` (the
    reparameterisation trick, Kingma & Welling 2014); in eval mode ``z = mu``. The analytic
    ``KL(q || p) = 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2)`` is reported per sample as
    ``"kl"``, scaled by ``beta`` (Higgins et al. 2017) in the training loss.

    ``logvar`` is clamped to [-``logvar_clamp``, ``logvar_clamp``] so that exp() cannot overflow.

    Two options reshape the KL penalty (the KL in nats is then also reported as ``"kl_nats"``):

    - ``capacity`` C (Burgess et al. 2018, "Understanding disentangling in beta-VAE"): the penalty
      is ``beta * |E_batch[KL] - C|``, so the code is pushed to carry C nats, no more, no less;
      raise C during training with :class:`aekit.training.schedules.LinearSchedule`.
    - ``free_bits`` lambda (Kingma et al. 2016, IAF paper): each latent dimension whose batch-mean
      KL is below lambda nats costs a constant lambda (no gradient), so the optimiser stops
      collapsing dimensions into the prior.

    Examples
    --------
    >>> latent = GaussianLatent(beta=1.0, free_bits=0.5)
    >>> code, z, terms = latent(torch.zeros(4, 6))  # mu = 0, logvar = 0: KL = 0 per dimension
    >>> terms["kl"]  # 3 dimensions at the 0.5-nat floor
    tensor([1.5000, 1.5000, 1.5000, 1.5000])
    """

    name = "gaussian"
    n_params = 2

    def __init__(
        self, beta: float = 1.0, logvar_clamp: float = 10.0, capacity: float | None = None, free_bits: float = 0.0
    ) -> None:
        super().__init__()
        if not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"beta must be a non-negative number, got {beta!r}")
        if capacity is not None and not (isinstance(capacity, (int, float)) and capacity >= 0):
            raise ValueError(f"capacity must be a non-negative number of nats or None, got {capacity!r}")
        if not isinstance(free_bits, (int, float)) or free_bits < 0:
            raise ValueError(f"free_bits must be a non-negative number of nats, got {free_bits!r}")
        self.beta = float(beta)
        self.logvar_clamp = float(logvar_clamp)
        self.capacity = None if capacity is None else float(capacity)
        self.free_bits = float(free_bits)

    def split(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(-self.logvar_clamp, self.logvar_clamp)

    @staticmethod
    def kl_per_dim(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """Analytic KL(N(mu, exp(logvar)) || N(0, 1)) per sample and dimension, (B, D)."""
        return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)

    def forward(self, h):
        mu, logvar = self.split(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        return mu, z, {"kl": self.penalty(self.kl_per_dim(mu, logvar))}

    def penalty(self, kl_dims: torch.Tensor) -> torch.Tensor:
        """Per-sample KL term (B,) after free bits and capacity; its batch mean is the objective."""
        if self.free_bits > 0:
            below = kl_dims.mean(dim=0, keepdim=True) < self.free_bits
            kl_dims = torch.where(below, torch.full_like(kl_dims, self.free_bits), kl_dims)
        kl = kl_dims.sum(dim=1)
        if self.capacity is not None:
            # sign(E[KL] - C) * (KL_i - C) averages to |E[KL] - C| over the batch, as in Burgess et al.
            kl = torch.sign(kl.mean() - self.capacity).detach() * (kl - self.capacity)
        return kl

    def reported(self, h: torch.Tensor) -> dict[str, torch.Tensor]:
        """Batch-mean KL in nats, reported beside the loss when free bits or capacity reshape it."""
        if self.free_bits == 0 and self.capacity is None:
            return {}
        return {"kl_nats": self.kl_per_dim(*self.split(h)).sum(dim=1).mean()}

    def term_weights(self) -> dict[str, float]:
        return {"kl": self.beta}

    def config(self):
        return {
            "name": self.name,
            "beta": self.beta,
            "logvar_clamp": self.logvar_clamp,
            "capacity": self.capacity,
            "free_bits": self.free_bits,
        }




def make_latent(spec: str | dict[str, Any] | nn.Module | None = None) -> nn.Module:
    """Build a latent layer from a name or ``{"name": ..., **options}`` (``None``: deterministic)."""
    if spec is None:
        return DeterministicLatent()
    return LATENTS.build(spec)


@LATENTS.register
class TopKLatent(nn.Module):
    """k-sparse codes (Makhzani & Frey 2014): keep the ``k`` largest units of each code, zero the rest.

    Gradients flow only through the kept units. Sparsity is exact (``k`` non-zeros per sample)
    with no penalty weight to tune, which is why it is the modern option beside L1/KL penalties.

    Examples
    --------
    >>> TopKLatent(k=2)(torch.tensor([[0.1, 3.0, -1.0, 2.0]]))[0]
    tensor([[0., 3., 0., 2.]])
    """

    name = "topk"
    n_params = 1

    def __init__(self, k: int = 16) -> None:
        super().__init__()
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"topk latent: k must be a positive int, got {k!r}")
        self.k = k

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        if self.k > h.shape[1]:
            raise ValueError(f"topk latent: k={self.k} exceeds the code size {h.shape[1]}; lower k")
        idx = h.topk(self.k, dim=1).indices
        code = torch.zeros_like(h).scatter(1, idx, h.gather(1, idx))
        return code, code, {}

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "k": self.k}


