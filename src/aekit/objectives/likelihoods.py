"""Decoder output distributions p(x | z).

A likelihood turns the decoder's raw output (``n_params`` values per data element, stacked
along the first data axis) into

- ``loss(params, x)``: the per-sample training loss, shape (batch,), summed over features. It is
  the negative log-likelihood up to an additive constant that does not depend on the parameters;
- ``nll(params, x)``: the exact negative log-likelihood in nats, shape (batch,);
- ``mean(params)``: the reconstruction in data space (the distribution's mean).

Names let configurations stay JSON: ``make_likelihood("bernoulli")``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

_LOG_2PI = math.log(2 * math.pi)


def _sum_per_sample(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).sum(dim=1)


class Likelihood(nn.Module):
    """Base class. Subclasses set ``n_params`` and implement ``nll``/``mean``."""

    name: str = ""
    n_params: int = 1
    #: data must lie in [0, 1] (Bernoulli probabilities, categorical levels)
    needs_unit_interval: bool = False

    def split(self, params: torch.Tensor) -> torch.Tensor:
        """(B, n_params * C, ...) -> (B, n_params, C, ...)."""
        return params.unflatten(1, (self.n_params, -1))

    def nll(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError  # abstract

    def loss(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.nll(params, x)

    def mean(self, params: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError  # abstract

    def config(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this likelihood with :func:`make_likelihood`."""
        return {"name": self.name}


class Gaussian(Likelihood):
    """Gaussian with a fixed standard deviation ``sigma``: the loss is ``0.5 * SSE / sigma^2``.

    With ``sigma=1`` training minimises half the summed squared error, i.e. MSE.

    Examples
    --------
    >>> lik = Gaussian()
    >>> lik.loss(torch.zeros(2, 3), torch.ones(2, 3))
    tensor([1.5000, 1.5000])
    """

    name = "gaussian"

    def __init__(self, sigma: float = 1.0) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f"sigma must be positive, got {sigma!r}")
        self.sigma = float(sigma)

    def loss(self, params, x):
        return 0.5 * _sum_per_sample((params - x) ** 2) / self.sigma**2

    def nll(self, params, x):
        d = x[0].numel()
        return self.loss(params, x) + d * (math.log(self.sigma) + 0.5 * _LOG_2PI)

    def mean(self, params):
        return params

    def config(self):
        return {"name": self.name, "sigma": self.sigma}


class Bernoulli(Likelihood):
    """Bernoulli on logits: binary cross-entropy computed from logits for stability.

    Outputs are squashed with a sigmoid only by :meth:`mean`, when reconstructing. Targets may be
    any value in [0, 1] (the "continuous Bernoulli" trick used for grey-level images).
    """

    name = "bernoulli"
    needs_unit_interval = True

    def nll(self, params, x):
        return _sum_per_sample(F.binary_cross_entropy_with_logits(params, x, reduction="none"))

    def mean(self, params):
        return torch.sigmoid(params)


class Categorical(Likelihood):
    """Softmax over ``n_levels`` values per feature, for data quantised in [0, 1].

    A value ``x`` is the class ``round(x * (n_levels - 1))``; the reconstruction is the expected
    level, so it stays a smooth function of the logits.
    """

    name = "categorical"
    needs_unit_interval = True

    def __init__(self, n_levels: int = 256) -> None:
        super().__init__()
        if not isinstance(n_levels, int) or n_levels < 2:
            raise ValueError(f"n_levels must be an int >= 2, got {n_levels!r}")
        self.n_levels = n_levels
        self.n_params = n_levels

    def targets(self, x: torch.Tensor) -> torch.Tensor:
        return torch.round(x.clamp(0, 1) * (self.n_levels - 1)).long()

    def nll(self, params, x):
        logits = self.split(params)  # (B, K, C, ...)
        return _sum_per_sample(F.cross_entropy(logits, self.targets(x), reduction="none"))

    def mean(self, params):
        probs = self.split(params).softmax(dim=1)
        levels = torch.linspace(0, 1, self.n_levels, device=params.device, dtype=probs.dtype)
        shape = [1, self.n_levels] + [1] * (probs.dim() - 2)
        return (probs * levels.view(shape)).sum(dim=1)

    def config(self):
        return {"name": self.name, "n_levels": self.n_levels}


LIKELIHOODS: dict[str, type[Likelihood]] = {
    cls.name: cls for cls in (Gaussian, Bernoulli, Categorical)
}


def make_likelihood(spec: str | dict[str, Any] | Likelihood = "gaussian") -> Likelihood:
    """Build a likelihood from a name, a config dict (``{"name": ..., **options}``) or an instance.

    Examples
    --------
    >>> make_likelihood({"name": "categorical", "n_levels": 16}).n_params
    16
    """
    if isinstance(spec, Likelihood):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, dict) or spec.get("name") not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {sorted(LIKELIHOODS)} (or a dict with 'name'), got {spec!r}")
    options = {k: v for k, v in spec.items() if k != "name"}
    return LIKELIHOODS[spec["name"]](**options)
