"""Generation with a variational autoencoder: prior samples, interpolation, the 2-D manifold.

- :func:`sample_prior`: z ~ N(0, I) decoded to the mean of p(x | z), or to a draw from it;
- :func:`interpolate`: decoded points on the linear or spherical path between two inputs' codes
  (spherical interpolation keeps intermediate codes at a typical norm under a Gaussian prior,
  White 2016, "Sampling generative networks");
- :func:`manifold_grid`: for a 2-D latent, the decoder at a grid of Gaussian inverse-CDF points
  (Kingma & Welling 2014, Fig. 4), so equal steps carry equal prior mass;
- :func:`save_image_grid`: tile images into one PNG.

Every function works on an :class:`AutoencoderModel` in model space; the estimator
:class:`aekit.estimators.VariationalAutoencoder` adds the input scaling back.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..objectives.likelihoods import Bernoulli, Categorical, Gaussian, GaussianLearnedVariance, Likelihood
from .autoencoder import AutoencoderModel

Sampler = Callable[[Likelihood, torch.Tensor, torch.Generator], torch.Tensor]


def _sample_gaussian(lik, params, g):
    return params + lik.sigma * torch.randn(params.shape, generator=g, device=params.device)


def _sample_gaussian_learned(lik, params, g):
    mu, logvar = lik._mean_logvar(params)
    return mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g, device=mu.device)


def _sample_bernoulli(lik, params, g):
    return torch.bernoulli(torch.sigmoid(params), generator=g)


def _sample_categorical(lik, params, g):
    probs = lik.split(params).movedim(1, -1)  # (B, C, ..., K)
    probs = probs.softmax(-1).reshape(-1, lik.n_levels)
    levels = torch.multinomial(probs, 1, generator=g).view(params.shape[0], *lik.split(params).shape[2:])
    return levels.float() / (lik.n_levels - 1)


#: How to draw x ~ p(x | z) for each likelihood class; register new likelihoods here.
OUTPUT_SAMPLERS: dict[type, Sampler] = {
    Gaussian: _sample_gaussian,
    GaussianLearnedVariance: _sample_gaussian_learned,
    Bernoulli: _sample_bernoulli,
    Categorical: _sample_categorical,
}


def _generator(seed: int | None, device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    if seed is None:
        g.seed()
    else:
        g.manual_seed(seed)
    return g


def _device(model: AutoencoderModel) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def decode_latent(
    model: AutoencoderModel, z: torch.Tensor, *, condition=None, sampled: bool = False, seed: int | None = None
) -> torch.Tensor:
    """Decode codes ``z`` (n, latent_dim): the mean of p(x | z), or one draw from it if ``sampled``."""
    model.eval()
    z = torch.as_tensor(z, dtype=torch.float32, device=_device(model))
    params = model._decode_params(z, model._condition(condition, z))
    if not sampled:
        return model.likelihood.mean(params)
    for cls in type(model.likelihood).__mro__:
        if cls in OUTPUT_SAMPLERS:
            return OUTPUT_SAMPLERS[cls](model.likelihood, params, _generator(seed, z.device))
    raise ValueError(f"no sampler for likelihood {type(model.likelihood).__name__}; add one to OUTPUT_SAMPLERS")


def sample_prior(
    model: AutoencoderModel,
    n: int,
    *,
    condition=None,
    sampled: bool = False,
    temperature: float = 1.0,
    seed: int | None = None,
) -> torch.Tensor:
    """Draw ``n`` codes from the prior N(0, temperature^2 I) and decode them, (n, *input_shape).

    Examples
    --------
    >>> from aekit import create_model
    >>> sample_prior(create_model("vae", (1, 8, 8), latent_dim=2), 5, seed=0).shape
    torch.Size([5, 1, 8, 8])
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not isinstance(temperature, (int, float)) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature!r}")
    g = _generator(seed, _device(model))
    z = temperature * torch.randn((n, model.latent_dim), generator=g, device=_device(model))
    return decode_latent(model, z, condition=condition, sampled=sampled, seed=None if seed is None else seed + 1)


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between vectors z0 and z1 at fractions t (T,) -> (T, D).

    Falls back to linear interpolation when the vectors are (nearly) parallel.
    """
    cos = torch.dot(z0, z1) / (z0.norm() * z1.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    t = t[:, None]
    if omega.abs() < 1e-4:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation between z0 and z1 at fractions t (T,) -> (T, D)."""
    return (1 - t[:, None]) * z0 + t[:, None] * z1


INTERPOLATIONS = {"linear": lerp, "slerp": slerp}


