"""Contractive penalty: the squared Frobenius norm of the encoder Jacobian (Rifai et al. 2011).

``||J_f(x)||_F^2 = sum_{j,i} (d code_j / d x_i)^2``, averaged over the batch. Three ways to get it:

- ``"closed_form"``: for a single sigmoid layer ``h = sigmoid(W x + b)``,
  ``J = diag(h (1 - h)) W`` so ``||J||_F^2 = sum_j (h_j (1 - h_j))^2 ||W_j||^2`` -- no extra pass;
- ``"exact"``: autograd, one backward pass per code unit (any encoder; cost grows with the code);
- ``"hutchinson"``: ``E_u ||J^T u||^2 = tr(J J^T) = ||J||_F^2`` for Rademacher ``u`` (random
  projections of the code), ``n_projections`` backward passes whatever the input or code size.
  Unbiased; use it when the Jacobian is large.

``"auto"`` takes the closed form when the encoder is a single sigmoid layer, the exact Jacobian
when it has at most ``max_exact`` entries per sample, and Hutchinson otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from .regularisers import Regulariser, register_regulariser

if TYPE_CHECKING:  # pragma: no cover
    from ..models.autoencoder import AutoencoderModel

METHODS = ("auto", "closed_form", "exact", "hutchinson")


def single_sigmoid_layer(model: "AutoencoderModel") -> nn.Linear | None:
    """The encoder's linear layer if the code is ``sigmoid(W flatten(x) + b)``, else None."""
    from ..models.latents import DeterministicLatent  # late: models imports objectives

    mods = [m for m in model.encoder.modules() if not isinstance(m, nn.Sequential)]
    if not isinstance(model.latent, DeterministicLatent) or len(mods) != 3:
        return None
    flat, linear, act = mods
    if isinstance(flat, nn.Flatten) and isinstance(linear, nn.Linear) and isinstance(act, nn.Sigmoid):
        return linear
    return None


def _code_fn(model: "AutoencoderModel"):
    # The representation users get (posterior mean for a VAE), as a function of the encoder input.
    return lambda x: model.latent(model.encoder(x))[0].flatten(1)


def jacobian_frobenius_exact(model: "AutoencoderModel", x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
    """Per-sample ``||J_f(x)||_F^2`` by autograd, shape (B,). One backward pass per code unit.

    Samples must not interact in the encoder (no batch norm in training mode).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("contractive", (10,), latent_dim=3)
    >>> jacobian_frobenius_exact(model, torch.rand(4, 10)).shape
    torch.Size([4])
    """
    x = x.detach().requires_grad_(True)
    code = _code_fn(model)(x)  # (B, k)
    total = x.new_zeros(len(x))
    for j in range(code.shape[1]):
        (g,) = torch.autograd.grad(code[:, j].sum(), x, retain_graph=True, create_graph=create_graph)
        total = total + g.flatten(1).pow(2).sum(dim=1)
    return total


def jacobian_frobenius_hutchinson(
    model: "AutoencoderModel", x: torch.Tensor, n_projections: int = 1, create_graph: bool = False
) -> torch.Tensor:
    """Unbiased per-sample estimate of ``||J_f(x)||_F^2`` from Rademacher projections, shape (B,).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("contractive", (10,), latent_dim=3)
    >>> jacobian_frobenius_hutchinson(model, torch.rand(4, 10), n_projections=8).shape
    torch.Size([4])
    """
    x = x.detach().requires_grad_(True)
    code = _code_fn(model)(x)
    total = x.new_zeros(len(x))
    for _ in range(n_projections):
        u = torch.randint(0, 2, code.shape, device=code.device).to(code.dtype) * 2 - 1
        (g,) = torch.autograd.grad(code, x, grad_outputs=u, retain_graph=True, create_graph=create_graph)
        total = total + g.flatten(1).pow(2).sum(dim=1)  # ||J^T u||^2
    return total / n_projections


def jacobian_frobenius_closed_form(linear: nn.Linear, code: torch.Tensor) -> torch.Tensor:
    """Per-sample ``sum_j (h_j (1-h_j))^2 ||W_j||^2`` for ``h = sigmoid(W x + b)``, shape (B,)."""
    return (code * (1 - code)).pow(2) @ linear.weight.pow(2).sum(dim=1)


@register_regulariser
class Contractive(Regulariser):
    """``weight * mean_batch ||J_f(x)||_F^2`` with ``f`` the encoder (input -> code).

    Parameters
    ----------
    weight : float
        Penalty strength (Rifai et al. use 0.01-1 depending on the data scale).
    method : {"auto", "closed_form", "exact", "hutchinson"}
        See the module docstring.
    n_projections : int
        Random projections per step for ``"hutchinson"``.
    max_exact : int
        ``"auto"`` uses the exact Jacobian when ``code size * input size`` is at most this.

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("deep", (10,), latent_dim=3, regularisers=[{"name": "contractive", "weight": 0.1}])
    >>> sorted(model.loss(torch.rand(4, 10)).parts)
    ['contractive', 'reconstruction', 'total']
    """

    name = "contractive"

    def __init__(self, weight: float = 0.1, method: str = "auto", n_projections: int = 1, max_exact: int = 65536) -> None:
        super().__init__(weight)
        if method not in METHODS:
            raise ValueError(f"contractive: method must be one of {METHODS}, got {method!r}")
        for arg, value in (("n_projections", n_projections), ("max_exact", max_exact)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"contractive: {arg} must be a positive int, got {value!r}")
        self.method, self.n_projections, self.max_exact = method, n_projections, max_exact

    def resolve(self, model: "AutoencoderModel") -> str:
        """The method ``"auto"`` stands for with this model."""
        if self.method != "auto":
            return self.method
        if single_sigmoid_layer(model) is not None:
            return "closed_form"
        size = model.latent_dim * int(torch.Size(model.input_shape).numel())
        return "exact" if size <= self.max_exact else "hutchinson"

    def per_sample(self, x: torch.Tensor, model: "AutoencoderModel", code: torch.Tensor | None = None) -> torch.Tensor:
        """``||J_f(x)||_F^2`` per sample by the configured method (differentiable)."""
        method = self.resolve(model)
        if method == "closed_form":
            linear = single_sigmoid_layer(model)
            if linear is None:
                raise ValueError("contractive: method='closed_form' needs a single sigmoid encoder layer "
                                 "(hidden_dims=(), code_activation='sigmoid'); use 'exact' or 'hutchinson'")
            return jacobian_frobenius_closed_form(linear, model.encode(x) if code is None else code)
        with torch.enable_grad():
            if method == "exact":
                return jacobian_frobenius_exact(model, x, create_graph=True)
            return jacobian_frobenius_hutchinson(model, x, self.n_projections, create_graph=True)

    def penalty(self, result, model):
        return self.per_sample(result.x_in, model, code=result.code).mean()

    def config(self):
        return {"name": self.name, "weight": self.weight, "method": self.method,
                "n_projections": self.n_projections, "max_exact": self.max_exact}
