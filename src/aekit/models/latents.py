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


class DeterministicLatent(nn.Module):
    """The code is the encoder output and goes to the decoder unchanged."""

    name = "deterministic"
    n_params = 1

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        return h, h, {}

    def config(self) -> dict[str, Any]:
        return {"name": self.name}


class GaussianLatent(nn.Module):
    """Diagonal Gaussian posterior q(z|x) = N(mu, diag(exp(logvar))) with a N(0, I) prior.

    The encoder emits ``[mu, logvar]``. In training mode ``z = mu + sigma * eps`` (the
    reparameterisation trick, Kingma & Welling 2014); in eval mode ``z = mu``. The analytic
    ``KL(q || p) = 0.5 * sum(mu^2 + sigma^2 - 1 - log sigma^2)`` is reported per sample as
    ``"kl"``, scaled by ``beta`` (Higgins et al. 2017) in the training loss.

    ``logvar`` is clamped to [-``logvar_clamp``, ``logvar_clamp``] so that exp() cannot overflow.
    """

    name = "gaussian"
    n_params = 2

    def __init__(self, beta: float = 1.0, logvar_clamp: float = 10.0) -> None:
        super().__init__()
        if not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"beta must be a non-negative number, got {beta!r}")
        self.beta = float(beta)
        self.logvar_clamp = float(logvar_clamp)

    def split(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = h.chunk(2, dim=1)
        return mu, logvar.clamp(-self.logvar_clamp, self.logvar_clamp)

    def forward(self, h):
        mu, logvar = self.split(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu) if self.training else mu
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
        return mu, z, {"kl": kl}

    def term_weights(self) -> dict[str, float]:
        return {"kl": self.beta}

    def config(self):
        return {"name": self.name, "beta": self.beta, "logvar_clamp": self.logvar_clamp}


LATENTS: dict[str, type[nn.Module]] = {cls.name: cls for cls in (DeterministicLatent, GaussianLatent)}


def make_latent(spec: str | dict[str, Any] | nn.Module | None = None) -> nn.Module:
    """Build a latent layer from a name or ``{"name": ..., **options}`` (``None``: deterministic)."""
    if spec is None:
        return DeterministicLatent()
    if isinstance(spec, nn.Module):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or spec.get("name") not in LATENTS:
        raise ValueError(f"latent must be one of {sorted(LATENTS)} (or a dict with 'name'), got {spec!r}")
    return LATENTS[spec["name"]](**{k: v for k, v in spec.items() if k != "name"})