@torch.no_grad()
def interpolate(
    model: AutoencoderModel, x_start, x_end, steps: int = 8, *, method: str = "linear", condition=None
) -> torch.Tensor:
    """Decode ``steps`` points on the path between the codes of two inputs, (steps, *input_shape).

    Examples
    --------
    >>> from aekit import create_model
    >>> model = create_model("vae", (6,), latent_dim=2)
    >>> interpolate(model, torch.zeros(6), torch.ones(6), steps=4, method="slerp").shape
    torch.Size([4, 6])
    """
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {sorted(INTERPOLATIONS)}, got {method!r}")
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        raise ValueError(f"steps must be an int >= 2, got {steps!r}")
    model.eval()
    device = _device(model)
    x = torch.stack([torch.as_tensor(np.asarray(v), dtype=torch.float32) for v in (x_start, x_end)]).to(device)
    x = x.reshape(2, *model.input_shape)
    c = None if condition is None else torch.as_tensor(condition, device=device).reshape(1, -1).expand(2, -1)
    if c is not None and c.shape[1] == 1:
        c = c[:, 0]
    z0, z1 = model.encode(x, c)
    path = INTERPOLATIONS[method](z0, z1, torch.linspace(0, 1, steps, device=device))
    cp = None if c is None else c[:1].expand(steps, *c.shape[1:])
    return decode_latent(model, path, condition=cp)


def gaussian_grid(n: int, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    """``n`` standard-normal quantiles at evenly spaced probabilities in [low, high]."""
    from scipy.stats import norm

    if not 0 < low < high < 1:
        raise ValueError(f"need 0 < low < high < 1, got low={low!r}, high={high!r}")
    return norm.ppf(np.linspace(low, high, n))


@torch.no_grad()
def manifold_grid(
    model: AutoencoderModel, n: int = 15, *, low: float = 0.05, high: float = 0.95, dims: tuple[int, int] = (0, 1),
    condition=None,
) -> torch.Tensor:
    """Decoded n x n grid over two latent dimensions at Gaussian inverse-CDF points, (n*n, *shape).

    Row i, column j decodes ``z[dims] = (q_j, q_{n-1-i})`` (the second dimension grows upwards),
    with the other dimensions at the prior mean 0. Meant for 2-D latents (Kingma & Welling 2014).

    Examples
    --------
    >>> from aekit import create_model
    >>> manifold_grid(create_model("vae", (1, 8, 8), latent_dim=2), n=4).shape
    torch.Size([16, 1, 8, 8])
    """
    if not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    if len(dims) != 2 or not all(0 <= d < model.latent_dim for d in dims) or dims[0] == dims[1]:
        raise ValueError(f"dims must name two different latent dimensions below {model.latent_dim}, got {dims!r}")
    q = torch.as_tensor(gaussian_grid(n, low, high), dtype=torch.float32)
    z = torch.zeros(n * n, model.latent_dim)
    rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    z[:, dims[0]] = q[cols.flatten()]
    z[:, dims[1]] = q[(n - 1 - rows).flatten()]
    if condition is not None:
        condition = torch.as_tensor(condition).reshape(1, -1).expand(n * n, -1)
        condition = condition[:, 0] if condition.shape[1] == 1 else condition
    return decode_latent(model, z.to(_device(model)), condition=condition)


def image_grid(images, ncol: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile images (n, H, W), (n, C, H, W) or square flat vectors into one (H', W'[, 3]) array."""
    x = np.asarray(images.detach().cpu() if isinstance(images, torch.Tensor) else images, dtype=np.float32)
    if x.ndim == 2:
        side = math.isqrt(x.shape[1])
        if side * side != x.shape[1]:
            raise ValueError(f"flat samples of {x.shape[1]} features are not square images; pass (n, C, H, W)")
        x = x.reshape(len(x), side, side)
    if x.ndim == 4:
        x = x[:, 0] if x.shape[1] == 1 else np.moveaxis(x[:, :3], 1, -1)
    n, h, w = x.shape[:3]
    ncol = ncol or math.ceil(math.sqrt(n))
    nrow = math.ceil(n / ncol)
    grid = np.ones((nrow * (h + pad) + pad, ncol * (w + pad) + pad, *x.shape[3:]), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncol)
        grid[pad + r * (h + pad) : pad + r * (h + pad) + h, pad + c * (w + pad) : pad + c * (w + pad) + w] = x[i]
    return grid


def save_image_grid(images, path: str | os.PathLike, ncol: int | None = None, scale: int = 2) -> Path:
    """Write images (values in [0, 1]) as one PNG grid, each pixel ``scale`` x ``scale``."""
    from PIL import Image

    grid = np.clip(image_grid(images, ncol), 0, 1)
    array = (grid * 255).round().astype(np.uint8)
    if scale > 1:
        array = array.repeat(scale, axis=0).repeat(scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path
