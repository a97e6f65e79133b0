"""What a trained autoencoder says about the data manifold: Jacobians, tangents, score fields.

- :func:`encoder_jacobian`: ``d code / d x`` per sample, shape (B, k, *input_shape).
- :func:`manifold_tangents`: the leading right-singular vectors of that Jacobian, the input
  directions along which the code changes most: estimated tangents of the data manifold
  (Rifai et al. 2011, "The manifold tangent classifier").
- :func:`score_field`: ``r(x) - x`` with ``r = g(f(.))`` the reconstruction. For a denoising
  autoencoder trained with Gaussian noise of std ``sigma`` it estimates ``sigma^2 * grad log p(x)``
  (Alain & Bengio 2014): the arrows point back towards the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:  # pragma: no cover
    from .autoencoder import AutoencoderModel


def _as_input(model: "AutoencoderModel", x, name: str = "x") -> tuple[torch.Tensor, bool]:
    """A float tensor of shape (B, *input_shape) on the model's device, and whether x was numpy."""
    was_numpy = isinstance(x, np.ndarray)
    if not isinstance(x, (np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a numpy array or torch Tensor, got {type(x).__name__}")
    param = next(model.parameters())
    t = torch.as_tensor(x).to(param.device, param.dtype)
    n_in = int(np.prod(model.input_shape))
    if t.dim() < 2 or len(t) == 0 or t[0].numel() != n_in:
        raise ValueError(f"{name} must hold samples of shape {tuple(model.input_shape)} (or flat rows of "
                         f"{n_in} values), got {tuple(t.shape)}")
    t = t.reshape(len(t), *model.input_shape)
    return t, was_numpy


def encoder_jacobian(model: "AutoencoderModel", x) -> torch.Tensor:
    """``d code_j / d x`` for each sample, shape (B, latent_dim, *input_shape), in eval mode.

    Examples
    --------
    >>> from aekit import create_model
    >>> encoder_jacobian(create_model("deep", (6,), latent_dim=2), torch.rand(3, 6)).shape
    torch.Size([3, 2, 6])
    """
    t, _ = _as_input(model, x)
    was_training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            t = t.detach().requires_grad_(True)
            code = model.encode(t).flatten(1)  # (B, k)
            rows = [torch.autograd.grad(code[:, j].sum(), t, retain_graph=True)[0] for j in range(code.shape[1])]
    finally:
        model.train(was_training)
    return torch.stack(rows, dim=1)


def manifold_tangents(model: "AutoencoderModel", x, n_tangents: int = 5) -> tuple[torch.Tensor, torch.Tensor]:
    """Leading right-singular vectors of the encoder Jacobian at each sample.

    Returns ``(tangents, singular_values)`` of shapes (B, n_tangents, *input_shape) and
    (B, n_tangents): unit-norm input-space directions, the most code-changing first.

    Examples
    --------
    >>> from aekit import create_model
    >>> tangents, s = manifold_tangents(create_model("deep", (6,), latent_dim=3), torch.rand(2, 6), 2)
    >>> tangents.shape, s.shape
    (torch.Size([2, 2, 6]), torch.Size([2, 2]))
    """
    if not isinstance(n_tangents, int) or isinstance(n_tangents, bool) or n_tangents < 1:
        raise ValueError(f"n_tangents must be a positive int, got {n_tangents!r}")
    jac = encoder_jacobian(model, x)
    flat = jac.flatten(2)  # (B, k, D)
    limit = min(flat.shape[1], flat.shape[2])
    if n_tangents > limit:
        raise ValueError(f"n_tangents must be at most min(latent_dim, n_features) = {limit}, got {n_tangents}")
    _, s, vh = torch.linalg.svd(flat, full_matrices=False)
    tangents = vh[:, :n_tangents].reshape(len(flat), n_tangents, *jac.shape[2:])
    return tangents, s[:, :n_tangents]


def score_field(model: "AutoencoderModel", x, sigma: float | None = None):
    """The reconstruction residual ``g(f(x)) - x`` (divided by ``sigma**2`` when given).

    For a denoising autoencoder trained with Gaussian noise of std ``sigma`` this is an estimate
    of the score ``grad_x log p(x)`` (Alain & Bengio 2014). Returns the type it was given.

    Examples
    --------
    >>> from aekit import create_model
    >>> score_field(create_model("denoising", (2,), latent_dim=8), np.zeros((5, 2))).shape
    (5, 2)
    """
    if sigma is not None and not (isinstance(sigma, (int, float)) and sigma > 0):
        raise ValueError(f"sigma must be a positive number or None, got {sigma!r}")
    t, was_numpy = _as_input(model, x)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            field = model.reconstruct(t) - t
    finally:
        model.train(was_training)
    if sigma is not None:
        field = field / sigma**2
    if was_numpy:
        return field.cpu().numpy().reshape(np.shape(x))
    return field.reshape(x.shape)
